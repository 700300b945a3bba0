import type { Fence, StateOperations, StateStore } from './state-store.js';

/** A promise-chain mutex: one holder at a time, in arrival order. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  /** Runs `fn` once every earlier holder is done. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

/**
 * Builds a store on one connection from unlocked operations and a transaction runner:
 * every operation called outside a transaction waits for the lock, so it never interleaves
 * with an open transaction on the same connection (or, sharing `mutex`, on another connection
 * of this process to the same database). `applyWrites` outside a transaction runs in one of its own.
 */
export function lockedStore(
  integration: string,
  ops: StateOperations,
  options: {
    transaction: <T>(fn: () => Promise<T>, fence: Fence | undefined) => Promise<T>;
    close: () => Promise<void>;
  },
  mutex = new Mutex(),
): StateStore {
  const locked = Object.fromEntries(
    Object.entries(ops).map(([name, fn]) => [
      name,
      (...args: unknown[]) => mutex.run(() => (fn as (...a: unknown[]) => Promise<unknown>)(...args)),
    ]),
  ) as unknown as StateOperations;
  return {
    ...locked,
    integration,
    applyWrites: (writes) => mutex.run(() => options.transaction(() => ops.applyWrites(writes), undefined)),
    transaction: (fn, transactionOptions) =>
      mutex.run(() => options.transaction(() => fn(ops), transactionOptions?.fence)),
    close: () => mutex.run(options.close),
  };
}
