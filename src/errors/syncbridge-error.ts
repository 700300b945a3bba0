/**
 * Connection-level codes: sync-time errors of the HTTP client and `testConnection()` share
 * them (see `docs/troubleshooting.md`, "Connection").
 */
export type ConnectionCode =
  | 'DNS_NOT_FOUND'
  | 'DNS_TEMPORARY'
  | 'TCP_REFUSED'
  | 'TCP_TIMEOUT'
  | 'TCP_RESET'
  | 'NETWORK_UNREACHABLE'
  | 'PROXY_UNREACHABLE'
  | 'PROXY_AUTH_REQUIRED'
  | 'PROXY_REJECTED'
  | 'TLS_UNTRUSTED'
  | 'TLS_EXPIRED'
  | 'TLS_NOT_YET_VALID'
  | 'TLS_HOSTNAME_MISMATCH'
  | 'TLS_HANDSHAKE_FAILED'
  | 'TLS_HANDSHAKE_TIMEOUT'
  | 'TLS_CLIENT_CERT_REJECTED'
  | 'NETWORK';

/**
 * Stable machine-readable error codes: a closed set, so a `switch` over them is checked. A code
 * never changes meaning once released; the troubleshooting guide (`docs/troubleshooting.md`)
 * lists each with cause and fix. A connector with a failure of its own picks the nearest code
 * and says the rest in the message and `details`.
 */
export type ErrorCode =
  | ConnectionCode
  | 'CONFIG_INVALID'
  | 'CONFIG_NOT_FOUND'
  | 'INTEGRATION_ACTIVE'
  | 'INTEGRATION_INACTIVE'
  | 'INTEGRATION_BUSY'
  | 'LEASE_LOST'
  | 'VALUE_UNMAPPED'
  | 'USER_UNMATCHED'
  | 'CONFLICT'
  | 'REVISION_MISMATCH'
  | 'NOT_FOUND'
  | 'VALIDATION'
  | 'PERMISSION'
  | 'AUTH'
  | 'RATE_LIMITED'
  | 'TRANSIENT'
  | 'TIMEOUT'
  | 'PROTOCOL'
  | 'UNSUPPORTED'
  | 'DEPENDENCY_MISSING'
  | 'STATE_STORE'
  | 'SELECTOR_UNMATCHED'
  | 'SHEET_INVALID'
  | 'FILE_UNWRITABLE'
  | 'TLS_FILE_UNREADABLE'
  | 'TLS_VERIFY_DISABLED'
  | 'HTTP_NOT_FOUND'
  | 'HTTP_NOT_JSON'
  | 'HTTP_REDIRECTED'
  | 'HTTP_UNEXPECTED'
  | 'API_PROJECT_NOT_FOUND'
  | 'API_TYPE_NOT_FOUND'
  | 'CLI_USAGE'
  | 'ATTACHMENT_TOO_LARGE'
  | 'LINK_PENDING'
  | 'INTERNAL';

/** Options shared by every syncbridge error. */
export interface SyncbridgeErrorOptions {
  /** The underlying error, kept for debugging (never printed with secrets). */
  cause?: unknown;
  /** The system (its configured id) the error came from, when there is one. */
  system?: string;
  /** Whether retrying the same operation later can succeed. @default false */
  retryable?: boolean;
  /** Structured details for status output and the failure queue. */
  details?: Record<string, unknown>;
}

const brand = Symbol.for('syncbridge.error');

/**
 * Base class of every error syncbridge throws. Carries a stable `code`, the system it
 * concerns and whether a retry may help.
 */
export class SyncbridgeError extends Error {
  /** Stable code; see {@link ErrorCode}. */
  readonly code: ErrorCode;
  /** Configured id of the system concerned, if any. */
  readonly system: string | undefined;
  /** Whether the same operation may succeed when retried later. */
  readonly retryable: boolean;
  /** Structured details (field names, values, remote messages). */
  readonly details: Record<string, unknown>;
  readonly [brand] = true;

  constructor(code: ErrorCode, message: string, options: SyncbridgeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.system = options.system;
    this.retryable = options.retryable ?? false;
    this.details = options.details ?? {};
  }

  /** A plain, JSON-safe view for logs, `status` output and the failure queue. */
  toJSON(): {
    name: string;
    code: string;
    message: string;
    system?: string;
    retryable: boolean;
    details: Record<string, unknown>;
  } {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.system === undefined ? {} : { system: this.system }),
      retryable: this.retryable,
      details: this.details,
    };
  }
}

/** Type guard that also recognises errors from another copy of the package. */
export function isSyncbridgeError(value: unknown): value is SyncbridgeError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

/**
 * An error of any kind as a {@link SyncbridgeError}: returned as is when it already is one.
 * Anything else is an error nothing expected (a bug, in syncbridge or in a connector) and becomes
 * `INTERNAL`: not retryable, the original kept as `cause`, the message prefixed with the system
 * when given. A connector that knows what a foreign error means (a driver's network error) throws
 * a `SyncbridgeError` with the fitting code itself.
 */
export function toSyncbridgeError(error: unknown, options: { system?: string } = {}): SyncbridgeError {
  if (isSyncbridgeError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new SyncbridgeError('INTERNAL', options.system ? `${options.system}: ${message}` : message, {
    cause: error,
    ...(options.system ? { system: options.system } : {}),
  });
}
