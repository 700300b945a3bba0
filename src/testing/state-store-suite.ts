import {
  type Failure,
  type InboxItem,
  type Link,
  type Side,
  type Snapshot,
  type StateStore,
  UNSETTLED_REVISION,
} from 'syncbridge';
import { peer } from './peers.js';

/** A state store implementation under test. */
export interface StateStoreTarget {
  name: string;
  /** A fresh, empty store of integration `default`. */
  open(): Promise<StateStore>;
  /**
   * Opens the storage of the last `open()` again (persistent stores), as integration
   * `options.integration` (default `default`); `'not supported'` for in-memory ones.
   */
  reopen: ((options?: { integration?: string }) => Promise<StateStore>) | 'not supported';
}

const failure = (itemId: string, createdAt: string): Failure => ({
  pair: 'bugs',
  side: 'left',
  itemId,
  itemKey: `P-${itemId}`,
  kind: 'error',
  code: 'VALIDATION',
  message: 'Summary is required.',
  details: { fieldErrors: { summary: 'required' } },
  attempts: 1,
  revisions: { left: '3', right: '7' },
  nextRetryAt: '2026-01-01T00:05:00.000Z',
  createdAt,
  updatedAt: createdAt,
});

const link = (leftId: string, rightId: string): Link => ({
  pair: 'bugs',
  leftId,
  rightId,
  leftKey: `P-${leftId}`,
  rightKey: rightId,
  createdAt: '2026-01-01T00:00:00.000Z',
});
const snapshot = (side: Side, itemId: string): Snapshot => ({
  pair: 'bugs',
  side,
  itemId,
  revision: '3',
  updatedAt: '2026-01-01T00:00:00.000Z',
  fields: { title: `item ${itemId}` },
});

