import { SyncbridgeError, type ErrorCode, type SyncbridgeErrorOptions } from './syncbridge-error.js';

/** Details of an error answered by a remote system. */
export interface RemoteErrorOptions extends SyncbridgeErrorOptions {
  /** HTTP status, when the error came over HTTP. */
  status?: number;
  /** The remote system's own messages, verbatim. */
  remoteMessages?: string[];
  /** Per-field messages (`{ summary: 'Summary is required.' }`), verbatim. */
  fieldErrors?: Record<string, string>;
  /** Milliseconds the remote system asked us to wait (from `Retry-After`). */
  retryAfterMs?: number;
}

/**
 * An error answered by a remote system (HTTP status, the system's own message and any
 * per-field messages). Adapters build it from the vendor's error body.
 */
export class RemoteError extends SyncbridgeError {
  /** HTTP status, if any. */
  readonly status: number | undefined;
  /** The remote system's own messages. */
  readonly remoteMessages: string[];
  /** Per-field messages keyed by field id. */
  readonly fieldErrors: Record<string, string>;
  /** Wait the system asked for before retrying, in milliseconds. */
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, options: RemoteErrorOptions = {}) {
    super(code, message, {
      ...options,
      details: {
        ...options.details,
        ...(options.status === undefined ? {} : { status: options.status }),
        ...(options.remoteMessages?.length ? { remoteMessages: options.remoteMessages } : {}),
        ...(options.fieldErrors && Object.keys(options.fieldErrors).length ? { fieldErrors: options.fieldErrors } : {}),
      },
    });
    this.status = options.status;
    this.remoteMessages = options.remoteMessages ?? [];
    this.fieldErrors = options.fieldErrors ?? {};
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Maps an HTTP status to the stable code and retryability syncbridge uses for it. */
export function codeForStatus(status: number): { code: ErrorCode; retryable: boolean } {
  if (status === 401) return { code: 'AUTH', retryable: false };
  if (status === 403) return { code: 'PERMISSION', retryable: false };
  if (status === 404) return { code: 'NOT_FOUND', retryable: false };
  if (status === 409 || status === 412) return { code: 'REVISION_MISMATCH', retryable: false };
  if (status === 429) return { code: 'RATE_LIMITED', retryable: true };
  if (status === 408) return { code: 'TIMEOUT', retryable: true };
  if (status >= 500) return { code: 'TRANSIENT', retryable: true };
  return { code: 'VALIDATION', retryable: false };
}
