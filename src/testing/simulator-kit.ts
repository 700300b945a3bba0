import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RequestHooks, type HookCallback, type RequestHook, type RequestHookSpec } from './request-hooks.js';

/** A small seeded PRNG (mulberry32): simulators' seeds give the same data on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A simulator's request handler: a Fetch API request in, a response out. */
export type FetchHandler = (request: Request) => Promise<Response>;

/** Behaviour knobs shared by every simulator. */
export interface SimulatorKnobs {
  /** Added to every response, in ms. @default 0 */
  latencyMs?: number;
  /** Share of requests (0..1) answered with a 503 or a dropped connection, before they act. @default 0 */
  faultRate?: number;
  /**
   * Share of requests (0..1) that act (a create creates) but whose answer is lost: the
   * connection drops after the work is done, as when a proxy or the network times out.
   * The caller cannot tell whether it happened. @default 0
   */
  lostResponseRate?: number;
  /** Rate limit: at most `limit` requests per `windowMs`, then 429 with `Retry-After`. */
  rateLimit?: { limit: number; windowMs: number; retryAfterSeconds?: number };
  /** Random source for faults (inject a seeded one for repeatable tests). @default Math.random */
  random?: () => number;
}

/** Thrown by a handler to make the HTTP server drop the connection (a reset). */
export class ConnectionReset extends Error {
  constructor() {
    super('simulated connection reset');
  }
}

/** Mutable knobs plus the wrapped handler. */
export interface KnobbedHandler {
  handle: FetchHandler;
  knobs: SimulatorKnobs;
  /** Forces the next `n` requests to fail with `status` (and `Retry-After` for 429). */
  failNext(n: number, status: number, retryAfterSeconds?: number): void;
  /** The request hooks run around every request that acts (see {@link KnobbedHandler.hook}). */
  hooks: RequestHooks;
  /**
   * Awaits `run` at an exact moment of the matching requests: `before` one acts, or `after`
   * it acted and before its answer is returned. Requests refused by a fault, a forced
   * failure or the rate limit never act, so hooks neither run nor count at them.
   */
  hook(spec: RequestHookSpec, run: HookCallback): RequestHook;
}

/**
 * Runs `hooks` around `inner`: the `before` hooks, then the request, then the `after` hooks
 * with the answer. A simulator whose requests dispatch sub-requests (batches) wraps its
 * dispatcher with the same hooks, so a hook sees each sub-request too.
 */
export function withHooks(inner: FetchHandler, hooks: RequestHooks): FetchHandler {
  return async (request) => {
    await hooks.run('before', request);
    // The handler reads the body; `after` hooks get it from a copy taken first.
    const copy = hooks.wants('after', request) ? request.clone() : undefined;
    const response = await inner(request);
    if (copy) await hooks.run('after', copy, response);
    return response;
  };
}

/** Wraps a handler with latency, random faults, forced failures, a rate limit and request hooks (pass `hooks` to share them with a sub-request dispatcher). */
export function withKnobs(
  inner: FetchHandler,
  knobs: SimulatorKnobs = {},
  hooks: RequestHooks = new RequestHooks(),
): KnobbedHandler {
  const hooked = withHooks(inner, hooks);
  const forced: Array<{ status: number; retryAfterSeconds?: number | undefined }> = [];
  let windowStart = 0;
  let windowCount = 0;
  const handle: FetchHandler = async (request) => {
    if (knobs.latencyMs) await new Promise((r) => setTimeout(r, knobs.latencyMs));
    const next = forced.shift();
    if (next) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (next.retryAfterSeconds !== undefined) headers['retry-after'] = String(next.retryAfterSeconds);
      return new Response(
        JSON.stringify({ errorMessages: [`Simulated ${next.status}`], message: `Simulated ${next.status}` }),
        { status: next.status, headers },
      );
    }
    if (knobs.rateLimit) {
      const now = Date.now();
      if (now - windowStart >= knobs.rateLimit.windowMs) {
        windowStart = now;
        windowCount = 0;
      }
      if (++windowCount > knobs.rateLimit.limit) {
        const seconds =
          knobs.rateLimit.retryAfterSeconds ?? Math.ceil((windowStart + knobs.rateLimit.windowMs - now) / 1000);
        return new Response(
          JSON.stringify({ errorMessages: ['Rate limit exceeded.'], message: 'Rate limit exceeded.' }),
          {
            status: 429,
            headers: { 'content-type': 'application/json', 'retry-after': String(seconds) },
          },
        );
      }
    }
    if (knobs.faultRate && (knobs.random ?? Math.random)() < knobs.faultRate) {
      if ((knobs.random ?? Math.random)() < 0.5) throw new ConnectionReset();
      return new Response(
        JSON.stringify({
          errorMessages: ['Service unavailable (simulated fault).'],
          message: 'Service unavailable (simulated fault).',
        }),
        {
          status: 503,
          headers: { 'content-type': 'application/json' },
        },
      );
    }
    const response = await hooked(request);
    if (knobs.lostResponseRate && (knobs.random ?? Math.random)() < knobs.lostResponseRate) throw new ConnectionReset();
    return response;
  };
  return {
    handle,
    knobs,
    failNext(n, status, retryAfterSeconds) {
      for (let i = 0; i < n; i++) forced.push({ status, retryAfterSeconds });
    },
    hooks,
    hook: (spec, run) => hooks.add(spec, run),
  };
}

function toRequest(req: IncomingMessage, body: Buffer, origin: string): Request {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    headers.set(k, Array.isArray(v) ? v.join(', ') : v);
  }
  const method = req.method ?? 'GET';
  return new Request(new URL(req.url ?? '/', origin), {
    method,
    headers,
    body: method === 'GET' || method === 'HEAD' || body.length === 0 ? undefined : new Uint8Array(body),
  });
}

async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  res.statusCode = response.status;
  response.headers.forEach((value, key) => {
    res.setHeader(key, value);
  });
  const body = Buffer.from(await response.arrayBuffer());
  res.setHeader('content-length', body.length);
  res.end(body);
}

/** A simulator served over real HTTP. */
export interface RunningServer {
  /** `http://127.0.0.1:PORT` (plus any base path given). */
  baseUrl: string;
  port: number;
  /** Stops the server and drops its connections. */
  close(): Promise<void>;
}

/** Serves a handler over HTTP on 127.0.0.1 (port 0 picks a free one). */
export async function serveHandler(
  handle: FetchHandler,
  options: { port?: number; host?: string; basePath?: string } = {},
): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  let origin = '';
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(toRequest(req, Buffer.concat(chunks), origin))
        .then((response) => writeResponse(res, response))
        .catch((error: unknown) => {
          if (error instanceof ConnectionReset) {
            req.socket.destroy();
            return;
          }
          res.statusCode = 500;
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ errorMessages: [`Internal simulator error: ${(error as Error).message}`] }));
        });
    });
  });
  // Clients keep connections for the server's keep-alive hint less a margin (undici: 2 s): 1 s meant none was reused.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://${host}:${port}`;
  return {
    baseUrl: `${origin}${options.basePath ?? ''}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
