import type { DatabaseSync } from 'node:sqlite';
import { inboxEntry, type InboxOperations, type Row } from './sql-rows.js';

/**
 * The webhook inbox of the SQLite store (tables of migration 6). Times are ISO text of the
 * store's clock, so they order as text. `addToInbox` writes two tables: the store runs it in a
 * transaction; `claimInbox` is one statement, atomic under SQLite's write lock.
 */
export function sqliteInbox(db: DatabaseSync, integration: string, clock: () => Date): InboxOperations {
  const q = (sql: string) => db.prepare(sql);
  const I = integration;
  const at = (offsetMs = 0) => new Date(clock().getTime() + offsetMs).toISOString();
  return {
    async addToInbox({ system, deliveryId, items, settleMs = 0 }) {
      const now = at();
      const added = q(
        'INSERT INTO webhook_deliveries (integration, system, delivery_id, received_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
      ).run(I, system, deliveryId, now);
      if (Number(added.changes) === 0) return false;
      const insert = q(
        'INSERT INTO inbox (integration, system, delivery_id, pair, side, item_id, item_key, event, changed_at, received_at, available_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      );
      const due = at(settleMs);
      for (const i of items)
        insert.run(I, system, deliveryId, i.pair, i.side, i.itemId, i.itemKey, i.event, i.changedAt ?? null, now, due);
      return true;
    },
    async claimInbox({ owner, ttlMs, limit }) {
      const now = at();
      const rows = q(
        `UPDATE inbox SET claimed_by = $owner, claim_expires = $until
         WHERE integration = $i AND (claimed_by IS NULL OR claim_expires <= $now)
           AND (pair, side, item_id) IN (
             SELECT pair, side, item_id FROM inbox WHERE integration = $i GROUP BY pair, side, item_id
             HAVING MIN(CASE WHEN claimed_by IS NULL OR claim_expires <= $now THEN available_at END) <= $now
               AND SUM(CASE WHEN claimed_by IS NOT NULL AND claim_expires > $now THEN 1 ELSE 0 END) = 0
             ORDER BY MIN(seq) LIMIT $limit)
         RETURNING *`,
      ).all({ owner, until: at(ttlMs), i: I, now, limit }) as Row[];
      return rows.map((r) => inboxEntry(r, String)).sort((a, b) => a.seq - b.seq);
    },
    async completeInbox(owner, seqs) {
      q('DELETE FROM inbox WHERE integration = ? AND claimed_by = ? AND seq IN (SELECT value FROM json_each(?))').run(
        I,
        owner,
        JSON.stringify(seqs),
      );
    },
    async releaseInbox(owner, seqs, retryAfterMs) {
      q(
        'UPDATE inbox SET claimed_by = NULL, claim_expires = NULL, available_at = ? WHERE integration = ? AND claimed_by = ? AND seq IN (SELECT value FROM json_each(?))',
      ).run(at(retryAfterMs), I, owner, JSON.stringify(seqs));
    },
    async inboxDepth() {
      const r = q('SELECT COUNT(*) AS n, MIN(received_at) AS oldest FROM inbox WHERE integration = ?').get(I) as Row;
      return { entries: Number(r.n), ...(r.oldest == null ? {} : { oldestReceivedAt: String(r.oldest) }) };
    },
    async pruneDeliveries(before) {
      return Number(
        q('DELETE FROM webhook_deliveries WHERE integration = ? AND received_at < ?').run(I, before).changes,
      );
    },
  };
}
