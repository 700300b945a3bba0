import { isSyncbridgeError } from '../errors/syncbridge-error.js';

/**
 * Awaits a call for which `NOT_FOUND` is the wanted state (deleting what a person, or a retried
 * delete, removed already; reading what is gone), resolving `undefined` then; any other error
 * is thrown.
 */
export async function ignoreNotFound<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (isSyncbridgeError(error) && error.code === 'NOT_FOUND') return undefined;
    throw error;
  }
}
