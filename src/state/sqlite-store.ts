import { mkdirSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { isSyncbridgeError, SyncbridgeError } from '../errors/syncbridge-error.js';
import type { Logger } from '../logger.js';
import { lockedStore, Mutex } from './mutex.js';
import { sqliteInbox } from './sqlite-inbox.js';
import { migrate } from './sqlite-migrations.js';
import { failureColumns, failureRow, type Row, snapshotRow, sqlRows, str } from './sql-rows.js';
import { applyWritesInOrder, assembleItems, fenceProblem, linkTaken } from './store-helpers.js';
import {
  configPartsSchema,
  UNSETTLED_REVISION,
  otherSide,
  watermarkSchema,
  type IntegrationState,
  type Lease,
  type StateOperations,
  type StateStore,
  type StateStoreFactory,
} from './state-store.js';

/** Options of {@link openSqliteStateStore}. */
export interface SqliteStoreOptions {
  /** The integration whose state it is; rows of others in the same file are not seen. @default 'default' */
  integration?: string;
  /** The store's clock, by which leases lapse (tests inject one). @default () => new Date() */
  clock?: () => Date;
  /** Told (`info`) which schema migrations were applied on open. */
  logger?: Logger;
}

function operations(db: DatabaseSync, integration: string, clock: () => Date): StateOperations {
  // Each statement is prepared once and reused: preparing costs more than running one of these.
  const statements = new Map<string, StatementSync>();
  const q = (sql: string): StatementSync => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
  const I = integration;
  const { stored, toLink, toSnapshot, toFailure, toIntent } = sqlRows((text) => JSON.parse(String(text)));
  // Ids of a page go in as one JSON array parameter, whatever their number. One indexed search
  // per side: with an OR of the two, SQLite reads every row of the pair.
  const perSide = (table: string) =>
    `SELECT * FROM ${table} WHERE integration = ? AND pair = ? AND side = 'left' AND item_id IN (SELECT value FROM json_each(?))
     UNION ALL SELECT * FROM ${table} WHERE integration = ? AND pair = ? AND side = 'right' AND item_id IN (SELECT value FROM json_each(?))`;
  const ops: StateOperations = {
    async getLink(pair, side, itemId) {
      const r = q(
        `SELECT * FROM links WHERE integration = ? AND pair = ? AND ${side === 'left' ? 'left_id' : 'right_id'} = ?`,
      ).get(I, pair, itemId) as Row | undefined;
      return r && toLink(r);
    },
    async putLink(l) {
      try {
        q(
          'INSERT INTO links VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (integration, pair, left_id) DO UPDATE SET right_id = excluded.right_id, left_key = excluded.left_key, right_key = excluded.right_key',
        ).run(I, l.pair, l.leftId, l.rightId, l.leftKey, l.rightKey, l.createdAt);
      } catch (error) {
        if (/UNIQUE constraint failed/.test((error as Error).message))
          throw linkTaken(l.pair, 'right', l.rightId, error);
        throw error;
      }
    },
    async deleteLink(pair, leftId) {
      q('DELETE FROM links WHERE integration = ? AND pair = ? AND left_id = ?').run(I, pair, leftId);
    },
    async listLinks(pair, options = {}) {
      return (
        q('SELECT * FROM links WHERE integration = ? AND pair = ? ORDER BY created_at, left_id LIMIT ? OFFSET ?').all(
          I,
          pair,
          options.limit ?? -1,
          options.offset ?? 0,
        ) as Row[]
      ).map(toLink);
    },
    async countLinks(pair) {
      return Number((q('SELECT COUNT(*) AS n FROM links WHERE integration = ? AND pair = ?').get(I, pair) as Row).n);
    },
    async getSnapshot(pair, side, itemId) {
      const r = q('SELECT * FROM snapshots WHERE integration = ? AND pair = ? AND side = ? AND item_id = ?').get(
        I,
        pair,
        side,
        itemId,
      ) as Row | undefined;
      return r && toSnapshot(r);
    },
    async putSnapshot(s) {
      q(
        'INSERT INTO snapshots (integration, pair, side, item_id, revision, updated_at, fields, pending) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (integration, pair, side, item_id) DO UPDATE SET revision = excluded.revision, updated_at = excluded.updated_at, fields = excluded.fields, pending = excluded.pending',
      ).run(I, ...snapshotRow(s));
    },
    async listUnsettledSnapshots(pair, limit) {
      return (
        q(
          "SELECT * FROM snapshots WHERE integration = ? AND pair = ? AND (pending IS NOT NULL OR revision LIKE '%' || ?) LIMIT ?",
        ).all(I, pair, UNSETTLED_REVISION, limit) as Row[]
      ).map(toSnapshot);
    },
    async deleteSnapshot(pair, side, itemId) {
      q('DELETE FROM snapshots WHERE integration = ? AND pair = ? AND side = ? AND item_id = ?').run(
        I,
        pair,
        side,
        itemId,
      );
    },
    async getWatermark(pair, side) {
      const r = q('SELECT value FROM watermarks WHERE integration = ? AND pair = ? AND side = ?').get(I, pair, side) as
        | Row
        | undefined;
      return r && stored(r.value, 'watermark', (v) => watermarkSchema.parse(v));
    },
    async putWatermark(pair, side, w) {
      q(
        'INSERT INTO watermarks VALUES (?, ?, ?, ?) ON CONFLICT (integration, pair, side) DO UPDATE SET value = excluded.value',
      ).run(I, pair, side, JSON.stringify(w));
    },
    async getIntent(pair, side, sourceId) {
      const r = q('SELECT * FROM intents WHERE integration = ? AND pair = ? AND side = ? AND source_id = ?').get(
        I,
        pair,
        side,
        sourceId,
      ) as Row | undefined;
      return r && toIntent(r);
    },
    async putIntent(i) {
      q(
        'INSERT OR REPLACE INTO intents (integration, pair, side, source_id, source_key, created_at, agreed) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ).run(I, i.pair, i.side, i.sourceId, i.sourceKey, i.createdAt, i.agreed ? JSON.stringify(i.agreed) : null);
    },
    async deleteIntent(pair, side, sourceId) {
      q('DELETE FROM intents WHERE integration = ? AND pair = ? AND side = ? AND source_id = ?').run(
        I,
        pair,
        side,
        sourceId,
      );
    },
    async listIntents(pair) {
      return (
        q('SELECT * FROM intents WHERE integration = ? AND pair = ? ORDER BY created_at').all(I, pair) as Row[]
      ).map(toIntent);
    },
    async getFailure(pair, side, itemId) {
      const r = q('SELECT * FROM failures WHERE integration = ? AND pair = ? AND side = ? AND item_id = ?').get(
        I,
        pair,
        side,
        itemId,
      ) as Row | undefined;
      return r && toFailure(r);
    },
    async putFailure(f) {
      q(
        `INSERT OR REPLACE INTO failures (integration, ${failureColumns.join(', ')}) VALUES (?${', ?'.repeat(failureColumns.length)})`,
      ).run(I, ...failureRow(f));
    },
    async deleteFailure(pair, side, itemId) {
      q('DELETE FROM failures WHERE integration = ? AND pair = ? AND side = ? AND item_id = ?').run(
        I,
        pair,
        side,
        itemId,
      );
    },
    async listFailures(pair) {
      const rows =
        pair === undefined
          ? q('SELECT * FROM failures WHERE integration = ? ORDER BY created_at').all(I)
          : q('SELECT * FROM failures WHERE integration = ? AND pair = ? ORDER BY created_at').all(I, pair);
      return (rows as Row[]).map(toFailure);
    },
    async getCommentLink(pair, side, sourceCommentId) {
      const r = q(
        'SELECT target_comment_id FROM comment_links WHERE integration = ? AND pair = ? AND side = ? AND source_comment_id = ?',
      ).get(I, pair, side, sourceCommentId) as Row | undefined;
      return r && str(r, 'target_comment_id');
    },
    async putCommentLink(pair, side, sourceCommentId, targetCommentId) {
      q('INSERT OR REPLACE INTO comment_links VALUES (?, ?, ?, ?, ?)').run(
        I,
        pair,
        side,
        sourceCommentId,
        targetCommentId,
      );
    },
    async isCommentCopy(pair, side, commentId) {
      // A copy on `side` was written from a source comment on the other side.
      return (
        q('SELECT 1 FROM comment_links WHERE integration = ? AND pair = ? AND side = ? AND target_comment_id = ?').get(
          I,
          pair,
          otherSide(side),
          commentId,
        ) !== undefined
      );
    },
    async loadItems(pair, side, itemIds) {
      const ids = JSON.stringify(itemIds);
      const links = (
        q(
          `SELECT * FROM links WHERE integration = ? AND pair = ? AND ${side === 'left' ? 'left_id' : 'right_id'} IN (SELECT value FROM json_each(?))`,
        ).all(I, pair, ids) as Row[]
      ).map(toLink);
      const byItem = new Map(links.map((l) => [side === 'left' ? l.leftId : l.rightId, l]));
      const counterparts = JSON.stringify(links.map((l) => (side === 'left' ? l.rightId : l.leftId)));
      const [lefts, rights] = side === 'left' ? [ids, counterparts] : [counterparts, ids];
      const snapshots = (q(perSide('snapshots')).all(I, pair, lefts, I, pair, rights) as Row[]).map(toSnapshot);
      const failures = (q(perSide('failures')).all(I, pair, lefts, I, pair, rights) as Row[]).map(toFailure);
      const intents = (
        q(
          'SELECT * FROM intents WHERE integration = ? AND pair = ? AND side = ? AND source_id IN (SELECT value FROM json_each(?))',
        ).all(I, pair, side, ids) as Row[]
      ).map(toIntent);
      return assembleItems(side, itemIds, byItem, snapshots, failures, intents);
    },
    applyWrites: (writes) => applyWritesInOrder(ops, writes),
    async getIntegrationState(name) {
      const r = q('SELECT * FROM integrations WHERE name = ?').get(name) as Row | undefined;
      if (!r) return undefined;
      const parts =
        typeof r.config_parts === 'string'
          ? stored(r.config_parts, 'configuration description', (v) => configPartsSchema.parse(v))
          : undefined;
      return {
        name,
        active: Number(r.active) === 1,
        configHash: str(r, 'config_hash'),
        ...(parts ? { configParts: parts } : {}),
        updatedAt: str(r, 'updated_at'),
      } satisfies IntegrationState;
    },
    async putIntegrationState(s) {
      q(
        'INSERT OR REPLACE INTO integrations (name, active, config_hash, updated_at, config_parts) VALUES (?, ?, ?, ?, ?)',
      ).run(s.name, s.active ? 1 : 0, s.configHash, s.updatedAt, s.configParts ? JSON.stringify(s.configParts) : null);
    },
    async acquireLease({ key, owner, ttlMs }) {
      const now = clock();
      // One statement, so it is atomic across processes: it takes a free or lapsed lease (a new
      // token), or renews one's own (the same token while it has not lapsed).
      q(
        `INSERT INTO leases (integration, key, owner, expires_at, token) VALUES ($i, $key, $owner, $until, 1)
         ON CONFLICT (integration, key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at,
           token = CASE WHEN leases.owner = excluded.owner AND leases.expires_at > $now THEN leases.token ELSE leases.token + 1 END
         WHERE leases.owner = excluded.owner OR leases.expires_at <= $now`,
      ).run({ i: I, key, owner, until: new Date(now.getTime() + ttlMs).toISOString(), now: now.toISOString() });
      return leaseOf(db, I, key)!;
    },
    ...sqliteInbox(db, I, clock),
    async releaseLease(key, owner) {
      const now = clock().toISOString();
      q('UPDATE leases SET expires_at = ? WHERE integration = ? AND key = ? AND owner = ? AND expires_at > ?').run(
        now,
        I,
        key,
        owner,
        now,
      );
    },
  };
  return ops;
}

const leaseReads = new WeakMap<DatabaseSync, StatementSync>();

/** A lease as the store holds it, or `undefined`. */
function leaseOf(db: DatabaseSync, integration: string, key: string): Lease | undefined {
  let statement = leaseReads.get(db);
  if (!statement) {
    statement = db.prepare('SELECT * FROM leases WHERE integration = ? AND key = ?');
    leaseReads.set(db, statement);
  }
  const r = statement.get(integration, key) as Row | undefined;
  return r && { key, owner: str(r, 'owner'), expiresAt: str(r, 'expires_at'), token: Number(r.token) };
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
  const wrap =
    (fn: (...args: unknown[]) => Promise<unknown>) =>
    async (...args: unknown[]) => {
      try {
        return await fn(...args);
      } catch (error) {
        throw isSyncbridgeError(error) ? error : storeProblem(file, error);
      }
    };
  return Object.fromEntries(
    Object.entries(ops).map(([name, fn]) => [name, wrap(fn as (...args: unknown[]) => Promise<unknown>)]),
  ) as unknown as StateOperations;
}

/**
 * One lock per file for the connections of this process: a connection waiting for SQLite's
 * write lock blocks the thread, so one whose transaction is open across an `await` would
 * never get to commit. Connections of other processes just wait for the lock.
 */
const fileLocks = new Map<string, Mutex>();
const lockOf = (file: string): Mutex => {
  if (file === ':memory:') return new Mutex();
  const path = resolve(file);
  const lock = fileLocks.get(path) ?? new Mutex();
  fileLocks.set(path, lock);
  return lock;
};

/**
 * Opens (creating if needed) the embedded state store: a SQLite file on Node's built-in
 * `node:sqlite`, in WAL mode, migrated to the current schema. No native build needed. A
 * file that cannot be written fails here, with `STATE_STORE`, before anything is synced:
 * a run that wrote to the systems but could not record it would copy the items again.
 */
export async function openSqliteStateStore(
  file = '.syncbridge/state.db',
  options: SqliteStoreOptions = {},
): Promise<StateStore> {
  const integration = options.integration ?? 'default';
  const { DatabaseSync } = await import('node:sqlite').catch((error: unknown) => {
    throw new SyncbridgeError(
      'STATE_STORE',
      `${file}: the embedded state store needs node:sqlite, which Node.js ${process.versions.node} lacks; use Node.js 22.13 or newer, or another state store`,
      { cause: error },
    );
  });
  let db: DatabaseSync | undefined;
  try {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    db = new DatabaseSync(file);
    // The busy timeout first: switching to WAL reads the file, which another process may hold
    // locked for a moment (its last connection closing checkpoints the WAL). Then a checkpoint every
    // 40 MB of WAL (SQLite's default: 4 MB) and a page cache of 8 MB (2 MB): a page commits items
    // whose ids are scattered over the key indexes, and with the defaults each checkpoint copies
    // those index pages again and each commit reads them back from the file (100,000 items into an
    // empty store: 10.5 s → 6.1 s). A larger cache held up to 24 MB more and was no faster.
    db.exec(
      'PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -8192; PRAGMA wal_autocheckpoint = 10000;',
    );
    const applied = migrate(db, file, integration);
    if (applied.length > 0)
      options.logger?.info('migrated the state schema', { store: 'sqlite', file, versions: applied });
    // A write rolled back: SQLite opens a file it may not write read-only, and says so only at the first write.
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(
        'UPDATE schema_migrations SET applied_at = applied_at WHERE version = (SELECT MAX(version) FROM schema_migrations)',
      );
    } finally {
      db.exec('ROLLBACK');
    }
  } catch (error) {
    if (db?.isOpen) db.close();
    if (isSyncbridgeError(error) && !(error.cause && /readonly/i.test(String((error.cause as Error).message))))
      throw error;
    throw storeProblem(file, isSyncbridgeError(error) ? error.cause : error);
  }
  const open = db;
  const clock = options.clock ?? (() => new Date());
  const store = lockedStore(
    integration,
    guarded(operations(open, integration, clock), file),
    {
      async transaction(fn, fence) {
        open.exec('BEGIN IMMEDIATE');
        try {
          // Inside the write lock: no takeover can come between this check and the commit.
          const problem =
            fence && fenceProblem(integration, fence, leaseOf(open, integration, fence.key), clock().toISOString());
          if (problem) throw problem;
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
    },
    lockOf(file),
  );
  // A delivery's id and its items are written together, or not at all.
  return { ...store, addToInbox: (delivery) => store.transaction((tx) => tx.addToInbox(delivery)) };
}

/** Options of {@link sqliteStore}. */
export interface SqliteStoreFactoryOptions {
  /** The SQLite file (the CLI resolves it relative to the configuration file). @default '.syncbridge/state.db' */
  path?: string;
  /** The store's clock, by which leases lapse. @default () => new Date() */
  clock?: () => Date;
}

/** The factory of a SQLite store: `state: { store: sqliteStore({ path }) }` or `createSyncbridge({ store: sqliteStore() })`. */
export function sqliteStore(options: SqliteStoreFactoryOptions = {}): StateStoreFactory {
  return ({ integration, logger }) =>
    openSqliteStateStore(options.path, { integration, logger, ...(options.clock ? { clock: options.clock } : {}) });
}
