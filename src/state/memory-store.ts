import { lockedStore } from './mutex.js';
import { UNSETTLED_REVISION } from './state-store.js';
import { applyWritesInOrder, fenceProblem, linkTaken, loadItemsOneByOne } from './store-helpers.js';
import type {
  Failure,
  InboxEntry,
  Intent,
  IntegrationState,
  Lease,
  Link,
  Side,
  Snapshot,
  StateOperations,
  StateStore,
  StateStoreFactory,
} from './state-store.js';
import type { Watermark } from '../connector/connector.js';

interface Tables {
  links: Map<string, Link>;
  /** Left id of the link of each right item, by pair and right id. */
  rights: Map<string, string>;
  snapshots: Map<string, Snapshot>;
  watermarks: Map<string, Watermark>;
  intents: Map<string, Intent>;
  failures: Map<string, Failure>;
  comments: Map<string, string>;
  integrations: Map<string, IntegrationState>;
  leases: Map<string, Lease>;
  /** The inbox of webhook items, by seq, with each entry's due time and claim. */
  inbox: Map<number, InboxEntry & { availableAt: string; claim?: { owner: string; expiresAt: string } }>;
  /** When each delivery (by system and id) was received. */
  deliveries: Map<string, string>;
  seq: number;
}

/** Options of {@link createMemoryStateStore} and {@link memoryStore}. */
export interface MemoryStoreOptions {
  /** The integration whose state it is. @default 'default' */
  integration?: string;
  /** The store's clock, by which leases lapse (tests inject one). @default () => new Date() */
  clock?: () => Date;
}

const k = (...parts: string[]) => JSON.stringify(parts);

