import { SyncbridgeError } from '../errors/syncbridge-error.js';
import {
  otherSide,
  type Failure,
  type Fence,
  type Intent,
  type ItemState,
  type Lease,
  type Link,
  type Side,
  type Snapshot,
  type StateOperations,
  type StateWrite,
} from './state-store.js';

/**
 * Applies writes one operation at a time, in order: `applyWrites` for a store whose writes
 * cost no round trip (in memory, an embedded file). Call it inside a transaction.
 */
export async function applyWritesInOrder(ops: StateOperations, writes: readonly StateWrite[]): Promise<void> {
  for (const w of writes) {
    if (w.op === 'putLink') await ops.putLink(w.link);
    else if (w.op === 'deleteLink') await ops.deleteLink(w.pair, w.leftId);
    else if (w.op === 'putSnapshot') await ops.putSnapshot(w.snapshot);
    else if (w.op === 'deleteSnapshot') await ops.deleteSnapshot(w.pair, w.side, w.itemId);
    else if (w.op === 'putIntent') await ops.putIntent(w.intent);
    else if (w.op === 'deleteIntent') await ops.deleteIntent(w.pair, w.side, w.sourceId);
    else if (w.op === 'putFailure') await ops.putFailure(w.failure);
    else await ops.deleteFailure(w.pair, w.side, w.itemId);
  }
}

/**
 * `loadItems` from single reads (five or so per item): for a store whose reads cost no
 * round trip. A store behind a network should read a page in a few queries instead.
 */
export async function loadItemsOneByOne(
  ops: StateOperations,
  pair: string,
  side: Side,
  itemIds: readonly string[],
): Promise<ItemState[]> {
  const other = otherSide(side);
  const out: ItemState[] = [];
  for (const itemId of itemIds) {
    const link = await ops.getLink(pair, side, itemId);
    const counterpart = link && (other === 'left' ? link.leftId : link.rightId);
    const state: ItemState = { itemId, snapshots: {}, failures: {} };
    if (link) state.link = link;
    const snapshot = await ops.getSnapshot(pair, side, itemId);
    if (snapshot) state.snapshots[side] = snapshot;
    const failure = await ops.getFailure(pair, side, itemId);
    if (failure) state.failures[side] = failure;
    if (counterpart !== undefined) {
      const theirs = await ops.getSnapshot(pair, other, counterpart);
      if (theirs) state.snapshots[other] = theirs;
      const theirFailure = await ops.getFailure(pair, other, counterpart);
      if (theirFailure) state.failures[other] = theirFailure;
    }
    const intent = await ops.getIntent(pair, side, itemId);
    if (intent) state.intent = intent;
    out.push(state);
  }
  return out;
}

/** Groups consecutive writes of the same kind, so a store can make each group one statement. */
export function groupWrites(writes: readonly StateWrite[]): StateWrite[][] {
  const groups: StateWrite[][] = [];
  for (const w of writes) {
    const last = groups.at(-1);
    if (last && last[0]!.op === w.op) last.push(w);
    else groups.push([w]);
  }
  return groups;
}

/**
 * The fence check of a transaction, by the store's clock (`now`, ISO): `LEASE_LOST` when the
 * lease was granted anew since the writer got its token, or lapsed (its holder stalled past it
 * and did not renew), else nothing.
 */
export function fenceProblem(
  integration: string,
  fence: Fence,
  held: Lease | undefined,
  now: string,
): SyncbridgeError | undefined {
  if (held?.token === fence.token && held.expiresAt > now) return undefined;
  return leaseLost(integration, fence, held);
}

/** The `LEASE_LOST` error of a fenced transaction whose lease was granted anew since, or lapsed. */
export function leaseLost(integration: string, fence: Fence, held: Lease | undefined): SyncbridgeError {
  const lapsed = held?.token === fence.token;
  const what = lapsed
    ? `lapsed at ${held.expiresAt} without renewal since this writer got token ${fence.token}`
    : `was taken over since this writer got token ${fence.token} (${held ? `it is now held by ${held.owner} with token ${held.token}` : 'it no longer exists'})`;
  return new SyncbridgeError(
    'LEASE_LOST',
    `lease "${fence.key}" of integration "${integration}" ${what}; its writes were refused and are merged again by the next pass`,
    {
      details: {
        key: fence.key,
        token: fence.token,
        ...(held ? { holder: held.owner, currentToken: held.token, expiresAt: held.expiresAt } : {}),
      },
    },
  );
}

/** The `STATE_STORE` error of a link whose item on one side is linked to another item already. */
export function linkTaken(pair: string, side: Side, itemId: string, cause?: unknown): SyncbridgeError {
  return new SyncbridgeError(
    'STATE_STORE',
    `pair "${pair}": the ${side} item ${itemId} is linked to another item already; unlink it first`,
    { details: { pair, side, itemId }, ...(cause ? { cause } : {}) },
  );
}

/** Puts the rows of a page read in bulk together as `loadItems` returns them: one state per id, in order. */
export function assembleItems(
  side: Side,
  itemIds: readonly string[],
  links: Map<string, Link>,
  snapshots: Snapshot[],
  failures: Failure[],
  intents: Intent[],
): ItemState[] {
  const other = otherSide(side);
  const key = (s: Side, id: string) => `${s}\u0000${id}`;
  const snapshotOf = new Map(snapshots.map((s) => [key(s.side, s.itemId), s]));
  const failureOf = new Map(failures.map((f) => [key(f.side, f.itemId), f]));
  const intentOf = new Map(intents.map((i) => [i.sourceId, i]));
  return itemIds.map((itemId) => {
    const link = links.get(itemId);
    const state: ItemState = { itemId, snapshots: {}, failures: {} };
    const ids: Partial<Record<Side, string>> = { [side]: itemId };
    if (link) {
      state.link = link;
      ids[other] = other === 'left' ? link.leftId : link.rightId;
    }
    for (const [s, id] of Object.entries(ids) as Array<[Side, string]>) {
      const snapshot = snapshotOf.get(key(s, id));
      if (snapshot) state.snapshots[s] = snapshot;
      const failure = failureOf.get(key(s, id));
      if (failure) state.failures[s] = failure;
    }
    const intent = intentOf.get(itemId);
    if (intent) state.intent = intent;
    return state;
  });
}
