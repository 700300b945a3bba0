import { finished } from 'node:stream/promises';
import pRetry, { AbortError } from 'p-retry';
import type { z } from 'zod';
import type { ResolvedSystem, SystemAuth, SystemConfig } from '../config/system.js';
import type { ConnectorContext } from '../connector/define-connector.js';
import { RemoteError, codeForStatus } from '../errors/remote-error.js';
import { SyncbridgeError, isSyncbridgeError, type ErrorCode } from '../errors/syncbridge-error.js';
import { silentLogger, type Logger } from '../logger.js';
import { networkError } from './network-errors.js';
import { proxySecrets, resolveProxy, type ResolvedProxy } from './proxy.js';
import { parseJsonBytes } from './json-bytes.js';
import { createTransport, takeNodeBody } from './transport.js';
import { redact, redactUrl } from './redact.js';
import { retryAfterMs } from './retry-timing.js';

/** What an adapter extracts from its system's error body. */
export interface ParsedErrorBody {
  /** The system's messages, verbatim. */
  messages: string[];
  /** Per-field messages keyed by field id. */
  fieldErrors?: Record<string, string>;
  /** A more precise code than the status gives, if the body tells. */
  code?: ErrorCode;
}

/** Retry settings for transient failures (429, 5xx, network). */
export interface HttpRetryOptions {
  /** Retries after the first attempt. @default 4 */
  retries?: number;
  /** First backoff in ms. @default 250 */
  minTimeoutMs?: number;
  /** Longest backoff in ms. @default 30000 */
  maxTimeoutMs?: number;
  /** Longest wait a `Retry-After` may impose before the error is handed up instead. @default 60000 */
  maxRetryAfterMs?: number;
}

/** Options of {@link createHttpClient}. */
export interface HttpClientOptions {
  /** Configured system id, used in every error message. */
  system: string;
  /** Root URL; request paths are resolved below it (context paths kept). */
  baseUrl: string;
  /** Credentials. */
  auth: SystemAuth;
  /** How a `pat` credential is sent. @default 'bearer' */
  patScheme?: 'basic' | 'bearer';
  /** Per-request timeout in ms. @default 30000 */
  timeoutMs?: number;
  /** Retry settings. */
  retry?: HttpRetryOptions;
  /** Proxy for this system (`false`: none); default from `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY`. */
  proxy?: SystemConfig['proxy'];
  /** TLS trust settings (extra CAs, client certificate). */
  tls?: SystemConfig['tls'];
  /** Connect timeout in ms. @default 10000 */
  connectTimeoutMs?: number;
  /** A fetch implementation; overrides the one built from `proxy` and `tls` (tests, custom transports). */
  fetch?: typeof fetch;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** Extracts messages and field errors from the system's error body. */
  parseError?: (body: unknown, response: Response) => ParsedErrorBody;
  /** Observes every attempt (request counting, metrics, tracing); see {@link HttpRequestEvent}. */
  onRequest?: ConnectorContext['onRequest'];
  /** Logger for retries. */
  logger?: Logger;
}

/**
 * One attempt of a request, as {@link HttpClientOptions.onRequest} sees it once it is answered
 * or failed. The URL is redacted; no header or body is included.
 */
export interface HttpRequestEvent {
  /** Configured system id. */
  system: string;
  method: string;
  /** The URL with credentials and secret query parameters redacted. */
  url: string;
  /** The answer's status; absent when no answer came (network failure, timeout). */
  status?: number;
  /** 1 for the first attempt, 2 for the first retry, ... */
  attempt: number;
  /** From sending the request to its answer's headers (or the failure), in ms. */
  durationMs?: number;
  /** Why no answer came (`TIMEOUT`, `TCP_REFUSED`, ...); absent when one did. */
  error?: ErrorCode;
}