/** The shared state store suite: every implementation (memory, SQLite, PostgreSQL, yours) passes it. */
export function describeStateStore(target: StateStoreTarget): void {
  const { afterEach, beforeEach, describe, expect, it } = peer('vitest');
  const reopened = target.reopen === 'not supported' ? it.skip : it;
  const reopen = (options?: { integration?: string }) => {
    if (target.reopen === 'not supported') throw new Error(`${target.name} cannot be reopened`);
    return target.reopen(options);
  };
  describe(`state store: ${target.name}`, () => {
    let store: StateStore;
    beforeEach(async () => {
      store = await target.open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('keeps links findable from either side', async () => {
      await store.putLink({
        pair: 'bugs',
        leftId: '10',
        rightId: '77',
        leftKey: 'P-10',
        rightKey: '77',
        createdAt: '2026-01-01T00:00:00.000Z',
      });
      expect((await store.getLink('bugs', 'left', '10'))?.rightId).toBe('77');
      expect((await store.getLink('bugs', 'right', '77'))?.leftKey).toBe('P-10');
      expect(await store.getLink('other', 'left', '10')).toBeUndefined();
      expect(await store.countLinks('bugs')).toBe(1);
      expect((await store.listLinks('bugs', { limit: 10 })).map((l) => l.leftId)).toEqual(['10']);
    });

    it('forgets a link and a snapshot', async () => {
      await store.putLink({
        pair: 'bugs',
        leftId: '10',
        rightId: '77',
        leftKey: 'P-10',
        rightKey: '77',
        createdAt: '2026-01-01T00:00:00.000Z',
      });
      await store.putLink({
        pair: 'bugs',
        leftId: '11',
        rightId: '78',
        leftKey: 'P-11',
        rightKey: '78',
        createdAt: '2026-01-01T00:00:00.000Z',
      });
      await store.putSnapshot({
        pair: 'bugs',
        side: 'right',
        itemId: '77',
        revision: '3',
        updatedAt: '2026-01-01T00:00:00.000Z',
        fields: {},
      });
      await store.deleteLink('bugs', '10');
      await store.deleteSnapshot('bugs', 'right', '77');
      expect(await store.getLink('bugs', 'right', '77')).toBeUndefined();
      expect(await store.getSnapshot('bugs', 'right', '77')).toBeUndefined();
      expect((await store.listLinks('bugs')).map((l) => l.leftId)).toEqual(['11']);
    });

    it('round-trips snapshots with every field value form', async () => {
      const fields = {
        title: 'Crash',
        description: {
          type: 'doc' as const,
          content: [
            {
              type: 'paragraph' as const,
              content: [{ type: 'text' as const, text: 'x', marks: [{ type: 'strong' as const }] }],
            },
          ],
        },
        points: 3,
        done: false,
        labels: ['a', 'b'],
        assignee: { id: 'u1', email: 'u1@example.com', displayName: 'U One' },
        empty: null,
      };
      await store.putSnapshot({
        pair: 'bugs',
        side: 'right',
        itemId: '5',
        revision: '3',
        updatedAt: '2026-01-01T00:00:00.000Z',
        fields,
      });
      expect(await store.getSnapshot('bugs', 'right', '5')).toEqual({
        pair: 'bugs',
        side: 'right',
        itemId: '5',
        revision: '3',
        updatedAt: '2026-01-01T00:00:00.000Z',
        fields,
      });
      expect(await store.getSnapshot('bugs', 'left', '5')).toBeUndefined();
    });

    it('stores watermarks per pair and side', async () => {
      await store.putWatermark('bugs', 'left', { kind: 'timestamp', value: '2026-01-01T00:00:00.000Z' });
      await store.putWatermark('bugs', 'right', { kind: 'revision', value: '42' });
      expect(await store.getWatermark('bugs', 'left')).toEqual({
        kind: 'timestamp',
        value: '2026-01-01T00:00:00.000Z',
      });
      expect(await store.getWatermark('bugs', 'right')).toEqual({ kind: 'revision', value: '42' });
    });

    it('commits all writes of a transaction or none', async () => {
      await expect(
        store.transaction(async (tx) => {
          await tx.putIntent({
            pair: 'bugs',
            side: 'left',
            sourceId: '1',
            sourceKey: 'P-1',
            createdAt: '2026-01-01T00:00:00.000Z',
          });
          await tx.putWatermark('bugs', 'left', { kind: 'timestamp', value: '2026-01-02T00:00:00.000Z' });
          throw new Error('crash inside the transaction');
        }),
      ).rejects.toThrow('crash inside');
      expect(await store.listIntents('bugs')).toEqual([]);
      expect(await store.getWatermark('bugs', 'left')).toBeUndefined();
      await store.transaction(async (tx) => {
        await tx.putIntent({
          pair: 'bugs',
          side: 'left',
          sourceId: '1',
          sourceKey: 'P-1',
          createdAt: '2026-01-01T00:00:00.000Z',
        });
      });
      expect((await store.getIntent('bugs', 'left', '1'))?.sourceKey).toBe('P-1');
      await store.deleteIntent('bugs', 'left', '1');
      expect(await store.listIntents('bugs')).toEqual([]);
    });

    it("keeps a create intent's agreed values, however it is written and read", async () => {
      const agreed = {
        left: { summary: 'Crash — «ü»', labels: ['a', 'b'], points: 3, assignee: null },
        right: { 'System.Title': 'Crash — «ü»', 'System.Tags': ['a', 'b'], 'System.AssignedTo': null },
      };
      const intent = (sourceId: string) => ({
        pair: 'bugs',
        side: 'left' as const,
        sourceId,
        sourceKey: `P-${sourceId}`,
        createdAt: `2026-01-01T00:00:0${sourceId}.000Z`,
      });
      await store.putIntent({ ...intent('1'), agreed });
      await store.applyWrites([
        { op: 'putIntent', intent: { ...intent('2'), agreed } },
        { op: 'putIntent', intent: intent('3') },
      ]);
      expect(await store.getIntent('bugs', 'left', '1')).toEqual({ ...intent('1'), agreed });
      expect(await store.listIntents('bugs')).toEqual([
        { ...intent('1'), agreed },
        { ...intent('2'), agreed },
        intent('3'),
      ]);
      const page = await store.loadItems('bugs', 'left', ['2', '3']);
      expect(page.map((p) => p.intent)).toEqual([{ ...intent('2'), agreed }, intent('3')]);
    });

    it("keeps a snapshot's pending writes until the snapshot is stored without them", async () => {
      const pending = {
        writes: { right: { 'System.Tags': ['a', 'c'] } },
        agreed: { left: { labels: ['a', 'c'] }, right: { 'System.Tags': ['a', 'c'] } },
        alone: { right: { left: { labels: ['a'] }, right: { 'System.Tags': ['a', 'c'] } } },
      };
      await store.putLink(link('10', '77'));
      await store.putSnapshot({ ...snapshot('left', '10'), pending });
      await store.applyWrites([{ op: 'putSnapshot', snapshot: { ...snapshot('right', '77'), pending } }]);
      expect(await store.getSnapshot('bugs', 'left', '10')).toEqual({ ...snapshot('left', '10'), pending });
      expect((await store.loadItems('bugs', 'left', ['10']))[0]!.snapshots).toEqual({
        left: { ...snapshot('left', '10'), pending },
        right: { ...snapshot('right', '77'), pending },
      });
      await store.applyWrites([{ op: 'putSnapshot', snapshot: snapshot('right', '77') }]);
      await store.putSnapshot(snapshot('left', '10'));
      expect((await store.loadItems('bugs', 'right', ['77']))[0]!.snapshots).toEqual({
        left: snapshot('left', '10'),
        right: snapshot('right', '77'),
      });
    });

    it('lists the snapshots that are not settled: pending writes or an unsettled revision', async () => {
      if (!store.listUnsettledSnapshots) return;
      const pending = { writes: { right: { title: 'b' } }, agreed: { left: { title: 'b' }, right: { title: 'b' } } };
      await store.putSnapshot(snapshot('left', '1'));
      await store.putSnapshot({ ...snapshot('left', '2'), pending });
      await store.putSnapshot({ ...snapshot('right', '3'), revision: `3${UNSETTLED_REVISION}` });
      await store.putSnapshot({ ...snapshot('right', '4'), pair: 'tasks', pending });
      const listed = await store.listUnsettledSnapshots('bugs', 10);
      expect(listed.map((x) => `${x.side} ${x.itemId}`).sort()).toEqual(['left 2', 'right 3']);
      expect(listed.find((x) => x.itemId === '2')?.pending).toEqual(pending);
      expect(await store.listUnsettledSnapshots('bugs', 1)).toHaveLength(1);
      await store.putSnapshot(snapshot('left', '2'));
      await store.putSnapshot(snapshot('right', '3'));
      expect(await store.listUnsettledSnapshots('bugs', 10)).toEqual([]);
    });

    it('queues failures oldest first and replaces one per item', async () => {
      await store.putFailure(failure('2', '2026-01-01T00:02:00.000Z'));
      await store.putFailure(failure('1', '2026-01-01T00:01:00.000Z'));
      await store.putFailure({ ...failure('2', '2026-01-01T00:02:00.000Z'), attempts: 2, nextRetryAt: null });
      const all = await store.listFailures('bugs');
      expect(all.map((f) => f.itemId)).toEqual(['1', '2']);
      expect(all[1]).toMatchObject({
        attempts: 2,
        nextRetryAt: null,
        revisions: { left: '3', right: '7' },
        details: { fieldErrors: { summary: 'required' } },
      });
      expect(await store.listFailures('other')).toEqual([]);
      await store.deleteFailure('bugs', 'left', '1');
      expect((await store.listFailures()).map((f) => f.itemId)).toEqual(['2']);
    });

    it('keeps when a failure was discarded', async () => {
      await store.putFailure({
        ...failure('3', '2026-01-01T00:03:00.000Z'),
        nextRetryAt: null,
        discardedAt: '2026-01-01T00:04:00.000Z',
      });
      expect(await store.getFailure('bugs', 'left', '3')).toMatchObject({ discardedAt: '2026-01-01T00:04:00.000Z' });
      await store.putFailure(failure('3', '2026-01-01T00:03:00.000Z'));
      expect((await store.getFailure('bugs', 'left', '3'))?.discardedAt ?? null).toBeNull();
    });

    it('remembers which comments are copies', async () => {
      await store.putCommentLink('bugs', 'left', 'c1', 'c9');
      expect(await store.getCommentLink('bugs', 'left', 'c1')).toBe('c9');
      expect(await store.isCommentCopy('bugs', 'right', 'c9')).toBe(true);
      expect(await store.isCommentCopy('bugs', 'left', 'c9')).toBe(false);
      expect(await store.isCommentCopy('bugs', 'right', 'c1')).toBe(false);
    });

    it('records whether an integration is active', async () => {
      await store.putIntegrationState({
        name: 'default',
        active: true,
        configHash: 'abc',
        updatedAt: '2026-01-01T00:00:00.000Z',
      });
      expect(await store.getIntegrationState('default')).toEqual({
        name: 'default',
        active: true,
        configHash: 'abc',
        updatedAt: '2026-01-01T00:00:00.000Z',
      });
      // With the description of what the hash covers, replacing the state without one.
      const parts = { 'systems.jira.baseUrl': '1a2b3c', 'mappings[0].fields[0]': '4d5e6f' };
      await store.putIntegrationState({
        name: 'default',
        active: false,
        configHash: 'def',
        configParts: parts,
        updatedAt: '2026-01-02T00:00:00.000Z',
      });
      expect(await store.getIntegrationState('default')).toEqual({
        name: 'default',
        active: false,
        configHash: 'def',
        configParts: parts,
        updatedAt: '2026-01-02T00:00:00.000Z',
      });
    });

    it('grants a lease to one owner at a time, with a token that grows on each new grant', async () => {
      const ask = (owner: string, ttlMs = 60_000) => store.acquireLease({ key: 'bugs', owner, ttlMs });
      const first = await ask('a');
      expect(first).toMatchObject({ key: 'bugs', owner: 'a' });
      expect(Date.parse(first.expiresAt)).toBeGreaterThan(Date.now() - 120_000);
      expect(await ask('b')).toMatchObject({ owner: 'a', token: first.token });
      expect(await ask('a')).toMatchObject({ owner: 'a', token: first.token }); // renewed
      await store.releaseLease('bugs', 'a');
      const second = await ask('b');
      expect(second).toMatchObject({ owner: 'b', token: first.token + 1 });
      await store.releaseLease('bugs', 'a'); // not a's: nothing happens
      expect(await ask('a')).toMatchObject({ owner: 'b', token: second.token });
      await ask('b', 0); // renewed to lapse at once, by the store's clock
      expect(await ask('a')).toMatchObject({ owner: 'a', token: second.token + 1 });
      expect(await store.acquireLease({ key: 'tasks', owner: 'b', ttlMs: 60_000 })).toMatchObject({
        owner: 'b',
        token: 1,
      });
    });

    it('refuses a fenced transaction once its lease was granted to another owner', async () => {
      const mine = await store.acquireLease({ key: 'bugs', owner: 'a', ttlMs: 60_000 });
      const fence = { key: 'bugs', token: mine.token };
      const write = (itemId: string) =>
        store.transaction(
          (tx) =>
            tx.putSnapshot({
              pair: 'bugs',
              side: 'left',
              itemId,
              revision: '1',
              updatedAt: '2026-01-01T00:00:00.000Z',
              fields: {},
            }),
          { fence },
        );
      await write('1');
      await store.releaseLease('bugs', 'a');
      await store.acquireLease({ key: 'bugs', owner: 'b', ttlMs: 60_000 });
      await expect(write('2')).rejects.toMatchObject({
        code: 'LEASE_LOST',
        details: { key: 'bugs', token: mine.token, holder: 'b' },
      });
      expect(await store.getSnapshot('bugs', 'left', '1')).toBeDefined();
      expect(await store.getSnapshot('bugs', 'left', '2')).toBeUndefined();
      await expect(
        store.transaction(async () => undefined, { fence: { key: 'never-leased', token: 1 } }),
      ).rejects.toMatchObject({ code: 'LEASE_LOST' });
    });

    it('refuses a fenced transaction once its lease lapsed, even with nobody else holding it', async () => {
      const mine = await store.acquireLease({ key: 'tasks', owner: 'a', ttlMs: 0 }); // lapses at once
      await expect(
        store.transaction(
          (tx) => tx.putWatermark('tasks', 'left', { kind: 'timestamp', value: '2026-01-01T00:00:00.000Z' }),
          { fence: { key: 'tasks', token: mine.token } },
        ),
      ).rejects.toMatchObject({ code: 'LEASE_LOST', details: { key: 'tasks', token: mine.token, holder: 'a' } });
      expect(await store.getWatermark('tasks', 'left')).toBeUndefined();
    });

    // Reported as skipped for a store that lives in memory (`reopen: 'not supported'`).
    reopened('keeps a lease from a second connection to the same storage', async () => {
      const other = await reopen();
      try {
        expect(await store.acquireLease({ key: 'bugs', owner: 'a', ttlMs: 60_000 })).toMatchObject({ owner: 'a' });
        expect(await other.acquireLease({ key: 'bugs', owner: 'b', ttlMs: 60_000 })).toMatchObject({ owner: 'a' });
      } finally {
        await other.close();
      }
    });

    it('links an item at most once on each side', async () => {
      await store.putLink(link('10', '77'));
      await expect(store.putLink(link('11', '77'))).rejects.toMatchObject({ code: 'STATE_STORE' });
      await expect(store.applyWrites([{ op: 'putLink', link: link('12', '77') }])).rejects.toMatchObject({
        code: 'STATE_STORE',
      });
      expect((await store.getLink('bugs', 'right', '77'))?.leftId).toBe('10');
      await store.putLink(link('10', '78')); // the left item's link is replaced
      expect(await store.getLink('bugs', 'right', '77')).toBeUndefined();
      await store.putLink(link('11', '77'));
      expect((await store.listLinks('bugs')).map((l) => `${l.leftId}-${l.rightId}`).sort()).toEqual(['10-78', '11-77']);
    });

    it('reads the state of a page of items in one call, from either side', async () => {
      await store.putLink(link('10', '77'));
      await store.putSnapshot(snapshot('left', '10'));
      await store.putSnapshot(snapshot('right', '77'));
      await store.putFailure({ ...failure('x', '2026-01-01T00:00:00.000Z'), side: 'right', itemId: '77' });
      await store.putIntent({
        pair: 'bugs',
        side: 'left',
        sourceId: '12',
        sourceKey: 'P-12',
        createdAt: '2026-01-01T00:00:00.000Z',
      });
      await store.putSnapshot(snapshot('left', '13'));
      await store.putSnapshot({ ...snapshot('left', '10'), pair: 'other' });
      const page = await store.loadItems('bugs', 'left', ['10', '12', '13', '14']);
      expect(page.map((i) => i.itemId)).toEqual(['10', '12', '13', '14']);
      expect(page[0]).toEqual({
        itemId: '10',
        link: link('10', '77'),
        snapshots: { left: snapshot('left', '10'), right: snapshot('right', '77') },
        failures: { right: expect.objectContaining({ itemId: '77', side: 'right' }) },
      });
      expect(page[1]).toEqual({
        itemId: '12',
        snapshots: {},
        failures: {},
        intent: expect.objectContaining({ sourceKey: 'P-12' }),
      });
      expect(page[2]).toEqual({ itemId: '13', snapshots: { left: snapshot('left', '13') }, failures: {} });
      expect(page[3]).toEqual({ itemId: '14', snapshots: {}, failures: {} });
      const fromRight = await store.loadItems('bugs', 'right', ['77']);
      expect(fromRight[0]).toMatchObject({
        link: link('10', '77'),
        snapshots: { left: snapshot('left', '10'), right: snapshot('right', '77') },
        failures: { right: { itemId: '77' } },
      });
      expect(await store.loadItems('bugs', 'left', [])).toEqual([]);
    });

    it('applies a batch of writes in order, all or none', async () => {
      await store.applyWrites([
        { op: 'putLink', link: link('1', '2') },
        { op: 'putSnapshot', snapshot: snapshot('left', '1') },
        { op: 'putSnapshot', snapshot: { ...snapshot('left', '1'), revision: '9' } },
        { op: 'putSnapshot', snapshot: snapshot('right', '2') },
        { op: 'deleteSnapshot', pair: 'bugs', side: 'right', itemId: '2' },
        {
          op: 'putIntent',
          intent: {
            pair: 'bugs',
            side: 'left',
            sourceId: '5',
            sourceKey: 'P-5',
            createdAt: '2026-01-01T00:00:00.000Z',
          },
        },
        { op: 'putFailure', failure: failure('1', '2026-01-01T00:00:00.000Z') },
      ]);
      expect((await store.getSnapshot('bugs', 'left', '1'))?.revision).toBe('9');
      expect(await store.getSnapshot('bugs', 'right', '2')).toBeUndefined();
      expect((await store.getLink('bugs', 'right', '2'))?.leftId).toBe('1');
      expect(await store.listIntents('bugs')).toHaveLength(1);
      await expect(
        store.applyWrites([
          { op: 'deleteIntent', pair: 'bugs', side: 'left', sourceId: '5' },
          { op: 'deleteFailure', pair: 'bugs', side: 'left', itemId: '1' },
          { op: 'deleteLink', pair: 'bugs', leftId: '1' },
          { op: 'putLink', link: link('3', '4') },
          { op: 'putLink', link: link('6', '4') },
        ]),
      ).rejects.toMatchObject({ code: 'STATE_STORE' });
      expect(await store.listIntents('bugs')).toHaveLength(1);
      expect(await store.listFailures('bugs')).toHaveLength(1);
      expect(await store.countLinks('bugs')).toBe(1);
      await store.transaction((tx) =>
        tx.applyWrites([
          { op: 'deleteIntent', pair: 'bugs', side: 'left', sourceId: '5' },
          { op: 'deleteLink', pair: 'bugs', leftId: '1' },
        ]),
      );
      expect(await store.listIntents('bugs')).toEqual([]);
      expect(await store.countLinks('bugs')).toBe(0);
    });

    // Reported as skipped for a store that lives in memory (`reopen: 'not supported'`).
    reopened('keeps the state of two integrations sharing the storage apart', async () => {
      const other = await reopen({ integration: 'other' });
      try {
        expect(other.integration).toBe('other');
        await store.putLink(link('10', '77'));
        await store.putSnapshot(snapshot('left', '10'));
        await store.putWatermark('bugs', 'left', { kind: 'revision', value: '5' });
        await store.putFailure(failure('10', '2026-01-01T00:00:00.000Z'));
        await store.putIntent({
          pair: 'bugs',
          side: 'left',
          sourceId: '10',
          sourceKey: 'P-10',
          createdAt: '2026-01-01T00:00:00.000Z',
        });
        await store.putCommentLink('bugs', 'left', 'c1', 'c9');
        await store.acquireLease({ key: 'bugs', owner: 'a', ttlMs: 60_000 });
        expect(await other.getLink('bugs', 'left', '10')).toBeUndefined();
        expect(await other.countLinks('bugs')).toBe(0);
        expect(await other.getSnapshot('bugs', 'left', '10')).toBeUndefined();
        expect(await other.getWatermark('bugs', 'left')).toBeUndefined();
        expect(await other.listFailures()).toEqual([]);
        expect(await other.listIntents('bugs')).toEqual([]);
        expect(await other.isCommentCopy('bugs', 'right', 'c9')).toBe(false);
        expect(await other.loadItems('bugs', 'left', ['10'])).toEqual([{ itemId: '10', snapshots: {}, failures: {} }]);
        // The same ids link in the other integration: uniqueness is per integration.
        await other.putLink(link('10', '77'));
        expect(await other.acquireLease({ key: 'bugs', owner: 'b', ttlMs: 60_000 })).toMatchObject({ owner: 'b' });
        await other.deleteLink('bugs', '10');
        expect((await store.getLink('bugs', 'right', '77'))?.leftId).toBe('10');
      } finally {
        await other.close();
      }
    });

    const inboxItem = (itemId: string, event = 'updated'): InboxItem => ({
      pair: 'bugs',
      side: 'left',
      itemId,
      itemKey: `P-${itemId}`,
      event,
      changedAt: '2026-01-01T00:00:00.000Z',
    });

    it('records a webhook delivery once: a redelivery of the same system and id adds nothing', async () => {
      expect(
        await store.addToInbox({ system: 'jira', deliveryId: 'd1', items: [inboxItem('10'), inboxItem('11')] }),
      ).toBe(true);
      expect(await store.addToInbox({ system: 'jira', deliveryId: 'd1', items: [inboxItem('12')] })).toBe(false);
      // The same id from another system is another delivery.
      expect(await store.addToInbox({ system: 'ado', deliveryId: 'd1', items: [] })).toBe(true);
      const depth = await store.inboxDepth();
      expect(depth.entries).toBe(2);
      expect(Date.parse(depth.oldestReceivedAt!)).toBeGreaterThan(Date.now() - 120_000);
      const claimed = await store.claimInbox({ owner: 'a', ttlMs: 60_000, limit: 10 });
      expect(claimed.map((e) => [e.itemId, e.itemKey, e.event, e.system, e.deliveryId, e.changedAt])).toEqual([
        ['10', 'P-10', 'updated', 'jira', 'd1', '2026-01-01T00:00:00.000Z'],
        ['11', 'P-11', 'updated', 'jira', 'd1', '2026-01-01T00:00:00.000Z'],
      ]);
      expect(claimed[0]!.seq).toBeLessThan(claimed[1]!.seq);
    });

    it('claims all entries of an item together, oldest item first, and never an item claimed by someone else', async () => {
      await store.addToInbox({ system: 'jira', deliveryId: 'd1', items: [inboxItem('10')] });
      await store.addToInbox({ system: 'jira', deliveryId: 'd2', items: [inboxItem('11')] });
      await store.addToInbox({ system: 'jira', deliveryId: 'd3', items: [inboxItem('10', 'commented')] });
      const first = await store.claimInbox({ owner: 'a', ttlMs: 60_000, limit: 1 });
      expect(first.map((e) => [e.itemId, e.event])).toEqual([
        ['10', 'updated'],
        ['10', 'commented'],
      ]);
      // A new entry of item 10 arrives while a syncs it: b takes item 11 only.
      await store.addToInbox({ system: 'jira', deliveryId: 'd4', items: [inboxItem('10')] });
      expect((await store.claimInbox({ owner: 'b', ttlMs: 60_000, limit: 10 })).map((e) => e.itemId)).toEqual(['11']);
      expect(await store.claimInbox({ owner: 'c', ttlMs: 60_000, limit: 10 })).toEqual([]);
      await store.completeInbox(
        'b',
        first.map((e) => e.seq),
      ); // not b's: nothing happens
      expect((await store.inboxDepth()).entries).toBe(4);
      await store.completeInbox(
        'a',
        first.map((e) => e.seq),
      );
      expect((await store.inboxDepth()).entries).toBe(2);
      // Once a is done, the entry that arrived meanwhile is due.
      expect((await store.claimInbox({ owner: 'c', ttlMs: 60_000, limit: 10 })).map((e) => e.deliveryId)).toEqual([
        'd4',
      ]);
    });

    it('lets inbox entries settle, hands released ones back later, and claims lapsed claims again', async () => {
      await store.addToInbox({ system: 'jira', deliveryId: 'd1', items: [inboxItem('10')], settleMs: 600_000 });
      expect(await store.claimInbox({ owner: 'a', ttlMs: 60_000, limit: 10 })).toEqual([]);
      await store.addToInbox({ system: 'jira', deliveryId: 'd2', items: [inboxItem('11')] });
      const claimed = await store.claimInbox({ owner: 'a', ttlMs: 60_000, limit: 10 });
      expect(claimed.map((e) => e.itemId)).toEqual(['11']);
      await store.releaseInbox(
        'a',
        claimed.map((e) => e.seq),
        600_000,
      );
      expect(await store.claimInbox({ owner: 'b', ttlMs: 60_000, limit: 10 })).toEqual([]);
      await store.addToInbox({ system: 'jira', deliveryId: 'd3', items: [inboxItem('12')] });
      const lapsing = await store.claimInbox({ owner: 'a', ttlMs: 0, limit: 10 }); // lapses at once, by the store's clock
      expect(lapsing.map((e) => e.itemId)).toEqual(['12']);
      expect((await store.claimInbox({ owner: 'b', ttlMs: 60_000, limit: 10 })).map((e) => e.itemId)).toEqual(['12']);
      await store.completeInbox(
        'a',
        lapsing.map((e) => e.seq),
      ); // a lost it: nothing happens
      expect((await store.inboxDepth()).entries).toBe(3);
    });

    it('forgets old delivery ids when pruned, so that only newer redeliveries are recognised', async () => {
      await store.addToInbox({ system: 'jira', deliveryId: 'd1', items: [] });
      expect(await store.pruneDeliveries('2000-01-01T00:00:00.000Z')).toBe(0);
      expect(await store.addToInbox({ system: 'jira', deliveryId: 'd1', items: [] })).toBe(false);
      expect(await store.pruneDeliveries(new Date(Date.now() + 600_000).toISOString())).toBe(1);
      expect(await store.addToInbox({ system: 'jira', deliveryId: 'd1', items: [] })).toBe(true);
    });

    // Reported as skipped for a store that lives in memory (`reopen: 'not supported'`).
    reopened(
      'keeps the inbox across a reopen, and gives each of two connections claiming at once other items',
      async () => {
        for (let i = 0; i < 20; i++)
          await store.addToInbox({ system: 'jira', deliveryId: `d${i}`, items: [inboxItem(String(i % 10))] });
        await store.close();
        store = await reopen();
        const other = await reopen();
        try {
          const [mine, theirs] = await Promise.all([
            store.claimInbox({ owner: 'a', ttlMs: 60_000, limit: 6 }),
            other.claimInbox({ owner: 'b', ttlMs: 60_000, limit: 6 }),
          ]);
          const items = (entries: typeof mine) => new Set(entries.map((e) => e.itemId));
          expect([...items(mine)].filter((id) => items(theirs).has(id))).toEqual([]);
          expect(mine.length + theirs.length).toBe(2 * (items(mine).size + items(theirs).size));
          expect(items(mine).size + items(theirs).size).toBe(10);
        } finally {
          await other.close();
        }
      },
    );

    // Reported as skipped for a store that lives in memory (`reopen: 'not supported'`).
    reopened('keeps state across a reopen', async () => {
      await store.putLink({
        pair: 'bugs',
        leftId: '1',
        rightId: '2',
        leftKey: 'P-1',
        rightKey: '2',
        createdAt: '2026-01-01T00:00:00.000Z',
      });
      await store.close();
      store = await reopen();
      expect((await store.getLink('bugs', 'left', '1'))?.rightId).toBe('2');
    });
  });
}
