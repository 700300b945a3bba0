import type { Syncbridge } from '../engine/syncbridge.js';
import { SyncbridgeError } from '../errors/syncbridge-error.js';
import { silentLogger, type Logger } from '../logger.js';
import { createMetrics, type MetricsOptions, type SyncMetrics } from '../telemetry/metrics.js';
import { listenNode, type NodeListener } from './node-listener.js';
import { Readiness, type ReadinessReport } from './readiness.js';

/** What answers webhook deliveries (the integration's `sync.webhooks`, or your own). */
export interface WebhookHandler {
  /** Verifies and takes a delivery; answers 2xx once it is stored. */
  handle(request: Request): Promise<Response>;
}

/** Options of {@link createServer}; the defaults come from the configuration's `serve` section. */
export interface ServeOptions {
  /** Port {@link SyncServer.listen} listens on (0 picks a free one). @default config `serve.port` (8080) */
  port?: number;
  /** Address {@link SyncServer.listen} listens on. @default config `serve.host` ('0.0.0.0') */
  host?: string;
  /** Where the routes are mounted: `'/sync'` serves `/sync/healthz`, `/sync/webhooks/...`. @default '' */
  basePath?: string;
  /** Run the safety-net poll (turn it off where another process polls the same integration). @default true */
  poll?: boolean;
  /** Interval of the safety-net poll, in ms. @default config `serve.pollIntervalMs` (300000) */
  pollIntervalMs?: number;
  /** `/readyz` fails once the last completed poll is older than this, in ms. @default config `serve.maxPassAgeMs`, else twice the poll interval plus 60000 */
  maxPassAgeMs?: number;
  /** How long `/readyz` trusts a check that each system answers, in ms. @default config `serve.systemCheckMs` (30000) */
  systemCheckMs?: number;
  /** `/metrics` (needs prom-client): `false` turns it off; an object sets the registry and prefix. @default true */
  metrics?: boolean | MetricsOptions;
  /**
   * What `/webhooks/...` forwards to; `false` answers 404 there. @default the integration's
   * intake (`sync.webhooks`) when the configuration has a `webhooks` section
   */
  webhooks?: WebhookHandler | false;
  /**
   * Run the intake's inbox processing loop here (`sync.webhooks.start()`), when the
   * configuration has a `webhooks` section. Turn it off where workers process the inbox. @default true
   */
  processInbox?: boolean;
  /** How long {@link SyncServer.close} waits for requests under way, in ms. @default 10000 */
  shutdownGraceMs?: number;
  /** Logs the server's start, failures and stop. @default silent */
  logger?: Logger;
}

/**
 * A served integration: Web-standard routes (`fetch`) that mount in any framework, the
 * safety-net poll, and a Node.js listener when you want the whole service.
 */