/** One request. */
export interface HttpRequest<T> {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path below the base URL (`rest/api/3/myself`). */
  path: string;
  /** Query parameters; `undefined` values are left out, arrays are joined with commas. */
  query?: Record<string, string | number | boolean | undefined | readonly (string | number)[]>;
  /** A JSON body. */
  json?: unknown;
  /** A binary body (a file), opened afresh for every attempt; not together with `json`. */
  body?: BinaryBody;
  /** Content type of the JSON body. @default 'application/json' */
  contentType?: string;
  headers?: Record<string, string>;
  /** Validates the response body; a mismatch is a `PROTOCOL` error naming the path. */
  schema?: z.ZodType<T>;
  /** Whether the request may be repeated safely after a server or network failure. Default: true for GET, PUT and DELETE. */
  idempotent?: boolean;
  signal?: AbortSignal;
  /** Sees the headers of a successful response (paging cursors some APIs send as headers, like Azure DevOps' `X-MS-ContinuationToken`). */
  onHeaders?: (headers: Headers) => void;
}

/**
 * A binary request body. `open` is called once per attempt, so a repeated request sends a new
 * stream and never one already read in part; with its `length` known, the body is streamed as it
 * is read, never held whole, and the request's timeout grows by a second per 64 KiB.
 */
export interface BinaryBody {
  open(): Promise<ReadableStream<Uint8Array> | Uint8Array>;
  /** The body's content type (`application/octet-stream`, `multipart/form-data; boundary=...`). */
  contentType: string;
  /** Its length in bytes, sent as `Content-Length` when known. */
  length?: number | undefined;
}

/** The answer of {@link HttpClient.download}: the body not yet read. */
export interface DownloadResponse {
  /** The content, to read once (or cancel). */
  body: ReadableStream<Uint8Array>;
  headers: Headers;
}

/** A small HTTP client shared by adapters: auth, timeouts, retries honouring `Retry-After`, typed errors, redaction. */
export interface HttpClient {
  /** Sends a request and returns its JSON body (undefined for an empty body). */
  request<T = unknown>(request: HttpRequest<T>): Promise<T>;
  /**
   * Sends a request whose answer is binary (a file) and returns its body as a stream, unread.
   * Failed answers, retries and errors are as for `request`; a retry happens only before the body is handed over.
   */
  download(request: Omit<HttpRequest<never>, 'schema' | 'json' | 'body'>): Promise<DownloadResponse>;
  /** Secrets known to this client, for redacting anything printed. */
  readonly secrets: readonly string[];
  /** Requests sent, counting every attempt. */
  readonly stats: { requests: number; retries: number };
  /**
   * The typed error this client raises for a failed answer, for answers that arrive
   * without a response of their own (the parts of a batch call); `what` names the call.
   */
  errorFor(status: number, body: unknown, what: string): RemoteError;
}

/** The Authorization header value for a credential. */
export function authorizationHeader(auth: SystemAuth, patScheme: 'basic' | 'bearer' = 'bearer'): string | undefined {
  const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  switch (auth.type) {
    case 'basic':
      return basic(auth.username, auth.password);
    case 'apiToken':
      return basic(auth.email, auth.token);
    case 'pat':
      return patScheme === 'basic' ? basic('', auth.token) : `Bearer ${auth.token}`;
    case 'bearer':
      return `Bearer ${auth.token}`;
    case 'oauth':
      return `Bearer ${auth.accessToken}`;
    case 'none':
      return undefined;
  }
}

/** The secret strings of a credential, for redaction. */
export function authSecrets(auth: SystemAuth): string[] {
  switch (auth.type) {
    case 'basic':
      return [auth.password];
    case 'apiToken':
    case 'pat':
    case 'bearer':
      return [auth.token];
    case 'oauth':
      return [auth.accessToken];
    case 'none':
      return [];
  }
}

/**
 * Every secret string a system's settings carry: the credential, the Authorization value
 * built from it, the proxy password and the client key passphrase. Redaction uses it.
 */
export function systemSecrets(
  auth: SystemAuth,
  authorization: string | undefined,
  proxy: ResolvedProxy | undefined,
  tls: SystemConfig['tls'],
): string[] {
  return [
    ...authSecrets(auth),
    ...(authorization ? [authorization] : []),
    ...proxySecrets(proxy),
    ...(tls?.passphrase ? [tls.passphrase] : []),
  ];
}

