/**
 * Runs the examples of `docs/guides/testing.md` as written: two memory trackers synced by
 * the engine, a person's edit arriving on the other side, and a forced connector failure
 * landing in the failure queue and recovering on retry.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStateStore, createSyncbridge } from 'syncbridge';
import { createMemoryConnector, createMemoryTracker } from 'syncbridge/testing';

async function guideSetup() {
  const jira = createMemoryTracker({ project: 'JIRA' });
  const ado = createMemoryTracker({ project: 'ADO' });
  const right = createMemoryConnector(ado);
  const sync = await createSyncbridge({
    config: {
      version: 1,
      systems: {
        jira: { adapter: 'memory', baseUrl: 'http://memory.invalid/jira', auth: { type: 'none' } },
        ado: { adapter: 'memory', baseUrl: 'http://memory.invalid/ado', auth: { type: 'none' } },
      },
      mappings: [
        {
          name: 'bugs',
          left: { system: 'jira', project: 'JIRA', type: 'Bug', start: 'beginning' },
          right: { system: 'ado', project: 'ADO', type: 'Bug', start: 'beginning' },
          fields: [
            { left: 'title', right: 'title' },
            { left: 'priority', right: 'priority' },
          ],
        },
      ],
      engine: { retryBackoffMs: 0 },
      state: { store: 'memory' },
    },
    systems: { jira: createMemoryConnector(jira), ado: right },
    store: createMemoryStateStore(),
  });
  return { jira, ado, right, sync };
}

describe('the testing guide', () => {
  it('syncs a memory tracker to another and carries a person’s edit over', async () => {
    const { jira, ado, sync } = await guideSetup();
    const bug = jira.create('JIRA', 'Bug', { title: 'Crash on save', priority: 'High' }, jira.user('ana'));
    await sync.activate();
    expect((await sync.runOnce()).created.right).toBe(1);
    jira.edit(bug.id, { priority: 'Low' }, 'ben');
    const summary = await sync.runOnce();
    expect(summary.updated.right).toBe(1);
    expect([...ado.items.values()].map((i) => i.fields)).toEqual([expect.objectContaining({ title: 'Crash on save', priority: 'Low' })]);
    await sync.close();
  });

  it('queues an item whose write failed and recovers it on the next pass', async () => {
    const { jira, ado, right, sync } = await guideSetup();
    const bug = jira.create('JIRA', 'Bug', { title: 'Slow search', priority: 'High' }, jira.user('ana'));
    await sync.activate();
    await sync.runOnce();
    jira.edit(bug.id, { priority: 'Low' }, 'ben');
    right.failNext('update', 1);
    const first = await sync.runOnce();
    expect(first.failed).toBe(1);
    expect((await sync.status()).pairs[0]?.failures.map((f) => f.code)).toEqual(['TRANSIENT']);
    const second = await sync.runOnce();
    expect(second.recovered).toBe(1);
    expect([...ado.items.values()][0]?.fields.priority).toBe('Low');
    await sync.close();
  });
});
