import { describe, expect, it } from 'vitest';
import {
  createMemoryStateStore,
  createSyncbridge,
  type EngineEvents,
  type LeaseEvent,
  type Logger,
  type StateStore,
  type Syncbridge,
} from 'syncbridge';
import { createMemoryConnector, createMemoryTracker } from 'syncbridge/testing';
import { twoTrackers } from './harness.js';

/** Holds the thread, timers included, as a paused VM or a long GC would. */
const stall = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** The lease events of an engine, and its error log lines, as a chaos harness would record them. */
function record(sync: Syncbridge) {
  const events: Array<{ name: keyof EngineEvents } & LeaseEvent> = [];
  for (const name of ['leaseAcquired', 'leaseReleased', 'leaseLost', 'stateCommitted'] as const)
    sync.events.on(name, ({ pair, owner, token }) => events.push({ name, pair, owner, token }));
  return events;
}

function errorLog(): Logger & { errors: Array<{ message: string; fields?: Record<string, unknown> }> } {
  const errors: Array<{ message: string; fields?: Record<string, unknown> }> = [];
  return {
    errors,
    debug() {},
    info() {},
    warn() {},
    error: (message, fields) => errors.push({ message, ...(fields ? { fields } : {}) }),
  };
}

/** Two pairs (`bugs` and `more`) over two pairs of trackers, sharing one store. */
async function twoPairs(store: StateStore, options: { leaseMs: number; maxCreateBatch?: number }) {
  const t = await twoTrackers({ store, engine: { leaseMs: options.leaseMs } });
  const [moreLeft, moreRight] = [
    createMemoryTracker({ project: 'JIRA', now: t.clock }),
    createMemoryTracker({ project: 'ADO', now: t.clock }),
  ];
  const bugs = t.config.mappings[0]!;
  const knobs = options.maxCreateBatch ? { capabilities: { maxCreateBatch: options.maxCreateBatch } } : {};
  const connectors = {
    jira: createMemoryConnector(t.left, knobs),
    ado: createMemoryConnector(t.right, knobs),
    jira2: createMemoryConnector(moreLeft),
    ado2: createMemoryConnector(moreRight),
  };
  const logger = errorLog();
  const sync = await createSyncbridge({
    config: {
      ...t.config,
      systems: { ...t.config.systems, jira2: t.config.systems.jira!, ado2: t.config.systems.ado! },
      mappings: [
        bugs,
        { ...bugs, name: 'more', left: { ...bugs.left, system: 'jira2' }, right: { ...bugs.right, system: 'ado2' } },
      ],
    },
    systems: connectors,
    store,
    clock: t.clock,
    logger,
  });
  await sync.activate();
  await t.sync.close();
  return { t, sync, logger, events: record(sync), more: { left: moreLeft, right: moreRight }, connectors };
}

/** Titles of a tracker's items, sorted. */
const titles = (tracker: { items: Map<string, { fields: Record<string, unknown> }> }) =>
  [...tracker.items.values()].map((i) => String(i.fields.title)).sort();

/** Resolves once the engine reports a lost lease. */
const leaseLost = (sync: Syncbridge) => new Promise<void>((resolve) => sync.events.on('leaseLost', () => resolve()));

