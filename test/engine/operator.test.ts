import { describe, expect, it } from 'vitest';
import { RemoteError } from 'syncbridge';
import { twoTrackers } from './harness.js';

const denied = () => new RemoteError('PERMISSION', 'ado: POST workitems answered 403', { status: 403 });

describe('operator controls of the engine', () => {
  it('stops a pass whose signal is aborted before it writes anything', async () => {
    const t = await twoTrackers();
    await t.sync.activate();
    t.left.create('JIRA', 'Bug', { title: 'waits' }, t.left.user('ana'));
    const stop = new AbortController();
    stop.abort();
    expect((await t.sync.runOnce({ signal: stop.signal })).created).toEqual({ left: 0, right: 0 });
    expect(t.byTitle(t.right, 'waits')).toHaveLength(0);
    await t.sync.runOnce();
    expect([t.byTitle(t.left, 'waits'), t.byTitle(t.right, 'waits')].map((items) => items.length)).toEqual([1, 1]);
  });

  it('holds a discarded failure, untried, until the item changes again; an item is named by either side', async () => {
    const t = await twoTrackers({ engine: { maxAttempts: 5, retryBackoffMs: 1000 } });
    await t.sync.activate();
    t.connectors.right.failNext('create', 1, denied());
    const item = t.left.create('JIRA', 'Bug', { title: 'denied once' }, t.left.user('ana'));
    await t.sync.runOnce();
    await expect(t.sync.discard({ itemId: 'NOPE-1' })).rejects.toMatchObject({
      code: 'SELECTOR_UNMATCHED',
      message: expect.stringContaining('"NOPE-1"'),
    });
    await expect(t.sync.retry({ pair: 'nope' })).rejects.toMatchObject({
      code: 'SELECTOR_UNMATCHED',
      message: 'no mapping is named "nope"; mappings: bugs',
    });
    expect(await t.sync.discard({ itemId: item.key.toLowerCase() })).toBe(1);
    expect((await t.sync.failures())[0]).toMatchObject({
      itemKey: item.key,
      nextRetryAt: null,
      discardedAt: t.clock().toISOString(),
    });

    t.advance(60_000);
    await t.sync.runOnce();
    expect(t.connectors.right.calls.create).toBe(1);
    expect(t.byTitle(t.right, 'denied once')).toHaveLength(0);

    t.left.edit(item.id, { title: 'denied once, edited' }, 'ana');
    t.advance(1000);
    expect((await t.sync.runOnce()).recovered).toBe(1);
    expect(await t.sync.failures()).toEqual([]);
    expect(
      [t.byTitle(t.left, 'denied once, edited'), t.byTitle(t.right, 'denied once, edited')].map(
        (items) => items.length,
      ),
    ).toEqual([1, 1]);
    const [link] = await t.sync.links('bugs');
    expect(await t.sync.unlink({ item: link!.rightKey })).toEqual([link]);
    expect(await t.sync.links()).toEqual([]);
  });
});