export interface SyncServer {
  /**
   * Answers a request: `GET /healthz` (liveness), `GET /readyz` (readiness, 200 or 503 with
   * a JSON report), `GET /metrics` (Prometheus), `/webhooks/...` (the webhook intake); 404
   * elsewhere. Mount it where a framework takes a `Request → Response` function (Hono
   * `app.mount`, a Next.js route handler, Bun and Deno servers).
   */
  fetch(request: Request): Promise<Response>;
  /**
   * Starts the safety-net poll (the first pass at once) unless `poll` is false, and the
   * intake's inbox processing unless `processInbox` is false. Idempotent.
   */
  start(): void;
  /** Starts the poll and the inbox processing, and listens on `host:port`; resolves with the address once listening. */
  listen(): Promise<{ url: string; port: number }>;
  /**
   * Stops: `/readyz` turns 503, the listener stops taking connections and waits for requests
   * under way (up to `shutdownGraceMs`), the poll stops at its next batch boundary. The
   * integration itself stays open: close it yourself.
   */
  close(): Promise<void>;
  /** The readiness report `/readyz` serves. */
  readiness(): Promise<ReadinessReport>;
  /** The metrics `/metrics` serves (undefined when turned off). */
  readonly metrics: SyncMetrics | undefined;
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8' } });

const notFound = (what: string) => json(404, { error: 'NOT_FOUND', message: what });

/**
 * Serves an integration: the webhook endpoint, `/healthz`, `/readyz`, `/metrics` and the
 * safety-net poll. Loads prom-client unless `metrics` is false.
 *
 * ```ts
 * const sync = await createSyncbridge({ config, connectors: [jiraConnector, azureDevOpsConnector] });
 * const server = await createServer(sync, { port: 8080 });
 * await server.listen();
 * process.once('SIGTERM', async () => { await server.close(); await sync.close(); });
 * ```
 */
export async function createServer(sync: Syncbridge, options: ServeOptions = {}): Promise<SyncServer> {
  const settings = sync.config.serve;
  const logger = options.logger ?? silentLogger;
  const pollIntervalMs = options.pollIntervalMs ?? settings.pollIntervalMs;
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  if (basePath !== '' && !basePath.startsWith('/'))
    throw new SyncbridgeError('CONFIG_INVALID', `basePath must start with "/" (got "${basePath}")`);
  const metrics =
    options.metrics === false
      ? undefined
      : await createMetrics(sync, {
          ...(sync.config.webhooks ? { queueDepth: async () => (await sync.webhooks.depth()).entries } : {}),
          ...(typeof options.metrics === 'object' ? options.metrics : {}),
        });
  const readiness = new Readiness(sync, {
    maxPassAgeMs: options.maxPassAgeMs ?? settings.maxPassAgeMs ?? 2 * pollIntervalMs + 60_000,
    systemCheckMs: options.systemCheckMs ?? settings.systemCheckMs,
  });
  const configured = sync.config.webhooks !== undefined;
  const intake =
    options.webhooks === false ? undefined : (options.webhooks ?? (configured ? sync.webhooks : undefined));
  const inbox = configured && options.processInbox !== false;
  const polling = new AbortController();
  let polled = false;
  let stopping = false;
  let listener: NodeListener | undefined;

  const start = () => {
    if (polled || stopping) return;
    polled = true;
    if (inbox) sync.webhooks.start();
    if (options.poll !== false) sync.start({ intervalMs: pollIntervalMs, signal: polling.signal });
  };

  const route = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname;
    if (basePath !== '' && path !== basePath && !path.startsWith(`${basePath}/`)) return notFound(`no route ${path}`);
    const local = path.slice(basePath.length) || '/';
    if (local === '/webhooks' || local.startsWith('/webhooks/')) {
      if (!intake) return notFound('this server takes no webhooks (no intake is configured)');
      return intake.handle(request);
    }
    const read = request.method === 'GET' || request.method === 'HEAD';
    const known = local === '/healthz' || local === '/readyz' || (local === '/metrics' && metrics !== undefined);
    if (!known) return notFound(`no route ${path}`);
    if (!read) return new Response(null, { status: 405, headers: { allow: 'GET, HEAD' } });
    if (local === '/healthz') return json(200, { status: stopping ? 'stopping' : 'ok' });
    if (local === '/readyz') {
      if (stopping) return json(503, { ready: false, message: 'shutting down' });
      const report = await readiness.check();
      return json(report.ready ? 200 : 503, report);
    }
    return new Response(await metrics!.text(), { headers: { 'content-type': metrics!.contentType } });
  };

  const fetch = async (request: Request): Promise<Response> => {
    try {
      return await route(request);
    } catch (error) {
      logger.error('request failed', {
        method: request.method,
        path: new URL(request.url).pathname,
        error: error instanceof SyncbridgeError ? error.toJSON() : String(error),
      });
      return json(500, { error: 'INTERNAL', message: 'the request failed; see the server log' });
    }
  };

  return {
    metrics,
    readiness: () => readiness.check(),
    start,
    fetch,
    async listen() {
      if (listener) return listener.address;
      listener = await listenNode(fetch, {
        port: options.port ?? settings.port,
        host: options.host ?? settings.host,
      });
      start();
      logger.info('serving', { url: listener.address.url, pollIntervalMs, webhooks: intake !== undefined });
      return listener.address;
    },
    async close() {
      if (stopping) return;
      stopping = true;
      await listener?.close(options.shutdownGraceMs ?? 10_000);
      polling.abort();
      if (inbox) await sync.webhooks.stop();
      await sync.stop();
      readiness.close();
      metrics?.close();
      logger.info('stopped serving');
    },
  };
}