function operations(t: () => Tables, clock: () => Date): StateOperations {
  const clone = <T>(v: T): T => structuredClone(v);
  const ops: StateOperations = {
    async getLink(pair, side, itemId) {
      const leftId = side === 'left' ? itemId : t().rights.get(k(pair, itemId));
      const link = leftId === undefined ? undefined : t().links.get(k(pair, leftId));
      return link && clone(link);
    },
    async putLink(link) {
      const holder = t().rights.get(k(link.pair, link.rightId));
      if (holder !== undefined && holder !== link.leftId) throw linkTaken(link.pair, 'right', link.rightId);
      await ops.deleteLink(link.pair, link.leftId);
      t().links.set(k(link.pair, link.leftId), clone(link));
      t().rights.set(k(link.pair, link.rightId), link.leftId);
    },
    async deleteLink(pair, leftId) {
      const link = t().links.get(k(pair, leftId));
      if (link) t().rights.delete(k(pair, link.rightId));
      t().links.delete(k(pair, leftId));
    },
    async listLinks(pair, options = {}) {
      const all = [...t().links.values()].filter((l) => l.pair === pair);
      return clone(all.slice(options.offset ?? 0, (options.offset ?? 0) + (options.limit ?? all.length)));
    },
    async countLinks(pair) {
      return [...t().links.values()].filter((l) => l.pair === pair).length;
    },
    async getSnapshot(pair, side, itemId) {
      const s = t().snapshots.get(k(pair, side, itemId));
      return s && clone(s);
    },
    async putSnapshot(snapshot) {
      t().snapshots.set(k(snapshot.pair, snapshot.side, snapshot.itemId), clone(snapshot));
    },
    async deleteSnapshot(pair, side, itemId) {
      t().snapshots.delete(k(pair, side, itemId));
    },
    async listUnsettledSnapshots(pair, limit) {
      const all = [...t().snapshots.values()].filter(
        (s) => s.pair === pair && (s.pending !== undefined || s.revision.endsWith(UNSETTLED_REVISION)),
      );
      return clone(all.slice(0, limit));
    },
    async getWatermark(pair, side) {
      const w = t().watermarks.get(k(pair, side));
      return w && clone(w);
    },
    async putWatermark(pair, side, watermark) {
      t().watermarks.set(k(pair, side), clone(watermark));
    },
    async getIntent(pair, side, sourceId) {
      const i = t().intents.get(k(pair, side, sourceId));
      return i && clone(i);
    },
    async putIntent(intent) {
      t().intents.set(k(intent.pair, intent.side, intent.sourceId), clone(intent));
    },
    async deleteIntent(pair, side, sourceId) {
      t().intents.delete(k(pair, side, sourceId));
    },
    async listIntents(pair) {
      return clone([...t().intents.values()].filter((i) => i.pair === pair));
    },
    async getFailure(pair, side, itemId) {
      const f = t().failures.get(k(pair, side, itemId));
      return f && clone(f);
    },
    async putFailure(failure) {
      t().failures.set(k(failure.pair, failure.side, failure.itemId), clone(failure));
    },
    async deleteFailure(pair, side, itemId) {
      t().failures.delete(k(pair, side, itemId));
    },
    async listFailures(pair) {
      return clone(
        [...t().failures.values()]
          .filter((f) => pair === undefined || f.pair === pair)
          .sort((a, b) => a.createdAt.localeCompare(b.createdAt)),
      );
    },
    async getCommentLink(pair, side, sourceCommentId) {
      return t().comments.get(k(pair, side, sourceCommentId));
    },
    async putCommentLink(pair, side, sourceCommentId, targetCommentId) {
      t().comments.set(k(pair, side, sourceCommentId), targetCommentId);
      t().comments.set(k(pair, 'copy', side === 'left' ? 'right' : 'left', targetCommentId), sourceCommentId);
    },
    async isCommentCopy(pair, side: Side, commentId) {
      return t().comments.has(k(pair, 'copy', side, commentId));
    },
    loadItems: (pair, side, itemIds) => loadItemsOneByOne(ops, pair, side, itemIds),
    applyWrites: (writes) => applyWritesInOrder(ops, writes),
    async getIntegrationState(name) {
      const s = t().integrations.get(name);
      return s && clone(s);
    },
    async putIntegrationState(state) {
      t().integrations.set(state.name, clone(state));
    },
    async acquireLease({ key, owner, ttlMs }) {
      const now = clock();
      const held = t().leases.get(key);
      const live = held !== undefined && held.expiresAt > now.toISOString();
      if (!held || held.owner === owner || !live) {
        const token = held && held.owner === owner && live ? held.token : (held?.token ?? 0) + 1;
        t().leases.set(key, { key, owner, expiresAt: new Date(now.getTime() + ttlMs).toISOString(), token });
      }
      return clone(t().leases.get(key)!);
    },
    async releaseLease(key, owner) {
      const held = t().leases.get(key);
      if (held?.owner === owner) held.expiresAt = clock().toISOString();
    },
    async addToInbox({ system, deliveryId, items, settleMs = 0 }) {
      const key = k(system, deliveryId);
      if (t().deliveries.has(key)) return false;
      const now = clock();
      t().deliveries.set(key, now.toISOString());
      const availableAt = new Date(now.getTime() + settleMs).toISOString();
      for (const item of items) {
        const seq = ++t().seq;
        t().inbox.set(seq, { ...clone(item), seq, system, deliveryId, receivedAt: now.toISOString(), availableAt });
      }
      return true;
    },
    async claimInbox({ owner, ttlMs, limit }) {
      const now = clock().toISOString();
      const live = (e: { claim?: { expiresAt: string } }) => e.claim !== undefined && e.claim.expiresAt > now;
      const byItem = new Map<
        string,
        Array<InboxEntry & { availableAt: string; claim?: { owner: string; expiresAt: string } }>
      >();
      for (const e of [...t().inbox.values()].sort((a, b) => a.seq - b.seq)) {
        const item = k(e.pair, e.side, e.itemId);
        byItem.set(item, [...(byItem.get(item) ?? []), e]);
      }
      const claimed: InboxEntry[] = [];
      let items = 0;
      for (const entries of byItem.values()) {
        if (items >= limit) break;
        if (entries.some(live)) continue;
        if (!entries.some((e) => e.availableAt <= now)) continue;
        items++;
        const expiresAt = new Date(Date.parse(now) + ttlMs).toISOString();
        for (const e of entries) {
          e.claim = { owner, expiresAt };
          const { availableAt: _a, claim: _c, ...entry } = e;
          claimed.push(clone(entry));
        }
      }
      return claimed.sort((a, b) => a.seq - b.seq);
    },
    async completeInbox(owner, seqs) {
      for (const seq of seqs) if (t().inbox.get(seq)?.claim?.owner === owner) t().inbox.delete(seq);
    },
    async releaseInbox(owner, seqs, retryAfterMs) {
      const availableAt = new Date(clock().getTime() + retryAfterMs).toISOString();
      for (const seq of seqs) {
        const e = t().inbox.get(seq);
        if (e?.claim?.owner !== owner) continue;
        delete e.claim;
        e.availableAt = availableAt;
      }
    },
    async inboxDepth() {
      const entries = [...t().inbox.values()];
      const oldest = entries.map((e) => e.receivedAt).sort()[0];
      return { entries: entries.length, ...(oldest ? { oldestReceivedAt: oldest } : {}) };
    },
    async pruneDeliveries(before) {
      let n = 0;
      for (const [key, at] of t().deliveries)
        if (at < before) {
          t().deliveries.delete(key);
          n++;
        }
      return n;
    },
  };
  return ops;
}

/**
 * A state store in memory: for tests and dry runs. Transactions roll back on a throw. It
 * holds one integration's state; state is gone when the process ends.
 */
export function createMemoryStateStore(options: MemoryStoreOptions = {}): StateStore {
  const integration = options.integration ?? 'default';
  const empty = (): Tables => ({
    links: new Map(),
    rights: new Map(),
    snapshots: new Map(),
    watermarks: new Map(),
    intents: new Map(),
    failures: new Map(),
    comments: new Map(),
    integrations: new Map(),
    leases: new Map(),
    inbox: new Map(),
    deliveries: new Map(),
    seq: 0,
  });
  let tables = empty();
  const clock = options.clock ?? (() => new Date());
  const ops = operations(() => tables, clock);
  const store = lockedStore(integration, ops, {
    async transaction(fn, fence) {
      const problem = fence && fenceProblem(integration, fence, tables.leases.get(fence.key), clock().toISOString());
      if (problem) throw problem;
      const before = structuredClone(tables);
      try {
        return await fn();
      } catch (error) {
        tables = before;
        throw error;
      }
    },
    async close() {},
  });
  return store;
}

/** The factory of an in-memory store: `state: { store: memoryStore() }` or `createSyncbridge({ store: memoryStore() })`. */
export function memoryStore(options: Omit<MemoryStoreOptions, 'integration'> = {}): StateStoreFactory {
  return async ({ integration }) => createMemoryStateStore({ ...options, integration });
}
