import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { Readable, pipeline } from 'node:stream';
import zlib from 'node:zlib';
import { HttpsProxyAgent } from 'https-proxy-agent';
import type { SystemConfig } from '../config/system.js';
import { silentLogger, type Logger } from '../logger.js';
import type { ConnectionCode } from './connection-codes.js';
import { TransportFailure, type TransportPhase } from './network-errors.js';
import { resolveProxy, type ProxyEnv, type ResolvedProxy } from './proxy.js';
import { tlsConnectOptions, warnIfInsecure, type TlsConnectOptions } from './tls.js';

/** Options of {@link createTransport}. */
export interface TransportOptions {
  /** Proxy of the system; `false` disables the environment's proxy. @default from the environment */
  proxy?: SystemConfig['proxy'];
  /** Trust settings: extra CAs, client certificate, `insecureSkipVerify`. */
  tls?: SystemConfig['tls'];
  /** Time to establish a connection, TLS handshake and proxy tunnel included. @default 10000 */
  connectTimeoutMs?: number;
  /** Environment for `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY`. @default process.env */
  env?: ProxyEnv;
  /** System id, for the `insecureSkipVerify` warning. */
  system?: string;
  /** Where the `insecureSkipVerify` warning goes. */
  logger?: Logger;
}

/** A WHATWG `fetch` over `node:http`/`node:https` honouring proxy and TLS settings. */
export interface Transport {
  (input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** Closes idle keep-alive connections. */
  close(): void;
}

const redirectStatuses = new Set([301, 302, 303, 307, 308]);
const nullBodyStatuses = new Set([101, 204, 205, 304]);
const maxRedirects = 10;

function decode(response: http.IncomingMessage): Readable {
  const encoding = String(response.headers['content-encoding'] ?? '')
    .trim()
    .toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? zlib.createGunzip()
      : encoding === 'deflate'
        ? zlib.createInflate()
        : encoding === 'br'
          ? zlib.createBrotliDecompress()
          : undefined;
  return decoder ? pipeline(response, decoder, () => {}) : response;
}

function toHeaders(raw: string[]): Headers {
  const headers = new Headers();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    try {
      headers.append(raw[i] as string, raw[i + 1] as string);
    } catch {
      // A header WHATWG rejects (bad bytes) is dropped rather than failing the response.
    }
  }
  return headers;
}

// The Node stream behind each body this transport answered with, until read (see `takeNodeBody`).
const nodeBodies = new WeakMap<Response, Readable>();

/**
 * A response body as a web stream that starts reading the Node stream only when read itself
 * (`Readable.toWeb` reads at once and copies every chunk into its own queue).
 */
