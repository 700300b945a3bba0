import type { DatabaseSync } from 'node:sqlite';
import { SyncbridgeError } from '../errors/syncbridge-error.js';

/** What a migration may depend on: the integration opening the file owns the rows it finds. */
interface MigrationContext {
  integration: string;
}

/** Versioned schema migrations of the SQLite store; a version, once released, never changes. */
const migrations: Array<{ version: number; up: (db: DatabaseSync, ctx: MigrationContext) => void }> = [
  {
    version: 1,
    up: (db) =>
      db.exec(`
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
    `),
  },
  {
    version: 2,
    up: (db) => db.exec('CREATE TABLE leases (key TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at TEXT NOT NULL);'),
  },
  {
    version: 3,
    up: (db) => db.exec('ALTER TABLE failures ADD COLUMN discarded_at TEXT;'),
  },
  {
    // State is scoped per integration: every record gains the integration that owns it, and
    // the rows found belong to the integration opening the file. Leases gain a fencing token
    // (leases under way are dropped: they lapse within a minute anyway).
    version: 4,
    up: (db, { integration }) => {
      const tables: Array<[name: string, columns: string, key: string]> = [
        [
          'links',
          'pair TEXT NOT NULL, left_id TEXT NOT NULL, right_id TEXT NOT NULL, left_key TEXT NOT NULL, right_key TEXT NOT NULL, created_at TEXT NOT NULL',
          'PRIMARY KEY (integration, pair, left_id), UNIQUE (integration, pair, right_id)',
        ],
        [
          'snapshots',
          'pair TEXT NOT NULL, side TEXT NOT NULL, item_id TEXT NOT NULL, revision TEXT NOT NULL, updated_at TEXT NOT NULL, fields TEXT NOT NULL',
          'PRIMARY KEY (integration, pair, side, item_id)',
        ],
        [
          'watermarks',
          'pair TEXT NOT NULL, side TEXT NOT NULL, value TEXT NOT NULL',
          'PRIMARY KEY (integration, pair, side)',
        ],
        [
          'intents',
          'pair TEXT NOT NULL, side TEXT NOT NULL, source_id TEXT NOT NULL, source_key TEXT NOT NULL, created_at TEXT NOT NULL',
          'PRIMARY KEY (integration, pair, side, source_id)',
        ],
        [
          'failures',
          'pair TEXT NOT NULL, side TEXT NOT NULL, item_id TEXT NOT NULL, item_key TEXT NOT NULL, kind TEXT NOT NULL, code TEXT NOT NULL, message TEXT NOT NULL, details TEXT NOT NULL, attempts INTEGER NOT NULL, revisions TEXT NOT NULL, next_retry_at TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, discarded_at TEXT',
          'PRIMARY KEY (integration, pair, side, item_id)',
        ],
        [
          'comment_links',
          'pair TEXT NOT NULL, side TEXT NOT NULL, source_comment_id TEXT NOT NULL, target_comment_id TEXT NOT NULL',
          'PRIMARY KEY (integration, pair, side, source_comment_id)',
        ],
      ];
      for (const [name, columns, key] of tables) {
        const names = columns
          .split(', ')
          .map((c) => c.split(' ')[0])
          .join(', ');
        db.exec(`CREATE TABLE ${name}_v4 (integration TEXT NOT NULL, ${columns}, ${key})`);
        db.prepare(`INSERT INTO ${name}_v4 (integration, ${names}) SELECT ?, ${names} FROM ${name}`).run(integration);
        db.exec(`DROP TABLE ${name}; ALTER TABLE ${name}_v4 RENAME TO ${name};`);
      }
      db.exec(`
        CREATE INDEX failures_created ON failures (integration, pair, created_at);
        CREATE INDEX comment_copies ON comment_links (integration, pair, side, target_comment_id);
        DROP TABLE leases;
        CREATE TABLE leases (integration TEXT NOT NULL, key TEXT NOT NULL, owner TEXT NOT NULL, expires_at TEXT NOT NULL, token INTEGER NOT NULL, PRIMARY KEY (integration, key));
      `);
    },
  },
  {
    // What the configuration hash covers, part by part, so that a change can be named.
    version: 5,
    up: (db) => db.exec('ALTER TABLE integrations ADD COLUMN config_parts TEXT'),
  },
  {
    // The webhook inbox: items of verified deliveries wait here, durably, until synced; the ids
    // of deliveries received are kept to drop redeliveries.
    version: 6,
    up: (db) =>
      db.exec(`
        CREATE TABLE webhook_deliveries (integration TEXT NOT NULL, system TEXT NOT NULL, delivery_id TEXT NOT NULL, received_at TEXT NOT NULL,
          PRIMARY KEY (integration, system, delivery_id));
        CREATE INDEX webhook_deliveries_received ON webhook_deliveries (integration, received_at);
        CREATE TABLE inbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, integration TEXT NOT NULL, system TEXT NOT NULL, delivery_id TEXT NOT NULL,
          pair TEXT NOT NULL, side TEXT NOT NULL, item_id TEXT NOT NULL, item_key TEXT NOT NULL, event TEXT NOT NULL, changed_at TEXT,
          received_at TEXT NOT NULL, available_at TEXT NOT NULL, claimed_by TEXT, claim_expires TEXT);
        CREATE INDEX inbox_items ON inbox (integration, pair, side, item_id);
      `),
  },
  {
    // A create intent keeps what the create read and wrote, a snapshot the writes under way to its
    // pair: what is agreed should the process die before the commit.
    version: 7,
    up: (db) => db.exec('ALTER TABLE intents ADD COLUMN agreed TEXT; ALTER TABLE snapshots ADD COLUMN pending TEXT;'),
  },
];

/** The schema version this syncbridge writes. */
export const SQLITE_SCHEMA_VERSION = migrations.at(-1)!.version;

/**
 * Brings a file to the current schema in one transaction; refuses a file of a newer
 * syncbridge. Rows a migration scopes belong to `integration`. Returns the versions applied.
 */
export function migrate(db: DatabaseSync, file: string, integration: string): number[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
  const version = () =>
    Number(
      (db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null } | undefined)?.v ?? 0,
    );
  const newer = (current: number) =>
    new SyncbridgeError(
      'STATE_STORE',
      `${file}: state schema version ${current} is newer than this syncbridge understands (${SQLITE_SCHEMA_VERSION}); upgrade syncbridge`,
    );
  if (version() > SQLITE_SCHEMA_VERSION) throw newer(version());
  if (version() === SQLITE_SCHEMA_VERSION) return [];
  const applied: number[] = [];
  // One write transaction, the version read again inside it: of two processes opening an old
  // file at once, the second finds it migrated.
  db.exec('BEGIN IMMEDIATE');
  try {
    for (const m of migrations.filter((m) => m.version > version())) {
      try {
        m.up(db, { integration });
      } catch (error) {
        throw new SyncbridgeError(
          'STATE_STORE',
          `${file}: migration ${m.version} failed: ${(error as Error).message}`,
          { cause: error },
        );
      }
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(
        m.version,
        new Date().toISOString(),
      );
      applied.push(m.version);
    }
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
  return applied;
}
