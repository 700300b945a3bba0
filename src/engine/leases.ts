import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Connector } from '../connector/connector.js';
import { SyncbridgeError } from '../errors/syncbridge-error.js';
import type { Logger } from '../logger.js';
import type { WriterFence } from '../state/fenced-store.js';
import type { Fence, Lease, StateStore } from '../state/state-store.js';
import type { Emitter, EngineEvents } from './events.js';

/** A lease this instance holds, and what it knows of it. */
interface Held {
  lease: Lease;
  /** Aborted once the lease is known lost: no write of the pair's pass may start after. */
  lost: AbortController;
  /** When (this process's monotonic clock) the last renewal that succeeded was sent. */
  renewedAt: number;
}

/** The connector methods that write to a system. */
const systemWrites = [
  'create',
  'update',
  'deleteItem',
  'addComment',
  'updateComment',
  'deleteComment',
  'upsertBacklink',
  'removeBacklink',
] as const satisfies ReadonlyArray<keyof Connector>;

/**
 * Holds the leases of the entity pairs a pass writes to, so that two processes sharing a
 * state store (an overlapping cron run, a second terminal, a second worker) never sync the
 * same pair at once: the second is refused instead of creating every item again. A lease
 * lapses `ttlMs` after its last renewal by the store's clock, so one left by a killed process
 * frees itself; a running pass renews its leases every third of that. Each grant carries a
 * fencing token, which every state write of the pass is checked against ({@link PairLeases.pairFence}).
 *
 * A pass that lost its lease stops writing, to the state and to the systems: a renewal that
 * finds the lease granted to another owner (or granted anew), a fenced write refused with
 * `LEASE_LOST`, or no renewal answered for three quarters of `ttlMs` (a stalled process, a lost
 * database) marks it lost, and every write after that fails with `LEASE_LOST` before it is
 * sent. What cannot be stopped is a write already sent when that happens.
 */
export class PairLeases {
  /** This instance, as other processes see it in the refusal. */
  readonly owner = `${hostname()} pid ${process.pid} (${randomUUID().slice(0, 8)})`;
  /** The leases held now, by pair. */
  private readonly held = new Map<string, Held>();

  constructor(
    private readonly store: StateStore,
    private readonly integration: string,
    private readonly ttlMs: number,
    private readonly logger: Logger,
    private readonly events?: Emitter<EngineEvents>,
  ) {}

  /** The fence of a pair whose lease this instance holds now. */
  fence(pair: string): Fence | undefined {
    const lease = this.held.get(pair)?.lease;
    return lease && { key: lease.key, token: lease.token };
  }

  /**
   * The pair's lease as its pass's writes check it: the state store's view (`fencedStore`)
   * and the connectors' (`fencedConnector`) of a pair take it.
   */
  pairFence(pair: string): WriterFence {
    return {
      current: () => this.fence(pair),
      check: () => this.check(pair),
      lost: (error) => this.lose(pair, error),
      committed: (fence) => this.events?.emit('stateCommitted', { pair, owner: this.owner, token: fence.token }),
    };
  }

  /**
   * Throws `LEASE_LOST` when the pair's lease is known lost, or may have lapsed: no renewal
   * sent in the last three quarters of `ttlMs` was answered (the store lapses a lease `ttlMs`
   * after the last grant, which was asked for no earlier). Does nothing when no lease is held.
   */
  check(pair: string): void {
    const held = this.held.get(pair);
    if (!held) return;
    const silent = performance.now() - held.renewedAt;
    if (!held.lost.signal.aborted && silent > (this.ttlMs * 3) / 4)
      this.lose(
        pair,
        new SyncbridgeError(
          'LEASE_LOST',
          `lease "${pair}" of integration "${this.integration}" may have lapsed: no renewal was answered for ${Math.round(silent)} ms (engine.leaseMs ${this.ttlMs}); the pass stops writing, and the next pass merges its items again`,
          { details: { key: pair, token: held.lease.token } },
        ),
      );
    if (held.lost.signal.aborted) throw held.lost.signal.reason;
  }

