import { mkdtempSync, rmSync } from 'node:fs';
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
  open: async () => openSqliteStateStore((current = join(dir, `state-${n++}.db`))),
  reopen: () => openSqliteStateStore(current),
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
    await expect(openSqliteStateStore(file)).rejects.toMatchObject({ code: 'STATE_STORE', message: expect.stringContaining('upgrade syncbridge') });
  });

  it('rejects a corrupt watermark with a clear error instead of guessing', async () => {
    const file = join(dir, 'corrupt.db');
    const store = await openSqliteStateStore(file);
    await store.putWatermark('bugs', 'left', { kind: 'timestamp', value: '2026-01-01T00:00:00.000Z' });
    await store.close();
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(file);
    db.prepare("UPDATE watermarks SET value = '{\"kind\":\"timestamp\",\"value\":\"yesterday\"}'").run();
    db.close();
    const reopened = await openSqliteStateStore(file);
    await expect(reopened.getWatermark('bugs', 'left')).rejects.toMatchObject({ code: 'STATE_STORE' });
    await reopened.close();
  });
});
