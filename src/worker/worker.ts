import { randomUUID } from 'node:crypto';
import type { Job, JobResult, JobWithMetadata } from 'pg-boss';
import type { SyncbridgeOptions } from '../engine/syncbridge.js';
import { isSyncbridgeError, SyncbridgeError } from '../errors/syncbridge-error.js';
import { silentLogger, type Logger } from '../logger.js';
import type { Side } from '../state/state-store.js';
import type { PgBossLike } from './pg-boss.js';
import {
  defaultTimings,
  itemJobSchema,
  itemsQueue,
  passJobSchema,
  passQueue,
  QueueClient,
  startBoss,
  type ItemJob,
  type ItemsRequest,
  type PassJob,
} from './queue.js';
import { IntegrationSlots } from './slots.js';

/** An integration a worker runs: what `createSyncbridge` takes, and its key in the queue. */
export interface WorkerIntegration extends SyncbridgeOptions {
  /**
   * The integration's key in the job queue, the same in every worker (and in
   * `enqueueItems`). @default its `name` (`'default'`)
   */
  key?: string;
}

/** Options of {@link createWorker}. */
export interface WorkerOptions {
  /** The integrations this worker syncs; every worker sharing the queue should run the same ones. */
  integrations: readonly WorkerIntegration[];
  /**
   * The PostgreSQL database of the job queue. @default the first integration's `state.url`
   * (the queue lives beside the state, in its own schema)
   */
  connectionString?: string;
  /** The schema of the queue's tables (pg-boss's), created on start. @default 'syncbridge_queue' */
  queueSchema?: string;
  /** Pair passes this worker runs at once. @default 2 */
  concurrency?: number;
  /** Item syncs a worker takes at once, grouped by pair and side into one `syncItems` each. @default 20 */
  itemBatchSize?: number;
  /**
   * A running job whose worker sent no heartbeat for this long (a killed process, a lost
   * network) is given to another worker, which waits for the pair's lease to lapse (at most
   * `engine.leaseMs`) and goes on. Whole seconds, at least 10 (pg-boss's minimum). @default 10
   */
  heartbeatSeconds?: number;
  /** How often an idle worker asks the queue for jobs, in seconds (at least 0.5). @default 2 */
  pollingIntervalSeconds?: number;
  /** How often the queue looks for jobs whose heartbeat stopped, in seconds. @default 5 */
  superviseIntervalSeconds?: number;
  /**
   * The longest {@link Worker.stop} waits for passes to reach their next batch boundary, in
   * ms; passes still running then are left to their leases. @default 30000
   */
  shutdownTimeoutMs?: number;
  /** Structured logger. @default silent */
  logger?: Logger;
}

/** What {@link Worker.stop} reports. */
export interface WorkerStopReport {
  /** Whether every job under way ended within `shutdownTimeoutMs` (their leases were released). */
  graceful: boolean;
}

/**
 * A process's share of the integrations' work: it takes pair passes and item syncs from the
 * job queue (pg-boss on PostgreSQL) that every worker shares, one pass per pair at a time
 * across all of them, each pass scheduled `engine.intervalMs` after the last one started.
 * Create one with {@link createWorker}; stop it with {@link Worker.stop}.
 */
export interface Worker {
  /** This worker's id in logs. */
  readonly id: string;
  /** Queues syncs of single items (from a webhook, say); see {@link SyncQueue.enqueueItems}. */
  enqueueItems(request: ItemsRequest): Promise<number>;
  /**
   * Stops taking jobs, stops the passes under way at their next batch boundary (what was
   * written is committed), releases their leases and gives their jobs back to the queue,
   * where another worker takes them at once; then closes the queue and the integrations.
   * Ends within `shutdownTimeoutMs` (plus closing connections).
   */
  stop(): Promise<WorkerStopReport>;
}

const busyWaitMs = (error: SyncbridgeError, fallbackMs: number) => {
  const until = Date.parse(String(error.details.expiresAt ?? ''));
  const wait = Number.isFinite(until) ? until - Date.now() + 100 : fallbackMs;
  return Math.min(Math.max(wait, 250), fallbackMs);
};

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/** A pass that stopped early because the worker is stopping or lost its job: the job is handed back. */
class PassInterrupted extends Error {}

class QueueWorker implements Worker {
  readonly id = randomUUID().slice(0, 8);
  private readonly stopping = new AbortController();
  private keeper: NodeJS.Timeout | undefined;
  private stopped: Promise<WorkerStopReport> | undefined;
  /** Handlers under way. */
  private running = 0;

