import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineEvents, SyncbridgeConfigInput } from 'syncbridge';
import { adoPerson, jiraPerson, paragraph } from './people.js';
import { startScenario, type Scenario } from './scenario.js';

type Mapping = SyncbridgeConfigInput['mappings'][number];
const withMapping =
  (change: Partial<Mapping>) =>
  (config: SyncbridgeConfigInput): SyncbridgeConfigInput => ({
    ...config,
    mappings: config.mappings.map((m) => ({ ...m, ...change })),
  });

/** The life of a synced item around the edges: deleted on one side, leaving the filter, and a dry run that plans what the run does. */
describe('item lifecycle over real HTTP', () => {
  let s: Scenario;
  let ana: ReturnType<typeof jiraPerson>;
  let ben: ReturnType<typeof adoPerson>;
  let deleted: Array<EngineEvents['itemDeleted']>;

  beforeEach(async () => {
    s = await startScenario();
    ana = jiraPerson(s.jira, 'Ana Silva');
    ben = adoPerson(s.ado, 'ben@example.com');
    deleted = [];
  });

  afterEach(async () => {
    await s?.close();
  });

  async function linked(adjust?: (config: SyncbridgeConfigInput) => SyncbridgeConfigInput) {
    const bug = await ana.fileBug({
      summary: 'Upload stalls at 99 %',
      description: paragraph('Uploads', ' stall.'),
      priority: 'High',
    });
    await s.connect(adjust);
    s.sync.events.on('itemDeleted', (e) => deleted.push(e));
    await s.sync.activate();
    await s.runOnce();
    return { bug, copy: (await s.linkOf('left', bug.id)).rightId };
  }

  it('unlinks a pair whose Jira issue was deleted: the Azure DevOps bug stays, later edits fail nothing and create nothing', async () => {
    const { bug, copy } = await linked();
    await ana.deleteItem(bug.key);
    await ben.edit(copy, { 'System.Title': 'Upload stalls at 99 % on Wi-Fi' });
    const first = await s.runOnce();
    expect(first.summary).toMatchObject({ failed: 0, deletes: 1, created: { left: 0, right: 0 } });
    expect(deleted).toMatchObject([{ side: 'left', key: bug.key, reason: 'deleted', action: 'unlinked' }]);
    await ben.edit(copy, { 'Microsoft.VSTS.Common.Priority': 1 });
    const later = await s.runOnce();
    expect(later.summary).toMatchObject({ failed: 0, deletes: 0, created: { left: 0, right: 0 } });
    expect(later.writes).toEqual({ jira: [], ado: [] });
    expect(await ana.connector.getMany([bug.id], { fields: ['summary'] })).toEqual([]);
    expect((await s.adoItem(copy)).fields).toMatchObject({
      'System.Title': 'Upload stalls at 99 % on Wi-Fi',
      'Microsoft.VSTS.Common.Priority': '1',
    });
    expect((await s.sync.status()).pairs[0]!.failures).toEqual([]);
  });

  it('recreates an Azure DevOps bug deleted to the recycle bin under onTargetDelete: recreate', async () => {
    const { bug, copy } = await linked(
      withMapping({ deletes: { leftToRight: { onSourceDelete: 'unlink', onTargetDelete: 'recreate' } } }),
    );
    await ben.deleteItem(copy);
    await ana.edit(bug.id, { summary: 'Upload stalls at 99 % on large files' });
    await s.runOnce();
    expect(deleted).toMatchObject([{ side: 'right', action: 'recreated' }]);
    const again = (await s.linkOf('left', bug.id)).rightId;
    expect(again).not.toBe(copy);
    expect((await s.adoItem(again)).fields).toMatchObject({
      'System.Title': 'Upload stalls at 99 % on large files',
      'Microsoft.VSTS.Common.Priority': '2',
    });
    expect(s.ado.sim.state.recycleBin.has(Number(copy))).toBe(true);
  });

  it('syncs the change that takes an item out of the filter, then unlinks it (keepSyncingUnmatched: false)', async () => {
    const { bug, copy } = await linked(withMapping({ keepSyncingUnmatched: false }));
    await ana.edit(bug.id, { summary: 'Upload stalls (internal)', labels: ['internal'], status: 'In Progress' });
    const left = await s.runOnce();
    expect(left.summary.deletes).toBe(1);
    expect(deleted).toMatchObject([{ side: 'left', reason: 'unmatched', action: 'unlinked' }]);
    expect((await s.adoItem(copy)).fields).toMatchObject({
      'System.Title': 'Upload stalls (internal)',
      'System.State': 'Active',
      'System.Tags': ['internal'],
    });
    await ana.edit(bug.id, { summary: 'Only in Jira now' });
    await ben.edit(copy, { 'System.Title': 'Only in Azure DevOps now' });
    const later = await s.runOnce();
    expect(later.writes).toEqual({ jira: [], ado: [] });
    expect([(await s.jiraItem(bug.id)).fields.summary, (await s.adoItem(copy)).fields['System.Title']]).toEqual([
      'Only in Jira now',
      'Only in Azure DevOps now',
    ]);
  });

  it('plans in a dry run exactly the writes the run then makes', async () => {
    const { bug, copy } = await linked();
    await ana.edit(bug.id, { summary: 'Upload stalls at 99 % (both sides edited)' });
    await ben.edit(copy, { 'Microsoft.VSTS.Common.Priority': 1 });
    await ana.fileBug({
      summary: 'Avatar upload rejects PNG',
      description: paragraph('PNG', ' is rejected.'),
      priority: 'Low',
    });
    await ben.fileBug({ title: 'Export drops the header row', description: paragraph('CSV', ' export.'), priority: 3 });
    const planned = await s.sync.dryRun();
    const run = await s.runOnce();
    const shape = (w: { side: string; action: string; sourceKey: string; fields: Record<string, unknown> }) =>
      `${w.action} ${w.side} from ${w.sourceKey}: ${Object.keys(w.fields).sort().join(',')}`;
    expect(planned.map(shape).sort()).toEqual(run.events.map(shape).sort());
    expect(planned).toHaveLength(4);
  });
});
