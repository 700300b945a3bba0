import { describe, expect, it } from 'vitest';
import { SyncbridgeError } from 'syncbridge';
import { ignoreNotFound } from 'syncbridge/connector-kit';

describe('ignoreNotFound', () => {
  it('resolves the answer, undefined for NOT_FOUND, and throws any other error', async () => {
    expect(await ignoreNotFound(Promise.resolve(7))).toBe(7);
    expect(await ignoreNotFound(Promise.reject(new SyncbridgeError('NOT_FOUND', 'gone')))).toBeUndefined();
    await expect(ignoreNotFound(Promise.reject(new SyncbridgeError('AUTH', 'no')))).rejects.toMatchObject({
      code: 'AUTH',
    });
    await expect(ignoreNotFound(Promise.reject(new Error('plain')))).rejects.toThrow('plain');
  });
});
