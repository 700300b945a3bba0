import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryStateStore, openSqliteStateStore } from 'syncbridge';
import { describeStateStore } from 'syncbridge/testing';

const dir = mkdtempSync(join(tmpdir(), 'syncbridge-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
let current = '';

describeStateStore({ name: 'memory', open: async () => createMemoryStateStore(), reopen: 'not supported' });
describeStateStore({
  name: 'sqlite',
  open: async () => {
    current = join(dir, `state-${n++}.db`);
    return openSqliteStateStore(current);
  },
  reopen: (options) => openSqliteStateStore(current, options),
});

describe('sqlite state store', () => {
  it('creates its folder, uses WAL and refuses a schema newer than it knows', async () => {
    const file = join(dir, 'nested', 'deeper', 'state.db');
    const store = await openSqliteStateStore(file);
    await store.close();
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(file);
    expect((db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode).toBe('wal');
    db.prepare('INSERT INTO schema_migrations VALUES (99, ?)').run(new Date().toISOString());
    db.close();
    await expect(openSqliteStateStore(file)).rejects.toMatchObject({
      code: 'STATE_STORE',
      message: expect.stringContaining('upgrade syncbridge'),
    });
  });

  it('rejects a corrupt watermark with a clear error instead of guessing', async () => {
    const file = join(dir, 'corrupt.db');
    const store = await openSqliteStateStore(file);
    await store.putWatermark('bugs', 'left', { kind: 'timestamp', value: '2026-01-01T00:00:00.000Z' });
    await store.close();
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(file);
    db.prepare('UPDATE watermarks SET value = \'{"kind":"timestamp","value":"yesterday"}\'').run();
    db.close();
    const reopened = await openSqliteStateStore(file);
    await expect(reopened.getWatermark('bugs', 'left')).rejects.toMatchObject({ code: 'STATE_STORE' });
    await reopened.close();
  });

  it('migrates a file of schema 3 (before integration scopes): its records belong to the integration that opens it', async () => {
    const file = join(dir, 'schema-3.db');
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(file);
    db.exec(readFileSync(new URL('./fixtures/state-schema-3.sql', import.meta.url), 'utf8'));
    db.close();

    const store = await openSqliteStateStore(file, { integration: 'jira-ado' });
    expect(await store.getLink('bugs', 'right', '77')).toEqual({
      pair: 'bugs',
      leftId: '10',
      rightId: '77',
      leftKey: 'P-10',
      rightKey: '77',
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    expect(await store.getSnapshot('bugs', 'left', '10')).toMatchObject({ revision: '3', fields: { title: 'Crash' } });
    expect(await store.getWatermark('bugs', 'left')).toEqual({ kind: 'revision', value: '42' });
    expect(await store.listFailures()).toMatchObject([
      { itemId: '11', attempts: 2, discardedAt: '2026-01-01T00:04:00.000Z' },
    ]);
    expect(await store.listIntents('bugs')).toMatchObject([{ sourceId: '12' }]);
    expect(await store.isCommentCopy('bugs', 'right', 'c9')).toBe(true);
    expect((await store.getIntegrationState('jira-ado'))?.active).toBe(true);
    // Leases under way are dropped by the migration; a new one starts at token 1.
    expect(await store.acquireLease({ key: 'bugs', owner: 'me', ttlMs: 1000 })).toMatchObject({
      owner: 'me',
      token: 1,
    });
    await store.close();

    // A second integration opening the same file sees none of it, and links the same ids itself.
    const other = await openSqliteStateStore(file, { integration: 'other' });
    expect(await other.getLink('bugs', 'left', '10')).toBeUndefined();
    expect(await other.getWatermark('bugs', 'left')).toBeUndefined();
    await other.putLink({
      pair: 'bugs',
      leftId: '10',
      rightId: '77',
      leftKey: 'P-10',
      rightKey: '77',
      createdAt: '2026-02-01T00:00:00.000Z',
    });
    await other.close();
    const again = await openSqliteStateStore(file, { integration: 'jira-ado' });
    expect((await again.getLink('bugs', 'left', '10'))?.createdAt).toBe('2026-01-01T00:00:00.000Z');
    await again.close();
  });
});