function buildUrl(baseUrl: string, path: string, query: HttpRequest<unknown>['query']): URL {
  const url = new URL(path.replace(/^\//, ''), baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    url.searchParams.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  return url;
}

/**
 * The buffer a body of several chunks is gathered into, kept from one answer to the next: a page
 * of several hundred KB lands in memory already in use, not in fresh pages (on a virtual machine
 * a page fault costs more than the copy). One is enough: gathering and reading a body are one
 * synchronous step. None over 8 MiB is kept.
 */
let spareBuffer: Buffer | undefined;
const maxSpareBytes = 8 * 1024 * 1024;

/**
 * Hands the body's bytes to `use`, which must copy what it keeps (they may be the spare buffer's,
 * written over by the next answer). Straight from the Node stream when the built-in transport
 * answered: no web stream copying each chunk.
 */
async function withBodyBytes<T>(response: Response, use: (bytes: Buffer) => T): Promise<T> {
  const stream = takeNodeBody(response);
  if (!stream) return use(Buffer.from(await response.arrayBuffer()));
  // Chunk by chunk as they come ('data'): reading the stream (its iterator) would join what it holds into fresh buffers.
  const chunks: Buffer[] = [];
  let length = 0;
  stream.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    length += chunk.length;
  });
  await finished(stream);
  if (chunks.length <= 1) return use(chunks[0] ?? Buffer.alloc(0));
  // Room for a somewhat larger answer next time, in steps of 64 KiB.
  const buffer =
    spareBuffer && spareBuffer.length >= length
      ? spareBuffer
      : Buffer.allocUnsafeSlow((((length * 5) >> 2) | 0xffff) + 1);
  if (buffer.length <= maxSpareBytes) spareBuffer = buffer;
  let at = 0;
  for (const chunk of chunks) at += chunk.copy(buffer, at);
  return use(buffer.subarray(0, length));
}

/** The body as JSON; as text when it is not JSON (an error page), undefined when blank. */
function readBody(response: Response): Promise<unknown> {
  return withBodyBytes(response, (bytes) => {
    try {
      return parseJsonBytes(bytes);
    } catch {
      const text = new TextDecoder().decode(bytes);
      return text.trim() === '' ? undefined : text;
    }
  });
}

// Failures that happen before a request leaves this machine: repeating even a POST is safe.
const neverSent = new Set<string>([
  'DNS_TEMPORARY',
  'TCP_REFUSED',
  'TCP_TIMEOUT',
  'PROXY_UNREACHABLE',
  'NETWORK_UNREACHABLE',
  'TLS_HANDSHAKE_TIMEOUT',
]);

/** Whether an answer is a web page (a login page, a proxy's notice) rather than API data, by its content type or its text. */
export function looksLikeHtml(contentType: string, text: unknown): boolean {
  return (
    /text\/html|application\/xhtml/i.test(contentType) ||
    (typeof text === 'string' && /^\s*<(!doctype html|html)\b/i.test(text))
  );
}

function notJson(system: string, method: string, url: URL, response: Response): SyncbridgeError {
  const landed = response.redirected && response.url ? new URL(response.url) : undefined;
  const where =
    landed && landed.origin !== url.origin ? ` after a redirect to ${landed.origin}${redactUrl(landed.pathname)}` : '';
  return new SyncbridgeError(
    'HTTP_NOT_JSON',
    `${system}: ${method} ${url.pathname} returned an HTML page instead of JSON${where}. Likely cause: a single sign-on or login page in front of the API, or a baseUrl that points at a web page instead of the application's root. Fix: check baseUrl (with its context path) and ask the administrators to let API calls with a token through without the login page.`,
    { system, details: { status: response.status, ...(where ? { redirectedTo: landed?.origin } : {}) } },
  );
}

/**
 * The client options a configured system sets: id, base URL, credentials, timeouts, retries,
 * proxy and TLS. Spread it into {@link createHttpClient} and add what the connector knows
 * (`parseError`, `patScheme`, headers, `onRequest`, `logger`).
 */
export function systemHttpOptions(
  system: ResolvedSystem,
): Pick<
  HttpClientOptions,
  'system' | 'baseUrl' | 'auth' | 'timeoutMs' | 'connectTimeoutMs' | 'retry' | 'proxy' | 'tls'
> {
  return {
    system: system.id,
    baseUrl: system.baseUrl,
    auth: system.auth,
    timeoutMs: system.timeouts?.requestMs,
    connectTimeoutMs: system.timeouts?.connectMs,
    retry: system.retry,
    proxy: system.proxy,
    tls: system.tls,
  };
}