function lazyWebStream(stream: Readable): ReadableStream<Uint8Array> {
  let chunks: AsyncIterator<Buffer> | undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        chunks ??= stream[Symbol.asyncIterator]();
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      cancel(reason) {
        stream.destroy(reason instanceof Error ? reason : undefined);
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * The Node stream of a body this transport answered with, when nobody read it as a web stream:
 * its Buffers as they came, without the web stream's copies. Once taken, the response's own
 * body must not be read.
 */
export function takeNodeBody(response: Response): Readable | undefined {
  const stream = nodeBodies.get(response);
  nodeBodies.delete(response);
  return stream && !response.bodyUsed && !response.body?.locked ? stream : undefined;
}

// Method names fetch writes in capitals whatever their case (others are sent as given).
const standardMethods = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);
const unaborted = new AbortController().signal;

function checkedUrl(url: URL): URL {
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TypeError(`fetch failed: unsupported scheme ${url.protocol}`);
  return url;
}

function headerRecord(headers: Headers): Record<string, string> {
  const record: Record<string, string> = {};
  headers.forEach((value, name) => {
    record[name] = value;
  });
  return record;
}

const targetOf = (url: URL) => `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;

/**
 * Creates a `fetch` for one system that connects directly, through an HTTP(S) proxy
 * (`CONNECT` tunnel via https-proxy-agent for https targets, absolute-form forwarding for
 * http targets) and with the configured trust. Socket, proxy and TLS failures reject with
 * an internal `TransportFailure` that `networkError` turns into a coded error.
 */
export function createTransport(options: TransportOptions = {}): Transport {
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const env = options.env ?? process.env;
  let tls: TlsConnectOptions | undefined;
  let direct: { http: http.Agent; https: https.Agent } | undefined;
  const proxyAgents = new Map<string, http.Agent>();

  // Built on first use, so a bad tls.caFile surfaces as a coded error of a request.
  const trust = (): TlsConnectOptions => {
    if (!tls) {
      tls = tlsConnectOptions(options.tls);
      warnIfInsecure(options.system ?? 'unknown', options.tls, options.logger ?? silentLogger);
    }
    return tls;
  };
  const directAgents = () =>
    (direct ??= { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true, ...trust() }) });
  const tunnelAgent = (proxy: ResolvedProxy): http.Agent => {
    const key = proxy.url.href;
    let agent = proxyAgents.get(key);
    if (!agent) {
      agent = new HttpsProxyAgent(proxy.url, { keepAlive: true, ...trust() });
      proxyAgents.set(key, agent);
    }
    return agent;
  };
  const forwardAgent = (proxy: ResolvedProxy): http.Agent => {
    const key = `forward ${proxy.url.href}`;
    let agent = proxyAgents.get(key);
    if (!agent) {
      agent =
        proxy.url.protocol === 'https:'
          ? new https.Agent({ keepAlive: true, ...trust() })
          : new http.Agent({ keepAlive: true });
      proxyAgents.set(key, agent);
    }
    return agent;
  };

  function send(
    url: URL,
    method: string,
    headers: Record<string, string>,
    body: Buffer | string | Readable | undefined,
    signal: AbortSignal,
    redirect: RequestRedirect,
    hops: number,
  ): Promise<Response> {
    const secure = url.protocol === 'https:';
    const proxy = resolveProxy(url, options.proxy, env);
    const target = targetOf(url);
    const outgoing: http.OutgoingHttpHeaders = { 'accept-encoding': 'gzip, deflate, br', ...headers };
    // A streamed body keeps the length its sender announced (else it goes chunked); Node sets a text's.
    if (Buffer.isBuffer(body)) outgoing['content-length'] = body.length;
    let request: http.ClientRequest;
    const forwarding = proxy !== undefined && !secure;
    if (forwarding) {
      // Plain HTTP through a proxy: the absolute URL goes on the request line.
      if (proxy.authorization) outgoing['proxy-authorization'] = proxy.authorization;
      outgoing.host = url.host;
      const module = proxy.url.protocol === 'https:' ? https : http;
      request = module.request({
        host: proxy.url.hostname.replace(/^\[|\]$/g, ''),
        port: proxy.url.port || (proxy.url.protocol === 'https:' ? 443 : 80),
        path: url.href,
        method,
        headers: outgoing,
        agent: forwardAgent(proxy),
      });
    } else {
      const module = secure ? https : http;
      request = module.request({
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || (secure ? 443 : 80),
        path: `${url.pathname}${url.search}`,
        method,
        headers: outgoing,
        agent: proxy ? tunnelAgent(proxy) : secure ? directAgents().https : directAgents().http,
        ...(secure ? trust() : {}),
      });
    }

    return new Promise<Response>((resolve, reject) => {
      let phase: TransportPhase = proxy ? 'proxy' : 'connect';
      let settled = false;
      const fail = (
        code: string,
        message: string,
        extra: { connectionCode?: ConnectionCode; timeoutMs?: number; detail?: string; cause?: unknown } = {},
      ) =>
        new TransportFailure(message, {
          code,
          phase,
          target,
          proxy: proxy?.display,
          proxySource: proxy?.source,
          ...extra,
        });
      const finish = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(connectTimer);
        signal.removeEventListener('abort', onAbort);
        outcome();
      };
      const onAbort = () => {
        request.destroy();
        finish(() => reject(signal.reason));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });

      const connectTimer = setTimeout(() => {
        const connectionCode: ConnectionCode =
          phase === 'proxy' ? 'PROXY_UNREACHABLE' : phase === 'tls' ? 'TLS_HANDSHAKE_TIMEOUT' : 'TCP_TIMEOUT';
        const failure = fail('ETIMEDOUT', `connect timeout after ${connectTimeoutMs} ms (${phase})`, {
          connectionCode,
          timeoutMs: connectTimeoutMs,
        });
        request.destroy(failure);
      }, connectTimeoutMs);
      const proxyAuthFailure = (challenge: unknown) => {
        // Only the scheme names are shown; realms and tokens of a challenge stay out of messages.
        const schemes = [challenge]
          .flat()
          .map((value) => String(value ?? '').split(/\s/)[0])
          .filter((scheme) => scheme !== '');
        return fail('PROXY_407', 'proxy authentication required', {
          connectionCode: 'PROXY_AUTH_REQUIRED',
          ...(schemes.length ? { detail: `the proxy offers: ${schemes.join(', ')}` } : {}),
        });
      };
      const connected = () => {
        phase = 'response';
        clearTimeout(connectTimer);
      };

      request.on(
        'proxyConnect',
        (answer: { statusCode: number; statusText?: string; headers?: Record<string, unknown> }) => {
          if (answer.statusCode === 200) {
            phase = secure ? 'tls' : 'response';
            return;
          }
          const failure =
            answer.statusCode === 407
              ? proxyAuthFailure(answer.headers?.['proxy-authenticate'])
              : fail(`PROXY_${answer.statusCode}`, `proxy answered ${answer.statusCode}`, {
                  connectionCode: 'PROXY_REJECTED',
                  detail: `${answer.statusCode} ${answer.statusText ?? ''}`.trim(),
                });
          request.destroy(failure);
          finish(() => reject(failure));
        },
      );
      request.on('socket', (socket: Socket) => {
        if (request.reusedSocket) return connected();
        if (proxy && !forwarding) {
          // https-proxy-agent hands over the socket after the tunnel: only TLS is left.
          socket.once('secureConnect', connected);
          return;
        }
        socket.once('connect', () => {
          if (forwarding) return connected();
          phase = secure ? 'tls' : 'response';
          if (!secure) connected();
        });
        if (secure) socket.once('secureConnect', connected);
      });
      request.on('error', (error: Error) => {
        const failure =
          error instanceof TransportFailure
            ? error
            : fail(String((error as { code?: unknown }).code ?? 'ERR'), error.message, { cause: error });
        finish(() => reject(failure));
      });
      request.on('response', (response) => {
        const status = response.statusCode ?? 0;
        if (proxy && status === 407) {
          response.resume();
          const failure = proxyAuthFailure(response.headers['proxy-authenticate']);
          return finish(() => reject(failure));
        }
        const location = response.headers.location;
        if (redirectStatuses.has(status) && location !== undefined && redirect !== 'manual') {
          response.resume();
          if (redirect === 'error' || hops >= maxRedirects)
            return finish(() =>
              reject(new TypeError(`fetch failed: redirect to ${new URL(location, url).origin} not followed`)),
            );
          const next = new URL(location, url);
          const keepBody = status === 307 || status === 308;
          // A streamed body was sent as it was read: there is nothing left to send again.
          if (keepBody && body instanceof Readable)
            return finish(() =>
              reject(new TypeError(`fetch failed: a streamed body cannot follow a ${status} redirect`)),
            );
          const nextHeaders = { ...headers };
          // Credentials never follow a redirect to another origin (as WHATWG fetch does).
          if (next.origin !== url.origin) for (const name of ['authorization', 'cookie']) delete nextHeaders[name];
          if (!keepBody) delete nextHeaders['content-type'];
          const nextMethod = keepBody || method === 'GET' || method === 'HEAD' ? method : 'GET';
          return finish(() =>
            resolve(send(next, nextMethod, nextHeaders, keepBody ? body : undefined, signal, redirect, hops + 1)),
          );
        }
        const stream = decode(response);
        signal.addEventListener('abort', () => stream.destroy(signal.reason as Error), { once: true });
        const noBody = method === 'HEAD' || nullBodyStatuses.has(status);
        if (noBody) response.resume();
        const result = new Response(noBody ? null : lazyWebStream(stream), {
          status,
          statusText: response.statusMessage ?? '',
          headers: toHeaders(response.rawHeaders),
        });
        if (!noBody) nodeBodies.set(result, stream);
        Object.defineProperty(result, 'url', { value: url.href });
        if (hops > 0) Object.defineProperty(result, 'redirected', { value: true });
        finish(() => resolve(result));
      });
      if (body instanceof Readable) body.on('error', (error) => request.destroy(error)).pipe(request);
      else request.end(body);
    });
  }

  const transport = (async (input: string | URL | Request, init?: RequestInit) => {
    // A call with a text body or none (the HTTP client's JSON) is sent as it is, without a
    // `Request` that would copy the body twice; others go through one.
    if (!(input instanceof Request) && (init?.body == null || typeof init.body === 'string')) {
      const url = checkedUrl(new URL(input));
      const headers = headerRecord(new Headers(init?.headers));
      const body = init?.body ?? undefined;
      if (body !== undefined) headers['content-type'] ??= 'text/plain;charset=UTF-8';
      const given = init?.method ?? 'GET';
      const method = standardMethods.has(given.toUpperCase()) ? given.toUpperCase() : given;
      if (body !== undefined && (method === 'GET' || method === 'HEAD'))
        throw new TypeError(`fetch failed: a ${method} request cannot have a body`);
      return send(url, method, headers, body, init?.signal ?? unaborted, init?.redirect ?? 'follow', 0);
    }
    const request = new Request(input, init);
    const url = checkedUrl(new URL(request.url));
    // A body whose length the sender announced (a file: `HttpRequest.body`) goes out as it is
    // read, never held whole; others (JSON) are small and kept for a redirect.
    const streamed = request.headers.has('content-length');
    const body = !request.body
      ? undefined
      : streamed
        ? Readable.fromWeb(request.body as import('node:stream/web').ReadableStream<Uint8Array>)
        : Buffer.from(await request.arrayBuffer());
    return send(url, request.method, headerRecord(request.headers), body, request.signal, request.redirect, 0);
  }) as Transport;
  transport.close = () => {
    direct?.http.destroy();
    direct?.https.destroy();
    for (const agent of proxyAgents.values()) agent.destroy();
    proxyAgents.clear();
    direct = undefined;
  };
  return transport;
}
