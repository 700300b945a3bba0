import type { PgBoss } from 'pg-boss';
import { SyncbridgeError } from '../errors/syncbridge-error.js';

/** The pg-boss instance the worker drives. */
export type PgBossLike = PgBoss;

/** Loads `pg-boss` only when a worker or queue starts, so other users never need it. */
export async function loadPgBoss(): Promise<{ PgBoss: typeof PgBoss }> {
  try {
    return (await import('pg-boss')) as { PgBoss: typeof PgBoss };
  } catch (error) {
    throw new SyncbridgeError(
      'DEPENDENCY_MISSING',
      'syncbridge workers need the pg-boss package (12 or later), which is not installed; run `npm install pg-boss pg`',
      { cause: error },
    );
  }
}
