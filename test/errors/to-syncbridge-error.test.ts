import { describe, expect, expectTypeOf, it } from 'vitest';
import { SyncbridgeError, type ErrorCode } from 'syncbridge';
import { toSyncbridgeError } from 'syncbridge/connector-kit';

describe('toSyncbridgeError', () => {
  it('keeps a syncbridge error and wraps anything else as INTERNAL, not retryable, naming the system', () => {
    const typed = new SyncbridgeError('VALIDATION', 'bad', { retryable: true });
    expect(toSyncbridgeError(typed)).toBe(typed);
    const bug = new TypeError("Cannot read properties of undefined (reading 'id')");
    const wrapped = toSyncbridgeError(bug, { system: 'jira' });
    expect(wrapped).toMatchObject({
      code: 'INTERNAL',
      message: "jira: Cannot read properties of undefined (reading 'id')",
      system: 'jira',
      retryable: false,
    });
    expect(wrapped.cause).toBe(bug);
    expect(toSyncbridgeError('odd')).toMatchObject({
      code: 'INTERNAL',
      message: 'odd',
      retryable: false,
      system: undefined,
    });
  });

  it('has a closed set of codes (checked by the compiler)', () => {
    expectTypeOf<'INTERNAL'>().toExtend<ErrorCode>();
    expectTypeOf<'MY_OWN_CODE'>().not.toExtend<ErrorCode>();
    expectTypeOf<string>().not.toExtend<ErrorCode>();
  });
});
