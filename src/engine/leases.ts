import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { SyncbridgeError } from '../errors/syncbridge-error.js';
import type { Logger } from '../logger.js';
import type { Fence, Lease, StateStore } from '../state/state-store.js';

/**
 * Holds the leases of the entity pairs a pass writes to, so that two processes sharing a
 * state store (an overlapping cron run, a second terminal, a second worker) never sync the
 * same pair at once: the second is refused instead of creating every item again. A lease
 * lapses `ttlMs` after its last renewal by the store's clock, so one left by a killed process
 * frees itself; a running pass renews its leases every third of that. Each grant carries a
 * fencing token, which the pass's state writes can be checked against ({@link PairLeases.fence}).
 */
export class PairLeases {
  /** This instance, as other processes see it in the refusal. */
  readonly owner = `${hostname()} pid ${process.pid} (${randomUUID().slice(0, 8)})`;
  /** The leases held now, by pair. */
  private readonly held = new Map<string, Lease>();

  constructor(
    private readonly store: StateStore,
    private readonly integration: string,
    private readonly ttlMs: number,
    private readonly logger: Logger,
  ) {}

  /** The fence of a pair whose lease this instance holds now. */
  fence(pair: string): Fence | undefined {
    const lease = this.held.get(pair);
    return lease && { key: lease.key, token: lease.token };
  }

  /** Runs `fn` holding the leases of `pairs`; fails with `INTEGRATION_BUSY` when another owner holds one. */
  async hold<T>(pairs: string[], fn: () => Promise<T>): Promise<T> {
    const mine: string[] = [];
    try {
      for (const pair of pairs) {
        const lease = await this.take(pair);
        if (lease.owner !== this.owner) {
          throw new SyncbridgeError(
            'INTEGRATION_BUSY',
            `pair "${pair}" of integration "${this.integration}" is being synced by ${lease.owner}, whose lease runs until ${lease.expiresAt} unless renewed; wait for that run to end, or stop it`,
            { details: { pair, holder: lease.owner, expiresAt: lease.expiresAt } },
          );
        }
        mine.push(pair);
        this.held.set(pair, lease);
      }
      const renewal = setInterval(
        () => {
          for (const pair of mine) {
            this.take(pair)
              .then((lease) => {
                if (lease.owner !== this.owner || lease.token !== this.held.get(pair)?.token)
                  this.logger.error('lost the lease of a pair while syncing it', { pair, holder: lease.owner });
              })
              .catch((error: unknown) => this.logger.warn('could not renew a lease', { pair, error: String(error) }));
          }
        },
        Math.max(1, Math.floor(this.ttlMs / 3)),
      );
      renewal.unref();
      try {
        return await fn();
      } finally {
        clearInterval(renewal);
      }
    } finally {
      for (const pair of mine) {
        this.held.delete(pair);
        await this.store.releaseLease(pair, this.owner).catch(() => undefined);
      }
    }
  }

  /** Takes or renews a pair's lease. */
  private take(pair: string): Promise<Lease> {
    return this.store.acquireLease({ key: pair, owner: this.owner, ttlMs: this.ttlMs });
  }
}
