import type { PostgresClient } from './postgres-types.js';
import { inboxEntry, type InboxOperations } from './sql-rows.js';

const iso = (v: unknown) => new Date(v as string | Date).toISOString();

/**
 * The webhook inbox of the PostgreSQL store (tables of migration 2), timed by the server's
 * clock. `addToInbox` is one statement; `claimInbox` takes a transaction-scoped advisory lock
 * first (the store runs it in a transaction), so that claims of processes sharing the
 * integration are made one after the other, each seeing the claims committed before it.
 */
export function postgresInbox(db: PostgresClient, s: string, I: string): InboxOperations {
  const rows = async (sql: string, values: unknown[]) => (await db.query(sql, [I, ...values])).rows;
  return {
    async addToInbox({ system, deliveryId, items, settleMs = 0 }) {
      const [r] = await rows(
        `WITH d AS (
           INSERT INTO ${s}.webhook_deliveries (integration, system, delivery_id, received_at) VALUES ($1, $2, $3, now())
           ON CONFLICT DO NOTHING RETURNING 1),
         ins AS (
           INSERT INTO ${s}.inbox (integration, system, delivery_id, pair, side, item_id, item_key, event, changed_at, received_at, available_at)
           SELECT $1, $2, $3, x.pair, x.side, x."itemId", x."itemKey", x.event, x."changedAt", now(), now() + $5 * interval '1 millisecond'
           FROM jsonb_to_recordset($4::jsonb) AS x(pair text, side text, "itemId" text, "itemKey" text, event text, "changedAt" text, ord int)
           WHERE EXISTS (SELECT 1 FROM d) ORDER BY x.ord
           RETURNING 1)
         SELECT EXISTS (SELECT 1 FROM d) AS added, (SELECT COUNT(*) FROM ins) AS n`,
        [system, deliveryId, JSON.stringify(items.map((item, ord) => ({ ...item, ord }))), settleMs],
      );
      return r?.added === true;
    },
    async claimInbox({ owner, ttlMs, limit }) {
      await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`syncbridge inbox ${s} ${I}`]);
      const claimed = await rows(
        `WITH due AS (
           SELECT pair, side, item_id FROM ${s}.inbox WHERE integration = $1 GROUP BY pair, side, item_id
           HAVING MIN(available_at) FILTER (WHERE claimed_by IS NULL OR claim_expires <= now()) <= now()
             AND COUNT(*) FILTER (WHERE claimed_by IS NOT NULL AND claim_expires > now()) = 0
           ORDER BY MIN(seq) LIMIT $4)
         UPDATE ${s}.inbox x SET claimed_by = $2, claim_expires = now() + $3 * interval '1 millisecond'
         FROM due WHERE x.integration = $1 AND x.pair = due.pair AND x.side = due.side AND x.item_id = due.item_id
           AND (x.claimed_by IS NULL OR x.claim_expires <= now())
         RETURNING x.*`,
        [owner, ttlMs, limit],
      );
      return claimed.map((r) => inboxEntry(r, iso)).sort((a, b) => a.seq - b.seq);
    },
    async completeInbox(owner, seqs) {
      await rows(`DELETE FROM ${s}.inbox WHERE integration = $1 AND claimed_by = $2 AND seq = ANY($3::bigint[])`, [
        owner,
        [...seqs],
      ]);
    },
    async releaseInbox(owner, seqs, retryAfterMs) {
      await rows(
        `UPDATE ${s}.inbox SET claimed_by = NULL, claim_expires = NULL, available_at = now() + $4 * interval '1 millisecond'
         WHERE integration = $1 AND claimed_by = $2 AND seq = ANY($3::bigint[])`,
        [owner, [...seqs], retryAfterMs],
      );
    },
    async inboxDepth() {
      const [r] = await rows(
        `SELECT COUNT(*) AS n, MIN(received_at) AS oldest FROM ${s}.inbox WHERE integration = $1`,
        [],
      );
      return { entries: Number(r?.n ?? 0), ...(r?.oldest == null ? {} : { oldestReceivedAt: iso(r.oldest) }) };
    },
    async pruneDeliveries(before) {
      const gone = await rows(
        `DELETE FROM ${s}.webhook_deliveries WHERE integration = $1 AND received_at < $2::timestamptz RETURNING 1`,
        [before],
      );
      return gone.length;
    },
  };
}