  /** Runs `fn` holding the leases of `pairs`; fails with `INTEGRATION_BUSY` when another owner holds one. */
  async hold<T>(pairs: string[], fn: () => Promise<T>): Promise<T> {
    const mine: string[] = [];
    try {
      for (const pair of pairs) {
        const sent = performance.now();
        const lease = await this.take(pair);
        if (lease.owner !== this.owner) {
          throw new SyncbridgeError(
            'INTEGRATION_BUSY',
            `pair "${pair}" of integration "${this.integration}" is being synced by ${lease.owner}, whose lease runs until ${lease.expiresAt} unless renewed; wait for that run to end, or stop it`,
            { details: { pair, holder: lease.owner, expiresAt: lease.expiresAt } },
          );
        }
        mine.push(pair);
        this.held.set(pair, { lease, lost: new AbortController(), renewedAt: sent });
        this.events?.emit('leaseAcquired', { pair, owner: this.owner, token: lease.token });
      }
      const renewal = setInterval(
        () => {
          for (const pair of mine) this.renew(pair);
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
        const held = this.held.get(pair);
        this.held.delete(pair);
        await this.store.releaseLease(pair, this.owner).catch(() => undefined);
        if (held && !held.lost.signal.aborted)
          this.events?.emit('leaseReleased', { pair, owner: this.owner, token: held.lease.token });
      }
    }
  }

  /** Renews a held lease; one found granted anew, or unanswered too long, is lost. */
  private renew(pair: string): void {
    const held = this.held.get(pair);
    if (!held || held.lost.signal.aborted) return;
    try {
      this.check(pair);
    } catch {
      return;
    }
    const sent = performance.now();
    this.take(pair)
      .then((lease) => {
        if (this.held.get(pair) !== held) return;
        if (lease.owner === this.owner && lease.token === held.lease.token) {
          held.renewedAt = sent;
          held.lease = lease;
          return;
        }
        this.lose(
          pair,
          new SyncbridgeError(
            'LEASE_LOST',
            lease.owner === this.owner
              ? `lease "${pair}" of integration "${this.integration}" lapsed before it was renewed (this writer's token ${held.lease.token}, now ${lease.token}); the pass stops writing, and the next pass merges its items again`
              : `lease "${pair}" of integration "${this.integration}" was taken over by ${lease.owner} (token ${lease.token}) since this writer got token ${held.lease.token}; the pass stops writing, and that process syncs the pair`,
            { details: { key: pair, token: held.lease.token, holder: lease.owner, currentToken: lease.token } },
          ),
        );
      })
      .catch((error: unknown) => this.logger.warn('could not renew a lease', { pair, error: String(error) }));
  }

  /** Marks a pair's lease lost (once): its pass writes nothing more, and says so. */
  private lose(pair: string, error: SyncbridgeError): void {
    const held = this.held.get(pair);
    if (!held || held.lost.signal.aborted) return;
    held.lost.abort(error);
    this.logger.error('lost the lease of a pair while syncing it: its pass stops writing', {
      pair,
      token: held.lease.token,
      error: error.message,
    });
    this.events?.emit('leaseLost', { pair, owner: this.owner, token: held.lease.token, error });
  }

  /** Takes or renews a pair's lease. */
  private take(pair: string): Promise<Lease> {
    return this.store.acquireLease({ key: pair, owner: this.owner, ttlMs: this.ttlMs });
  }
}

/**
 * A view of a connector whose writes (creates, updates, deletes, comments, back-links) first
 * check a pair's lease ({@link WriterFence.check}): once the lease is lost, each fails with
 * `LEASE_LOST` before anything is sent. Reads pass through.
 */
export function fencedConnector(connector: Connector, fence: WriterFence): Connector {
  return new Proxy(connector, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key);
      if (typeof value !== 'function') return value;
      const method = value as (...a: unknown[]) => unknown;
      if (!(systemWrites as readonly PropertyKey[]).includes(key)) return method.bind(target);
      return async (...args: unknown[]) => {
        fence.check();
        return method.apply(target, args);
      };
    },
  });
}
