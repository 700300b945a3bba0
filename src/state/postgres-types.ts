/**
 * The parts of node-postgres (`pg`) the PostgreSQL store uses, so that its types need no
 * `@types/pg`: a `pg.Pool` is a {@link PostgresPool}.
 */

/** A query result: its rows. */
export interface PostgresResult {
  rows: Array<Record<string, unknown>>;
}

/** One connection (a `pg.PoolClient`). */
export interface PostgresClient {
  query(text: string, values?: unknown[]): Promise<PostgresResult>;
}

/** A pool of connections (a `pg.Pool`). */
export interface PostgresPool extends PostgresClient {
  connect(): Promise<PostgresClient & { release(error?: Error | boolean): void }>;
  end(): Promise<void>;
}
