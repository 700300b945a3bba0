import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStateStore, RemoteError, SyncbridgeError } from 'syncbridge';
import { twoTrackers } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'syncbridge-engine-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('failure queue and retries', () => {
  it('queues a rejected write with the system’s own message, retries it with backoff, then waits for a person', async () => {
    const t = await twoTrackers({ engine: { maxAttempts: 3, retryBackoffMs: 1000 } });
    await t.sync.activate();
    const rejection = new RemoteError(
      'PERMISSION',
      'ado: POST workitems answered 403: TF401027: You need the Git Write permission',
      { status: 403, remoteMessages: ['TF401027: You need the Git Write permission'] },
    );
    t.connectors.right.failNext('create', 3, rejection);
    t.left.create('JIRA', 'Bug', { title: 'denied' }, t.left.user('ana'));
    await t.sync.runOnce();
    let [failure] = (await t.sync.status()).pairs[0]!.failures;
    expect(failure).toMatchObject({
      code: 'PERMISSION',
      attempts: 1,
      nextRetryAt: new Date(t.clock().getTime() + 1000).toISOString(),
    });
    expect(failure!.message).toContain('TF401027');
    expect(failure!.details).toMatchObject({
      status: 403,
      remoteMessages: ['TF401027: You need the Git Write permission'],
    });

    await t.sync.runOnce(); // not due yet
    expect(t.connectors.right.calls.create).toBe(1);
    t.advance(1000);
    await t.sync.runOnce();
    [failure] = (await t.sync.status()).pairs[0]!.failures;
    expect(failure).toMatchObject({ attempts: 2, nextRetryAt: new Date(t.clock().getTime() + 2000).toISOString() });
    t.advance(2000);
    await t.sync.runOnce();
    [failure] = (await t.sync.status()).pairs[0]!.failures;
    expect(failure).toMatchObject({ attempts: 3, nextRetryAt: null });
    t.advance(60_000);
    await t.sync.runOnce();
    expect(t.connectors.right.calls.create).toBe(3);

    const summary = await t.sync.retry({ pair: 'bugs' });
    expect(summary.recovered).toBe(1);
    expect(t.byTitle(t.right, 'denied')).toHaveLength(1);
    expect((await t.sync.status()).pairs[0]!.failures).toEqual([]);
  });

  it('retries a rate-limited item no sooner than the system asked', async () => {
    const t = await twoTrackers({ engine: { retryBackoffMs: 1000 } });
    await t.sync.activate();
    t.connectors.right.failNext(
      'create',
      1,
      new RemoteError('RATE_LIMITED', 'ado: POST $batch answered 429', {
        status: 429,
        retryable: true,
        retryAfterMs: 300_000,
      }),
    );
    t.left.create('JIRA', 'Bug', { title: 'busy' }, t.left.user('ana'));
    await t.sync.runOnce();
    expect((await t.sync.status()).pairs[0]!.failures[0]).toMatchObject({
      code: 'RATE_LIMITED',
      nextRetryAt: new Date(t.clock().getTime() + 300_000).toISOString(),
    });
    t.advance(299_000);
    await t.sync.runOnce();
    expect(t.connectors.right.calls.create).toBe(1);
    t.advance(1_000);
    await t.sync.runOnce();
    expect(t.byTitle(t.right, 'busy')).toHaveLength(1);
  });

  it('starts counting again after a manual retry, so automatic retries resume', async () => {
    const t = await twoTrackers({ engine: { maxAttempts: 2, retryBackoffMs: 1000 } });
    await t.sync.activate();
    t.connectors.right.failNext('create', 3);
    t.left.create('JIRA', 'Bug', { title: 'flaky' }, t.left.user('ana'));
    await t.sync.runOnce();
    t.advance(1000);
    await t.sync.runOnce();
    expect((await t.sync.status()).pairs[0]!.failures[0]).toMatchObject({ attempts: 2, nextRetryAt: null });

    await t.sync.retry({ pair: 'bugs' });
    expect((await t.sync.status()).pairs[0]!.failures[0]).toMatchObject({
      attempts: 1,
      nextRetryAt: new Date(t.clock().getTime() + 1000).toISOString(),
    });
    t.advance(1000);
    await t.sync.runOnce();
    expect((await t.sync.status()).pairs[0]!.failures).toEqual([]);
    expect(t.byTitle(t.right, 'flaky')).toHaveLength(1);
  });

  it('keeps the engine going past a failed item and keeps an item’s later changes behind its failure', async () => {
    const t = await twoTrackers();
    await t.sync.activate();
    const a = t.left.create('JIRA', 'Bug', { title: 'a' }, t.left.user('ana'));
    t.left.create('JIRA', 'Bug', { title: 'b' }, t.left.user('ana'));
    await t.sync.runOnce();
    const copyA = t.byTitle(t.right, 'a')[0]!;
    t.advance(5000);
    t.connectors.right.failNext('update', 1, new RemoteError('VALIDATION', 'ado: rule violation', { status: 400 }));
    t.left.edit(a.id, { title: 'a1' }, 'ana');
    await t.sync.runOnce();
    expect(t.right.items.get(copyA.id)!.fields.title).toBe('a');
    // A later change on either side is not applied out of order: it merges into the retry.
    t.advance(5000);
    t.left.edit(a.id, { title: 'a2' }, 'ana');
    t.right.edit(copyA.id, { priority: 'High' }, 'ado-ana');
    const summary = await t.sync.runOnce();
    expect(summary.recovered).toBe(1);
    expect(t.right.items.get(copyA.id)!.fields.title).toBe('a2');
    expect((await t.sync.status()).pairs[0]!.failures).toEqual([]);
  });

  it('discards a failure on request: kept, marked, and no longer retried', async () => {
    const t = await twoTrackers();
    await t.sync.activate();
    t.connectors.right.failNext('create', 1, new RemoteError('VALIDATION', 'bad', { status: 400 }));
    t.left.create('JIRA', 'Bug', { title: 'x' }, t.left.user('ana'));
    await t.sync.runOnce();
    expect(await t.sync.discard({ itemId: 'JIRA-1' })).toBe(1);
    expect((await t.sync.status()).pairs[0]!.failures).toEqual([
      expect.objectContaining({ itemKey: 'JIRA-1', nextRetryAt: null, discardedAt: t.clock().toISOString() }),
    ]);
  });

  it('leaves exactly one target item after a crash between create and link write', async () => {
    const file = join(dir, 'crash.db');
    const first = await twoTrackers({ store: await openSqliteStateStore(file) });
    await first.sync.activate();
    first.left.create('JIRA', 'Bug', { title: 'crash me' }, first.left.user('ana'));
    first.left.create('JIRA', 'Bug', { title: 'crash me too' }, first.left.user('ana'));
    // The create goes through on the server, then the process dies before the reply is handled.
    first.connectors.right.failNext(
      'create',
      1,
      new SyncbridgeError('NETWORK', 'connection reset', { retryable: true }),
      { afterWrite: true },
    );
    // ...and the process dies before anything else happens (the next call fails the run).
    first.connectors.right.failNext('query', 1, new SyncbridgeError('NETWORK', 'process killed'));
    await expect(first.sync.runOnce()).rejects.toThrow('process killed');
    expect(first.byTitle(first.right, 'crash me')).toHaveLength(1);
    expect((await first.sync.status()).pairs[0]!.pendingCreates).toBe(2);
    await first.store.close();

    // Restart: a new engine on the same state file and the same systems.
    const { createSyncbridge } = await import('syncbridge');
    const restarted = await createSyncbridge({
      config: first.config,
      systems: { jira: first.connectors.left, ado: first.connectors.right },
      store: await openSqliteStateStore(file),
      clock: first.clock,
    });
    first.advance(60_000);
    await restarted.runOnce();
    await restarted.runOnce();
    expect(first.byTitle(first.right, 'crash me')).toHaveLength(1);
    expect(first.byTitle(first.right, 'crash me too')).toHaveLength(1);
    const status = await restarted.status();
    expect(status.pairs[0]).toMatchObject({ links: 2, pendingCreates: 0, failures: [] });
    await restarted.close();
  });

  it('links its own creates seen coming back in the same pass instead of copying them back', async () => {
    const t = await twoTrackers();
    await t.sync.activate();
    t.left.create('JIRA', 'Bug', { title: 'lost reply' }, t.left.user('ana'));
    t.connectors.right.failNext('create', 1, new SyncbridgeError('NETWORK', 'connection reset', { retryable: true }), {
      afterWrite: true,
    });
    await t.sync.runOnce();
    expect(t.byTitle(t.right, 'lost reply')).toHaveLength(1);
    expect(t.byTitle(t.left, 'lost reply')).toHaveLength(1);
    expect((await t.sync.status()).pairs[0]).toMatchObject({ links: 1, pendingCreates: 0 });
    t.advance(60_000);
    await t.sync.runOnce();
    expect((await t.sync.status()).pairs[0]!.failures).toEqual([]);
  });

  it('leaves exactly one target item when the state write itself throws after the create', async () => {
    const t = await twoTrackers();
    await t.sync.activate();
    t.left.create('JIRA', 'Bug', { title: 'store dies' }, t.left.user('ana'));
    const original = t.store.transaction.bind(t.store);
    let calls = 0;
    t.store.transaction = async (fn) => {
      if (++calls === 2) throw new Error('disk full');
      return original(fn);
    };
    await expect(t.sync.runOnce()).rejects.toThrow('disk full');
    t.store.transaction = original;
    t.advance(1000);
    await t.sync.runOnce();
    expect(t.byTitle(t.right, 'store dies')).toHaveLength(1);
    expect((await t.sync.status()).pairs[0]!.links).toBe(1);
  });

  it('merges again when a concurrent edit lands between read and write', async () => {
    const t = await twoTrackers({
      fields: [
        { left: 'title', right: 'title' },
        { left: 'priority', right: 'priority' },
      ],
    });
    await t.sync.activate();
    const bug = t.left.create('JIRA', 'Bug', { title: 'race', priority: 'Low' }, t.left.user('ana'));
    await t.sync.runOnce();
    const copy = t.byTitle(t.right, 'race')[0]!;
    t.advance(5000);
    t.left.edit(bug.id, { title: 'race 2' }, 'ana');
    const getMany = t.connectors.right.getMany.bind(t.connectors.right);
    let once = true;
    t.connectors.right.getMany = async (ids, options) => {
      const items = await getMany(ids, options);
      if (once) {
        once = false;
        t.right.edit(copy.id, { priority: 'High' }, 'ado-ana'); // lands after our read
      }
      return items;
    };
    await t.sync.runOnce();
    expect(t.right.items.get(copy.id)!.fields).toMatchObject({ title: 'race 2', priority: 'High' });
    expect((await t.sync.status()).pairs[0]!.failures).toEqual([]);
  });
});
