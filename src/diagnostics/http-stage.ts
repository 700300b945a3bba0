import { isSyncbridgeError } from '../errors/syncbridge-error.js';
import { looksLikeHtml } from '../http/client.js';
import { TransportFailure, networkError } from '../http/network-errors.js';
import { redactUrl } from '../http/redact.js';
import { retryAfterMs } from '../http/retry-timing.js';
import type { Transport } from '../http/transport.js';
import { StageFailure, type ProbeTarget, type StagePass } from './network-stages.js';

/** The unauthenticated or authenticated GET an adapter names to prove the application answers. */
export interface HttpProbe {
  /** Path below baseUrl (`rest/api/3/serverInfo`, `_apis/connectionData`). */
  path: string;
  /** Extra headers (the adapter's `Authorization`, API version headers). */
  headers?: Record<string, string>;
  /** Picks server facts (product, version) from the JSON body. */
  describe?: (body: unknown) => Record<string, unknown> | undefined;
}

/** Pulls the human messages out of the usual JSON error bodies (Jira, Azure DevOps, generic). */
export function remoteMessages(body: unknown): string[] {
  if (typeof body !== 'object' || body === null) return [];
  const b = body as Record<string, unknown>;
  const out: string[] = [];
  if (Array.isArray(b.errorMessages)) out.push(...b.errorMessages.filter((m): m is string => typeof m === 'string'));
  if (typeof b.errors === 'object' && b.errors !== null)
    out.push(...Object.values(b.errors).filter((m): m is string => typeof m === 'string'));
  if (typeof b.message === 'string') out.push(b.message);
  if (typeof b.error === 'string') out.push(b.error);
  else if (
    typeof b.error === 'object' &&
    b.error !== null &&
    typeof (b.error as { message?: unknown }).message === 'string'
  )
    out.push((b.error as { message: string }).message);
  return [...new Set(out)];
}

/** GETs the probe path the way a sync would (same transport) and classifies the answer. */
export async function httpStage(
  target: ProbeTarget,
  transport: Transport,
  probe: HttpProbe,
  timeoutMs: number,
): Promise<StagePass & { server?: Record<string, unknown> }> {
  const base = target.url.href.endsWith('/') ? target.url.href : `${target.url.href}/`;
  const url = new URL(probe.path.replace(/^\//, ''), base);
  const shown = redactUrl(`${url.origin}${url.pathname}`);
  let response: Response;
  try {
    response = await transport(url, {
      headers: { accept: 'application/json', ...probe.headers },
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    if ((error as { name?: string }).name === 'TimeoutError')
      throw new StageFailure('TIMEOUT', { timeoutMs, url: shown });
    const coded = isSyncbridgeError(error)
      ? error
      : networkError(target.system, `${target.host}:${target.port}`, error);
    const detail =
      error instanceof TransportFailure && error.connectionCode
        ? error.detail
        : String(coded.details.systemCode ?? '') || undefined;
    throw new StageFailure(
      coded.code,
      { detail, url: shown, ...(error instanceof TransportFailure ? { timeoutMs: error.timeoutMs } : {}) },
      coded.details,
    );
  }
  const type = response.headers.get('content-type') ?? '';
  const text = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = text.trim() === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  const remote = remoteMessages(body).join(' ').slice(0, 300) || undefined;
  const status = response.status;
  const facts = { url: shown, remote, detail: `${status} ${response.statusText}`.trim() };
  if (status >= 300 && status < 400) {
    const location = response.headers.get('location');
    const to = location ? new URL(location, url) : undefined;
    throw new StageFailure(
      'HTTP_REDIRECTED',
      { ...facts, location: to ? redactUrl(`${to.origin}${to.pathname}`) : undefined },
      { status },
    );
  }
  // Azure DevOps answers a bad PAT with 203 and its sign-in page.
  if (status === 203 && looksLikeHtml(type, text))
    throw new StageFailure(
      'AUTH',
      { ...facts, remote: 'answered 203 with a sign-in page, which is how Azure DevOps rejects a token' },
      { status },
    );
  if (status === 401)
    throw new StageFailure('AUTH', facts, { status, scheme: response.headers.get('www-authenticate')?.split(/\s/)[0] });
  if (status === 403)
    throw new StageFailure('PERMISSION', facts, { status, ...(remote ? { remoteMessage: remote } : {}) });
  if (status === 404) throw new StageFailure('HTTP_NOT_FOUND', facts, { status });
  if (status === 429) {
    const wait = retryAfterMs(response.headers);
    throw new StageFailure(
      'RATE_LIMITED',
      { ...facts, ...(wait === undefined ? {} : { retryAfterSeconds: Math.ceil(wait / 1000) }) },
      { status, ...(wait === undefined ? {} : { retryAfterMs: wait }) },
    );
  }
  if (status >= 500) throw new StageFailure('TRANSIENT', facts, { status });
  if (status >= 400) throw new StageFailure('HTTP_UNEXPECTED', facts, { status });
  if (looksLikeHtml(type, text) || (body === undefined && text.trim() !== ''))
    throw new StageFailure('HTTP_NOT_JSON', facts, { status, contentType: type });
  const server = probe.describe?.(body);
  return { message: `${shown} answered ${status} with JSON`, ...(server ? { server, details: { server } } : {}) };
}
