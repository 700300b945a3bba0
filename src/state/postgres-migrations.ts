import { SyncbridgeError } from '../errors/syncbridge-error.js';
import type { PostgresClient } from './postgres-types.js';

/**
 * Versioned schema migrations of the PostgreSQL store, as SQL for a schema (a quoted
 * identifier); a version, once released, never changes. Times that only order records are
 * ISO text, as in the SQLite store; lease times are the server's (`now()`).
 */
const migrations: Array<{ version: number; sql: (s: string) => string }> = [
  {
    version: 1,
    sql: (s) => `
      CREATE TABLE ${s}.links (integration text NOT NULL, pair text NOT NULL, left_id text NOT NULL, right_id text NOT NULL, left_key text NOT NULL,
        right_key text NOT NULL, created_at text NOT NULL, PRIMARY KEY (integration, pair, left_id), UNIQUE (integration, pair, right_id));
      CREATE TABLE ${s}.snapshots (integration text NOT NULL, pair text NOT NULL, side text NOT NULL, item_id text NOT NULL, revision text NOT NULL,
        updated_at text NOT NULL, fields jsonb NOT NULL, PRIMARY KEY (integration, pair, side, item_id));
      CREATE TABLE ${s}.watermarks (integration text NOT NULL, pair text NOT NULL, side text NOT NULL, value jsonb NOT NULL, PRIMARY KEY (integration, pair, side));
      CREATE TABLE ${s}.intents (integration text NOT NULL, pair text NOT NULL, side text NOT NULL, source_id text NOT NULL, source_key text NOT NULL,
        created_at text NOT NULL, PRIMARY KEY (integration, pair, side, source_id));
      CREATE TABLE ${s}.failures (integration text NOT NULL, pair text NOT NULL, side text NOT NULL, item_id text NOT NULL, item_key text NOT NULL,
        kind text NOT NULL, code text NOT NULL, message text NOT NULL, details jsonb NOT NULL, attempts integer NOT NULL, revisions jsonb NOT NULL,
        next_retry_at text, discarded_at text, created_at text NOT NULL, updated_at text NOT NULL, PRIMARY KEY (integration, pair, side, item_id));
      CREATE INDEX failures_created ON ${s}.failures (integration, pair, created_at);
      CREATE TABLE ${s}.comment_links (integration text NOT NULL, pair text NOT NULL, side text NOT NULL, source_comment_id text NOT NULL,
        target_comment_id text NOT NULL, PRIMARY KEY (integration, pair, side, source_comment_id));
      CREATE INDEX comment_copies ON ${s}.comment_links (integration, pair, side, target_comment_id);
      CREATE TABLE ${s}.integrations (name text PRIMARY KEY, active boolean NOT NULL, config_hash text NOT NULL, updated_at text NOT NULL, config_parts jsonb);
      CREATE TABLE ${s}.leases (integration text NOT NULL, key text NOT NULL, owner text NOT NULL, expires_at timestamptz NOT NULL,
        token bigint NOT NULL, PRIMARY KEY (integration, key));
    `,
  },
  {
    // The webhook inbox: items of verified deliveries wait here, durably, until synced; the ids
    // of deliveries received are kept to drop redeliveries.
    version: 2,
    sql: (s) => `
      CREATE TABLE ${s}.webhook_deliveries (integration text NOT NULL, system text NOT NULL, delivery_id text NOT NULL,
        received_at timestamptz NOT NULL, PRIMARY KEY (integration, system, delivery_id));
      CREATE INDEX webhook_deliveries_received ON ${s}.webhook_deliveries (integration, received_at);
      CREATE TABLE ${s}.inbox (seq bigserial PRIMARY KEY, integration text NOT NULL, system text NOT NULL, delivery_id text NOT NULL,
        pair text NOT NULL, side text NOT NULL, item_id text NOT NULL, item_key text NOT NULL, event text NOT NULL, changed_at text,
        received_at timestamptz NOT NULL, available_at timestamptz NOT NULL, claimed_by text, claim_expires timestamptz);
      CREATE INDEX inbox_items ON ${s}.inbox (integration, pair, side, item_id);
    `,
  },
  {
    // A create intent keeps what the create read and wrote, a snapshot the writes under way to its
    // pair: what is agreed should the process die before the commit.
    version: 3,
    sql: (s) =>
      `ALTER TABLE ${s}.intents ADD COLUMN agreed jsonb; ALTER TABLE ${s}.snapshots ADD COLUMN pending jsonb;`,
  },
];

/** The schema version this syncbridge writes. */
export const POSTGRES_SCHEMA_VERSION = migrations.at(-1)!.version;

/**
 * Brings a schema to the current version (creating it), in one transaction under an advisory
 * lock, so processes starting together migrate once. Without `apply`, only checks that the
 * schema is current. Returns the versions applied.
 */
export async function migratePostgres(
  client: PostgresClient,
  schema: string,
  where: string,
  apply: boolean,
): Promise<number[]> {
  const s = quoteIdentifier(schema);
  const applied: number[] = [];
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`syncbridge migrate ${schema}`]);
    const exists =
      (
        await client.query('SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2', [
          schema,
          'schema_migrations',
        ])
      ).rows.length > 0;
    const current = exists
      ? Number(
          (await client.query(`SELECT COALESCE(MAX(version), 0) AS v FROM ${s}.schema_migrations`)).rows[0]?.v ?? 0,
        )
      : 0;
    if (current > POSTGRES_SCHEMA_VERSION) {
      throw new SyncbridgeError(
        'STATE_STORE',
        `${where}: state schema version ${current} is newer than this syncbridge understands (${POSTGRES_SCHEMA_VERSION}); upgrade syncbridge`,
      );
    }
    if (current < POSTGRES_SCHEMA_VERSION && !apply) {
      throw new SyncbridgeError(
        'STATE_STORE',
        `${where}: the state schema is at version ${current}, this syncbridge needs ${POSTGRES_SCHEMA_VERSION}; run \`syncbridge migrate\` (or open the store with migrate: true)`,
      );
    }
    if (!exists)
      await client.query(
        `CREATE SCHEMA IF NOT EXISTS ${s}; CREATE TABLE ${s}.schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
    for (const m of migrations.filter((m) => m.version > current)) {
      await client.query(m.sql(s));
      await client.query(`INSERT INTO ${s}.schema_migrations (version) VALUES ($1)`, [m.version]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
  return applied;
}

/** A schema name checked and quoted: identifiers cannot be query parameters. */
export function quoteIdentifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) {
    throw new SyncbridgeError(
      'CONFIG_INVALID',
      `PostgreSQL schema "${name}" is not a plain identifier (letters, digits and underscores, not starting with a digit, at most 63)`,
    );
  }
  return `"${name}"`;
}
