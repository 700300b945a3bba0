import { SyncbridgeError, isSyncbridgeError } from '../errors/syncbridge-error.js';
import { redactUrl } from './redact.js';
import { codeForSystemError, connectionMessage, explainConnection, type ConnectionCode } from './connection-codes.js';

/** Where a request was when the connection failed. */
export type TransportPhase = 'connect' | 'proxy' | 'tls' | 'response';

/**
 * A failure below HTTP raised by the transport, carrying what the bare socket error does
 * not: the phase, the target and the (masked) proxy. `code` keeps the Node code.
 */
export class TransportFailure extends Error {
  /** The Node system error code (`ECONNREFUSED`, `CERT_HAS_EXPIRED`) or a transport code. */
  readonly code: string;
  /** The phase the request was in. */
  readonly phase: TransportPhase;
  /** `host:port` of the server. */
  readonly target: string;
  /** The proxy URL with credentials masked, when a proxy was used. */
  readonly proxy: string | undefined;
  /** Where the proxy setting came from. */
  readonly proxySource: string | undefined;
  /** The connection code the transport already decided on (proxy statuses, timeouts). */
  readonly connectionCode: ConnectionCode | undefined;
  /** The elapsed timeout, for timeouts. */
  readonly timeoutMs: number | undefined;
  /** A short, safe fact for the message (`the proxy offers: Basic`). */
  readonly detail: string | undefined;

  constructor(
    message: string,
    options: {
      code: string;
      phase: TransportPhase;
      target: string;
      proxy?: string | undefined;
      proxySource?: string | undefined;
      connectionCode?: ConnectionCode;
      timeoutMs?: number;
      detail?: string;
      cause?: unknown;
    },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TransportFailure';
    this.code = options.code;
    this.phase = options.phase;
    this.target = options.target;
    this.proxy = options.proxy;
    this.proxySource = options.proxySource;
    this.connectionCode = options.connectionCode;
    this.timeoutMs = options.timeoutMs;
    this.detail = options.detail;
  }
}

/** Finds the Node system error code (`ECONNREFUSED`, `CERT_HAS_EXPIRED`, ...) in an error's cause chain. */
function systemErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z_0-9]+$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function findInChain<T>(error: unknown, guard: (value: unknown) => value is T): T | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current; depth++) {
    if (guard(current)) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

const isFailure = (value: unknown): value is TransportFailure => value instanceof TransportFailure;

/**
 * Turns an error thrown below HTTP (socket, DNS, proxy, TLS) into a typed error whose
 * code is one of the connection codes of `docs/troubleshooting.md`, with a message naming
 * the system, what happened, the likely cause and the fix. Syncbridge errors raised on the
 * way (a bad `tls.caFile`) pass through unchanged.
 */
export function networkError(system: string, target: string, error: unknown): SyncbridgeError {
  const passThrough = findInChain(error, isSyncbridgeError);
  if (passThrough) return passThrough;
  const failure = findInChain(error, isFailure);
  const systemCode = failure?.code ?? systemErrorCode(error);
  const code = failure?.connectionCode ?? codeForSystemError(systemCode, failure?.phase ?? 'connect');
  const host = failure?.target ?? target.replace(/^[a-z]+:\/\//i, '');
  const explanation = explainConnection(code, {
    system,
    target: host,
    proxy: failure?.proxy,
    proxySource: failure?.proxySource,
    detail: failure?.connectionCode
      ? failure.detail
      : (systemCode ?? (error instanceof Error ? redactUrl(error.message) : undefined)),
    timeoutMs: failure?.timeoutMs,
  });
  return new SyncbridgeError(code, connectionMessage(explanation, system), {
    system,
    retryable: explanation.retryable,
    cause: error,
    details: {
      systemCode,
      target: host,
      ...(failure?.proxy ? { proxy: failure.proxy } : {}),
      ...(failure ? { phase: failure.phase } : {}),
      cause: explanation.cause,
      fix: explanation.fix,
    },
  });
}
