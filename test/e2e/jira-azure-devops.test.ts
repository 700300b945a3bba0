import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncbridge, type Block, type ConflictEvent, type RichText, type TableCell } from 'syncbridge';
import { richTextToPlain } from 'syncbridge/connector-kit';
import { COMMENT_MARKER } from '../../src/engine/comments.js';
import { azureDevOpsConnector } from 'syncbridge/azure-devops';
import { jiraConnector } from 'syncbridge/jira';
import { mappedDifferences } from './equality.js';
import { integrationConfig, priorityMap } from './integration.js';
import { adoPerson, jiraPerson, paragraph } from './people.js';
import { adoFields, jiraFields, startScenario, type Scenario } from './scenario.js';

const cell = (text: string, header = false): TableCell => ({
  ...(header ? { header } : {}),
  content: [{ type: 'paragraph', content: [{ type: 'text', text }] }],
});
const seenOn: Block = {
  type: 'table',
  rows: [{ cells: [cell('Browser', true), cell('Total', true)] }, { cells: [cell('Edge'), cell('€ 0.00')] }],
};

describe('Jira ↔ Azure DevOps over real HTTP', () => {
  let s: Scenario;
  let ana: ReturnType<typeof jiraPerson>;
  let chen: ReturnType<typeof jiraPerson>;
  let ben: ReturnType<typeof adoPerson>;
  let emil: ReturnType<typeof adoPerson>;
  const jiraBugs: Array<{ id: string; key: string }> = [];
  const adoBugs: Array<{ id: string; key: string }> = [];
  const runOnce = () => s.runOnce();
  const linkOf = (side: 'left' | 'right', id: string) => s.linkOf(side, id);
  const jiraItem = (id: string) => s.jiraItem(id);
  const adoItem = (id: string) => s.adoItem(id);

  beforeAll(async () => {
    s = await startScenario();
    const { jira, ado } = s;
    ana = jiraPerson(jira, 'Ana Silva');
    chen = jiraPerson(jira, 'Chen Wei');
    ben = adoPerson(ado, 'ben@example.com');
    emil = adoPerson(ado, 'emil.novak@contoso.com');
    const people = ['Ana Silva', 'Ben Okafor', 'Chen Wei', 'Dana Kowalski', 'Emil Novak', 'Farah Haddad', undefined];
    const priorities = ['Highest', 'High', 'Medium', 'Low', 'Lowest'];
    for (let n = 1; n <= 8; n++) {
      const labels = [['backend'], ['ui', 'customer'], []][n % 3]!;
      const description = paragraph(`Defect ${n}: `, 'the cart total ignores discounts.');
      // Bug 1 carries a table, as bug reports often do.
      if (n === 1) description.content.push(seenOn);
      jiraBugs.push(
        await (n % 2 ? ana : chen).fileBug({
          summary: `Jira bug ${n}: total is wrong`,
          description,
          priority: priorities[n % 5]!,
          labels,
          ...(people[n % 7] ? { assignee: people[n % 7]! } : {}),
        }),
      );
    }
    await ana.edit(jiraBugs[1]!.id, { status: 'In Progress' });
    await ana.fileBug({
      summary: 'Internal: rotate the test keys',
      description: paragraph('Internal', ' only.'),
      priority: 'Low',
      labels: ['internal'],
    });
    const adoPeople = [
      'ana.silva@contoso.com',
      'ben@example.com',
      'chen.wei@contoso.com',
      'dana@example.com',
      'emil.novak@contoso.com',
      'farah@example.com',
    ];
    for (let n = 1; n <= 6; n++) {
      const filer = n % 2 ? ben : emil;
      // Bug 6 comes without a priority: the default rule gives it one in Jira.
      adoBugs.push(
        await filer.fileBug({
          title: `ADO bug ${n}: export times out`,
          description: paragraph(`Export ${n}`, ' fails after 30 s.'),
          ...(n === 6 ? {} : { priority: 1 + (n % 4) }),
          state: n % 3 === 0 ? 'Active' : 'New',
          assignedTo: adoPeople[n - 1]!,
          tags: n % 2 ? ['performance'] : [],
        }),
      );
    }
    await ben.fileBug({
      title: 'Internal: renew the build agent certificate',
      description: paragraph('Internal', ' only.'),
      priority: 3,
      tags: ['internal'],
    });
    await s.connect();
  });

  afterAll(async () => {
    await s?.close();
  });

  it('refuses a priority map that cannot be mapped back without a preferred pair', async () => {
    const config = { ...integrationConfig(s.jira, s.ado, ''), state: { store: 'memory' as const } };
    config.valueMaps = {
      ...config.valueMaps,
      priority: { pairs: priorityMap.pairs.map(({ left, right }) => ({ left, right })) },
    };
    const refused = createSyncbridge({ config, connectors: [jiraConnector, azureDevOpsConnector] });
    await expect(refused).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('"4" maps to "Low" and "Lowest"; mark one pair preferred: true'),
    });
  });

  it('syncs both ways at first, creating and linking every bug the filters select', async () => {
    await s.sync.activate();
    const { summary } = await runOnce();
    expect(summary).toMatchObject({ created: { left: 6, right: 8 }, failed: 0 });
    const status = await s.sync.status();
    expect(status.pairs[0]).toMatchObject({ links: 14, failures: [], pendingCreates: 0 });
    for (const bug of jiraBugs) expect((await linkOf('left', bug.id)).leftKey).toBe(bug.key);
    for (const bug of adoBugs) expect((await linkOf('right', bug.id)).rightKey).toBe(bug.key);
    // The internal bugs stay home: 8 + 6 + one internal bug on each side.
    expect(s.jira.sim.state.issues.size).toBe(15);
    expect(s.ado.sim.state.workItems.size).toBe(15);
  });

  it('maps users by e-mail and by the user map, and applies the default rule', async () => {
    const copyOfJira = async (n: number) => adoItem((await linkOf('left', jiraBugs[n - 1]!.id)).rightId);
    expect((await copyOfJira(1)).fields['System.AssignedTo']).toMatchObject({ email: 'ben@example.com' });
    expect((await copyOfJira(2)).fields['System.AssignedTo']).toMatchObject({ email: 'chen.wei@contoso.com' }); // Jira hides Chen's e-mail
    expect((await copyOfJira(4)).fields['System.AssignedTo']).toMatchObject({ email: 'emil.novak@contoso.com' });
    expect((await copyOfJira(7)).fields['System.AssignedTo']).toMatchObject({ email: 'ana.silva@contoso.com' });
    expect((await copyOfJira(2)).fields['System.State']).toBe('Active');
    expect((await copyOfJira(4)).fields['Microsoft.VSTS.Common.Priority']).toBe('4'); // Lowest
    expect(((await copyOfJira(1)).fields['System.Description'] as RichText).content).toContainEqual(seenOn); // an HTML table in Azure DevOps
    const untriaged = await jiraItem((await linkOf('right', adoBugs[5]!.id)).leftId);
    expect(untriaged.fields.priority).toBe('Low');
    expect(untriaged.fields.assignee).toMatchObject({ displayName: 'Farah Haddad' });
  });

  it('writes nothing more once both sides agree (no echo)', async () => {
    for (let pass = 0; pass < 2; pass++) {
      const { writes, events, summary } = await runOnce();
      expect(writes).toEqual({ jira: [], ado: [] });
      expect(events).toEqual([]);
      expect(summary).toMatchObject({ created: { left: 0, right: 0 }, updated: { left: 0, right: 0 }, failed: 0 });
    }
  });

  it('carries people’s edits on both sides across, with mapped values, then settles', async () => {
    const j1 = jiraBugs[0]!.id;
    const a1 = adoBugs[0]!.id;
    await ana.edit(j1, {
      summary: 'Jira bug 1: total ignores coupons',
      priority: 'Highest',
      status: 'In Progress',
      assignee: { id: s.jira.sim.users.find((u) => u.displayName === 'Dana Kowalski')!.accountId },
      labels: ['backend', 'customer'],
    });
    await ana.comment(jiraBugs[2]!.id, 'Reproduced on staging.');
    await ben.edit(a1, {
      'System.Title': 'ADO bug 1: export times out for big files',
      'Microsoft.VSTS.Common.Priority': '1',
      'System.State': 'Active',
      'System.AssignedTo': { id: 'farah@example.com' },
      'System.Tags': ['performance', 'regression'],
    });
    await ben.comment(adoBugs[1]!.id, 'Happens on every export over 10 MB.');

    const { summary } = await runOnce();
    expect(summary).toMatchObject({ updated: { left: 1, right: 1 }, failed: 0, commentsCopied: 2 });
    const adoCopy = await adoItem((await linkOf('left', j1)).rightId);
    expect(adoCopy.fields).toMatchObject({
      'System.Title': 'Jira bug 1: total ignores coupons',
      'Microsoft.VSTS.Common.Priority': '1',
      'System.State': 'Active',
      'System.AssignedTo': { email: 'dana@example.com' },
    });
    expect([...(adoCopy.fields['System.Tags'] as string[])].sort()).toEqual(['backend', 'customer']);
    const jiraCopy = await jiraItem((await linkOf('right', a1)).leftId);
    expect(jiraCopy.fields).toMatchObject({
      summary: 'ADO bug 1: export times out for big files',
      priority: 'Highest',
      status: 'In Progress',
      assignee: { displayName: 'Farah Haddad' },
    });
    expect([...(jiraCopy.fields.labels as string[])].sort()).toEqual(['performance', 'regression']);

    const copiedToAdo = await s.sync.connectors.ado!.listComments((await linkOf('left', jiraBugs[2]!.id)).rightId);
    expect(copiedToAdo.map((c) => richTextToPlain(c.body))).toEqual([
      expect.stringMatching(
        new RegExp(
          `^\\${COMMENT_MARKER} Ana Silva commented on ${jiraBugs[2]!.key} \\(comment \\d+\\):[\\s\\S]*Reproduced on staging\\.`,
        ),
      ),
    ]);
    const copiedToJira = await s.sync.connectors.jira!.listComments((await linkOf('right', adoBugs[1]!.id)).leftId);
    expect(copiedToJira.map((c) => richTextToPlain(c.body))).toEqual([
      expect.stringContaining('Happens on every export over 10 MB.'),
    ]);

    for (let pass = 0; pass < 2; pass++) {
      const quiet = await runOnce();
      expect(quiet.writes).toEqual({ jira: [], ado: [] });
      expect(quiet.summary).toMatchObject({ updated: { left: 0, right: 0 }, commentsCopied: 0 });
    }
  });

  it('queues a field changed on both sides as a conflict until a person takes one side', async () => {
    const j3 = jiraBugs[2]!.id;
    const a3 = (await linkOf('left', j3)).rightId;
    const conflicts: ConflictEvent[] = [];
    const off = s.sync.events.on('conflict', (e) => conflicts.push(e));
    await chen.edit(j3, { summary: 'Jira bug 3: total wrong with coupons' });
    await emil.edit(a3, { 'System.Title': 'Jira bug 3: total wrong in EUR' });

    const { summary, writes } = await runOnce();
    off();
    expect(summary).toMatchObject({ conflicts: 1, failed: 1 });
    expect(writes).toEqual({ jira: [], ado: [] });
    expect(conflicts).toMatchObject([
      {
        policy: 'manual',
        resolution: 'queued',
        field: { left: 'summary', right: 'System.Title' },
        left: 'Jira bug 3: total wrong with coupons',
        right: 'Jira bug 3: total wrong in EUR',
      },
    ]);
    const [failure] = (await s.sync.status()).pairs[0]!.failures;
    expect(failure).toMatchObject({ kind: 'conflict', code: 'CONFLICT', nextRetryAt: null });
    expect(failure!.message).toContain('"Jira bug 3: total wrong with coupons"');
    expect(failure!.message).toContain('"Jira bug 3: total wrong in EUR"');

    await runOnce();
    expect((await adoItem(a3)).fields['System.Title']).toBe('Jira bug 3: total wrong in EUR');

    await s.sync.retry({ itemId: failure!.itemId }, { take: 'left' });
    expect((await adoItem(a3)).fields['System.Title']).toBe('Jira bug 3: total wrong with coupons');
    expect((await jiraItem(j3)).fields.summary).toBe('Jira bug 3: total wrong with coupons');
    expect((await s.sync.status()).pairs[0]!.failures).toEqual([]);
  });

  it('queues an item whose write failed and recovers it on the next pass', async () => {
    const j5 = jiraBugs[4]!.id;
    const a5 = (await linkOf('left', j5)).rightId;
    await ana.edit(j5, { priority: 'High', labels: ['backend', 'regression'] });
    s.ado.failNextWrite(503);

    const failed = await runOnce();
    expect(failed.summary).toMatchObject({ failed: 1, updated: { left: 0, right: 0 } });
    const [failure] = (await s.sync.status()).pairs[0]!.failures;
    expect(failure).toMatchObject({ kind: 'error', side: 'left', itemId: j5, attempts: 1 });
    expect(failure!.nextRetryAt).not.toBeNull();
    expect(failed.writes.ado.map((w) => w.status)).toEqual([503]);
    expect((await adoItem(a5)).fields['Microsoft.VSTS.Common.Priority']).not.toBe('2');

    const recovered = await runOnce();
    expect(recovered.summary).toMatchObject({ recovered: 1, updated: { left: 0, right: 1 }, failed: 0 });
    expect((await adoItem(a5)).fields).toMatchObject({
      'Microsoft.VSTS.Common.Priority': '2',
      'System.Tags': expect.arrayContaining(['backend', 'regression']),
    });
    expect((await s.sync.status()).pairs[0]!.failures).toEqual([]);
  });

  it('ends with every linked pair equal after mapping, and a last pass that writes nothing', async () => {
    const quiet = await runOnce();
    expect(quiet.writes).toEqual({ jira: [], ado: [] });
    const links = await s.sync.store.listLinks('bugs');
    expect(links).toHaveLength(14);
    const left = new Map(
      (
        await s.sync.connectors.jira!.getMany(
          links.map((l) => l.leftId),
          { fields: jiraFields },
        )
      ).map((i) => [i.id, i]),
    );
    const right = new Map(
      (
        await s.sync.connectors.ado!.getMany(
          links.map((l) => l.rightId),
          { fields: adoFields },
        )
      ).map((i) => [i.id, i]),
    );
    const differences = links.flatMap((l) =>
      mappedDifferences(left.get(l.leftId)!, right.get(l.rightId)!).map((d) => `${l.leftKey} ↔ ${l.rightKey} ${d}`),
    );
    expect(differences).toEqual([]);
  });
});
