import { describe, expect, it } from 'vitest';
import { SyncbridgeError } from 'syncbridge';
import { toSyncbridgeError } from 'syncbridge/connector-kit';

describe('toSyncbridgeError', () => {
  it('keeps a syncbridge error and wraps anything else as TRANSIENT, naming the system', () => {
    const typed = new SyncbridgeError('VALIDATION', 'bad');
    expect(toSyncbridgeError(typed)).toBe(typed);
    const wrapped = toSyncbridgeError(new Error('socket hang up'), { system: 'jira' });
    expect(wrapped).toMatchObject({ code: 'TRANSIENT', message: 'jira: socket hang up', system: 'jira', retryable: false });
    expect(wrapped.cause).toBeInstanceOf(Error);
    expect(toSyncbridgeError('odd', { retryable: true })).toMatchObject({ message: 'odd', retryable: true, system: undefined });
  });
});
