import type { Connector, CreateRequest, UpdateRequest, WriteResult } from '../connector/connector.js';
import { RemoteError } from '../errors/remote-error.js';
import { SyncbridgeError, toSyncbridgeError } from '../errors/syncbridge-error.js';
import type { FieldValue } from '../model/field.js';
import type { WorkItem } from '../model/item.js';

/** Splits a list into chunks of at most `size`. */
export const chunk = <T>(list: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(list.length / size) }, (_, i) => list.slice(i * size, (i + 1) * size));

/** Batches of one call in flight at once per side, unless a caller says otherwise: within what Jira and Azure DevOps allow one user. */
export const DEFAULT_CONCURRENCY = 4;

/**
 * Runs `task` on every element, at most `limit` at a time, and returns the results in the
 * elements' order. The first error is thrown once the tasks already started have settled.
 */
export async function mapLimit<T, R>(
  list: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(list.length);
  let next = 0;
  let failed: { error: unknown } | undefined;
  const worker = async () => {
    while (next < list.length && !failed) {
      const i = next++;
      try {
        out[i] = await task(list[i]!, i);
      } catch (error) {
        failed ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), list.length) }, worker));
  if (failed) throw failed.error;
  return out;
}

/** Reads items by id in batches of the connector's `maxGetBatch` (each id once, `concurrency` batches in flight); ids that do not exist are left out. */
export async function readInBatches(
  connector: Connector,
  ids: string[],
  fields: string[],
  signal?: AbortSignal,
  concurrency = DEFAULT_CONCURRENCY,
): Promise<Map<string, WorkItem>> {
  const out = new Map<string, WorkItem>();
  await mapLimit(chunk([...new Set(ids)], connector.info.capabilities.maxGetBatch), concurrency, async (batch) => {
    if (signal?.aborted) return;
    for (const item of await connector.getMany(batch, { fields })) out.set(item.id, item);
  });
  return out;
}

/** The outcome of one item's write: the item as the system holds it after, and the fields it refused. */
export type WriteOutcome =
  | { ok: true; item: WorkItem; refused: Record<string, SyncbridgeError> }
  | {
      ok: false;
      error: SyncbridgeError;
      refused: Record<string, SyncbridgeError>;
      created?: { id: string; key: string };
      /** The call failed without an answer: the write may or may not have happened. */
      unknown?: boolean;
    };

/**
 * The fields a refused write names as the reason, when they are all among the fields
 * written: the write can be tried again without them (when any are left).
 */
function refusedFields(
  result: WriteResult,
  written: Record<string, FieldValue>,
): Record<string, SyncbridgeError> | undefined {
  if (result.ok || result.created) return undefined;
  const error = result.error;
  const named =
    error instanceof RemoteError
      ? error.fieldErrors
      : ((error.details.fieldErrors as Record<string, string> | undefined) ?? {});
  const fields = Object.keys(named);
  if (fields.length === 0 || !fields.every((f) => f in written)) return undefined;
  return Object.fromEntries(
    fields.map((f) => [
      f,
      new SyncbridgeError(error.code, named[f]!, {
        ...(error.system ? { system: error.system } : {}),
        details: { field: f, reason: named[f] },
      }),
    ]),
  );
}

const fromResult = (result: WriteResult | undefined, what: string): WriteOutcome => {
  if (!result)
    return {
      ok: false,
      error: new SyncbridgeError('PROTOCOL', `the connector returned no result for ${what}`),
      refused: {},
    };
  if (result.ok) {
    const refused = Object.fromEntries(
      Object.entries(result.refused ?? {}).map(([f, reason]) => [
        f,
        new SyncbridgeError('VALIDATION', reason, { details: { field: f, reason } }),
      ]),
    );
    return { ok: true, item: result.item, refused };
  }
  return { ok: false, error: result.error, refused: {}, ...(result.created ? { created: result.created } : {}) };
};

/**
 * Writes requests in batches no larger than `max`, `concurrency` batches in flight (each
 * request is in one batch: no item is written twice at once). A request the system refuses
 * for some of its fields is sent once more without them, so one refused value never holds back
 * the rest. A batch call that throws fails each of its requests with that error (their outcome unknown).
 */
export async function writeInBatches<R extends CreateRequest | UpdateRequest>(
  requests: R[],
  max: number,
  call: (batch: R[]) => Promise<WriteResult[]>,
  what: string,
  concurrency = DEFAULT_CONCURRENCY,
): Promise<WriteOutcome[]> {
  const outcomes: WriteOutcome[] = new Array(requests.length);
  const run = async (indexes: number[], build: (i: number) => R) => {
    const again: number[] = [];
    await mapLimit(chunk(indexes, max), concurrency, async (batch) => {
      let results: WriteResult[];
      try {
        results = await call(batch.map(build));
      } catch (error) {
        for (const i of batch)
          outcomes[i] = {
            ok: false,
            error: toSyncbridgeError(error),
            refused: outcomes[i]?.refused ?? {},
            unknown: true,
          };
        return;
      }
      batch.forEach((i, n) => {
        const result = results[n];
        const refused = result ? refusedFields(result, build(i).fields) : undefined;
        if (refused && !outcomes[i]) {
          outcomes[i] = { ok: false, error: (result as { error: SyncbridgeError }).error, refused };
          if (Object.keys(refused).length < Object.keys(build(i).fields).length) again.push(i);
          return;
        }
        const outcome = fromResult(result, what);
        outcomes[i] = { ...outcome, refused: { ...outcomes[i]?.refused, ...outcome.refused } };
      });
    });
    // Batches finish in any order: the second round goes in the requests' order.
    return again.sort((a, b) => a - b);
  };
  const again = await run(
    requests.map((_, i) => i),
    (i) => requests[i]!,
  );
  if (again.length > 0) {
    const without = (i: number): R => ({
      ...requests[i]!,
      fields: Object.fromEntries(Object.entries(requests[i]!.fields).filter(([f]) => !(f in outcomes[i]!.refused))),
    });
    await run(again, without);
  }
  return outcomes;
}

/** Writes creates through a connector in its batch size. */
export const createInBatches = (connector: Connector, requests: CreateRequest[], concurrency?: number) =>
  writeInBatches(
    requests,
    connector.info.capabilities.maxCreateBatch,
    (b) => connector.create(b),
    'a create',
    concurrency,
  );
/** Writes updates through a connector in its batch size. */
export const updateInBatches = (connector: Connector, requests: UpdateRequest[], concurrency?: number) =>
  writeInBatches(
    requests,
    connector.info.capabilities.maxUpdateBatch,
    (b) => connector.update(b),
    'an update',
    concurrency,
  );

/**
 * Yields what `source` yields, asking it for the next element as soon as one is handed out:
 * the next page is read while the consumer works on this one (one read ahead, in order). An
 * early stop waits for the read in flight, then closes the source.
 */
export async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let next = it.next();
  let done = false;
  try {
    for (;;) {
      const result = await next;
      if (result.done) {
        done = true;
        return;
      }
      next = it.next();
      // Awaited on the next turn; a read left behind by an early stop is not an unhandled rejection.
      next.catch(() => undefined);
      yield result.value;
    }
  } finally {
    if (!done) {
      const last = await next.catch(() => undefined);
      if (!last?.done) await it.return?.();
    }
  }
}
