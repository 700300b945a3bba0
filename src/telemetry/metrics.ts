import type { Registry } from 'prom-client';
import type { Syncbridge } from '../engine/syncbridge.js';
import { SyncbridgeError } from '../errors/syncbridge-error.js';

/** The part of a prom-client `Registry` that syncbridge uses; pass your application's own to share one `/metrics`. */
export interface MetricsRegistry {
  /** The exposition text of every metric registered. */
  metrics(): Promise<string>;
  /** The content type of that text. */
  readonly contentType: string;
}

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** A prom-client `Registry` to register syncbridge's metrics in. @default a new registry */
  registry?: MetricsRegistry;
  /** Prefix of every metric name. @default 'syncbridge_' */
  prefix?: string;
  /** Also register prom-client's process metrics (memory, CPU, event loop lag) in the registry. @default false */
  processMetrics?: boolean;
  /** The depth of the webhook inbox (deliveries stored but not yet synced), read on each scrape. */
  queueDepth?: () => number | Promise<number>;
}

/** Prometheus metrics of one integration; see {@link createMetrics}. */
export interface SyncMetrics {
  /** The registry the metrics are in. */
  readonly registry: MetricsRegistry;
  /** Content type of {@link SyncMetrics.text}. */
  readonly contentType: string;
  /** The exposition text, as `/metrics` serves it. */
  text(): Promise<string>;
  /** Stops counting (unsubscribes from the integration's events); the metrics stay registered. */
  close(): void;
}

// Propagation is seconds with webhooks and minutes with polling alone.
const delayBuckets = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
const durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

async function loadPromClient(): Promise<typeof import('prom-client')> {
  try {
    return await import('prom-client');
  } catch (error) {
    throw new SyncbridgeError(
      'DEPENDENCY_MISSING',
      'metrics need the prom-client package, which is not installed; install it (npm install prom-client), or turn metrics off',
      { cause: error },
    );
  }
}

/**
 * Prometheus metrics of an integration, fed by its events (prom-client is loaded here; it is
 * an optional peer dependency): passes by kind and outcome, pass durations, the time of the
 * last completed poll, items synced by mapping, side and action, item failures by error code,
 * conflicts, queued failures by mapping, the webhook inbox depth (when given), HTTP requests
 * to each system by method and status (or error code), 429 answers by system, request
 * durations, and the propagation delay: from an item's change at its source to its write on
 * the other side.
 *
 * ```ts
 * const metrics = await createMetrics(sync);
 * app.get('/metrics', async () => new Response(await metrics.text(), { headers: { 'content-type': metrics.contentType } }));
 * ```
 */
export async function createMetrics(sync: Syncbridge, options: MetricsOptions = {}): Promise<SyncMetrics> {
  const client = await loadPromClient();
  const registry = (options.registry as Registry | undefined) ?? new client.Registry();
  const prefix = options.prefix ?? 'syncbridge_';
  const registers = [registry];
  if (options.processMetrics) client.collectDefaultMetrics({ register: registry, prefix });

  const passes = new client.Counter({
    name: `${prefix}passes_total`,
    help: 'Sync passes by kind (run, syncItems, retry, reconcile, activate) and outcome (completed, failed)',
    labelNames: ['kind', 'outcome'] as const,
    registers,
  });
  const passDuration = new client.Histogram({
    name: `${prefix}pass_duration_seconds`,
    help: 'Duration of sync passes by kind',
    labelNames: ['kind'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
    registers,
  });
  const lastPoll = new client.Gauge({
    name: `${prefix}last_poll_completed_timestamp_seconds`,
    help: 'When the last polling pass (run) completed, in Unix seconds',
    registers,
  });
  const synced = new client.Counter({
    name: `${prefix}items_synced_total`,
    help: 'Items created or updated on the other side, by mapping, side written and action',
    labelNames: ['pair', 'side', 'action'] as const,
    registers,
  });
  const failures = new client.Counter({
    name: `${prefix}item_failures_total`,
    help: 'Items that went to (or stayed in) the failure queue, by mapping, side and error code',
    labelNames: ['pair', 'side', 'code'] as const,
    registers,
  });
  const conflicts = new client.Counter({
    name: `${prefix}conflicts_total`,
    help: 'Fields changed on both sides since the last sync, by mapping and resolution',
    labelNames: ['pair', 'resolution'] as const,
    registers,
  });
  const mappings = sync.config.mappings.map((m) => m.name);
  new client.Gauge({
    name: `${prefix}failures_queued`,
    help: 'Failures waiting for a retry or a person (discarded ones left out), by mapping',
    labelNames: ['pair'] as const,
    registers,
    async collect() {
      for (const pair of mappings) {
        const queued = await sync.store.listFailures(pair);
        this.set({ pair }, queued.filter((f) => !f.discardedAt).length);
      }
    },
  });
  if (options.queueDepth) {
    const depth = options.queueDepth;
    new client.Gauge({
      name: `${prefix}webhook_queue_depth`,
      help: 'Webhook deliveries stored and not yet synced',
      registers,
      async collect() {
        this.set(await depth());
      },
    });
  }
  const requests = new client.Counter({
    name: `${prefix}http_requests_total`,
    help: 'HTTP request attempts to each system, by method and status (or error code when no answer came)',
    labelNames: ['system', 'method', 'status'] as const,
    registers,
  });
  const rateLimited = new client.Counter({
    name: `${prefix}http_rate_limited_total`,
    help: 'HTTP 429 (Too Many Requests) answers, by system',
    labelNames: ['system'] as const,
    registers,
  });
  const requestDuration = new client.Histogram({
    name: `${prefix}http_request_duration_seconds`,
    help: 'Time to an answer from each system',
    labelNames: ['system'] as const,
    buckets: durationBuckets,
    registers,
  });
  const propagation = new client.Histogram({
    name: `${prefix}propagation_delay_seconds`,
    help: "From an item's change at its source (as the source system dates it) to its write on the other side, by mapping and side written",
    labelNames: ['pair', 'side'] as const,
    buckets: delayBuckets,
    registers,
  });

  const offs = [
    sync.events.on('passEnded', ({ kind, summary, error }) => {
      passes.inc({ kind, outcome: error === undefined ? 'completed' : 'failed' });
      passDuration.observe({ kind }, summary.durationMs / 1000);
      if (kind === 'run' && error === undefined) lastPoll.setToCurrentTime();
    }),
    sync.events.on('itemSynced', (write) => {
      synced.inc({ pair: write.pair, side: write.side, action: write.action });
      if (write.sourceChangedAt === undefined) return;
      // Clocks of the systems and of this machine differ a little: a negative delay counts as none.
      const seconds = Math.max(0, Date.now() - Date.parse(write.sourceChangedAt)) / 1000;
      if (Number.isFinite(seconds)) propagation.observe({ pair: write.pair, side: write.side }, seconds);
    }),
    sync.events.on('itemFailed', (f) => failures.inc({ pair: f.pair, side: f.side, code: f.code })),
    sync.events.on('conflict', (c) => conflicts.inc({ pair: c.pair, resolution: c.resolution })),
    sync.events.on('httpRequest', (r) => {
      requests.inc({
        system: r.system,
        method: r.method,
        status: r.status === undefined ? (r.error ?? 'ABORTED') : String(r.status),
      });
      if (r.status === 429) rateLimited.inc({ system: r.system });
      if (r.durationMs !== undefined) requestDuration.observe({ system: r.system }, r.durationMs / 1000);
    }),
  ];
  return {
    registry,
    contentType: registry.contentType,
    text: () => registry.metrics(),
    close: () => {
      for (const off of offs) off();
    },
  };
}
