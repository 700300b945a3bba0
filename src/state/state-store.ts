import { z } from 'zod';
import { fieldValueSchema, type FieldValue } from '../model/field.js';
import type { Watermark } from '../connector/connector.js';
import type { Logger } from '../logger.js';

/** The two sides of an entity pair. */
export type Side = 'left' | 'right';

/** Both sides, left first. */
export const sides = ['left', 'right'] as const;

/**
 * The end of a snapshot revision that matches no read (the engine's agreed values differ from
 * the item's): its item is merged again whenever it is seen.
 */
export const UNSETTLED_REVISION = '~unsettled';

/** The other side. */
export function otherSide(side: Side): Side {
  return side === 'left' ? 'right' : 'left';
}

/** A link between an item on the left and one on the right of an entity pair. */
export interface Link {
  /** Entity pair (mapping) name. */
  pair: string;
  leftId: string;
  rightId: string;
  leftKey: string;
  rightKey: string;
  createdAt: string;
}

/**
 * What the engine last saw or wrote of an item: its revision and the values of its
 * mapped fields. The base of three-way merges and of echo detection.
 */
export interface Snapshot {
  pair: string;
  side: Side;
  itemId: string;
  revision: string;
  updatedAt: string;
  fields: Record<string, FieldValue>;
  /**
   * Writes a pass was about to make to the pair when it stored this snapshot, before making
   * them; the commit after them stores the snapshot without. Found by a later merge (the process
   * died in between), a written value the item holds is the engine's own write, not a person's edit.
   */
  pending?: PendingWrites;
}

/** Writes about to be made to a linked pair (see {@link Snapshot.pending}). */
export interface PendingWrites {
  /** The values to write, by side and field id. */
  writes: Partial<Record<Side, Record<string, FieldValue>>>;
  /** Both sides' agreed values of each field written, should every write go through. */
  agreed: Record<Side, Record<string, FieldValue>>;
  /** For a field written on both sides: the agreed values should only this side's write go through. */
  alone?: Partial<Record<Side, Record<Side, Record<string, FieldValue>>>>;
}

/** A create about to be made: recorded before the call, removed with the link. */
export interface Intent {
  pair: string;
  /** Side of the source item. */
  side: Side;
  sourceId: string;
  sourceKey: string;
  createdAt: string;
  /**
   * The pair's agreed state should the create's answer be lost, by side: the source's mapped
   * values as the create read them, and the values it wrote to the copy (`null` for a field it
   * left empty). Absent from intents an earlier version recorded: such a pair is merged as one
   * whose agreed state is unknown.
   */
  agreed?: Record<Side, Record<string, FieldValue>>;
}

/** A queued failure of one item (source side and id), waiting for a retry or a person. */
export interface Failure {
  pair: string;
  /** Side of the item whose change failed to sync. */
  side: Side;
  itemId: string;
  itemKey: string;
  /**
   * `error`: the item's change could not be synced (retried with backoff; later changes of the
   * item wait behind it); `conflict`: a field changed on both sides under `manual`; `field`: the
   * other side refused some fields' values. Conflicts and refused fields hold only those fields
   * (listed in `details.fields`, see {@link FieldFailure}): the item's other fields keep syncing.
   */
  kind: 'error' | 'conflict' | 'field';
  code: string;
  message: string;
  details: Record<string, unknown>;
  attempts: number;
  /** Revisions of the item and its counterpart when it failed: a newer revision on either side is a new change. */
  revisions: Partial<Record<Side, string>>;
  /** When it is retried automatically; null when it waits for a person. */
  nextRetryAt: string | null;
  /**
   * When an operator discarded it (`syncbridge discard`): it is kept, never retried
   * automatically, until the item changes again on the side that failed.
   */
  discardedAt?: string | null;
  createdAt: string;
  updatedAt: string;
}

/** One field of an item that could not be synced, as kept in `Failure.details.fields`. */
export interface FieldFailure {
  /** The side that was to be written. */
  side: Side;
  /** The field there. */
  field: string;
  /** The value that was to be written (absent when it could not even be mapped). */
  value?: FieldValue;
  /** For a conflict: both sides' values. */
  conflict?: { left: FieldValue; right: FieldValue };
  code: string;
  message: string;
}

