import { afterEach, describe, expect, it } from 'vitest';
import type { SyncbridgeConfigInput } from 'syncbridge';
import { adoPerson, jiraPerson, paragraph } from './people.js';
import { startScenario, type Scenario } from './scenario.js';

const withoutLabels = (config: SyncbridgeConfigInput): SyncbridgeConfigInput => ({
  ...config,
  mappings: config.mappings.map((m) => ({ ...m, fields: m.fields.filter((f) => f.left !== 'labels') })),
});
const sorted = (value: unknown) => [...(value as string[])].sort();

/**
 * A field added to a mapping that already syncs (deactivate, edit, activate, as documented)
 * has no agreed state yet: neither side's values may be taken for removals.
 */
describe('a field added to an active mapping', () => {
  let s: Scenario;

  afterEach(async () => {
    await s?.close();
  });

  it('fills both sides with the union of their values, and later edits wipe nothing', async () => {
    s = await startScenario();
    const ana = jiraPerson(s.jira, 'Ana Silva');
    const ben = adoPerson(s.ado, 'ben@example.com');
    const bug = await ana.fileBug({
      summary: 'Cart badge shows 0',
      description: paragraph('Badge', ' never updates.'),
      priority: 'High',
      labels: ['keep-me', 'customer'],
    });
    await s.connect(withoutLabels);
    await s.sync.activate();
    await s.runOnce();
    const copy = (await s.linkOf('left', bug.id)).rightId;
    // Tags are not synced yet: Ben's tags stay in Azure DevOps.
    await ben.edit(copy, { 'System.Tags': ['ado-tag', 'perf'] });
    await s.runOnce();
    expect((await s.jiraItem(bug.id)).fields.labels).toEqual(['keep-me', 'customer']);

    await s.sync.deactivate();
    await s.sync.close();
    await s.connect();
    await s.sync.activate();
    await s.runOnce();
    const union = ['ado-tag', 'customer', 'keep-me', 'perf'];
    expect(sorted((await s.jiraItem(bug.id)).fields.labels)).toEqual(union);
    expect(sorted((await s.adoItem(copy)).fields['System.Tags'])).toEqual(union);

    await ben.edit(copy, { 'System.Title': 'Cart badge shows 0 after checkout' });
    await s.runOnce();
    await ana.edit(bug.id, { summary: 'Cart badge shows 0 after checkout on iOS' });
    await s.runOnce();
    const [jira, ado] = [await s.jiraItem(bug.id), await s.adoItem(copy)];
    expect({ summary: jira.fields.summary, labels: sorted(jira.fields.labels) }).toEqual({
      summary: 'Cart badge shows 0 after checkout on iOS',
      labels: union,
    });
    expect({ title: ado.fields['System.Title'], tags: sorted(ado.fields['System.Tags']) }).toEqual({
      title: 'Cart badge shows 0 after checkout on iOS',
      tags: union,
    });
    expect((await s.sync.status()).pairs[0]!.failures).toEqual([]);
  });
});
