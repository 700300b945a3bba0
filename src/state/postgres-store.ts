import { SyncbridgeError } from '../errors/syncbridge-error.js';
import { redactUrl } from '../http/redact.js';
import type { Logger } from '../logger.js';
import { postgresInbox } from './postgres-inbox.js';
import { migratePostgres, quoteIdentifier } from './postgres-migrations.js';
import type { PostgresClient, PostgresPool } from './postgres-types.js';
import { applyWritesGrouped } from './postgres-writes.js';
import { type Row, sqlRows, str } from './sql-rows.js';
import { assembleItems, fenceProblem, linkTaken } from './store-helpers.js';
import {
  configPartsSchema,
  UNSETTLED_REVISION,
  otherSide,
  watermarkSchema,
  type Lease,
  type StateOperations,
  type StateStore,
  type StateStoreFactory,
  type StateWrite,
} from './state-store.js';

/** Options of {@link postgresStore}. */
export interface PostgresStoreOptions {
  /** A pool of your own (`new pg.Pool(...)`); the store uses it and never ends it. */
  pool?: PostgresPool;
  /** Where to connect when no `pool` is given (`postgres://user@host:5432/db`); the store makes and ends its own pool. */
  connectionString?: string;
  /** The schema holding syncbridge's tables; created by the first migration. @default 'syncbridge' */
  schema?: string;
  /** Connections of the pool the store makes. @default 5 */
  maxConnections?: number;
  /**
   * Apply pending migrations on open (under an advisory lock, so processes starting together
   * migrate once). `false` fails with `STATE_STORE` on a schema that is behind: migrate it
   * with `syncbridge migrate`. @default true
   */
  migrate?: boolean;
}

const iso = (v: unknown) => new Date(v as string | Date).toISOString();

const { stored, toLink, toSnapshot, toIntent, toFailure } = sqlRows((value) => value);
const toLease = (r: Row): Lease => ({
  key: str(r, 'key'),
  owner: str(r, 'owner'),
  expiresAt: iso(r.expires_at),
  token: Number(r.token),
});

/** A connection whose errors are typed: a second link of an item is `STATE_STORE` naming it, any other database error `STATE_STORE`. */
function guarded(client: PostgresClient, where: string): PostgresClient {
  return {
    async query(text, values) {
      try {
        return await client.query(text, values);
      } catch (error) {
        if (error instanceof SyncbridgeError) throw error;
        throw new SyncbridgeError('STATE_STORE', `${where}: ${(error as Error).message}`, {
          cause: error,
          details: { sqlState: (error as { code?: string }).code },
        });
      }
    },
  };
}

