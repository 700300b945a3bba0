import { describe, expect, it } from 'vitest';
import { createMemoryStateStore, createSyncbridge, SyncbridgeError, type StateStore } from 'syncbridge';
import { twoTrackers } from './harness.js';

/**
 * A process killed after writing to a system and before committing the pair's agreed state:
 * the value it wrote sits in the item, changed by the integration user, with no record of it
 * agreed. Meanwhile a person edits the pair again. The next process must take that value as
 * the engine's own write (it recorded the writes it was about to make), not as a person's edit,
 * so the person's last value ends on both sides.
 */
function mortalStore(): { store: StateStore; die(): void; revive(): void } {
  const inner = createMemoryStateStore();
  let dead = false;
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        dead && (property === 'applyWrites' || property === 'transaction')
          ? Promise.reject(new Error('the process died here'))
          : (value as (...a: unknown[]) => unknown).apply(target, args);
    },
  });
  return { store, die: () => (dead = true), revive: () => (dead = false) };
}

/** Passes a minute apart. */
async function passes(t: { advance(ms: number): void; sync: { runOnce(): Promise<unknown> } }, n: number) {
  for (let i = 0; i < n; i++) {
    t.advance(60_000);
    await t.sync.runOnce();
  }
}

async function world(conflicts: 'leftWins' | 'rightWins' | 'newestWins' | 'manual') {
  const mortal = mortalStore();
  const t = await twoTrackers({
    store: mortal.store,
    mapping: { conflicts },
    fields: [
      { left: 'title', right: 'title' },
      { left: 'labels', right: 'labels' },
    ],
    engine: { leaseMs: 5_000 },
  });
  await t.sync.activate();
  const bug = t.left.create('JIRA', 'Bug', { title: 'Crash', labels: ['amber'] }, t.left.user('ana'));
  await t.sync.runOnce();
  const copy = [...t.right.items.values()][0]!;
  /** A new process on the same state, once the dead one's lease has lapsed. */
  const restart = async () => {
    mortal.revive();
    t.advance(60_000);
    await t.sync.close().catch(() => undefined);
    const sync = await createSyncbridge({
      config: t.config,
      systems: { jira: t.connectors.left, ado: t.connectors.right },
      store: mortal.store,
      clock: t.clock,
    });
    for (let i = 0; i < 2; i++) {
      t.advance(60_000);
      await sync.runOnce();
    }
    return sync;
  };
  return { t, bug, copy, mortal, restart };
}

