import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll } from 'vitest';

/**
 * The PostgreSQL server tests use: 127.0.0.1:5432, database `test`, user postgres (or
 * `SYNCBRIDGE_TEST_DATABASE_URL`). Under `CI` it must answer (tests using it run, and fail
 * without it); elsewhere `reachable` is false, with a message, when it does not. Schemas made
 * with `schema()` have names unique to the run and are dropped after the file's tests.
 */
export async function postgresTestServer() {
  const url = process.env.SYNCBRIDGE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  const reachable = await pool.query('SELECT 1').then(
    () => true,
    (error: Error) => {
      if (process.env.CI) return true; // the tests run, and fail with the real error
      console.warn(
        `PostgreSQL tests skipped: no server at ${url} (${error.message}); start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`,
      );
      return false;
    },
  );
  const run = `sb_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const schemas: string[] = [];
  afterAll(async () => {
    for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await pool.end();
  });
  return {
    url,
    /** A pool on the server (ended after the file's tests). */
    pool,
    reachable,
    /** A schema name of this run, dropped after the file's tests. */
    schema(): string {
      const name = `${run}_${schemas.length}`;
      schemas.push(name);
      return name;
    },
  };
}
