import { mkdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { isSyncbridgeError, SyncbridgeError } from '../errors/syncbridge-error.js';
import { lockedStore } from './mutex.js';
import { configPartsSchema, snapshotFieldsSchema, watermarkSchema, type Failure, type Intent, type IntegrationState, type Lease, type Link, type Side, type Snapshot, type StateOperations, type StateStore } from './state-store.js';

/** Versioned schema migrations; a version, once released, never changes. */
const migrations: Array<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
      CREATE TABLE links (pair TEXT NOT NULL, left_id TEXT NOT NULL, right_id TEXT NOT NULL, left_key TEXT NOT NULL, right_key TEXT NOT NULL, created_at TEXT NOT NULL,
        PRIMARY KEY (pair, left_id), UNIQUE (pair, right_id));
      CREATE TABLE snapshots (pair TEXT NOT NULL, side TEXT NOT NULL, item_id TEXT NOT NULL, revision TEXT NOT NULL, updated_at TEXT NOT NULL, fields TEXT NOT NULL,
        PRIMARY KEY (pair, side, item_id));
      CREATE TABLE watermarks (pair TEXT NOT NULL, side TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (pair, side));
      CREATE TABLE intents (pair TEXT NOT NULL, side TEXT NOT NULL, source_id TEXT NOT NULL, source_key TEXT NOT NULL, created_at TEXT NOT NULL,
        PRIMARY KEY (pair, side, source_id));
      CREATE TABLE failures (pair TEXT NOT NULL, side TEXT NOT NULL, item_id TEXT NOT NULL, item_key TEXT NOT NULL, kind TEXT NOT NULL, code TEXT NOT NULL,
        message TEXT NOT NULL, details TEXT NOT NULL, attempts INTEGER NOT NULL, revisions TEXT NOT NULL, next_retry_at TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
        PRIMARY KEY (pair, side, item_id));
      CREATE INDEX failures_created ON failures (created_at);
      CREATE TABLE comment_links (pair TEXT NOT NULL, side TEXT NOT NULL, source_comment_id TEXT NOT NULL, target_comment_id TEXT NOT NULL,
        PRIMARY KEY (pair, side, source_comment_id));
      CREATE INDEX comment_copies ON comment_links (pair, side, target_comment_id);
      CREATE TABLE integrations (name TEXT PRIMARY KEY, active INTEGER NOT NULL, config_hash TEXT NOT NULL, updated_at TEXT NOT NULL);
    `,
  },
  {
    version: 2,
    sql: `CREATE TABLE leases (key TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at TEXT NOT NULL);`,
  },
  {
    version: 3,
    sql: `ALTER TABLE failures ADD COLUMN discarded_at TEXT;`,
  },
  {
    version: 4,
    sql: `ALTER TABLE integrations ADD COLUMN config_parts TEXT;`,
  },
];

type Row = Record<string, unknown>;
const str = (row: Row, key: string) => String(row[key]);

function migrate(db: DatabaseSync, file: string): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
  const current = Number((db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as Row | undefined)?.v ?? 0);
  const latest = migrations.at(-1)!.version;
  if (current > latest) {
    throw new SyncbridgeError('STATE_STORE', `${file}: state schema version ${current} is newer than this syncbridge understands (${latest}); upgrade syncbridge`);
  }
  for (const m of migrations.filter((m) => m.version > current)) {
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(m.version, new Date().toISOString());
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      if (/readonly/i.test((error as Error).message)) throw storeProblem(file, error);
      throw new SyncbridgeError('STATE_STORE', `${file}: migration ${m.version} failed: ${(error as Error).message}`, { cause: error });
    }
  }
}

function parseJson<T>(text: string, what: string, parse: (v: unknown) => T): T {
  try {
    return parse(JSON.parse(text));
  } catch (error) {
    throw new SyncbridgeError('STATE_STORE', `stored ${what} is corrupt: ${(error as Error).message}`, { cause: error });
  }
}

function operations(db: DatabaseSync): StateOperations {
  const q = (sql: string) => db.prepare(sql);
  const toLink = (r: Row): Link => ({ pair: str(r, 'pair'), leftId: str(r, 'left_id'), rightId: str(r, 'right_id'), leftKey: str(r, 'left_key'), rightKey: str(r, 'right_key'), createdAt: str(r, 'created_at') });
  const toFailure = (r: Row): Failure => ({
    pair: str(r, 'pair'),
    side: str(r, 'side') as Side,
    itemId: str(r, 'item_id'),
    itemKey: str(r, 'item_key'),
    kind: str(r, 'kind') as Failure['kind'],
    code: str(r, 'code'),
    message: str(r, 'message'),
    details: parseJson(str(r, 'details'), 'failure details', (v) => v as Record<string, unknown>),
    attempts: Number(r.attempts),
    revisions: parseJson(str(r, 'revisions'), 'failure revisions', (v) => v as Failure['revisions']),
    nextRetryAt: r.next_retry_at === null ? null : str(r, 'next_retry_at'),
    ...(r.discarded_at === null || r.discarded_at === undefined ? {} : { discardedAt: str(r, 'discarded_at') }),
    createdAt: str(r, 'created_at'),
    updatedAt: str(r, 'updated_at'),
  });
  const toIntent = (r: Row): Intent => ({ pair: str(r, 'pair'), side: str(r, 'side') as Side, sourceId: str(r, 'source_id'), sourceKey: str(r, 'source_key'), createdAt: str(r, 'created_at') });
  return {
    async getLink(pair, side, itemId) {
      const r = q(`SELECT * FROM links WHERE pair = ? AND ${side === 'left' ? 'left_id' : 'right_id'} = ?`).get(pair, itemId) as Row | undefined;
      return r && toLink(r);
    },
    async putLink(l) {
      q('INSERT INTO links VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (pair, left_id) DO UPDATE SET right_id = excluded.right_id, left_key = excluded.left_key, right_key = excluded.right_key').run(l.pair, l.leftId, l.rightId, l.leftKey, l.rightKey, l.createdAt);
    },
    async deleteLink(pair, leftId) {
      q('DELETE FROM links WHERE pair = ? AND left_id = ?').run(pair, leftId);
    },
    async listLinks(pair, options = {}) {
      return (q('SELECT * FROM links WHERE pair = ? ORDER BY created_at, left_id LIMIT ? OFFSET ?').all(pair, options.limit ?? -1, options.offset ?? 0) as Row[]).map(toLink);
    },
    async countLinks(pair) {
      return Number((q('SELECT COUNT(*) AS n FROM links WHERE pair = ?').get(pair) as Row).n);
    },
    async getSnapshot(pair, side, itemId) {
      const r = q('SELECT * FROM snapshots WHERE pair = ? AND side = ? AND item_id = ?').get(pair, side, itemId) as Row | undefined;
      if (!r) return undefined;
      return { pair, side, itemId, revision: str(r, 'revision'), updatedAt: str(r, 'updated_at'), fields: parseJson(str(r, 'fields'), 'snapshot', (v) => snapshotFieldsSchema.parse(v)) } satisfies Snapshot;
    },
    async putSnapshot(s) {
      q('INSERT INTO snapshots VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (pair, side, item_id) DO UPDATE SET revision = excluded.revision, updated_at = excluded.updated_at, fields = excluded.fields').run(s.pair, s.side, s.itemId, s.revision, s.updatedAt, JSON.stringify(s.fields));
    },
    async deleteSnapshot(pair, side, itemId) {
      q('DELETE FROM snapshots WHERE pair = ? AND side = ? AND item_id = ?').run(pair, side, itemId);
    },
    async getWatermark(pair, side) {
      const r = q('SELECT value FROM watermarks WHERE pair = ? AND side = ?').get(pair, side) as Row | undefined;
      return r && parseJson(str(r, 'value'), 'watermark', (v) => watermarkSchema.parse(v));
    },
    async putWatermark(pair, side, w) {
      q('INSERT INTO watermarks VALUES (?, ?, ?) ON CONFLICT (pair, side) DO UPDATE SET value = excluded.value').run(pair, side, JSON.stringify(w));
    },
    async getIntent(pair, side, sourceId) {
      const r = q('SELECT * FROM intents WHERE pair = ? AND side = ? AND source_id = ?').get(pair, side, sourceId) as Row | undefined;
      return r && toIntent(r);
    },
    async putIntent(i) {
      q('INSERT OR REPLACE INTO intents VALUES (?, ?, ?, ?, ?)').run(i.pair, i.side, i.sourceId, i.sourceKey, i.createdAt);
    },
    async deleteIntent(pair, side, sourceId) {
      q('DELETE FROM intents WHERE pair = ? AND side = ? AND source_id = ?').run(pair, side, sourceId);
    },
    async listIntents(pair) {
      return (q('SELECT * FROM intents WHERE pair = ? ORDER BY created_at').all(pair) as Row[]).map(toIntent);
    },
    async getFailure(pair, side, itemId) {
      const r = q('SELECT * FROM failures WHERE pair = ? AND side = ? AND item_id = ?').get(pair, side, itemId) as Row | undefined;
      return r && toFailure(r);
    },
    async putFailure(f) {
      q('INSERT OR REPLACE INTO failures (pair, side, item_id, item_key, kind, code, message, details, attempts, revisions, next_retry_at, created_at, updated_at, discarded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
        f.pair, f.side, f.itemId, f.itemKey, f.kind, f.code, f.message, JSON.stringify(f.details), f.attempts, JSON.stringify(f.revisions), f.nextRetryAt, f.createdAt, f.updatedAt, f.discardedAt ?? null,
      );
    },
    async deleteFailure(pair, side, itemId) {
      q('DELETE FROM failures WHERE pair = ? AND side = ? AND item_id = ?').run(pair, side, itemId);
    },
    async listFailures(pair) {
      const rows = pair === undefined ? q('SELECT * FROM failures ORDER BY created_at').all() : q('SELECT * FROM failures WHERE pair = ? ORDER BY created_at').all(pair);
      return (rows as Row[]).map(toFailure);
    },
    async getCommentLink(pair, side, sourceCommentId) {
      const r = q('SELECT target_comment_id FROM comment_links WHERE pair = ? AND side = ? AND source_comment_id = ?').get(pair, side, sourceCommentId) as Row | undefined;
      return r && str(r, 'target_comment_id');
    },
    async putCommentLink(pair, side, sourceCommentId, targetCommentId) {
      q('INSERT OR REPLACE INTO comment_links VALUES (?, ?, ?, ?)').run(pair, side, sourceCommentId, targetCommentId);
    },
    async isCommentCopy(pair, side, commentId) {
      // A copy on `side` was written from a source comment on the other side.
      return q('SELECT 1 FROM comment_links WHERE pair = ? AND side = ? AND target_comment_id = ?').get(pair, side === 'left' ? 'right' : 'left', commentId) !== undefined;
    },
    async getIntegrationState(name) {
      const r = q('SELECT * FROM integrations WHERE name = ?').get(name) as Row | undefined;
      if (!r) return undefined;
      const parts = typeof r.config_parts === 'string' ? parseJson(r.config_parts, 'configuration description', (v) => configPartsSchema.parse(v)) : undefined;
      return { name, active: Number(r.active) === 1, configHash: str(r, 'config_hash'), ...(parts ? { configParts: parts } : {}), updatedAt: str(r, 'updated_at') } satisfies IntegrationState;
    },
    async putIntegrationState(s) {
      q('INSERT OR REPLACE INTO integrations (name, active, config_hash, updated_at, config_parts) VALUES (?, ?, ?, ?, ?)').run(s.name, s.active ? 1 : 0, s.configHash, s.updatedAt, s.configParts ? JSON.stringify(s.configParts) : null);
    },
    async acquireLease(lease, now) {
      // One statement, so it is atomic across processes: it takes a free or lapsed lease, or renews one's own.
      q(
        `INSERT INTO leases (key, owner, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
         WHERE leases.owner = excluded.owner OR leases.expires_at <= ?`,
      ).run(lease.key, lease.owner, lease.expiresAt, now);
      const r = q('SELECT * FROM leases WHERE key = ?').get(lease.key) as Row;
      return { key: lease.key, owner: str(r, 'owner'), expiresAt: str(r, 'expires_at') } satisfies Lease;
    },
    async releaseLease(key, owner) {
      q('DELETE FROM leases WHERE key = ? AND owner = ?').run(key, owner);
    },
  };
}

/** What went wrong with a state file, and what to do, in words. */
function storeProblem(file: string, error: unknown): SyncbridgeError {
  const { code, message } = error as { code?: string; message?: string };
  const reason = /readonly|read-only|EACCES|EPERM|EROFS/i.test(`${code} ${message}`)
    ? `is read-only for this user (${message ?? code}); make the file and its folder writable (the store writes ${basename(file)}-wal and -shm beside it) or set state.path to a writable place`
    : code === 'EEXIST' || code === 'ENOTDIR'
      ? `cannot be made: a part of its folder path is a file, not a folder (${code}); set state.path to a place inside a folder`
      : /not a database/i.test(message ?? '')
        ? `is not a SQLite state file (${message}); point state.path at the integration's state file, or move this file away to start afresh`
        : `failed: ${message ?? code}`;
  return new SyncbridgeError('STATE_STORE', `state store ${file} ${reason}`, { cause: error, details: { file } });
}

/** The operations with every SQLite failure (a file made read-only meanwhile, a full disk) turned into `STATE_STORE`. */
function guarded(ops: StateOperations, file: string): StateOperations {
  const wrap = (fn: (...args: unknown[]) => Promise<unknown>) => async (...args: unknown[]) => {
    try {
      return await fn(...args);
    } catch (error) {
      throw isSyncbridgeError(error) ? error : storeProblem(file, error);
    }
  };
  return Object.fromEntries(Object.entries(ops).map(([name, fn]) => [name, wrap(fn as (...args: unknown[]) => Promise<unknown>)])) as unknown as StateOperations;
}

/**
 * Opens (creating if needed) the embedded state store: a SQLite file on Node's built-in
 * `node:sqlite`, in WAL mode, migrated to the current schema. No native build needed. A
 * file that cannot be written fails here, with `STATE_STORE`, before anything is synced:
 * a run that wrote to the systems but could not record it would copy the items again.
 */
export async function openSqliteStateStore(file = '.syncbridge/state.db'): Promise<StateStore> {
  const { DatabaseSync } = await import('node:sqlite').catch((error: unknown) => {
    throw new SyncbridgeError('STATE_STORE', `${file}: the embedded state store needs node:sqlite, which Node.js ${process.versions.node} lacks; use Node.js 22.13 or newer, or another state store`, { cause: error });
  });
  let db: DatabaseSync | undefined;
  try {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    db = new DatabaseSync(file);
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;');
    migrate(db, file);
    // A write rolled back: SQLite opens a file it may not write read-only, and says so only at the first write.
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec("UPDATE schema_migrations SET applied_at = applied_at WHERE version = (SELECT MAX(version) FROM schema_migrations)");
    } finally {
      db.exec('ROLLBACK');
    }
  } catch (error) {
    if (db?.isOpen) db.close();
    if (error instanceof SyncbridgeError) throw error;
    throw storeProblem(file, error);
  }
  const open = db;
  return lockedStore(guarded(operations(open), file), {
    async transaction(fn) {
      open.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn();
        open.exec('COMMIT');
        return result;
      } catch (error) {
        open.exec('ROLLBACK');
        throw error;
      }
    },
    async close() {
      if (open.isOpen) open.close();
    },
  });
}
