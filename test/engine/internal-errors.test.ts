/**
 * An error nothing expected (a connector's bug) fails the items it concerns as `INTERNAL`,
 * not as a retryable connection problem, and never costs a duplicate.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStateStore, createSyncbridge, type Failure } from 'syncbridge';
import { createMemoryConnector, createMemoryTracker } from 'syncbridge/testing';

async function setUp() {
  const jira = createMemoryTracker({ project: 'JIRA' });
  const ado = createMemoryTracker({ project: 'ADO' });
  const right = createMemoryConnector(ado);
  const store = createMemoryStateStore();
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
          fields: [{ left: 'title', right: 'title' }],
        },
      ],
      engine: { retryBackoffMs: 0 },
      state: { store: 'memory' },
    },
    systems: { jira: createMemoryConnector(jira), ado: right },
    store,
  });
  const failed: Failure[] = [];
  sync.events.on('itemFailed', (f) => failed.push(f));
  return { jira, ado, right, store, sync, failed };
}

const bug = () => new TypeError("Cannot read properties of undefined (reading 'fields')");

describe('an error nothing expected', () => {
  it('fails the item as INTERNAL, naming the original error, and the item syncs once it is gone', async () => {
    const { jira, ado, right, sync, failed } = await setUp();
    const item = jira.create('JIRA', 'Bug', { title: 'Crash on save' }, jira.user('ana'));
    await sync.activate();
    await sync.runOnce();
    jira.edit(item.id, { title: 'Crash on save, again' }, 'ben');
    right.failNext('update', 1, bug());
    expect((await sync.runOnce()).failed).toBe(1);
    expect(failed).toEqual([
      expect.objectContaining({
        itemKey: item.key,
        code: 'INTERNAL',
        message: "Cannot read properties of undefined (reading 'fields')",
      }),
    ]);
    expect((await sync.status()).pairs[0]?.failures.map((f) => f.code)).toEqual(['INTERNAL']);
    expect((await sync.runOnce()).recovered).toBe(1);
    expect([...ado.items.values()].map((i) => i.fields.title)).toEqual(['Crash on save, again']);
    expect([...jira.items.values()].map((i) => i.fields.title)).toEqual(['Crash on save, again']);
    await sync.close();
  });

  it('treats a create whose connector failed after writing as unknown: its intent stays until the copy is found by its origin', async () => {
    const { jira, ado, right, store, sync, failed } = await setUp();
    const item = jira.create('JIRA', 'Bug', { title: 'Slow search' }, jira.user('ana'));
    await sync.activate();
    right.failNext('create', 1, bug(), { afterWrite: true });
    const intentsAtLookUp: number[] = [];
    right.onCall = async ({ method, phase }) => {
      if (method === 'findByOrigin' && phase === 'before' && right.calls.create > 0)
        intentsAtLookUp.push((await store.listIntents('bugs')).length);
    };
    expect((await sync.runOnce()).failed).toBe(1);
    expect(failed.map((f) => f.code)).toEqual(['INTERNAL']);
    expect(intentsAtLookUp[0]).toBe(1);
    expect((await sync.status()).pairs[0]).toMatchObject({ links: 1, pendingCreates: 0, failures: [] });
    expect((await sync.runOnce()).created).toEqual({ left: 0, right: 0 });
    expect([...ado.items.values()].map((i) => i.fields.title)).toEqual(['Slow search']);
    expect([...jira.items.values()].map((i) => i.key)).toEqual([item.key]);
    await sync.close();
  });
});
