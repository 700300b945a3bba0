import { SyncbridgeError } from '../errors/syncbridge-error.js';

/** Finds the Node system error code (`ECONNREFUSED`, `CERT_HAS_EXPIRED`, ...) in an error's cause chain. */
export function systemErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z_0-9]+$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

const transientCodes = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'ECONNABORTED']);

/** Turns an error thrown below HTTP (socket, DNS, TLS) into a typed error with a stable code. */
export function networkError(system: string, target: string, error: unknown): SyncbridgeError {
  const code = systemErrorCode(error);
  const retryable = code === undefined || transientCodes.has(code);
  const reason = code ?? (error instanceof Error ? error.message : String(error));
  return new SyncbridgeError('NETWORK', `${system}: could not reach ${target} (${reason}). Check the base URL, the network and any proxy settings.`, {
    system,
    retryable,
    cause: error,
    details: { systemCode: code },
  });
}
