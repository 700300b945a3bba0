import { isSyncbridgeError, type SyncbridgeError } from '../errors/syncbridge-error.js';
import type { Fence, StateOperations, StateStore, TransactionOptions } from './state-store.js';

/**
 * The lease a writer holds on one piece of work (an entity pair), as a fenced store checks it.
 * The engine's pair leases make one per pair (see `PairLeases.pairFence`).
 */
export interface WriterFence {
  /** The fence writes are checked against; none while no lease is held (a dry run): writes then go unfenced. */
  current(): Fence | undefined;
  /** Throws `LEASE_LOST` at once when the lease is known lost or may have lapsed, before any round trip. */
  check(): void;
  /** Told of a `LEASE_LOST` a fenced write met: the writer stops writing anywhere. */
  lost(error: SyncbridgeError): void;
  /** Told of each fenced transaction that committed, with the token it was checked against. */
  committed(fence: Fence): void;
}

/**
 * A view of a store whose every write is fenced by a writer's lease: reads pass through; each
 * single write runs as `transaction(tx => tx.write(...), { fence })`, and `transaction` always
 * carries the fence. A write after the lease was lost (granted anew, lapsed, or known lost by
 * the writer) fails with `LEASE_LOST` and writes nothing. Leases, integration states and the
 * webhook inbox pass through unfenced: they are not the work of one pair.
 */
export function fencedStore(store: StateStore, fence: WriterFence): StateStore {
  const transaction = async <T>(fn: (tx: StateOperations) => Promise<T>, options?: TransactionOptions): Promise<T> => {
    const current = options?.fence ?? fence.current();
    if (!current) return store.transaction(fn, options);
    fence.check();
    try {
      const result = await store.transaction(fn, { ...options, fence: current });
      fence.committed(current);
      return result;
    } catch (error) {
      if (isSyncbridgeError(error) && error.code === 'LEASE_LOST') fence.lost(error);
      throw error;
    }
  };
  /** A single write, in a fenced transaction of its own. */
  const write =
    <A extends unknown[]>(op: (tx: StateOperations) => (...args: A) => Promise<void>) =>
    (...args: A) =>
      transaction((tx) => op(tx).apply(tx, args));
  return {
    integration: store.integration,
    getLink: (...a) => store.getLink(...a),
    putLink: write((tx) => tx.putLink),
    deleteLink: write((tx) => tx.deleteLink),
    listLinks: (...a) => store.listLinks(...a),
    countLinks: (...a) => store.countLinks(...a),
    getSnapshot: (...a) => store.getSnapshot(...a),
    putSnapshot: write((tx) => tx.putSnapshot),
    deleteSnapshot: write((tx) => tx.deleteSnapshot),
    ...(store.listUnsettledSnapshots
      ? { listUnsettledSnapshots: (...a: [string, number]) => store.listUnsettledSnapshots!(...a) }
      : {}),
    getWatermark: (...a) => store.getWatermark(...a),
    putWatermark: write((tx) => tx.putWatermark),
    getIntent: (...a) => store.getIntent(...a),
    putIntent: write((tx) => tx.putIntent),
    deleteIntent: write((tx) => tx.deleteIntent),
    listIntents: (...a) => store.listIntents(...a),
    getFailure: (...a) => store.getFailure(...a),
    putFailure: write((tx) => tx.putFailure),
    deleteFailure: write((tx) => tx.deleteFailure),
    listFailures: (...a) => store.listFailures(...a),
    getCommentLink: (...a) => store.getCommentLink(...a),
    putCommentLink: write((tx) => tx.putCommentLink),
    isCommentCopy: (...a) => store.isCommentCopy(...a),
    loadItems: (...a) => store.loadItems(...a),
    applyWrites: write((tx) => tx.applyWrites),
    getIntegrationState: (...a) => store.getIntegrationState(...a),
    putIntegrationState: (...a) => store.putIntegrationState(...a),
    // The webhook inbox is the integration's, not one pair's work.
    addToInbox: (...a) => store.addToInbox(...a),
    claimInbox: (...a) => store.claimInbox(...a),
    completeInbox: (...a) => store.completeInbox(...a),
    releaseInbox: (...a) => store.releaseInbox(...a),
    inboxDepth: (...a) => store.inboxDepth(...a),
    pruneDeliveries: (...a) => store.pruneDeliveries(...a),
    acquireLease: (...a) => store.acquireLease(...a),
    releaseLease: (...a) => store.releaseLease(...a),
    transaction,
    // The view does not own the store.
    close: async () => undefined,
  };
}