function operations(db: PostgresClient, s: string, I: string): StateOperations {
  const rows = async (sql: string, values: unknown[]) => (await db.query(sql, [I, ...values])).rows;
  const one = async (sql: string, values: unknown[]) => (await rows(sql, values))[0];
  const write = async (w: StateWrite) => {
    try {
      await applyWritesGrouped(db, s, I, [w]);
    } catch (error) {
      if (w.op === 'putLink' && (error as SyncbridgeError).details?.sqlState === '23505')
        throw linkTaken(w.link.pair, 'right', w.link.rightId, error);
      throw error;
    }
  };
  const leaseNow = async (key: string) => {
    const r = await one(`SELECT * FROM ${s}.leases WHERE integration = $1 AND key = $2`, [key]);
    return r && toLease(r);
  };
  const ops: StateOperations = {
    async getLink(pair, side, itemId) {
      const r = await one(
        `SELECT * FROM ${s}.links WHERE integration = $1 AND pair = $2 AND ${side === 'left' ? 'left_id' : 'right_id'} = $3`,
        [pair, itemId],
      );
      return r && toLink(r);
    },
    putLink: (link) => write({ op: 'putLink', link }),
    deleteLink: (pair, leftId) => write({ op: 'deleteLink', pair, leftId }),
    async listLinks(pair, options = {}) {
      return (
        await rows(
          `SELECT * FROM ${s}.links WHERE integration = $1 AND pair = $2 ORDER BY created_at, left_id LIMIT $3 OFFSET $4`,
          [pair, options.limit ?? null, options.offset ?? 0],
        )
      ).map(toLink);
    },
    async countLinks(pair) {
      return Number(
        (await one(`SELECT COUNT(*) AS n FROM ${s}.links WHERE integration = $1 AND pair = $2`, [pair]))!.n,
      );
    },
    async getSnapshot(pair, side, itemId) {
      const r = await one(
        `SELECT * FROM ${s}.snapshots WHERE integration = $1 AND pair = $2 AND side = $3 AND item_id = $4`,
        [pair, side, itemId],
      );
      return r && toSnapshot(r);
    },
    putSnapshot: (snapshot) => write({ op: 'putSnapshot', snapshot }),
    async listUnsettledSnapshots(pair, limit) {
      return (
        await rows(
          `SELECT * FROM ${s}.snapshots WHERE integration = $1 AND pair = $2 AND (pending IS NOT NULL OR revision LIKE '%' || $3) LIMIT $4`,
          [pair, UNSETTLED_REVISION, limit],
        )
      ).map(toSnapshot);
    },
    deleteSnapshot: (pair, side, itemId) => write({ op: 'deleteSnapshot', pair, side, itemId }),
    async getWatermark(pair, side) {
      const r = await one(`SELECT value FROM ${s}.watermarks WHERE integration = $1 AND pair = $2 AND side = $3`, [
        pair,
        side,
      ]);
      return r && stored(r.value, 'watermark', (v) => watermarkSchema.parse(v));
    },
    async putWatermark(pair, side, w) {
      await rows(
        `INSERT INTO ${s}.watermarks VALUES ($1, $2, $3, $4::jsonb) ON CONFLICT (integration, pair, side) DO UPDATE SET value = excluded.value`,
        [pair, side, JSON.stringify(w)],
      );
    },
    async getIntent(pair, side, sourceId) {
      const r = await one(
        `SELECT * FROM ${s}.intents WHERE integration = $1 AND pair = $2 AND side = $3 AND source_id = $4`,
        [pair, side, sourceId],
      );
      return r && toIntent(r);
    },
    putIntent: (intent) => write({ op: 'putIntent', intent }),
    deleteIntent: (pair, side, sourceId) => write({ op: 'deleteIntent', pair, side, sourceId }),
    async listIntents(pair) {
      return (
        await rows(`SELECT * FROM ${s}.intents WHERE integration = $1 AND pair = $2 ORDER BY created_at`, [pair])
      ).map(toIntent);
    },
    async getFailure(pair, side, itemId) {
      const r = await one(
        `SELECT * FROM ${s}.failures WHERE integration = $1 AND pair = $2 AND side = $3 AND item_id = $4`,
        [pair, side, itemId],
      );
      return r && toFailure(r);
    },
    putFailure: (failure) => write({ op: 'putFailure', failure }),
    deleteFailure: (pair, side, itemId) => write({ op: 'deleteFailure', pair, side, itemId }),
    async listFailures(pair) {
      const all = pair === undefined;
      return (
        await rows(
          `SELECT * FROM ${s}.failures WHERE integration = $1 AND ($2::boolean OR pair = $3) ORDER BY created_at`,
          [all, pair ?? null],
        )
      ).map(toFailure);
    },
    async getCommentLink(pair, side, sourceCommentId) {
      const r = await one(
        `SELECT target_comment_id FROM ${s}.comment_links WHERE integration = $1 AND pair = $2 AND side = $3 AND source_comment_id = $4`,
        [pair, side, sourceCommentId],
      );
      return r && str(r, 'target_comment_id');
    },
    async putCommentLink(pair, side, sourceCommentId, targetCommentId) {
      await rows(
        `INSERT INTO ${s}.comment_links VALUES ($1, $2, $3, $4, $5) ON CONFLICT (integration, pair, side, source_comment_id) DO UPDATE SET target_comment_id = excluded.target_comment_id`,
        [pair, side, sourceCommentId, targetCommentId],
      );
    },
    async isCommentCopy(pair, side, commentId) {
      // A copy on `side` was written from a source comment on the other side.
      return (
        (await one(
          `SELECT 1 FROM ${s}.comment_links WHERE integration = $1 AND pair = $2 AND side = $3 AND target_comment_id = $4`,
          [pair, otherSide(side), commentId],
        )) !== undefined
      );
    },
    async loadItems(pair, side, itemIds) {
      // One round trip: the page's links, then the snapshots and failures of both sides' items and the intents, as JSON.
      const [mine, theirs] = side === 'left' ? ['left_id', 'right_id'] : ['right_id', 'left_id'];
      const r = (await one(
        `WITH l AS (SELECT * FROM ${s}.links WHERE integration = $1 AND pair = $2 AND ${mine} = ANY($3::text[])),
           refs AS (SELECT $4::text AS side, id AS item_id FROM unnest($3::text[]) AS id UNION SELECT $5::text, ${theirs} FROM l)
         SELECT (SELECT COALESCE(json_agg(l), '[]') FROM l) AS links,
           (SELECT COALESCE(json_agg(x), '[]') FROM ${s}.snapshots x JOIN refs USING (side, item_id) WHERE x.integration = $1 AND x.pair = $2) AS snapshots,
           (SELECT COALESCE(json_agg(x), '[]') FROM ${s}.failures x JOIN refs USING (side, item_id) WHERE x.integration = $1 AND x.pair = $2) AS failures,
           (SELECT COALESCE(json_agg(x), '[]') FROM ${s}.intents x WHERE x.integration = $1 AND x.pair = $2 AND x.side = $4 AND x.source_id = ANY($3::text[])) AS intents`,
        [pair, [...itemIds], side, otherSide(side)],
      ))!;
      const links = (r.links as Row[]).map(toLink);
      const byItem = new Map(links.map((l) => [side === 'left' ? l.leftId : l.rightId, l]));
      return assembleItems(
        side,
        itemIds,
        byItem,
        (r.snapshots as Row[]).map(toSnapshot),
        (r.failures as Row[]).map(toFailure),
        (r.intents as Row[]).map(toIntent),
      );
    },
    async applyWrites(writes) {
      await applyWritesGrouped(db, s, I, writes);
    },
    async getIntegrationState(name) {
      const r = (await db.query(`SELECT * FROM ${s}.integrations WHERE name = $1`, [name])).rows[0];
      if (!r) return undefined;
      const parts =
        r.config_parts == null
          ? undefined
          : stored(r.config_parts, 'configuration description', (v) => configPartsSchema.parse(v));
      return {
        name,
        active: r.active === true,
        configHash: str(r, 'config_hash'),
        ...(parts ? { configParts: parts } : {}),
        updatedAt: str(r, 'updated_at'),
      };
    },
    async putIntegrationState(x) {
      await db.query(
        `INSERT INTO ${s}.integrations (name, active, config_hash, updated_at, config_parts) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (name) DO UPDATE SET active = excluded.active, config_hash = excluded.config_hash, updated_at = excluded.updated_at, config_parts = excluded.config_parts`,
        [x.name, x.active, x.configHash, x.updatedAt, x.configParts ? JSON.stringify(x.configParts) : null],
      );
    },
    async acquireLease({ key, owner, ttlMs }) {
      // One statement, by the server's clock: takes a free or lapsed lease (a new token), or
      // renews one's own (the same token while it has not lapsed); else returns the holder's.
      const r = await one(
        `WITH granted AS (
           INSERT INTO ${s}.leases AS l (integration, key, owner, expires_at, token) VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond', 1)
           ON CONFLICT (integration, key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at,
             token = CASE WHEN l.owner = excluded.owner AND l.expires_at > now() THEN l.token ELSE l.token + 1 END
           WHERE l.owner = excluded.owner OR l.expires_at <= now()
           RETURNING *)
         SELECT * FROM granted UNION ALL SELECT * FROM ${s}.leases WHERE integration = $1 AND key = $2 AND NOT EXISTS (SELECT 1 FROM granted)`,
        [key, owner, ttlMs],
      );
      // A holder that committed after this statement began is not in its snapshot: read again.
      return r ? toLease(r) : (await leaseNow(key))!;
    },
    ...postgresInbox(db, s, I),
    async releaseLease(key, owner) {
      await rows(
        `UPDATE ${s}.leases SET expires_at = now() WHERE integration = $1 AND key = $2 AND owner = $3 AND expires_at > now()`,
        [key, owner],
      );
    },
  };
  return ops;
}