/** Creates the shared HTTP client for one system. */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const { system } = options;
  const authorization = authorizationHeader(options.auth, options.patScheme);
  const logger = options.logger ?? silentLogger;
  const secrets = systemSecrets(
    options.auth,
    authorization,
    resolveProxy(new URL(options.baseUrl), options.proxy),
    options.tls,
  );
  // The transport carries proxy, trust and connect-timeout settings; an injected fetch wins.
  const fetchImpl =
    options.fetch ??
    createTransport({
      proxy: options.proxy,
      tls: options.tls,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      system,
      logger,
    });
  const retry = { retries: 4, minTimeoutMs: 250, maxTimeoutMs: 30_000, maxRetryAfterMs: 60_000, ...options.retry };
  const stats = { requests: 0, retries: 0 };
  const clean = (text: string) => redact(text, secrets) as string;

  const toRemoteError = (status: number, body: unknown, response: Response, what: string): RemoteError => {
    const parsed =
      body !== undefined && typeof body === 'object' && options.parseError
        ? options.parseError(body, response)
        : undefined;
    const looksLikeHtml = typeof body === 'string' && /^\s*</.test(body);
    const messages = parsed?.messages ?? (typeof body === 'string' && !looksLikeHtml ? [body.slice(0, 500)] : []);
    const { code, retryable } = codeForStatus(status);
    const fields = parsed?.fieldErrors ?? {};
    const fieldText = Object.entries(fields).map(([f, m]) => `${f}: ${m}`);
    const detail = [...messages, ...fieldText].join('; ') || response.statusText || 'no message';
    const wait = status === 429 || status === 503 ? retryAfterMs(response.headers) : undefined;
    return new RemoteError(parsed?.code ?? code, clean(`${system}: ${what} answered ${status}: ${detail}`), {
      system,
      status,
      retryable,
      remoteMessages: messages.map(clean),
      fieldErrors: fields,
      ...(wait === undefined ? {} : { retryAfterMs: wait }),
    });
  };

  /**
   * How long a request may take until its answer starts: the configured timeout, and for a
   * binary body one second more per 64 KiB, so a large file on a slow link is not cut off.
   */
  const timeoutOf = (request: HttpRequest<unknown>) =>
    (options.timeoutMs ?? 30_000) + Math.ceil((request.body?.length ?? 0) / 65_536) * 1000;

  async function attempt<T>(
    request: HttpRequest<T>,
    url: URL,
    attemptNumber: number,
    stream: boolean,
  ): Promise<T | DownloadResponse> {
    const method = request.method ?? 'GET';
    const headers: Record<string, string> = {
      accept: stream ? '*/*' : 'application/json',
      ...options.headers,
      ...request.headers,
    };
    if (authorization) headers.authorization = authorization;
    if (request.json !== undefined) headers['content-type'] = request.contentType ?? 'application/json';
    let body: BodyInit | undefined = request.json === undefined ? undefined : JSON.stringify(request.json);
    if (request.body) {
      headers['content-type'] = request.body.contentType;
      if (request.body.length !== undefined) headers['content-length'] = String(request.body.length);
      body = (await request.body.open()) as BodyInit;
    }
    stats.requests++;
    const sent = performance.now();
    const durationMs = () => Math.round((performance.now() - sent) * 10) / 10;
    let response: Response;
    const timeoutMs = timeoutOf(request);
    const timer = new AbortController();
    const timeout = setTimeout(() => timer.abort(), Math.min(timeoutMs, 2 ** 31 - 1));
    try {
      response = await fetchImpl(url, {
        method,
        headers,
        body,
        signal: request.signal ? AbortSignal.any([request.signal, timer.signal]) : timer.signal,
        // A streamed body is sent as it is read (fetch needs to be told).
        ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
      } as RequestInit);
    } catch (error) {
      const failed = (code?: ErrorCode) =>
        options.onRequest?.({
          system,
          method,
          url: redactUrl(url.toString()),
          attempt: attemptNumber,
          durationMs: durationMs(),
          ...(code ? { error: code } : {}),
        });
      if (request.signal?.aborted) {
        failed();
        throw error;
      }
      if (timer.signal.aborted) {
        failed('TIMEOUT');
        throw new SyncbridgeError(
          'TIMEOUT',
          `${system}: ${method} ${url.pathname} got no complete answer within ${timeoutMs} ms. Likely cause: the server is overloaded or hung, or a proxy or firewall holds the connection. Fix: check that the server responds; raise timeouts.requestMs if it is merely slow.`,
          { system, retryable: true, details: { timeoutMs } },
        );
      }
      const networkFailure = networkError(system, url.origin, error);
      failed(networkFailure.code);
      throw networkFailure;
    } finally {
      clearTimeout(timeout);
    }
    options.onRequest?.({
      system,
      method,
      url: redactUrl(url.toString()),
      status: response.status,
      attempt: attemptNumber,
      durationMs: durationMs(),
    });
    if (stream && response.ok) {
      request.onHeaders?.(response.headers);
      return { body: response.body ?? new Blob([]).stream(), headers: response.headers };
    }
    const answer = await readBody(response);
    if (!response.ok) throw toRemoteError(response.status, answer, response, `${method} ${redactUrl(url.pathname)}`);
    if (looksLikeHtml(response.headers.get('content-type') ?? '', answer)) throw notJson(system, method, url, response);
    request.onHeaders?.(response.headers);
    if (request.schema) {
      const parsed = request.schema.safeParse(answer);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const at = issue?.path.length ? issue.path.join('.') : '(body)';
        const what =
          typeof answer === 'string' && /^\s*</.test(answer)
            ? 'an HTML page instead of JSON (wrong base URL, or a login page in front of the API?)'
            : `an unexpected body at ${at}: ${issue?.message ?? 'invalid'}`;
        throw new SyncbridgeError('PROTOCOL', `${system}: ${method} ${url.pathname} returned ${what}`, {
          system,
          details: { issues: parsed.error.issues.slice(0, 5) },
        });
      }
      return parsed.data;
    }
    return answer as T;
  }

  async function send<T>(request: HttpRequest<T>, stream: boolean): Promise<T | DownloadResponse> {
    const method = request.method ?? 'GET';
    const idempotent = request.idempotent ?? (method === 'GET' || method === 'PUT' || method === 'DELETE');
    const url = buildUrl(options.baseUrl, request.path, request.query);
    let attemptNumber = 0;
    return pRetry(
      async () => {
        attemptNumber++;
        try {
          return await attempt(request, url, attemptNumber, stream);
        } catch (error) {
          if (!isSyncbridgeError(error))
            throw new AbortError(error instanceof Error ? error : new Error(String(error)));
          // A non-idempotent request is only repeated when the server certainly did not process it.
          const safe = idempotent || error.code === 'RATE_LIMITED' || neverSent.has(error.code);
          const wait = error instanceof RemoteError ? error.retryAfterMs : undefined;
          if (!error.retryable || !safe || (wait !== undefined && wait > retry.maxRetryAfterMs))
            throw new AbortError(error);
          throw error;
        }
      },
      {
        retries: retry.retries,
        minTimeout: retry.minTimeoutMs,
        maxTimeout: retry.maxTimeoutMs,
        randomize: true,
        signal: request.signal,
        onFailedAttempt: async ({ error, retryDelay, retriesLeft }) => {
          if (retriesLeft <= 0) return;
          stats.retries++;
          const wait = error instanceof RemoteError ? error.retryAfterMs : undefined;
          logger.debug('retrying request', {
            system,
            method,
            path: url.pathname,
            reason: (error as SyncbridgeError).code,
            waitMs: Math.max(wait ?? 0, retryDelay),
          });
          if (wait !== undefined && wait > retryDelay)
            await new Promise((resolve) => setTimeout(resolve, wait - retryDelay));
        },
      },
    );
  }

  return {
    secrets,
    stats,
    // A batch part has no response of its own: a bare one stands in (Response refuses statuses outside 200-599).
    errorFor: (status, body, what) =>
      toRemoteError(status, body, new Response(null, { status: status >= 200 && status <= 599 ? status : 500 }), what),
    request: <T>(request: HttpRequest<T>) => send(request, false) as Promise<T>,
    download: (request) => send(request, true) as Promise<DownloadResponse>,
  };
}
