import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import net, { type Socket } from 'node:net';
import { codeForSystemError } from '../http/connection-codes.js';
import type { ResolvedProxy } from '../http/proxy.js';
import type { TlsConnectOptions } from '../http/tls.js';
import type { DiagnosisFacts } from './explanations.js';

/** What every network stage needs to know about the system under test. */
export interface ProbeTarget {
  system: string;
  url: URL;
  host: string;
  port: number;
  secure: boolean;
  proxy: ResolvedProxy | undefined;
  trust: TlsConnectOptions;
  connectTimeoutMs: number;
}

/** What a passing stage reports. */
export interface StagePass {
  message: string;
  details?: Record<string, unknown>;
}

/** A failing stage: a code plus the facts its explanation is worded from. */
export class StageFailure extends Error {
  constructor(
    readonly code: string,
    readonly facts: Partial<DiagnosisFacts> = {},
    readonly details: Record<string, unknown> = {},
  ) {
    super(code);
    this.name = 'StageFailure';
  }
}

const systemCode = (error: unknown) => String((error as { code?: unknown }).code ?? 'ERR');
const proxyHost = (proxy: ResolvedProxy) => proxy.url.hostname.replace(/^\[|\]$/g, '');
const proxyPort = (proxy: ResolvedProxy) => Number(proxy.url.port || (proxy.url.protocol === 'https:' ? 443 : 80));

/** Resolves the host that will be dialled: the proxy's when one is used (the proxy resolves the server's name). */
export async function dnsStage(target: ProbeTarget): Promise<StagePass> {
  const host = target.proxy ? proxyHost(target.proxy) : target.host;
  const role = target.proxy ? `the proxy host ${host}` : host;
  if (net.isIP(host)) return { message: `${role} is an IP address; no lookup needed` };
  try {
    const addresses = await lookup(host, { all: true });
    const list = addresses.map((a) => a.address);
    return {
      message: `${role} resolves to ${list.join(', ')}${target.proxy ? ` (the proxy resolves ${target.host} itself)` : ''}`,
      details: { addresses: list },
    };
  } catch (error) {
    const code = systemCode(error);
    if (target.proxy)
      throw new StageFailure(
        'PROXY_UNREACHABLE',
        { detail: `its host name ${host} does not resolve: ${code}` },
        { systemCode: code },
      );
    throw new StageFailure(
      code === 'EAI_AGAIN' ? 'DNS_TEMPORARY' : 'DNS_NOT_FOUND',
      { detail: `${host}: ${code}` },
      { systemCode: code },
    );
  }
}

/** Opens a TCP connection to the server, or to the proxy when one is used. */
export async function tcpStage(target: ProbeTarget): Promise<StagePass> {
  const host = target.proxy ? proxyHost(target.proxy) : target.host;
  const port = target.proxy ? proxyPort(target.proxy) : target.port;
  const socket = net.connect({ host, port });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })),
        target.connectTimeoutMs,
      );
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    return {
      message: `connected to ${target.proxy ? `the proxy ${target.proxy.display}` : `${host}:${port}`} (${socket.remoteAddress ?? host})`,
    };
  } catch (error) {
    const code = systemCode(error);
    const timedOut = code === 'ETIMEDOUT';
    if (target.proxy)
      throw new StageFailure(
        'PROXY_UNREACHABLE',
        { detail: timedOut ? `no connection within ${target.connectTimeoutMs} ms` : code },
        { systemCode: code },
      );
    throw new StageFailure(
      codeForSystemError(code, 'connect'),
      { detail: code, timeoutMs: target.connectTimeoutMs },
      { systemCode: code },
    );
  } finally {
    socket.destroy();
  }
}

/** Asks the proxy for a `CONNECT` tunnel to the server; resolves with the tunnel's socket. */
export function openTunnel(target: ProbeTarget, proxy: ResolvedProxy): Promise<Socket> {
  const authority = `${net.isIPv6(target.host) ? `[${target.host}]` : target.host}:${target.port}`;
  const module = proxy.url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = module.request({
      host: proxyHost(proxy),
      port: proxyPort(proxy),
      method: 'CONNECT',
      path: authority,
      agent: false,
      headers: { host: authority, ...(proxy.authorization ? { 'proxy-authorization': proxy.authorization } : {}) },
      ...(proxy.url.protocol === 'https:' ? target.trust : {}),
    });
    const timer = setTimeout(
      () => request.destroy(Object.assign(new Error('proxy timeout'), { code: 'ETIMEDOUT' })),
      target.connectTimeoutMs,
    );
    request.once('connect', (response: http.IncomingMessage, socket: Socket) => {
      clearTimeout(timer);
      const status = response.statusCode ?? 0;
      if (status === 200) return resolve(socket);
      socket.destroy();
      if (status === 407) {
        // Scheme names only: a challenge's parameters are no business of a report.
        const schemes = [response.headers['proxy-authenticate'] ?? []]
          .flat()
          .map((v) => v.split(/\s/)[0])
          .filter(Boolean);
        return reject(
          new StageFailure(
            'PROXY_AUTH_REQUIRED',
            { ...(schemes.length ? { detail: `the proxy offers: ${schemes.join(', ')}` } : {}) },
            { proxyStatus: 407, schemes },
          ),
        );
      }
      reject(
        new StageFailure(
          'PROXY_REJECTED',
          { detail: `${status} ${response.statusMessage ?? ''}`.trim() },
          { proxyStatus: status },
        ),
      );
    });
    request.once('error', (error) => {
      clearTimeout(timer);
      const code = systemCode(error);
      reject(
        new StageFailure(
          'PROXY_UNREACHABLE',
          { detail: code === 'ETIMEDOUT' ? `no answer to CONNECT within ${target.connectTimeoutMs} ms` : code },
          { systemCode: code },
        ),
      );
    });
    request.end();
  });
}

/** Checks that the proxy opens a tunnel to the server (https targets) with the configured credentials. */
export async function proxyStage(target: ProbeTarget, proxy: ResolvedProxy): Promise<StagePass> {
  if (!target.secure)
    return { message: `plain HTTP is forwarded by ${proxy.display}; its answer is checked by the HTTP stage` };
  const socket = await openTunnel(target, proxy);
  socket.destroy();
  return {
    message: `${proxy.display} opened a tunnel to ${target.host}:${target.port}${proxy.authorization ? ' (proxy credentials accepted)' : ''}`,
  };
}
