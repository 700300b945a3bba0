import { failureColumns, failureRow, snapshotRow } from './sql-rows.js';
import { groupWrites } from './store-helpers.js';
import type { StateWrite } from './state-store.js';
import type { PostgresClient } from './postgres-types.js';

type Op = StateWrite['op'];
type Of<O extends Op> = Extract<StateWrite, { op: O }>;

/** A table's columns as text arrays (one per column) and the statement taking them as `$2…`. */
interface Statement<O extends Op> {
  /** The record a write replaces: of two writes of one record in a group, the later wins. */
  key: (w: Of<O>) => string;
  columns: (w: Of<O>) => unknown[];
  sql: (s: string) => string;
}

const rows = (n: number, types: string[]) =>
  types
    .map((t, i) => `$${i + 2}::${t}[]`)
    .slice(0, n)
    .join(', ');
const upsert =
  (
    table: string,
    columns: string[],
    types: string[],
    key: string[],
    options: { casts?: Record<string, string>; keep?: string[] } = {},
  ) =>
  (s: string) => {
    const casts = options.casts ?? {};
    const names = columns.map((c) => (casts[c] ? `${c}::${casts[c]}` : c)).join(', ');
    const set = columns
      .filter((c) => !key.includes(c) && !options.keep?.includes(c))
      .map((c) => `${c} = excluded.${c}`)
      .join(', ');
    return `INSERT INTO ${s}.${table} (integration, ${columns.join(', ')}) SELECT $1, ${names} FROM unnest(${rows(columns.length, types)}) AS t(${columns.join(', ')})
    ON CONFLICT (integration, ${key.join(', ')}) DO UPDATE SET ${set}`;
  };
const remove = (table: string, key: string[]) => (s: string) =>
  `DELETE FROM ${s}.${table} WHERE integration = $1 AND (${key.join(', ')}) IN (SELECT * FROM unnest(${rows(
    key.length,
    key.map(() => 'text'),
  )}))`;
const text = (n: number) => Array.from({ length: n }, () => 'text');

const statements: { [O in Op]: Statement<O> } = {
  putLink: {
    key: (w) => `${w.link.pair}\u0000${w.link.leftId}`,
    columns: ({ link: l }) => [l.pair, l.leftId, l.rightId, l.leftKey, l.rightKey, l.createdAt],
    sql: upsert(
      'links',
      ['pair', 'left_id', 'right_id', 'left_key', 'right_key', 'created_at'],
      text(6),
      ['pair', 'left_id'],
      { keep: ['created_at'] },
    ),
  },
  deleteLink: {
    key: (w) => `${w.pair}\u0000${w.leftId}`,
    columns: (w) => [w.pair, w.leftId],
    sql: remove('links', ['pair', 'left_id']),
  },
  putSnapshot: {
    key: ({ snapshot: x }) => `${x.pair}\u0000${x.side}\u0000${x.itemId}`,
    columns: ({ snapshot }) => snapshotRow(snapshot),
    sql: upsert(
      'snapshots',
      ['pair', 'side', 'item_id', 'revision', 'updated_at', 'fields', 'pending'],
      text(7),
      ['pair', 'side', 'item_id'],
      { casts: { fields: 'jsonb', pending: 'jsonb' } },
    ),
  },
  deleteSnapshot: {
    key: (w) => `${w.pair}\u0000${w.side}\u0000${w.itemId}`,
    columns: (w) => [w.pair, w.side, w.itemId],
    sql: remove('snapshots', ['pair', 'side', 'item_id']),
  },
  putIntent: {
    key: ({ intent: i }) => `${i.pair}\u0000${i.side}\u0000${i.sourceId}`,
    columns: ({ intent: i }) => [
      i.pair,
      i.side,
      i.sourceId,
      i.sourceKey,
      i.createdAt,
      i.agreed ? JSON.stringify(i.agreed) : null,
    ],
    sql: upsert(
      'intents',
      ['pair', 'side', 'source_id', 'source_key', 'created_at', 'agreed'],
      text(6),
      ['pair', 'side', 'source_id'],
      { casts: { agreed: 'jsonb' } },
    ),
  },
  deleteIntent: {
    key: (w) => `${w.pair}\u0000${w.side}\u0000${w.sourceId}`,
    columns: (w) => [w.pair, w.side, w.sourceId],
    sql: remove('intents', ['pair', 'side', 'source_id']),
  },
  putFailure: {
    key: ({ failure: f }) => `${f.pair}\u0000${f.side}\u0000${f.itemId}`,
    columns: ({ failure }) => failureRow(failure),
    sql: upsert('failures', failureColumns, [...text(8), 'integer', ...text(5)], ['pair', 'side', 'item_id'], {
      casts: { details: 'jsonb', revisions: 'jsonb' },
    }),
  },
  deleteFailure: {
    key: (w) => `${w.pair}\u0000${w.side}\u0000${w.itemId}`,
    columns: (w) => [w.pair, w.side, w.itemId],
    sql: remove('failures', ['pair', 'side', 'item_id']),
  },
};

/**
 * Applies writes in order as one statement per run of writes of the same kind (rows passed
 * as arrays and `unnest`ed): a page's commit costs a few statements whatever its size.
 * Call it inside a transaction.
 */
export async function applyWritesGrouped(
  client: PostgresClient,
  schema: string,
  integration: string,
  writes: readonly StateWrite[],
): Promise<void> {
  for (const group of groupWrites(writes)) {
    const statement = statements[group[0]!.op] as Statement<Op>;
    // ON CONFLICT cannot touch one row twice in a statement: the later write of a record wins.
    const latest = [...new Map(group.map((w) => [statement.key(w), w])).values()];
    const columns = latest.map((w) => statement.columns(w));
    const arrays = columns[0]!.map((_, c) => columns.map((row) => row[c]));
    await client.query(statement.sql(schema), [integration, ...arrays]);
  }
}
