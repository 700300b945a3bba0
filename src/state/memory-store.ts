import { lockedStore } from './mutex.js';
import type { Failure, Intent, IntegrationState, Lease, Link, Side, Snapshot, StateOperations, StateStore } from './state-store.js';
import type { Watermark } from '../connector/connector.js';

interface Tables {
  links: Map<string, Link>;
  snapshots: Map<string, Snapshot>;
  watermarks: Map<string, Watermark>;
  intents: Map<string, Intent>;
  failures: Map<string, Failure>;
  comments: Map<string, string>;
  integrations: Map<string, IntegrationState>;
  leases: Map<string, Lease>;
}

const k = (...parts: string[]) => JSON.stringify(parts);

function operations(t: () => Tables): StateOperations {
  const clone = <T>(v: T): T => structuredClone(v);
  return {
    async getLink(pair, side, itemId) {
      const link = [...t().links.values()].find((l) => l.pair === pair && (side === 'left' ? l.leftId : l.rightId) === itemId);
      return link && clone(link);
    },
    async putLink(link) {
      t().links.set(k(link.pair, link.leftId), clone(link));
    },
    async deleteLink(pair, leftId) {
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
      return clone([...t().failures.values()].filter((f) => pair === undefined || f.pair === pair).sort((a, b) => a.createdAt.localeCompare(b.createdAt)));
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
    async getIntegrationState(name) {
      const s = t().integrations.get(name);
      return s && clone(s);
    },
    async putIntegrationState(state) {
      t().integrations.set(state.name, clone(state));
    },
    async acquireLease(lease, now) {
      const held = t().leases.get(lease.key);
      if (!held || held.owner === lease.owner || held.expiresAt <= now) t().leases.set(lease.key, clone(lease));
      return clone(t().leases.get(lease.key)!);
    },
    async releaseLease(key, owner) {
      if (t().leases.get(key)?.owner === owner) t().leases.delete(key);
    },
  };
}

/** A state store in memory: for tests and dry runs. Transactions roll back on a throw. */
export function createMemoryStateStore(): StateStore {
  let tables: Tables = { links: new Map(), snapshots: new Map(), watermarks: new Map(), intents: new Map(), failures: new Map(), comments: new Map(), integrations: new Map(), leases: new Map() };
  return lockedStore(
    operations(() => tables),
    {
      async transaction(fn) {
        const before = structuredClone(tables);
        try {
          return await fn();
        } catch (error) {
          tables = before;
          throw error;
        }
      },
      async close() {},
    },
  );
}