  constructor(
    private readonly boss: PgBossLike,
    private readonly client: QueueClient,
    private readonly integrations: Map<string, IntegrationSlots>,
    private readonly options: WorkerOptions,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    await this.client.createQueues();
    const polling = { pollingIntervalSeconds: this.options.pollingIntervalSeconds ?? 2 };
    await this.boss.work<PassJob>(
      passQueue,
      { ...polling, batchSize: 1, localConcurrency: this.options.concurrency ?? 2 },
      ([job]) => (job ? this.counted(() => this.runPass(job)) : Promise.resolve()),
    );
    await this.boss.work<ItemJob>(
      itemsQueue,
      { ...polling, batchSize: this.options.itemBatchSize ?? 20, perJobResults: true },
      (jobs: Job<ItemJob>[]) => this.counted(() => this.runItems(jobs)),
    );
    await this.keepScheduled(0);
    // A pair's chain of passes ends only when a job fails for good; this starts it again.
    const every = Math.max(60_000, ...[...this.integrations.values()].map((i) => i.config.engine.intervalMs));
    this.keeper = setInterval(() => {
      void this.keepScheduled().catch((error: unknown) =>
        this.logger.warn('could not schedule passes', { worker: this.id, error: String(error) }),
      );
    }, every);
    this.keeper.unref();
    this.logger.info('worker started', {
      worker: this.id,
      integrations: [...this.integrations.keys()],
      concurrency: this.options.concurrency ?? 2,
    });
  }

  private async counted<T>(fn: () => Promise<T>): Promise<T> {
    this.running++;
    try {
      return await fn();
    } finally {
      this.running--;
    }
  }

  /** Schedules every pair's pass (`after` seconds from now, else at its interval) unless one is waiting. */
  private async keepScheduled(after?: number): Promise<void> {
    for (const [key, slots] of this.integrations)
      for (const pair of slots.pairs)
        await this.client.schedulePass({ integration: key, pair }, after ?? intervalSeconds(slots));
  }

  private async runPass(job: Job<PassJob> | JobWithMetadata<PassJob>): Promise<void> {
    const parsed = passJobSchema.safeParse(job.data);
    if (!parsed.success) {
      this.logger.warn('dropped a pass job it cannot read', { worker: this.id, job: job.id });
      return;
    }
    const { integration, pair } = parsed.data;
    const slots = this.integrations.get(integration);
    if (!slots?.pairs.includes(pair)) {
      this.logger.warn('dropped a pass of an integration or pair this worker does not run', {
        worker: this.id,
        integration,
        pair,
      });
      return;
    }
    const signal = AbortSignal.any([this.stopping.signal, job.signal]);
    if (signal.aborted) throw new PassInterrupted('the worker is stopping');
    this.logger.info('pass started', { worker: this.id, integration, pair, attempt: job.retryCount });
    await slots.use(async (sync) => {
      for (;;) {
        try {
          const summary = await sync.runOnce({ pair, signal });
          this.logger.info('pass done', {
            worker: this.id,
            integration,
            pair,
            created: summary.created,
            updated: summary.updated,
            failed: summary.failed,
            durationMs: summary.durationMs,
            stoppedEarly: signal.aborted,
          });
          return;
        } catch (error) {
          if (isSyncbridgeError(error) && error.code === 'INTEGRATION_BUSY' && !signal.aborted) {
            // Held by a worker that died (its lease lapses by the database's clock) or by an item sync.
            this.logger.info('pair busy: waiting for its lease', {
              worker: this.id,
              integration,
              pair,
              ...error.details,
            });
            await sleep(busyWaitMs(error, slots.config.engine.leaseMs), signal);
            if (signal.aborted) return;
            continue;
          }
          this.logger.error('pass failed', {
            worker: this.id,
            integration,
            pair,
            error: isSyncbridgeError(error) ? error.toJSON() : String(error),
          });
          return;
        }
      }
    });
    // Cut short: the job goes back to the queue (as a retry due now) for the next worker.
    if (signal.aborted) throw new PassInterrupted(`pass of ${integration}/${pair} stopped early`);
    await this.client.schedulePass({ integration, pair }, intervalSeconds(slots));
  }

  /** Item syncs, grouped by integration, pair and side (in the order they were queued): one `syncItems` per group. */
  private async runItems(jobs: Job<ItemJob>[]): Promise<JobResult[]> {
    const results: JobResult[] = [];
    const groups = new Map<string, { job: ItemJob; ids: string[]; jobIds: string[] }>();
    for (const job of jobs) {
      const parsed = itemJobSchema.safeParse(job.data);
      if (!parsed.success || !this.integrations.get(parsed.data.integration)?.pairs.includes(parsed.data.pair)) {
        this.logger.warn('dropped an item job for an integration or pair this worker does not run', {
          worker: this.id,
          job: job.id,
        });
        results.push({ id: job.id, status: 'completed' });
        continue;
      }
      const { integration, pair, side } = parsed.data;
      const key = `${integration}\n${pair}\n${side}`;
      const group = groups.get(key) ?? { job: parsed.data, ids: [], jobIds: [] };
      groups.set(key, group);
      group.ids.push(parsed.data.id);
      group.jobIds.push(job.id);
    }
    for (const { job, ids, jobIds } of groups.values()) {
      let status: JobResult['status'] = 'completed';
      if (this.stopping.signal.aborted) status = 'failed';
      else
        try {
          const slots = this.integrations.get(job.integration)!;
          await slots.use((sync) => sync.syncItems(job.pair, job.side as Side, ids));
        } catch (error) {
          // Busy elsewhere: retried a little later. Anything else is logged; the next pass covers the items.
          const busy = isSyncbridgeError(error) && (error.code === 'INTEGRATION_BUSY' || error.code === 'LEASE_LOST');
          if (busy) status = 'failed';
          else
            this.logger.error('item sync failed', {
              worker: this.id,
              integration: job.integration,
              pair: job.pair,
              side: job.side,
              ids,
              error: isSyncbridgeError(error) ? error.toJSON() : String(error),
            });
        }
      for (const id of jobIds) results.push({ id, status });
    }
    return results;
  }

