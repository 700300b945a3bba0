import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { SyncbridgeError } from '../errors/syncbridge-error.js';
import type { Logger } from '../logger.js';
import type { StateStore } from '../state/state-store.js';

/**
 * Holds the leases of the entity pairs a pass writes to, so that two processes sharing a
 * state store (an overlapping cron run, a second terminal) never sync the same pair at once:
 * the second is refused instead of creating every item again. A lease lapses `ttlMs` after
 * its last renewal, so one left by a killed process frees itself (at once when that process
 * ran on this host); a running pass renews its leases every third of that.
 */
export class PairLeases {
  /** This instance, as other processes see it in the refusal. */
  readonly owner = `${hostname()} pid ${process.pid} (${randomUUID().slice(0, 8)})`;

  constructor(
    private readonly store: StateStore,
    private readonly integration: string,
    private readonly ttlMs: number,
    private readonly clock: () => Date,
    private readonly logger: Logger,
  ) {}

  /** Runs `fn` holding the leases of `pairs`; fails with `INTEGRATION_BUSY` when another owner holds one. */
  async hold<T>(pairs: string[], fn: () => Promise<T>): Promise<T> {
    const held: string[] = [];
    try {
      for (const pair of pairs) {
        let lease = await this.take(pair);
        // A process of this host that no longer runs (killed) cannot renew: its lease is taken over at once.
        if (lease.owner !== this.owner && !isAlive(lease.owner)) lease = await this.take(pair, lease.expiresAt);
        if (lease.owner !== this.owner) {
          throw new SyncbridgeError(
            'INTEGRATION_BUSY',
            `pair "${pair}" of integration "${this.integration}" is being synced by ${lease.owner}, whose lease runs until ${lease.expiresAt} unless renewed; wait for that run to end, or stop it`,
            { details: { pair, holder: lease.owner, expiresAt: lease.expiresAt } },
          );
        }
        held.push(pair);
      }
      const renewal = setInterval(() => {
        for (const pair of held) {
          this.take(pair)
            .then((lease) => {
              if (lease.owner !== this.owner) this.logger.error('lost the lease of a pair while syncing it', { pair, holder: lease.owner });
            })
            .catch((error: unknown) => this.logger.warn('could not renew a lease', { pair, error: String(error) }));
        }
      }, Math.max(1, Math.floor(this.ttlMs / 3)));
      renewal.unref();
      try {
        return await fn();
      } finally {
        clearInterval(renewal);
      }
    } finally {
      for (const pair of held) await this.store.releaseLease(this.key(pair), this.owner).catch(() => undefined);
    }
  }

  private key(pair: string): string {
    return `${this.integration}/${pair}`;
  }

  /** Takes or renews a pair's lease; `lapsedAt` treats a lease ending then as lapsed. */
  private take(pair: string, lapsedAt?: string) {
    const now = this.clock();
    const at = lapsedAt !== undefined && lapsedAt > now.toISOString() ? lapsedAt : now.toISOString();
    return this.store.acquireLease({ key: this.key(pair), owner: this.owner, expiresAt: new Date(now.getTime() + this.ttlMs).toISOString() }, at);
  }
}

/** Whether a lease owner may still be running: always for other hosts, else whether its process exists. */
function isAlive(owner: string): boolean {
  const match = /^(.*) pid (\d+) \(/.exec(owner);
  if (!match || match[1] !== hostname()) return true;
  try {
    process.kill(Number(match[2]), 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