describe('a process killed between its writes and their commit', () => {
  for (const conflicts of ['leftWins', 'rightWins', 'newestWins', 'manual'] as const) {
    it(`takes the value it wrote as its own, not as a person's edit (${conflicts})`, async () => {
      const { t, bug, copy, mortal, restart } = await world(conflicts);
      t.advance(5_000);
      t.right.edit(copy.id, { title: 'Crash on save', labels: ['blue', 'green'] }, 'ado-ben');
      // The engine writes Ben's values to Jira, then dies before its commit.
      t.connectors.left.onCall = ({ method, phase }) => {
        if (method === 'update' && phase === 'after') mortal.die();
      };
      t.advance(60_000);
      await t.sync.runOnce().catch(() => undefined);
      t.connectors.left.onCall = undefined;
      expect(t.left.items.get(bug.id)!.fields).toMatchObject({ title: 'Crash on save', labels: ['blue', 'green'] });
      // Ben edits again before a new process comes up.
      t.advance(5_000);
      t.right.edit(copy.id, { title: 'Crash on save, twice', labels: ['amber', 'teal'] }, 'ado-ben');
      const sync = await restart();

      // Both systems, read back: Ben's last values on both sides, nothing waiting.
      expect(t.left.items.get(bug.id)!.fields).toMatchObject({
        title: 'Crash on save, twice',
        labels: ['amber', 'teal'],
      });
      expect(t.right.items.get(copy.id)!.fields).toMatchObject({
        title: 'Crash on save, twice',
        labels: ['amber', 'teal'],
      });
      expect(await sync.failures()).toEqual([]);
      await sync.close();
    });
  }

  for (const conflicts of ['rightWins', 'newestWins'] as const) {
    it(`keeps the record of a write whose answer was lost and that could not be read back (${conflicts})`, async () => {
      const { t, bug, copy } = await world(conflicts);
      t.advance(5_000);
      t.left.edit(bug.id, { title: 'Crash on save' }, 'ana');
      // Between the engine's read of Jira and its write to Azure DevOps, Ana edits again; the
      // write is made but its answer is lost, and reading the item back fails too.
      t.connectors.right.failNext('update', 1, undefined, { afterWrite: true });
      t.connectors.right.onCall = ({ method, phase }) => {
        if (method === 'update' && phase === 'before') {
          t.advance(1_000);
          t.left.edit(bug.id, { title: 'Crash on save, every time' }, 'ana');
        }
        if (method === 'update' && phase === 'after') t.connectors.right.failNext('getMany', 1);
      };
      await passes(t, 1);
      t.connectors.right.onCall = undefined;
      await passes(t, 3);
      // Ana's last title on both sides; the engine's own write was never taken for an edit.
      expect(t.left.items.get(bug.id)!.fields.title).toBe('Crash on save, every time');
      expect(t.right.items.get(copy.id)!.fields.title).toBe('Crash on save, every time');
      expect(await t.sync.failures()).toEqual([]);
    });
  }

  it('keeps the record when the write whose answer was lost went to the side whose change started the merge', async () => {
    const { t, bug, copy } = await world('newestWins');
    t.left.edit(bug.id, { labels: ['amber', 'teal'] }, 'ana');
    t.advance(60_000);
    await t.sync.runOnce();
    t.advance(5_000);
    t.right.edit(copy.id, { labels: ['red', 'teal'] }, 'ado-ben');
    // Jira changes once its poll is done: read as the counterpart of the Azure DevOps change.
    t.connectors.right.onCall = ({ method, phase }) => {
      if (method === 'query' && phase === 'before') t.left.edit(bug.id, { labels: ['red'] }, 'ana');
      if (method === 'update' && phase === 'after') t.connectors.right.failNext('getMany', 1);
    };
    t.connectors.right.failNext('update', 1, undefined, { afterWrite: true });
    await passes(t, 1);
    t.connectors.right.onCall = undefined;
    expect(t.right.items.get(copy.id)!.fields.labels).toEqual(['red']);
    expect(await t.sync.failures()).toMatchObject([{ itemId: copy.id, side: 'right' }]);
    t.advance(5_000);
    t.left.edit(bug.id, { labels: ['amber', 'teal'] }, 'ana');
    await passes(t, 3);
    expect(t.left.items.get(bug.id)!.fields.labels).toEqual(['amber', 'teal']);
    expect(t.right.items.get(copy.id)!.fields.labels).toEqual(['amber', 'teal']);
    expect(await t.sync.failures()).toEqual([]);
  });

  it('keeps the record of a write a connector reports failed per item with no answer, as a lost $batch', async () => {
    const { t, bug, copy } = await world('rightWins');
    t.advance(5_000);
    t.left.edit(bug.id, { title: 'Crash on save' }, 'ana');
    const right = t.connectors.right;
    const update = right.update.bind(right);
    right.update = async (requests) => {
      right.update = update;
      await update(requests);
      // The write is made, its answer lost; the connector says so per item, and the read-back fails.
      right.failNext('getMany', 1);
      t.advance(1_000);
      t.left.edit(bug.id, { title: 'Crash on save, every time' }, 'ana');
      return requests.map(() => ({
        ok: false as const,
        error: new SyncbridgeError('TCP_RESET', 'the connection was reset', { retryable: true }),
      }));
    };
    await passes(t, 4);
    expect(t.left.items.get(bug.id)!.fields.title).toBe('Crash on save, every time');
    expect(t.right.items.get(copy.id)!.fields.title).toBe('Crash on save, every time');
    expect(await t.sync.failures()).toEqual([]);
  });

  it('takes only the write that went through when it died between the two sides', async () => {
    const { t, bug, copy, mortal, restart } = await world('newestWins');
    t.advance(5_000);
    t.left.edit(bug.id, { labels: ['amber', 'blue'] }, 'ana');
    t.right.edit(copy.id, { labels: ['amber', 'red'] }, 'ado-ben');
    // Both sides are written (a union of the two changes); the process dies once Jira's write is made.
    t.connectors.right.onCall = ({ method, phase }) => {
      if (method !== 'update' || phase !== 'before') return;
      mortal.die();
      throw new Error('the process died here');
    };
    t.advance(60_000);
    await t.sync.runOnce().catch(() => undefined);
    t.connectors.right.onCall = undefined;
    expect(t.left.items.get(bug.id)!.fields.labels).toEqual(['amber', 'blue', 'red']);
    expect(t.right.items.get(copy.id)!.fields.labels).toEqual(['amber', 'red']);
    // Ben then removes red again, before a new process comes up: it must stay removed.
    t.advance(5_000);
    t.right.edit(copy.id, { labels: ['amber'] }, 'ado-ben');
    const sync = await restart();
    expect(t.left.items.get(bug.id)!.fields.labels).toEqual(['amber', 'blue']);
    expect(t.right.items.get(copy.id)!.fields.labels).toEqual(['amber', 'blue']);
    expect(await sync.failures()).toEqual([]);
    await sync.close();
  });
});