  enqueueItems(request: ItemsRequest): Promise<number> {
    return this.client.enqueueItems(request);
  }

  stop(): Promise<WorkerStopReport> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  private async shutdown(): Promise<WorkerStopReport> {
    const timeout = this.options.shutdownTimeoutMs ?? 30_000;
    clearInterval(this.keeper);
    this.logger.info('worker stopping: passes stop at their next batch boundary', {
      worker: this.id,
      timeoutMs: timeout,
    });
    this.stopping.abort();
    // pg-boss stops fetching, waits for the handlers (each pass ends at its next batch boundary,
    // releases its lease and hands its job back), and past the timeout fails their jobs for the others.
    await this.boss
      .stop({ graceful: true, timeout })
      .catch((error: unknown) =>
        this.logger.warn('the job queue did not stop cleanly', { worker: this.id, error: String(error) }),
      );
    const graceful = this.running === 0;
    for (const slots of this.integrations.values()) await slots.close();
    this.logger.info('worker stopped', { worker: this.id, graceful });
    return { graceful };
  }
}

/** An integration's interval, in whole seconds (the queue's resolution). */
const intervalSeconds = (slots: IntegrationSlots) => Math.max(1, Math.round(slots.config.engine.intervalMs / 1000));

/**
 * Starts a worker: a process's share of the integrations' work, taken from the job queue
 * (pg-boss, in its own schema of the PostgreSQL database the state lives in) that any number
 * of workers on any number of machines share. Each pair's pass is one job, keyed by
 * integration and pair, so no two workers ever run it at once (the pair's fenced lease is the
 * second guard); passes run every `engine.intervalMs`; a worker that dies loses its jobs to
 * the others after `heartbeatSeconds` and the pair's lease (`engine.leaseMs`). Integrations
 * must be active (`syncbridge activate`) and keep their state in PostgreSQL.
 *
 * ```ts
 * const worker = await createWorker({ integrations: [{ config, connectors: [jiraConnector, azureDevOpsConnector] }] });
 * process.once('SIGTERM', () => void worker.stop().then(() => process.exit(0)));
 * ```
 * Needs the `pg-boss` and `pg` packages.
 */
export async function createWorker(options: WorkerOptions): Promise<Worker> {
  const logger = options.logger ?? silentLogger;
  if (options.integrations.length === 0)
    throw new SyncbridgeError('CONFIG_INVALID', 'a worker needs at least one integration');
  const integrations = new Map<string, IntegrationSlots>();
  for (const integration of options.integrations) {
    const { key: given, ...syncOptions } = integration;
    const key = given ?? integration.name ?? 'default';
    if (integrations.has(key))
      throw new SyncbridgeError(
        'CONFIG_INVALID',
        `two integrations of the worker have the key "${key}"; give each its own \`key\` (or \`name\`)`,
      );
    integrations.set(key, new IntegrationSlots(key, syncOptions, logger));
  }
  const first = [...integrations.values()][0]!.config.state;
  const connectionString = options.connectionString ?? ('url' in first ? first.url : undefined);
  if (connectionString === undefined)
    throw new SyncbridgeError(
      'CONFIG_INVALID',
      'a worker needs PostgreSQL for its job queue: keep the state there (state: { store: postgres, url }) or give the queue a connectionString',
    );
  const heartbeatSeconds = options.heartbeatSeconds ?? defaultTimings.heartbeatSeconds;
  if (!Number.isInteger(heartbeatSeconds) || heartbeatSeconds < 10)
    throw new SyncbridgeError(
      'CONFIG_INVALID',
      `heartbeatSeconds must be a whole number of at least 10, not ${heartbeatSeconds}`,
    );
  const boss = await startBoss({
    connectionString,
    schema: options.queueSchema ?? 'syncbridge_queue',
    maxConnections: 2 + (options.concurrency ?? 2),
    logger,
    ...(options.superviseIntervalSeconds === undefined
      ? {}
      : { superviseIntervalSeconds: options.superviseIntervalSeconds }),
  });
  const client = new QueueClient(boss, { ...defaultTimings, heartbeatSeconds });
  const worker = new QueueWorker(boss, client, integrations, options, logger);
  try {
    await worker.start();
  } catch (error) {
    await worker.stop();
    throw error;
  }
  return worker;
}
