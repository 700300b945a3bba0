import { SyncbridgeError } from '../errors/syncbridge-error.js';
import {
  type Failure,
  type InboxEntry,
  type Intent,
  type Link,
  type PendingWrites,
  type Side,
  type Snapshot,
  type StateOperations,
  intentAgreedSchema,
  pendingWritesSchema,
  snapshotFieldsSchema,
} from './state-store.js';

/** A row of the SQL stores: snake_case columns. */
export type Row = Record<string, unknown>;

export const str = (row: Row, key: string) => String(row[key]);

/** A snapshot as the values of its columns after `integration` (JSON columns as text). */
export const snapshotRow = (x: Snapshot): Array<string | null> => [
  x.pair,
  x.side,
  x.itemId,
  x.revision,
  x.updatedAt,
  JSON.stringify(x.fields),
  x.pending ? JSON.stringify(x.pending) : null,
];

/** The columns of a failure row, in the order of {@link failureRow}. */
export const failureColumns = [
  'pair',
  'side',
  'item_id',
  'item_key',
  'kind',
  'code',
  'message',
  'details',
  'attempts',
  'revisions',
  'next_retry_at',
  'discarded_at',
  'created_at',
  'updated_at',
];

/** A failure as the values of {@link failureColumns} (JSON columns as text). */
export const failureRow = (f: Failure): Array<string | number | null> => [
  f.pair,
  f.side,
  f.itemId,
  f.itemKey,
  f.kind,
  f.code,
  f.message,
  JSON.stringify(f.details),
  f.attempts,
  JSON.stringify(f.revisions),
  f.nextRetryAt,
  f.discardedAt ?? null,
  f.createdAt,
  f.updatedAt,
];

/**
 * The records of the SQL stores, read from their rows. `json` reads a JSON column: SQLite
 * stores text, PostgreSQL `jsonb` that the driver has parsed already. A stored value that does
 * not read back is `STATE_STORE`, naming what it is.
 */
export function sqlRows(json: (value: unknown) => unknown) {
  const stored = <T>(value: unknown, what: string, read: (v: unknown) => T): T => {
    try {
      return read(json(value));
    } catch (error) {
      throw new SyncbridgeError('STATE_STORE', `stored ${what} is corrupt: ${(error as Error).message}`, {
        cause: error,
      });
    }
  };
  return {
    stored,
    toLink: (r: Row): Link => ({
      pair: str(r, 'pair'),
      leftId: str(r, 'left_id'),
      rightId: str(r, 'right_id'),
      leftKey: str(r, 'left_key'),
      rightKey: str(r, 'right_key'),
      createdAt: str(r, 'created_at'),
    }),
    toSnapshot: (r: Row): Snapshot => ({
      pair: str(r, 'pair'),
      side: str(r, 'side') as Side,
      itemId: str(r, 'item_id'),
      revision: str(r, 'revision'),
      updatedAt: str(r, 'updated_at'),
      fields: stored(r.fields, 'snapshot', (v) => snapshotFieldsSchema.parse(v)),
      ...(r.pending === null || r.pending === undefined
        ? {}
        : { pending: stored(r.pending, 'pending writes', (v) => pendingWritesSchema.parse(v) as PendingWrites) }),
    }),
    toIntent: (r: Row): Intent => ({
      pair: str(r, 'pair'),
      side: str(r, 'side') as Side,
      sourceId: str(r, 'source_id'),
      sourceKey: str(r, 'source_key'),
      createdAt: str(r, 'created_at'),
      ...(r.agreed === null || r.agreed === undefined
        ? {}
        : { agreed: stored(r.agreed, 'create intent', (v) => intentAgreedSchema.parse(v)) }),
    }),
    toFailure: (r: Row): Failure => ({
      pair: str(r, 'pair'),
      side: str(r, 'side') as Side,
      itemId: str(r, 'item_id'),
      itemKey: str(r, 'item_key'),
      kind: str(r, 'kind') as Failure['kind'],
      code: str(r, 'code'),
      message: str(r, 'message'),
      details: stored(r.details, 'failure details', (v) => v as Record<string, unknown>),
      attempts: Number(r.attempts),
      revisions: stored(r.revisions, 'failure revisions', (v) => v as Failure['revisions']),
      nextRetryAt: r.next_retry_at === null ? null : str(r, 'next_retry_at'),
      ...(r.discarded_at === null || r.discarded_at === undefined ? {} : { discardedAt: str(r, 'discarded_at') }),
      createdAt: str(r, 'created_at'),
      updatedAt: str(r, 'updated_at'),
    }),
  };
}

/** The webhook inbox operations of a store, as the SQL stores implement them apart. */
export type InboxOperations = Pick<
  StateOperations,
  'addToInbox' | 'claimInbox' | 'completeInbox' | 'releaseInbox' | 'inboxDepth' | 'pruneDeliveries'
>;

/** An inbox entry from its row; `time` reads the time column (SQLite: ISO text; PostgreSQL: a Date). */
export const inboxEntry = (r: Row, time: (value: unknown) => string): InboxEntry => ({
  seq: Number(r.seq),
  system: String(r.system),
  deliveryId: String(r.delivery_id),
  pair: String(r.pair),
  side: String(r.side) as Side,
  itemId: String(r.item_id),
  itemKey: String(r.item_key),
  event: String(r.event),
  ...(r.changed_at == null ? {} : { changedAt: String(r.changed_at) }),
  receivedAt: time(r.received_at),
});
