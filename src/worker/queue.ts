import { z } from 'zod';
import { SyncbridgeError } from '../errors/syncbridge-error.js';
import { redactUrl } from '../http/redact.js';
import type { Logger } from '../logger.js';
import type { Side } from '../state/state-store.js';
import type { PgBossLike } from './pg-boss.js';
import { loadPgBoss } from './pg-boss.js';

/** The queue of pair passes: one job per integration and pair, never two at once (policy `stately`). */
export const passQueue = 'syncbridge-pass';
/** The queue of item syncs (webhooks): one job per item, at most one waiting and one running per item. */
export const itemsQueue = 'syncbridge-items';

/** A pair pass, as stored in the queue. */
export const passJobSchema = z.strictObject({ integration: z.string().min(1), pair: z.string().min(1) });
/** An item sync, as stored in the queue. */
export const itemJobSchema = z.strictObject({
  integration: z.string().min(1),
  pair: z.string().min(1),
  side: z.enum(['left', 'right']),
  id: z.string().min(1),
});
export type PassJob = z.output<typeof passJobSchema>;
export type ItemJob = z.output<typeof itemJobSchema>;

/** The key that makes a pair's passes one at a time across every worker. */
export const passKey = (job: PassJob) => `${job.integration}/${job.pair}`;
const itemKey = (job: ItemJob) => `${job.integration}/${job.pair}/${job.side}/${job.id}`;

/** Options of {@link createQueue}. */
export interface SyncQueueOptions {
  /** The PostgreSQL database of the queue (`postgres://user@host:5432/db`), usually the state store's. */
  connectionString: string;
  /** The schema pg-boss keeps its tables in (created on start). @default 'syncbridge_queue' */
  schema?: string;
  /** Connections of the queue's pool. @default 4 */
  maxConnections?: number;
  /** Structured logger. @default silent */
  logger?: Logger;
}

/** What {@link enqueueItems} takes: items of one side of one pair, synced in the order given. */
export interface ItemsRequest {
  /** The integration's key in the workers (`WorkerIntegration.key`; the CLI: the config file's base name). */
  integration: string;
  /** The mapping's name. */
  pair: string;
  /** The side the items are on. */
  side: Side;
  /** Item ids (or keys) on that side. */
  ids: readonly string[];
}

/**
 * The job queue shared by workers, for code that only adds work to it, such as a webhook
 * receiver: `enqueueItems()` asks the workers to sync single items now. Create one with
 * {@link createQueue}; workers have one built in ({@link Worker.enqueueItems}).
 */
export interface SyncQueue {
  /**
   * Queues a sync of each item, run by a worker with `syncItems` in the order given. An item
   * already waiting is not queued twice (its job reads the item's latest state anyway); an item
   * whose pair is being synced elsewhere is retried a few seconds later, and a pass picks up
   * what the queue lost. Resolves with the number of jobs added.
   */
  enqueueItems(request: ItemsRequest): Promise<number>;
  /** Stops the queue's connections (not the workers). */
  close(): Promise<void>;
}

/** How long jobs run and retry: see docs/guides/deployment.md for what each bounds. */
export interface JobTimings {
  /** A running job whose worker sent no heartbeat for this long is given to another worker (pg-boss: at least 10). */
  heartbeatSeconds: number;
  /** The longest a pass may run before pg-boss gives it to another worker (the lease still keeps them apart). */
  expireInSeconds: number;
}

/** The pg-boss side of the queue: queues created, jobs sent with the right keys and timings. */
export class QueueClient {
  constructor(
    readonly boss: PgBossLike,
    private readonly timings: JobTimings,
  ) {}

  /** Creates both queues if missing (every worker does it at start; pg-boss leaves an existing queue as it is). */
  async createQueues(): Promise<void> {
    for (const name of [passQueue, itemsQueue]) await this.boss.createQueue(name, { policy: 'stately' });
  }

  /**
   * Schedules a pair's pass `afterSeconds` from now; a no-op when one is already waiting (the
   * queue keeps one waiting, one retrying and one running pass per pair).
   */
  async schedulePass(job: PassJob, afterSeconds: number): Promise<boolean> {
    const id = await this.boss.send(passQueue, job, {
      singletonKey: passKey(job),
      startAfter: afterSeconds,
      heartbeatSeconds: this.timings.heartbeatSeconds,
      expireInSeconds: this.timings.expireInSeconds,
      // Retries are for passes cut short (a stopped or killed worker): the next worker goes on at once.
      retryLimit: 1000,
      retryDelay: 0,
      deleteAfterSeconds: 3600,
    });
    return id !== null;
  }

  async enqueueItems(request: ItemsRequest): Promise<number> {
    let added = 0;
    for (const id of request.ids) {
      const job: ItemJob = { integration: request.integration, pair: request.pair, side: request.side, id };
      const sent = await this.boss.send(itemsQueue, job, {
        singletonKey: itemKey(job),
        heartbeatSeconds: this.timings.heartbeatSeconds,
        expireInSeconds: 600,
        // An item whose pair is busy elsewhere waits a few seconds, then longer; a pass covers the rest.
        retryLimit: 8,
        retryDelay: 2,
        retryBackoff: true,
        retryDelayMax: 120,
        deleteAfterSeconds: 3600,
      });
      if (sent !== null) added++;
    }
    return added;
  }
}

/** The default timings of jobs. */
export const defaultTimings: JobTimings = { heartbeatSeconds: 10, expireInSeconds: 4 * 3600 };

/** Starts a pg-boss instance on `schema`, migrating it; errors name the database without its password. */
export async function startBoss(
  options: SyncQueueOptions & { superviseIntervalSeconds?: number; supervise?: boolean },
): Promise<PgBossLike> {
  const { PgBoss } = await loadPgBoss();
  const schema = options.schema ?? 'syncbridge_queue';
  const boss = new PgBoss({
    connectionString: options.connectionString,
    schema,
    max: options.maxConnections ?? 4,
    application_name: 'syncbridge-worker',
    schedule: false,
    supervise: options.supervise ?? true,
    superviseIntervalSeconds: options.superviseIntervalSeconds ?? 5,
    monitorIntervalSeconds: options.superviseIntervalSeconds ?? 5,
  });
  boss.on('error', (error: unknown) =>
    options.logger?.warn('job queue error', { error: String((error as Error)?.message ?? error) }),
  );
  try {
    await boss.start();
  } catch (error) {
    throw new SyncbridgeError(
      'STATE_STORE',
      `the job queue (PostgreSQL ${redactUrl(options.connectionString)} schema ${schema}) could not start: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return boss;
}

/**
 * Opens the job queue the workers share, to add work to it from another process (a webhook
 * receiver): `await createQueue({ connectionString }).enqueueItems({ integration, pair, side, ids })`.
 * Needs the `pg-boss` package (`npm install pg-boss`).
 */
export async function createQueue(options: SyncQueueOptions): Promise<SyncQueue> {
  const boss = await startBoss({ ...options, supervise: false });
  const client = new QueueClient(boss, defaultTimings);
  try {
    await client.createQueues();
  } catch (error) {
    await boss.stop({ graceful: false });
    throw error;
  }
  return {
    enqueueItems: (request) => client.enqueueItems(request),
    close: () => boss.stop({ graceful: true, timeout: 5000 }),
  };
}
