import type { Connector, CreateRequest, UpdateRequest, WriteResult } from '../connector/connector.js';
import { RemoteError } from '../errors/remote-error.js';
import { SyncbridgeError, toSyncbridgeError } from '../errors/syncbridge-error.js';
import type { FieldValue } from '../model/field.js';
import type { WorkItem } from '../model/item.js';

/** Splits a list into chunks of at most `size`. */
export const chunk = <T>(list: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(list.length / size) }, (_, i) => list.slice(i * size, (i + 1) * size));

/** Reads items by id in batches of the connector's `maxGetBatch` (each id once); ids that do not exist are left out. */
export async function readInBatches(
  connector: Connector,
  ids: string[],
  fields: string[],
  signal?: AbortSignal,
): Promise<Map<string, WorkItem>> {
  const out = new Map<string, WorkItem>();
  for (const batch of chunk([...new Set(ids)], connector.info.capabilities.maxGetBatch)) {
    if (signal?.aborted) break;
    for (const item of await connector.getMany(batch, { fields })) out.set(item.id, item);
  }
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
 * Writes requests in batches no larger than `max`. A request the system refuses for some of
 * its fields is sent once more without them, so one refused value never holds back the rest.
 * A batch call that throws fails each of its requests with that error (their outcome unknown).
 */
export async function writeInBatches<R extends CreateRequest | UpdateRequest>(
  requests: R[],
  max: number,
  call: (batch: R[]) => Promise<WriteResult[]>,
  what: string,
): Promise<WriteOutcome[]> {
  const outcomes: WriteOutcome[] = new Array(requests.length);
  const run = async (indexes: number[], build: (i: number) => R) => {
    const again: number[] = [];
    for (const batch of chunk(indexes, max)) {
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
        continue;
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
    }
    return again;
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
export const createInBatches = (connector: Connector, requests: CreateRequest[]) =>
  writeInBatches(requests, connector.info.capabilities.maxCreateBatch, (b) => connector.create(b), 'a create');
/** Writes updates through a connector in its batch size. */
export const updateInBatches = (connector: Connector, requests: UpdateRequest[]) =>
  writeInBatches(requests, connector.info.capabilities.maxUpdateBatch, (b) => connector.update(b), 'an update');