/** Whether an integration is active, and under which config. */
export interface IntegrationState {
  name: string;
  active: boolean;
  /** Hash of the config it was activated with (edits need deactivation first). */
  configHash: string;
  /**
   * What the hash covers, part by part (`mappings[0].fields[2]`, `systems.jira.baseUrl`): a
   * fingerprint of each, so that a change can be named. Absent in states written by earlier versions.
   */
  configParts?: Record<string, string>;
  updatedAt: string;
}

/**
 * A lease on a piece of work (one entity pair of an integration), so that processes sharing
 * a store never work on it at the same time. Its times come from the store's clock (the
 * database's, for PostgreSQL), never from the hosts asking.
 */
export interface Lease {
  /** What is leased (the engine uses the pair's name); scoped by the store's integration. */
  key: string;
  /** Who holds it (host, process and instance, for people to read). */
  owner: string;
  /** ISO time it lapses unless renewed. */
  expiresAt: string;
  /**
   * Fencing token: grows by one each time the lease is granted anew (free, lapsed or
   * released before), never on a renewal. A transaction fenced with an older token fails.
   */
  token: number;
}

/** A request for a lease (see {@link StateOperations.acquireLease}). */
export interface LeaseRequest {
  key: string;
  owner: string;
  /** How long the lease lasts from now (the store's clock) unless renewed, in ms. */
  ttlMs: number;
}

/** A lease held by a writer: transactions fenced with it fail once the lease was granted to someone else. */
export interface Fence {
  key: string;
  token: number;
}

/** Options of {@link StateStore.transaction}. */
export interface TransactionOptions {
  /**
   * Fails the transaction with `LEASE_LOST`, writing nothing, unless lease `fence.key` still
   * carries `fence.token` (nobody took it over since). Checked inside the transaction, so a
   * takeover cannot slip in between the check and the writes.
   */
  fence?: Fence | undefined;
}

/**
 * What the store holds of one item of a page and of its linked counterpart, as
 * {@link StateOperations.loadItems} reads it.
 */
export interface ItemState {
  /** The item's id on the side asked for. */
  itemId: string;
  link?: Link;
  /** The item's snapshot and its counterpart's. */
  snapshots: Partial<Record<Side, Snapshot>>;
  /** The queued failures of the item and of its counterpart. */
  failures: Partial<Record<Side, Failure>>;
  /** A create recorded with this item as its source and not yet settled. */
  intent?: Intent;
}

/** One write of {@link StateOperations.applyWrites}. */
export type StateWrite =
  | { op: 'putLink'; link: Link }
  | { op: 'deleteLink'; pair: string; leftId: string }
  | { op: 'putSnapshot'; snapshot: Snapshot }
  | { op: 'deleteSnapshot'; pair: string; side: Side; itemId: string }
  | { op: 'putIntent'; intent: Intent }
  | { op: 'deleteIntent'; pair: string; side: Side; sourceId: string }
  | { op: 'putFailure'; failure: Failure }
  | { op: 'deleteFailure'; pair: string; side: Side; itemId: string };

/** One item a webhook delivery named, as the delivery hands it to the inbox (see {@link StateOperations.addToInbox}). */
export interface InboxItem {
  /** The entity pair (mapping) the item belongs to. */
  pair: string;
  /** The item's side in that pair. */
  side: Side;
  itemId: string;
  itemKey: string;
  /** What the delivery said happened (`created`, `updated`, `deleted`, `commented`). */
  event: string;
  /** When the system says the change happened (ISO-8601), when the delivery tells. */
  changedAt?: string | undefined;
}

/** A verified webhook delivery, recorded at most once per system and delivery id. */
export interface InboxDelivery {
  /** Configured id of the system that sent it. */
  system: string;
  /** The system's id of the delivery, the same on a redelivery. */
  deliveryId: string;
  /** The items it names that belong to a mapping (may be empty: the delivery id is still recorded). */
  items: InboxItem[];
  /** How long its items wait before they can be claimed, so that a burst on one item is synced once. @default 0 */
  settleMs?: number | undefined;
}

/** An inbox entry: one item of one delivery, waiting to be synced. */
export interface InboxEntry extends InboxItem {
  /** Sequence number, growing in the order entries were received: an item's entries are synced in this order. */
  seq: number;
  /** The system and delivery it came with. */
  system: string;
  deliveryId: string;
  /** When the store received it (the store's clock). */
  receivedAt: string;
}

/** A request to claim inbox entries (see {@link StateOperations.claimInbox}). */
export interface InboxClaimRequest {
  /** Who claims (as in leases). */
  owner: string;
  /** How long the claim lasts from now (the store's clock), in ms: entries of a claim that lapsed (a killed process) are claimed again. */
  ttlMs: number;
  /** At most this many items. */
  limit: number;
}

