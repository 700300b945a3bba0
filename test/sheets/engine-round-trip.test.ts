import { join } from 'node:path';
import { createMemoryStateStore, createSyncbridge, loadConfig } from 'syncbridge';
import { exportValueMaps, importValueMaps } from 'syncbridge/sheets';
import { createMemoryConnector, createMemoryTracker } from 'syncbridge/testing';
import { describe, expect, it } from 'vitest';
import { editWorkbook, tempConfig } from './fixtures.js';

const config = `version: 1
systems:
  jira: { adapter: memory, baseUrl: "http://memory.invalid/jira", auth: { type: none } }
  ado: { adapter: memory, baseUrl: "http://memory.invalid/ado", auth: { type: none } }
valueMaps:
  priority:
    pairs:
      - { left: Highest, right: "1" }
      - { left: High, right: "2" }
      - { left: Medium, right: "3" }
      - { left: Low, right: "4" }
mappings:
  - name: bugs
    left: { system: jira, project: JIRA, type: Bug, start: beginning }
    right: { system: ado, project: ADO, type: Bug, start: beginning }
    fields:
      - { left: title, right: title }
      - { left: priority, right: priority, valueMap: priority }
      - { left: assignee, right: assignee, direction: leftToRight }
state: { store: memory }
`;

describe('round trip through the engine', () => {
  it('syncs with the pairs a person filled into the exported sheet', async () => {
    const jira = createMemoryTracker({ project: 'JIRA' });
    const ado = createMemoryTracker({
      project: 'ADO',
      priorities: ['1', '2', '3', '4'],
      users: [
        { id: 'ado-bot', email: 'sync-bot@example.com', displayName: 'Sync Bot' },
        { id: 'ado-ana', email: 'ana@example.com', displayName: 'Ana Silva' },
        { id: 'ado-ben', email: 'ben.okafor@contoso.com', displayName: 'Ben Okafor' },
      ],
    });
    const systems = { jira: createMemoryConnector(jira), ado: createMemoryConnector(ado) };
    const { dir, configPath } = await tempConfig(config);
    const file = join(dir, 'maps.xlsx');

    await exportValueMaps({ configPath, out: file, connectors: systems });
    await editWorkbook(file, (workbook) => {
      const priority = workbook.getWorksheet('priority')!;
      expect(priority.getCell('A6').text).toBe('Lowest');
      priority.getCell('B6').value = '4';
      priority.getCell('C5').value = 'yes';
      // Ben's e-mail differs between the systems, so export listed him for a partner.
      const users = workbook.getWorksheet('Users')!;
      expect(users.getCell('A2').text).toBe('ben@example.com');
      users.getCell('B2').value = 'ben.okafor@contoso.com';
    });
    await importValueMaps({ configPath, file, connectors: systems });

    const sync = await createSyncbridge({
      config: await loadConfig(configPath),
      systems,
      store: createMemoryStateStore(),
    });
    await sync.activate();
    jira.create(
      'JIRA',
      'Bug',
      { title: 'Crash on save', priority: 'Lowest', assignee: jira.user('ben') },
      jira.user('ana'),
    );
    const summary = await sync.runOnce();

    expect(summary.failed).toBe(0);
    const [copy] = [...ado.items.values()].filter((i) => i.fields.title === 'Crash on save');
    expect(copy?.fields.priority).toBe('4');
    expect(copy?.fields.assignee).toMatchObject({ id: 'ado-ben' });
    await sync.close();
  });
});
