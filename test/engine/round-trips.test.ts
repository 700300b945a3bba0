import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createMemoryStateStore,
  openPostgresStateStore,
  openSqliteStateStore,
  type PostgresPool,
  type StateStore,
} from 'syncbridge';
import { postgresTestServer } from '../state/postgres-server.js';
import { twoTrackers } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'syncbridge-round-trips-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const server = await postgresTestServer();

/** Counts the calls made on a store, those made inside its transactions included. */
function countCalls(store: StateStore, counter: { n: number }): StateStore {
  const count = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(t, key, receiver) {
        const value = Reflect.get(t, key, receiver);
        if (typeof value !== 'function' || key === 'close') return value;
        return (...args: unknown[]) => {
          counter.n++;
          if (key === 'transaction')
            return store.transaction(
              (tx) => (args[0] as (tx: unknown) => Promise<unknown>)(count(tx)),
              args[1] as never,
            );
          return (value as (...a: unknown[]) => unknown).apply(t, args);
        };
      },
    });
  return count(store);
}

/** Counts the statements sent to PostgreSQL: each is a round trip. */
function countQueries(pool: PostgresPool, counter: { n: number }): PostgresPool {
  return {
    query: (text, values) => {
      counter.n++;
      return pool.query(text, values);
    },
    async connect() {
      const client = await pool.connect();
      return {
        query: (text, values) => {
          counter.n++;
          return client.query(text, values);
        },
        release: (e) => client.release(e),
      };
    },
    end: () => pool.end(),
  };
}

type Opened = { store: StateStore; counter: { n: number } };
const stores: Array<{ name: string; supported: boolean; open: (n: number) => Promise<Opened> }> = [
  {
    name: 'memory (store calls)',
    supported: true,
    open: async () => {
      const counter = { n: 0 };
      return { store: countCalls(createMemoryStateStore(), counter), counter };
    },
  },
  {
    name: 'sqlite (store calls)',
    supported: true,
    open: async (n) => {
      const counter = { n: 0 };
      return { store: countCalls(await openSqliteStateStore(join(dir, `page-${n}.db`)), counter), counter };
    },
  },
  {
    name: 'postgres (queries)',
    supported: server.reachable,
    open: async () => {
      const counter = { n: 0 };
      return {
        store: await openPostgresStateStore({ pool: countQueries(server.pool, counter), schema: server.schema() }),
        counter,
      };
    },
  },
];

/** Store cost of one pass that creates a page of `n` items, and of one that updates them all. */
async function costOfPages(
  open: (n: number) => Promise<Opened>,
  n: number,
): Promise<{ create: number; update: number }> {
  const { store, counter } = await open(n);
  const t = await twoTrackers({ store, engine: { pageSize: n } });
  for (let i = 0; i < n; i++) t.left.create('JIRA', 'Bug', { title: `bug ${i}` }, t.left.user('ana'));
  await t.sync.activate();
  counter.n = 0;
  await t.sync.runOnce();
  const create = counter.n;
  expect(t.right.items.size).toBe(n);
  t.advance(1000);
  for (const item of t.left.items.values())
    t.left.update(item.id, { title: `${item.fields.title} (edited)` }, t.left.user('ana'));
  counter.n = 0;
  await t.sync.runOnce();
  const update = counter.n;
  expect([...t.right.items.values()].every((i) => String(i.fields.title).endsWith('(edited)'))).toBe(true);
  await t.sync.close();
  await store.close();
  return { create, update };
}

describe('state round trips per page', () => {
  for (const target of stores) {
    it.skipIf(!target.supported)(`stay the same whatever the page size: ${target.name}`, async () => {
      const small = await costOfPages(target.open, 10);
      const large = await costOfPages(target.open, 60);
      console.info(
        `${target.name}: a pass creating one page costs ${small.create}, one updating it ${small.update}, for pages of 10 and 60 items`,
      );
      expect(large).toEqual(small);
    });
  }
});