/** Loads `pg` only when a PostgreSQL store is opened, so SQLite users never need it. */
async function loadPg(): Promise<{
  Pool: new (config: {
    connectionString: string;
    max: number;
  }) => PostgresPool & { on(event: 'error', fn: (e: Error) => void): void };
}> {
  try {
    const mod = (await import('pg')) as unknown as { default?: unknown; Pool?: unknown };
    return (mod.default ?? mod) as Awaited<ReturnType<typeof loadPg>>;
  } catch (error) {
    throw new SyncbridgeError(
      'STATE_STORE',
      'the PostgreSQL state store (state.store: postgres) needs the pg package, which is not installed; run `npm install pg`',
      { cause: error },
    );
  }
}

/**
 * Opens the PostgreSQL state store of one integration: tables in `schema`, migrated on open
 * (unless `migrate: false`), every statement parameterised, transactions on one pooled
 * connection, lease times by the server's clock. Prefer {@link postgresStore} with
 * `createSyncbridge`.
 */
export async function openPostgresStateStore(
  options: PostgresStoreOptions & { integration?: string; logger?: Logger },
): Promise<StateStore> {
  const integration = options.integration ?? 'default';
  const schemaName = options.schema ?? 'syncbridge';
  const s = quoteIdentifier(schemaName);
  if (!options.pool && !options.connectionString)
    throw new SyncbridgeError('CONFIG_INVALID', 'the PostgreSQL state store needs a pool or a connectionString');
  const where = `PostgreSQL ${options.connectionString ? redactUrl(options.connectionString) : 'pool'} schema ${schemaName}`;
  let pool = options.pool;
  if (!pool) {
    const { Pool } = await loadPg();
    const made = new Pool({ connectionString: options.connectionString!, max: options.maxConnections ?? 5 });
    // An idle connection the server dropped must not crash the process; the next query reconnects.
    made.on('error', () => undefined);
    pool = made;
  }
  const owned = !options.pool;
  const connect = async () => {
    try {
      return await pool.connect();
    } catch (error) {
      throw new SyncbridgeError('STATE_STORE', `${where}: cannot connect: ${(error as Error).message}`, {
        cause: error,
      });
    }
  };
  try {
    const client = await connect();
    try {
      const applied = await migratePostgres(guarded(client, where), schemaName, where, options.migrate !== false);
      if (applied.length > 0)
        options.logger?.info('migrated the state schema', { store: 'postgres', schema: schemaName, versions: applied });
    } finally {
      client.release();
    }
  } catch (error) {
    if (owned) await pool.end();
    throw error;
  }
  const ops = operations(guarded(pool, where), s, integration);
  const transaction = async <T>(
    fn: (tx: StateOperations) => Promise<T>,
    fence?: { key: string; token: number },
  ): Promise<T> => {
    const client = await connect();
    const tx = guarded(client, where);
    let broken = false;
    try {
      await tx.query('BEGIN');
      if (fence) {
        // A share lock on the lease row until commit: a takeover waits for this transaction.
        // Compared with the server's clock: a lease that lapsed fails the check as one taken over.
        const held = (
          await tx.query(
            `SELECT *, now() AS checked_at FROM ${s}.leases WHERE integration = $1 AND key = $2 FOR SHARE`,
            [integration, fence.key],
          )
        ).rows[0];
        const problem = fenceProblem(integration, fence, held && toLease(held), held ? iso(held.checked_at) : '');
        if (problem) throw problem;
      }
      const result = await fn(operations(tx, s, integration));
      await tx.query('COMMIT');
      return result;
    } catch (error) {
      // A connection that cannot even roll back is dropped, not handed to the next transaction.
      await client.query('ROLLBACK').catch(() => (broken = true));
      throw error;
    } finally {
      client.release(broken);
    }
  };
  return {
    ...ops,
    integration,
    applyWrites: (writes) => transaction((tx) => tx.applyWrites(writes)),
    claimInbox: (request) => transaction((tx) => tx.claimInbox(request)),
    transaction: (fn, txOptions) => transaction(fn, txOptions?.fence),
    async close() {
      if (owned) await pool.end();
    },
  };
}

/**
 * The factory of a PostgreSQL store: `state: { store: postgresStore({ connectionString }) }` or
 * `createSyncbridge({ store: postgresStore({ pool }) })`. Needs the `pg` package
 * (`npm install pg`), loaded only when the store is opened.
 */
export function postgresStore(options: PostgresStoreOptions): StateStoreFactory {
  return ({ integration, logger }) => openPostgresStateStore({ ...options, integration, logger });
}
