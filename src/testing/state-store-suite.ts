import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Failure, StateStore } from 'syncbridge';

/** A state store implementation under test. */
export interface StateStoreTarget {
  name: string;
  /** A fresh, empty store. */
  open(): Promise<StateStore>;
  /** Reopens the same storage (persistent stores); `'not supported'` for in-memory ones. */
  reopen: (() => Promise<StateStore>) | 'not supported';
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

/** The shared state store suite: every implementation (memory, SQLite, PostgreSQL, yours) passes it. */
export function describeStateStore(target: StateStoreTarget): void {
  describe(`state store: ${target.name}`, () => {
    let store: StateStore;
    beforeEach(async () => {
      store = await target.open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('keeps links findable from either side', async () => {
      await store.putLink({ pair: 'bugs', leftId: '10', rightId: '77', leftKey: 'P-10', rightKey: '77', createdAt: '2026-01-01T00:00:00.000Z' });
      expect((await store.getLink('bugs', 'left', '10'))?.rightId).toBe('77');
      expect((await store.getLink('bugs', 'right', '77'))?.leftKey).toBe('P-10');
      expect(await store.getLink('other', 'left', '10')).toBeUndefined();
      expect(await store.countLinks('bugs')).toBe(1);
      expect((await store.listLinks('bugs', { limit: 10 })).map((l) => l.leftId)).toEqual(['10']);
    });

    it('forgets a link and a snapshot', async () => {
      await store.putLink({ pair: 'bugs', leftId: '10', rightId: '77', leftKey: 'P-10', rightKey: '77', createdAt: '2026-01-01T00:00:00.000Z' });
      await store.putLink({ pair: 'bugs', leftId: '11', rightId: '78', leftKey: 'P-11', rightKey: '78', createdAt: '2026-01-01T00:00:00.000Z' });
      await store.putSnapshot({ pair: 'bugs', side: 'right', itemId: '77', revision: '3', updatedAt: '2026-01-01T00:00:00.000Z', fields: {} });
      await store.deleteLink('bugs', '10');
      await store.deleteSnapshot('bugs', 'right', '77');
      expect(await store.getLink('bugs', 'right', '77')).toBeUndefined();
      expect(await store.getSnapshot('bugs', 'right', '77')).toBeUndefined();
      expect((await store.listLinks('bugs')).map((l) => l.leftId)).toEqual(['11']);
    });

    it('round-trips snapshots with every field value form', async () => {
      const fields = {
        title: 'Crash',
        description: { type: 'doc' as const, content: [{ type: 'paragraph' as const, content: [{ type: 'text' as const, text: 'x', marks: [{ type: 'strong' as const }] }] }] },
        points: 3,
        done: false,
        labels: ['a', 'b'],
        assignee: { id: 'u1', email: 'u1@example.com', displayName: 'U One' },
        empty: null,
      };
      await store.putSnapshot({ pair: 'bugs', side: 'right', itemId: '5', revision: '3', updatedAt: '2026-01-01T00:00:00.000Z', fields });
      expect(await store.getSnapshot('bugs', 'right', '5')).toEqual({ pair: 'bugs', side: 'right', itemId: '5', revision: '3', updatedAt: '2026-01-01T00:00:00.000Z', fields });
      expect(await store.getSnapshot('bugs', 'left', '5')).toBeUndefined();
    });

    it('stores watermarks per pair and side', async () => {
      await store.putWatermark('bugs', 'left', { kind: 'timestamp', value: '2026-01-01T00:00:00.000Z' });
      await store.putWatermark('bugs', 'right', { kind: 'revision', value: '42' });
      expect(await store.getWatermark('bugs', 'left')).toEqual({ kind: 'timestamp', value: '2026-01-01T00:00:00.000Z' });
      expect(await store.getWatermark('bugs', 'right')).toEqual({ kind: 'revision', value: '42' });
    });

    it('commits all writes of a transaction or none', async () => {
      await expect(
        store.transaction(async (tx) => {
          await tx.putIntent({ pair: 'bugs', side: 'left', sourceId: '1', sourceKey: 'P-1', createdAt: '2026-01-01T00:00:00.000Z' });
          await tx.putWatermark('bugs', 'left', { kind: 'timestamp', value: '2026-01-02T00:00:00.000Z' });
          throw new Error('crash inside the transaction');
        }),
      ).rejects.toThrow('crash inside');
      expect(await store.listIntents('bugs')).toEqual([]);
      expect(await store.getWatermark('bugs', 'left')).toBeUndefined();
      await store.transaction(async (tx) => {
        await tx.putIntent({ pair: 'bugs', side: 'left', sourceId: '1', sourceKey: 'P-1', createdAt: '2026-01-01T00:00:00.000Z' });
      });
      expect((await store.getIntent('bugs', 'left', '1'))?.sourceKey).toBe('P-1');
      await store.deleteIntent('bugs', 'left', '1');
      expect(await store.listIntents('bugs')).toEqual([]);
    });

    it('queues failures oldest first and replaces one per item', async () => {
      await store.putFailure(failure('2', '2026-01-01T00:02:00.000Z'));
      await store.putFailure(failure('1', '2026-01-01T00:01:00.000Z'));
      await store.putFailure({ ...failure('2', '2026-01-01T00:02:00.000Z'), attempts: 2, nextRetryAt: null });
      const all = await store.listFailures('bugs');
      expect(all.map((f) => f.itemId)).toEqual(['1', '2']);
      expect(all[1]).toMatchObject({ attempts: 2, nextRetryAt: null, revisions: { left: '3', right: '7' }, details: { fieldErrors: { summary: 'required' } } });
      expect(await store.listFailures('other')).toEqual([]);
      await store.deleteFailure('bugs', 'left', '1');
      expect((await store.listFailures()).map((f) => f.itemId)).toEqual(['2']);
    });

    it('keeps when a failure was discarded', async () => {
      await store.putFailure({ ...failure('3', '2026-01-01T00:03:00.000Z'), nextRetryAt: null, discardedAt: '2026-01-01T00:04:00.000Z' });
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
      await store.putIntegrationState({ name: 'default', active: true, configHash: 'abc', updatedAt: '2026-01-01T00:00:00.000Z' });
      expect(await store.getIntegrationState('default')).toEqual({ name: 'default', active: true, configHash: 'abc', updatedAt: '2026-01-01T00:00:00.000Z' });
      // With the description of what the hash covers, replacing the state without one.
      const parts = { 'systems.jira.baseUrl': '1a2b3c', 'mappings[0].fields[0]': '4d5e6f' };
      await store.putIntegrationState({ name: 'default', active: false, configHash: 'def', configParts: parts, updatedAt: '2026-01-02T00:00:00.000Z' });
      expect(await store.getIntegrationState('default')).toEqual({ name: 'default', active: false, configHash: 'def', configParts: parts, updatedAt: '2026-01-02T00:00:00.000Z' });
    });

    it('grants a lease to one owner at a time, until it lapses or is released', async () => {
      const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();
      const lease = (owner: string, until: number) => ({ key: 'default/bugs', owner, expiresAt: at(until) });
      expect(await store.acquireLease(lease('a', 30), at(0))).toEqual(lease('a', 30));
      expect(await store.acquireLease(lease('b', 40), at(10))).toEqual(lease('a', 30));
      expect(await store.acquireLease(lease('a', 50), at(20))).toEqual(lease('a', 50)); // renewed
      expect(await store.acquireLease(lease('b', 90), at(50))).toEqual(lease('b', 90)); // lapsed at 50
      await store.releaseLease('default/bugs', 'a'); // not a's any more: nothing happens
      expect(await store.acquireLease(lease('a', 95), at(60))).toEqual(lease('b', 90));
      await store.releaseLease('default/bugs', 'b');
      expect(await store.acquireLease(lease('a', 99), at(61))).toEqual(lease('a', 99));
      expect(await store.acquireLease({ key: 'default/tasks', owner: 'b', expiresAt: at(99) }, at(61))).toMatchObject({ owner: 'b' });
    });

    it('keeps a lease from a second connection to the same storage', async () => {
      if (target.reopen === 'not supported') return;
      const other = await target.reopen();
      try {
        const until = '2026-01-01T00:01:00.000Z';
        expect(await store.acquireLease({ key: 'default/bugs', owner: 'a', expiresAt: until }, '2026-01-01T00:00:00.000Z')).toMatchObject({ owner: 'a' });
        expect(await other.acquireLease({ key: 'default/bugs', owner: 'b', expiresAt: until }, '2026-01-01T00:00:01.000Z')).toMatchObject({ owner: 'a' });
      } finally {
        await other.close();
      }
    });

    it('keeps state across a reopen', async () => {
      if (target.reopen === 'not supported') return;
      await store.putLink({ pair: 'bugs', leftId: '1', rightId: '2', leftKey: 'P-1', rightKey: '2', createdAt: '2026-01-01T00:00:00.000Z' });
      await store.close();
      store = await target.reopen();
      expect((await store.getLink('bugs', 'left', '1'))?.rightId).toBe('2');
    });
  });
}