describe('a pass that loses its lease', () => {
  it('stops that pair at its next state write, reports it as lost, and syncs the other pairs', async () => {
    let now = Date.parse('2026-03-01T10:00:00.000Z');
    const store = createMemoryStateStore({ clock: () => new Date(now) });
    const { t, sync, logger, events, more, connectors } = await twoPairs(store, { leaseMs: 30_000 });
    for (let n = 0; n < 3; n++) t.left.create('JIRA', 'Bug', { title: `bug ${n}` }, t.left.user('ana'));
    more.left.create('JIRA', 'Bug', { title: 'in more' }, more.left.user('ana'));
    // While the creates are under way, the pass stalls past its lease and worker 2 takes the pair over.
    connectors.ado.onCall = async ({ method, phase }) => {
      if (method !== 'create' || phase !== 'after') return;
      connectors.ado.onCall = undefined;
      now += 31_000;
      await store.acquireLease({ key: 'bugs', owner: 'worker 2', ttlMs: 30_000 });
    };

    const summary = await sync.runOnce();
    expect(summary.lost).toEqual([
      {
        pair: 'bugs',
        token: 1,
        message: expect.stringContaining('lease "bugs" of integration "default" was taken over'),
      },
    ]);
    expect(summary.busy).toEqual([]);
    expect(await store.countLinks('bugs')).toBe(0); // the page commit was refused
    expect(titles(more.right)).toEqual(['in more']); // the other pair was synced
    expect(await store.countLinks('more')).toBe(1);
    expect(logger.errors).toContainEqual({
      message: 'stopped syncing a pair whose lease was lost',
      fields: expect.objectContaining({ pair: 'bugs', token: 1 }),
    });
    // What a chaos harness records: each pair's writes carry the token of the lease they were made under.
    const mine = events.filter((e) => e.owner !== 'worker 2');
    expect(mine.filter((e) => e.pair === 'bugs').map((e) => `${e.name} ${e.token}`)).toEqual([
      'leaseAcquired 1',
      'stateCommitted 1', // its create intents, before the creates
      'leaseLost 1',
    ]);
    const ofMore = mine.filter((e) => e.pair === 'more').map((e) => `${e.name} ${e.token}`);
    expect([ofMore[0], ofMore.at(-1)]).toEqual(['leaseAcquired 1', 'leaseReleased 1']);
    expect(new Set(ofMore.slice(1, -1))).toEqual(new Set(['stateCommitted 1']));

    // Once worker 2 is gone, the next pass holds a new token, and links the creates by their intents.
    now += 31_000;
    await sync.runOnce();
    expect(events.filter((e) => e.name === 'leaseAcquired' && e.pair === 'bugs').map((e) => e.token)).toEqual([1, 3]);
    expect(titles(t.right)).toEqual(['bug 0', 'bug 1', 'bug 2']);
    expect(titles(t.left)).toEqual(['bug 0', 'bug 1', 'bug 2']);
    expect(await store.countLinks('bugs')).toBe(3);
    await sync.close();
  });

  it('fails the pass with LEASE_LOST when no pair could be synced', async () => {
    let now = Date.parse('2026-03-01T10:00:00.000Z');
    const store = createMemoryStateStore({ clock: () => new Date(now) });
    const t = await twoTrackers({ store, engine: { leaseMs: 30_000 } });
    t.left.create('JIRA', 'Bug', { title: 'alone' }, t.left.user('ana'));
    await t.sync.activate();
    const failed: unknown[] = [];
    t.sync.events.on('runFailed', ({ error }) => failed.push(error));
    t.connectors.right.onCall = async ({ method, phase }) => {
      if (method !== 'create' || phase !== 'after') return;
      t.connectors.right.onCall = undefined;
      now += 31_000;
      await store.acquireLease({ key: 'bugs', owner: 'worker 2', ttlMs: 30_000 });
    };
    await expect(t.sync.runOnce()).rejects.toMatchObject({ code: 'LEASE_LOST', details: { holder: 'worker 2' } });
    expect(failed).toMatchObject([{ code: 'LEASE_LOST' }]);
    expect(titles(t.right)).toEqual(['alone']);
    expect(await store.countLinks('bugs')).toBe(0);
  });

  it('sends no further write to the systems once the renewal finds the pair taken over', async () => {
    let now = Date.parse('2026-03-01T10:00:00.000Z');
    const store = createMemoryStateStore({ clock: () => new Date(now) });
    const { t, sync, events, connectors } = await twoPairs(store, { leaseMs: 1500, maxCreateBatch: 2 });
    for (let n = 0; n < 6; n++) t.left.create('JIRA', 'Bug', { title: `bug ${n}` }, t.left.user('ana'));
    const lost = leaseLost(sync);
    // During the first create batch, the lease lapses by the store's clock and worker 2 takes
    // the pair; the batch's answer comes only after this process's renewal noticed.
    connectors.ado.onCall = async ({ method, phase }) => {
      if (method !== 'create' || phase !== 'after') return;
      connectors.ado.onCall = undefined;
      now += 2000;
      await store.acquireLease({ key: 'bugs', owner: 'worker 2', ttlMs: 60_000 });
      await lost;
    };
    const summary = await sync.runOnce();
    expect(summary.lost).toMatchObject([{ pair: 'bugs', token: 1 }]);
    // The batch in flight landed; no later batch was sent, and nothing more was written to the state.
    expect(connectors.ado.calls.create).toBe(1);
    expect(titles(t.right)).toEqual(['bug 0', 'bug 1']);
    expect(await store.countLinks('bugs')).toBe(0);
    expect(events.filter((e) => e.pair === 'bugs' && e.name === 'leaseLost')).toHaveLength(1);

    await store.releaseLease('bugs', 'worker 2');
    await sync.runOnce();
    expect(titles(t.right)).toEqual(['bug 0', 'bug 1', 'bug 2', 'bug 3', 'bug 4', 'bug 5']);
    expect(await store.countLinks('bugs')).toBe(6);
    await sync.close();
  });

  it('writes nothing more after a stall longer than its lease, even before anyone else took the pair', async () => {
    // The store's own clock: the lease lapses while the thread stands still.
    const store = createMemoryStateStore();
    const { t, sync, connectors } = await twoPairs(store, { leaseMs: 1000, maxCreateBatch: 2 });
    for (let n = 0; n < 6; n++) t.left.create('JIRA', 'Bug', { title: `bug ${n}` }, t.left.user('ana'));
    connectors.ado.onCall = ({ method, phase }) => {
      if (method !== 'create' || phase !== 'after') return;
      connectors.ado.onCall = undefined;
      stall(1100);
    };
    const summary = await sync.runOnce();
    expect(summary.lost).toMatchObject([{ pair: 'bugs', message: expect.stringContaining('may have lapsed') }]);
    expect(connectors.ado.calls.create).toBe(1);
    expect(titles(t.right)).toEqual(['bug 0', 'bug 1']);
    expect(await store.countLinks('bugs')).toBe(0);

    await sync.runOnce();
    expect(titles(t.right)).toEqual(['bug 0', 'bug 1', 'bug 2', 'bug 3', 'bug 4', 'bug 5']);
    expect(titles(t.left)).toEqual(['bug 0', 'bug 1', 'bug 2', 'bug 3', 'bug 4', 'bug 5']);
    await sync.close();
  });
});
