import { AsyncLocalStorage } from 'node:async_hooks';
import type { Fence, PostgresClient, PostgresPool, StateStore, StateStoreFactory } from 'syncbridge';

/**
 * The chaos run's record of state writes: every transaction a worker commits is logged, in the
 * same transaction and in commit order per pair, with the fencing token it was checked
 * against, the worker's pid and the database's time. The check then reads it: a pair's tokens
 * never go backwards, and a token belongs to one worker.
 */
export const fenceLogTable = 'chaos_fence_log';

/** Creates the log table in `schema` (idempotent). */
export async function createFenceLog(db: PostgresClient, schema: string): Promise<void> {
  await db.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  await db.query(
    `CREATE TABLE IF NOT EXISTS "${schema}".${fenceLogTable} (
       id bigserial PRIMARY KEY, pair text, token bigint, pid integer NOT NULL, at timestamptz NOT NULL, op text NOT NULL)`,
  );
}

/** One committed transaction (or a write made outside one), as logged. */
export interface FenceRecord {
  id: number;
  pair: string | null;
  token: number | null;
  pid: number;
  at: string;
  /** `transaction`, `applyWrites`, or the store method written through outside a transaction (`putWatermark`). */
  op: string;
}

/** Reads the log, in commit order per pair. */
export async function readFenceLog(db: PostgresClient, schema: string): Promise<FenceRecord[]> {
  const { rows } = await db.query(`SELECT id, pair, token, pid, at, op FROM "${schema}".${fenceLogTable} ORDER BY id`);
  return rows.map((r) => ({
    id: Number(r.id),
    pair: (r.pair as string | null) ?? null,
    token: r.token == null ? null : Number(r.token),
    pid: Number(r.pid),
    at: new Date(r.at as string).toISOString(),
    op: String(r.op),
  }));
}

/** What each violation of the fencing order looks like, and how many records were read. */
export interface FenceCheck {
  records: number;
  fenced: number;
  /** Writes without a fence, by operation. */
  unfenced: Record<string, number>;
  /** A pair's token went down in commit order: two workers wrote the pair at once. */
  backwards: Array<{ pair: string; before: FenceRecord; after: FenceRecord }>;
  /** One token committed by two processes: the lease was held twice. */
  shared: Array<{ pair: string; token: number; pids: number[] }>;
}

/** Checks the log: per pair, tokens never go backwards in commit order and each token has one writer. */
export function checkFenceLog(records: readonly FenceRecord[]): FenceCheck {
  const last = new Map<string, FenceRecord>();
  const writers = new Map<string, Set<number>>();
  const check: FenceCheck = { records: records.length, fenced: 0, unfenced: {}, backwards: [], shared: [] };
  for (const record of records) {
    if (record.pair === null || record.token === null) {
      check.unfenced[record.op] = (check.unfenced[record.op] ?? 0) + 1;
      continue;
    }
    check.fenced++;
    const before = last.get(record.pair);
    if (before && before.token! > record.token) check.backwards.push({ pair: record.pair, before, after: record });
    last.set(record.pair, record);
    const key = `${record.pair}\u0000${record.token}`;
    const pids = writers.get(key) ?? new Set();
    pids.add(record.pid);
    writers.set(key, pids);
  }
  for (const [key, pids] of writers) {
    if (pids.size < 2) continue;
    const [pair, token] = key.split('\u0000') as [string, string];
    check.shared.push({ pair, token: Number(token), pids: [...pids] });
  }
  return check;
}

/** The fence of the transaction running in this async context, set by {@link recordingStore}. */
const current = new AsyncLocalStorage<{ fence: Fence | undefined; op: string }>();

/**
 * A pool whose connections log each committed transaction of a {@link recordingStore} just
 * before its COMMIT, on the same connection: under a per-pair advisory lock held to the end
 * of the transaction, so the log's order of a pair's records is their commit order.
 */
export function recordingPool(pool: PostgresPool, schema: string): PostgresPool {
  return {
    query: (text, values) => pool.query(text, values),
    end: () => pool.end(),
    async connect() {
      const client = await pool.connect();
      return {
        release: (error?: Error | boolean) => client.release(error),
        async query(text: string, values?: unknown[]) {
          const context = current.getStore();
          if (text === 'COMMIT' && context) {
            const fence = context.fence;
            if (fence) await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`chaos:${fence.key}`]);
            await client.query(
              `INSERT INTO "${schema}".${fenceLogTable} (pair, token, pid, at, op) VALUES ($1, $2, $3, clock_timestamp(), $4)`,
              [fence?.key ?? null, fence?.token ?? null, process.pid, context.op],
            );
          }
          return client.query(text, values);
        },
      };
    },
  };
}

/** Store methods that write outside a transaction (each in its own statement). */
const directWrites = [
  'putLink',
  'deleteLink',
  'putSnapshot',
  'deleteSnapshot',
  'putWatermark',
  'putIntent',
  'deleteIntent',
  'putFailure',
  'deleteFailure',
  'putCommentLink',
] as const;

/**
 * Wraps a store factory so that each transaction's fence is known to {@link recordingPool},
 * and each write made outside a transaction is logged as unfenced (after it, by its pair).
 */
export function recordingStore(factory: StateStoreFactory, pool: PostgresPool, schema: string): StateStoreFactory {
  return async (context) => {
    const store = await factory(context);
    const wrapped: StateStore = Object.create(store) as StateStore;
    const direct = Object.fromEntries(
      directWrites.map((op) => [
        op,
        async (...args: unknown[]) => {
          const result = await (store[op] as (...a: unknown[]) => Promise<unknown>)(...args);
          const first = args[0];
          const pair = typeof first === 'string' ? first : ((first as { pair?: string } | undefined)?.pair ?? null);
          await pool.query(
            `INSERT INTO "${schema}".${fenceLogTable} (pair, token, pid, at, op) VALUES ($1, NULL, $2, clock_timestamp(), $3)`,
            [pair, process.pid, op],
          );
          return result;
        },
      ]),
    );
    return Object.assign(wrapped, direct, {
      transaction: ((fn, options) =>
        current.run({ fence: options?.fence, op: 'transaction' }, () =>
          store.transaction(fn, options),
        )) as StateStore['transaction'],
      applyWrites: ((writes) =>
        current.run({ fence: undefined, op: 'applyWrites' }, () =>
          store.applyWrites(writes),
        )) as StateStore['applyWrites'],
    });
  };
}