/** How much waits in the inbox. */
export interface InboxDepth {
  /** Entries waiting or being synced. */
  entries: number;
  /** When the oldest of them was received, if any. */
  oldestReceivedAt?: string | undefined;
}

/** zod schema of a stored watermark, validated whenever it is read back. */
export const watermarkSchema: z.ZodType<Watermark> = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('timestamp'), value: z.string().datetime({ offset: true }) }),
  z.object({ kind: z.literal('revision'), value: z.string().regex(/^\d+$/) }),
]);

/** zod schema of stored snapshot fields. */
/** A fingerprint per configuration part, by its path; see {@link IntegrationState.configParts}. */
export const configPartsSchema = z.record(z.string(), z.string());

export const snapshotFieldsSchema = z.record(z.string(), fieldValueSchema);

/** The stored form of {@link Intent.agreed}. */
export const intentAgreedSchema = z.object({ left: snapshotFieldsSchema, right: snapshotFieldsSchema });

/** The stored form of {@link Snapshot.pending}. */
export const pendingWritesSchema = z.object({
  writes: z.object({ left: snapshotFieldsSchema.optional(), right: snapshotFieldsSchema.optional() }),
  agreed: intentAgreedSchema,
  alone: z.object({ left: intentAgreedSchema.optional(), right: intentAgreedSchema.optional() }).optional(),
});

/**
 * Reads and writes of one integration's state; every method is also available inside a
 * transaction. Two integrations sharing one database never see each other's records.
 */
export interface StateOperations {
  /** The link of an item, looked up by the id on either side. */
  getLink(pair: string, side: Side, itemId: string): Promise<Link | undefined>;
  /**
   * Writes a link (replacing the one of the same left item). An item is linked at most once
   * on each side: a link whose right item is linked to another left item fails with `STATE_STORE`.
   */
  putLink(link: Link): Promise<void>;
  /** Removes the link of a left item (its snapshots stay until removed with {@link StateOperations.deleteSnapshot}). */
  deleteLink(pair: string, leftId: string): Promise<void>;
  /** Links of a pair, oldest first, a page at a time. */
  listLinks(pair: string, options?: { limit?: number; offset?: number }): Promise<Link[]>;
  /** How many items a pair has linked. */
  countLinks(pair: string): Promise<number>;

  /** What the engine last saw or wrote of an item. */
  getSnapshot(pair: string, side: Side, itemId: string): Promise<Snapshot | undefined>;
  /** Records what the engine saw or wrote of an item (replaces the previous one). */
  putSnapshot(snapshot: Snapshot): Promise<void>;
  /** Forgets what the engine saw of an item. */
  deleteSnapshot(pair: string, side: Side, itemId: string): Promise<void>;
  /**
   * Snapshots of a pair that are not settled: holding pending writes, or with a revision ending
   * in {@link UNSETTLED_REVISION} (no read matches it), at most `limit` of them in any order.
   * Optional: without it the engine re-reads its own recent writes in every poll's overlap
   * (see `QueryRequest.ownChanges`).
   */
  listUnsettledSnapshots?(pair: string, limit: number): Promise<Snapshot[]>;

  /** Where polling of a side resumes; validated when read back. */
  getWatermark(pair: string, side: Side): Promise<Watermark | undefined>;
  /** Moves a side's watermark. */
  putWatermark(pair: string, side: Side, watermark: Watermark): Promise<void>;

  /** A create recorded for a source item and not yet settled. */
  getIntent(pair: string, side: Side, sourceId: string): Promise<Intent | undefined>;
  /** Records a create before the call, so an interrupted one is looked up, not repeated. */
  putIntent(intent: Intent): Promise<void>;
  /** Settles a create (its link was written, or the system refused it). */
  deleteIntent(pair: string, side: Side, sourceId: string): Promise<void>;
  /** Creates of a pair not yet settled. */
  listIntents(pair: string): Promise<Intent[]>;

  /** The queued failure of an item, if any. */
  getFailure(pair: string, side: Side, itemId: string): Promise<Failure | undefined>;
  /** Queues a failure (replacing the item's previous one). */
  putFailure(failure: Failure): Promise<void>;
  /** Removes an item's failure from the queue. */
  deleteFailure(pair: string, side: Side, itemId: string): Promise<void>;
  /** Failures of a pair (all pairs when omitted), oldest first. */
  listFailures(pair?: string): Promise<Failure[]>;

