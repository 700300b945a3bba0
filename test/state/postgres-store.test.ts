import { describe, expect, it } from 'vitest';
import { openPostgresStateStore, type StateStore } from 'syncbridge';
import { describeStateStore } from 'syncbridge/testing';
import { postgresTestServer } from './postgres-server.js';

/** The PostgreSQL store against a real server (see `postgresTestServer`: never skipped under `CI`). */
const { url, pool, reachable, schema: newSchema } = await postgresTestServer();
let current = '';
const fresh = () => (current = newSchema());

describe.skipIf(!reachable)('postgres', () => {
  describeStateStore({
    name: 'postgres',
    open: () => openPostgresStateStore({ connectionString: url, schema: fresh() }),
    reopen: (options) => openPostgresStateStore({ connectionString: url, schema: current, ...options }),
  });

  describe('postgres state store', () => {
    it('works on a pool of the caller, which it leaves open', async () => {
      const store = await openPostgresStateStore({ pool, schema: fresh() });
      await store.putWatermark('bugs', 'left', { kind: 'revision', value: '7' });
      await store.close();
      expect((await pool.query(`SELECT value FROM "${current}".watermarks`)).rows).toEqual([
        { value: { kind: 'revision', value: '7' } },
      ]);
    });

    it('migrates once when processes start together, and refuses a schema behind when told not to migrate', async () => {
      const schema = fresh();
      const stores: StateStore[] = await Promise.all(
        [1, 2, 3].map(() => openPostgresStateStore({ connectionString: url, schema })),
      );
      await Promise.all(stores.map((s) => s.close()));
      expect((await pool.query(`SELECT version FROM "${schema}".schema_migrations`)).rows).toEqual([
        { version: 1 },
        { version: 2 },
        { version: 3 },
      ]);
      await expect(
        openPostgresStateStore({ connectionString: url, schema: fresh(), migrate: false }),
      ).rejects.toMatchObject({ code: 'STATE_STORE', message: expect.stringContaining('syncbridge migrate') });
      await pool.query(`INSERT INTO "${schema}".schema_migrations (version) VALUES (99)`);
      await expect(openPostgresStateStore({ connectionString: url, schema })).rejects.toMatchObject({
        code: 'STATE_STORE',
        message: expect.stringContaining('upgrade syncbridge'),
      });
    });

    it('rejects a schema name that is no plain identifier, and a server that does not answer, without showing the password', async () => {
      await expect(
        openPostgresStateStore({ connectionString: url, schema: 'x"; DROP TABLE y; --' }),
      ).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
      const error = await openPostgresStateStore({
        connectionString: 'postgres://postgres:s3cret-pw@127.0.0.1:1/test',
        schema: fresh(),
      }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'STATE_STORE', message: expect.stringContaining('cannot connect') });
      expect(JSON.stringify({ message: (error as Error).message })).not.toContain('s3cret-pw');
    });
  });
});