  /** The target comment a source comment was copied to. */
  getCommentLink(pair: string, side: Side, sourceCommentId: string): Promise<string | undefined>;
  /** Records that a source comment was copied, and which comment is its copy. */
  putCommentLink(pair: string, side: Side, sourceCommentId: string, targetCommentId: string): Promise<void>;
  /** Whether a comment id on a side is a copy the engine wrote. */
  isCommentCopy(pair: string, side: Side, commentId: string): Promise<boolean>;

  /**
   * The state of a page of items of one side in one call: each item's link, the snapshots
   * and failures of the item and its counterpart, and an unsettled create it is the source
   * of. One entry per id, in order. Costs the same few queries whatever the page size.
   */
  loadItems(pair: string, side: Side, itemIds: readonly string[]): Promise<ItemState[]>;
  /**
   * Applies writes in order, all or none (in its own transaction when called outside one).
   * A store may group runs of writes of the same kind into one statement.
   */
  applyWrites(writes: readonly StateWrite[]): Promise<void>;

  /** Whether an integration is active, and under which config. */
  getIntegrationState(name: string): Promise<IntegrationState | undefined>;
  /** Records activation or deactivation of an integration. */
  putIntegrationState(state: IntegrationState): Promise<void>;

  /**
   * Records a verified webhook delivery's items in the inbox, durably and all together, unless
   * a delivery of the same system and id was recorded before (a redelivery, a replay): then it
   * writes nothing and resolves `false`. Atomic across processes sharing the store.
   */
  addToInbox(delivery: InboxDelivery): Promise<boolean>;
  /**
   * Claims for `owner`, atomically across processes, every entry of up to `limit` items that
   * are due (an entry of theirs waited out its `settleMs`), oldest item first. An item with an
   * entry under another live claim is left alone, so no item is synced by two claimants at
   * once; an item's entries are claimed together. Returns the claimed entries by `seq`.
   */
  claimInbox(request: InboxClaimRequest): Promise<InboxEntry[]>;
  /** Removes entries `owner` claimed (they were synced); entries claimed by others are left alone. */
  completeInbox(owner: string, seqs: readonly number[]): Promise<void>;
  /** Hands entries `owner` claimed back, to be due again `retryAfterMs` from now (a busy pair, a failed sync). */
  releaseInbox(owner: string, seqs: readonly number[], retryAfterMs: number): Promise<void>;
  /** How many entries wait in the inbox, and since when. */
  inboxDepth(): Promise<InboxDepth>;
  /** Forgets the ids of deliveries received before `before` (ISO-8601); returns how many. Redeliveries older than that are no longer recognised. */
  pruneDeliveries(before: string): Promise<number>;

  /**
   * Takes the lease `request.key` for `request.owner` for `ttlMs` from now by the store's
   * clock, or renews it when that owner holds it already, unless another owner holds one that
   * has not lapsed. Atomic across every process sharing the store. Returns the lease in force
   * afterwards: the caller has it when its owner is the caller.
   */
  acquireLease(request: LeaseRequest): Promise<Lease>;
  /** Ends the lease `key` if `owner` holds it (its token stays, so the next grant's is higher); does nothing otherwise. */
  releaseLease(key: string, owner: string): Promise<void>;
}

/**
 * Where syncbridge keeps one integration's links, snapshots, watermarks, intents and
 * failures. Every state change of one item happens in one `transaction`.
 */
export interface StateStore extends StateOperations {
  /** The integration whose state this is (records of others in the same database are not seen). */
  readonly integration: string;
  /** Runs `fn` in one transaction: all its writes commit together, or none on a throw. */
  transaction<T>(fn: (tx: StateOperations) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Closes the store. */
  close(): Promise<void>;
}

/** What a {@link StateStoreFactory} is told when it opens a store. */
export interface StateStoreContext {
  /** The integration whose state is opened (`createSyncbridge({ name })`, default `default`). */
  integration: string;
  /** The logger of the integration. */
  logger: Logger;
}

/**
 * Opens a state store for one integration: what `state.store` in a configuration made in
 * code, and `createSyncbridge({ store })`, take. `sqliteStore()`, `postgresStore()` and
 * `memoryStore()` make the built-in ones; the integration closes the store it opened.
 */
export type StateStoreFactory = (context: StateStoreContext) => Promise<StateStore>;
