import type { ConflictPolicy, MappingConfig, MappingDirection, SyncbridgeConfig } from '../config/schema.js';
import { ATTACHMENT_IDS_FIELD, type Connector, type CreateRequest, type Watermark } from '../connector/connector.js';
import { RemoteError } from '../errors/remote-error.js';
import { SyncbridgeError, toSyncbridgeError } from '../errors/syncbridge-error.js';
import type { Logger } from '../logger.js';
import { valuesEqual, type FieldDescriptor, type FieldValue, type UserRef } from '../model/field.js';
import { imagesOf, isRichText } from '../model/rich-text.js';
import type { WorkItem } from '../model/item.js';
import {
  otherSide,
  sides,
  type Failure,
  type Intent,
  type Link,
  type Side,
  type Snapshot,
  type StateStore,
  type StateWrite,
  UNSETTLED_REVISION,
} from '../state/state-store.js';
import { copyComments } from './comments.js';
import { FILES_FAILURE_FIELD, copyAttachments } from './attachments.js';
import { linkedIds, type Twin, type TwinFinder } from './link-fields.js';
import { fieldFailureRecord, fieldFailuresOf, sameFieldFailures } from './field-failures.js';
import { DETACHED, PairDeletes } from './pair-deletes.js';
import { findCounterparts } from './existing-items.js';
import { agreementUnknown, interruptedCreateAgreement, relinkedAgreement } from './relink.js';
import type { ConflictEvent, Emitter, EngineEvents, PlannedWrite, RunSummary } from './events.js';
import { sameValue } from './field-values.js';
import {
  mergeCreate,
  mergeLinked,
  type FieldOutcome,
  type FieldProblem,
  type MergeInput,
  type MergePlan,
  pendingWrites,
} from './merge.js';
import { advanceWatermark, initialWatermark, pollSince, pollsByRevision } from './polling.js';
import { isUserAmong, type UserResolver } from './users.js';
import { flows, mapValue, type CompiledField } from './value-mapper.js';
import { chunk, createInBatches, mapLimit, readAhead, readInBatches, updateInBatches } from './batches.js';
import { writeBacklinks, type BacklinkContext } from './backlinks.js';

/** What one entity pair needs at run time. */
export interface PairRuntime {
  mapping: MappingConfig;
  connectors: Record<Side, Connector>;
  systemIds: Record<Side, string>;
  /** Ids and e-mails that identify each side's integration user. */
  integrationUsers: Record<Side, string[]>;
  fields: CompiledField[];
  descriptors: Record<Side, Map<string, FieldDescriptor>>;
  /** Twins of the items link fields name, through every mapping of the integration. */
  twins: TwinFinder;
  /**
   * The state store as the pair's passes write it: every write fenced by the pair's lease
   * (`fencedStore`), so that a pass that lost it writes nothing more. The connectors' writes
   * check the lease too (`fencedConnector`).
   */
  store: StateStore;
  settings: SyncbridgeConfig['engine'];
  emitter: Emitter<EngineEvents>;
  clock: () => Date;
  logger: Logger;
}

/** The ids of an item's files, when they came with it. */
const fileIdsOf = (item: WorkItem): string[] | undefined => {
  const ids = item.fields[ATTACHMENT_IDS_FIELD];
  return Array.isArray(ids) ? ids : undefined;
};

/** How a pass runs. */
export interface PassMode {
  dryRun: boolean;
  planned: PlannedWrite[];
  summary: RunSummary;
  users: UserResolver;
  policyOverride?: ConflictPolicy | undefined;
  /** Write values the other side refused before (a person's retry). */
  retryRefused?: boolean | undefined;
  /** Merge every field as if its agreed state were unknown (a reconcile). */
  reconcile?: MergeInput['reconcile'];
  /** Once aborted, the pass stops at the next batch boundary; what was written is committed. */
  signal?: AbortSignal | undefined;
}

interface Work {
  anchor: Side;
  /** Both items as read before any write. */
  items: Partial<Record<Side, WorkItem>>;
  /** Items as the systems hold them after this pass's writes. */
  written: Partial<Record<Side, WorkItem>>;
  link?: Link;
  snapshots: Record<Side, Snapshot | undefined>;
  /** Queued failures of the two items when the pass began. */
  failures: Partial<Record<Side, Failure>>;
  /** A create recorded and not settled (an interrupted create): of the anchor item, or of the item its stamp names. */
  intent?: Intent;
  plan?: MergePlan;
  create?: CreateRequest;
  /** Fields left out of a create, or that could not be mapped. */
  problems: FieldProblem[];
  warnings: FieldOutcome['warnings'];
  /** Fields each side refused in this pass. */
  refused: Record<Side, Record<string, SyncbridgeError>>;
  /** A write to a side that failed as a whole: its changes stay pending. */
  sideError: Partial<Record<Side, SyncbridgeError>>;
  /** Sides whose write got no answer and could not be read back: it may have been made. */
  unsure?: Partial<Record<Side, true>>;
  /** A failure of the whole item (read, plan or create). */
  error?: SyncbridgeError;
  /** Whether a write met a concurrent edit (a conditional update refused). */
  stale: boolean;
  /** The side whose linked item was found deleted. */
  gone?: Side;
  /** 0, or 1 when merged again after a concurrent edit. */
  depth: number;
  started: number;
}

/**
 * Whether a failed write may have been made: no answer came (a lost connection, a timeout), the
 * system failed after taking it (5xx), or the connector failed after sending it. A connector may
 * report such a failure per item rather than throw, as a `$batch` whose answer was lost does.
 */
function mayHaveActed(error: SyncbridgeError): boolean {
  const answered = error instanceof RemoteError && error.status !== undefined && error.status < 500;
  return (error.retryable || error.code === 'INTERNAL') && !answered;
}

/** A snapshot revision that matches no read: its item is merged again whenever it is seen. */
const unsettled = (revision: string) => `${revision}${UNSETTLED_REVISION}`;

/** At most this many unsettled items are named to a poll that leaves the engine's own changes out; more, and it reads them all. */
const MAX_UNSETTLED = 100;

/** Syncs one entity pair: polls both sides, merges, writes in batches and keeps state. */
export class PairSync {
  readonly name: string;
  /** The fields read of each side's items. */
  private readonly sideFields: Record<Side, string[]>;
  /** The fields of each side whose values a pair's agreed state (its snapshots) keeps: the mapped ones. */
  private readonly agreedFields: Record<Side, string[]>;
  /** Deleted items and detached pairs. */
  private readonly deletes: PairDeletes;
  /**
   * Per side, when the last poll of this process started: a quiet item changed before then was
   * counted by that poll (or a poll before it), and its overlap re-read is not counted again.
   */
  private readonly lastPollStart: Partial<Record<Side, number>> = {};
  /** Quiet revisions counted outside a poll (retries, webhooks) since the last pass, so that a poll does not count them again. */
  private readonly countedOutsidePoll = new Set<string>();
  /** While a side is polled: what its quiet items are counted against. */
  private polling: { side: Side; floor: number | undefined; uncounted?: Set<string> } | undefined;
  /** Pairs a dry run planned in this pass. */
  private readonly planned = new Set<string>();
  /** Whether unlinked items' copies are looked up by origin stamp (see `CounterpartContext.lookUpCopies`): once a pass meets an unlinked copy. */
  private lookUpCopies = false;
  /** Calls in flight at once per system (`engine.concurrency`). */
  private readonly concurrency: number;
  /** Per side and item, the revision this pass's update replaced: a copy of it read later (read ahead) is not news. */
  private readonly superseded = new Map<string, string>();

  constructor(private readonly rt: PairRuntime) {
    this.name = rt.mapping.name;
    this.concurrency = rt.settings.concurrency ?? 4;
    // Mapped fields, plus the field a match rule reads (unless it is the key or id).
    const read = (side: Side) => {
      const match = rt.mapping.matchExisting?.[side];
      return [
        ...new Set([
          ...rt.fields.map((f) => f.config[side]),
          ...(match && match !== 'key' && match !== 'id' ? [match] : []),
        ]),
      ];
    };
    this.agreedFields = { left: read('left'), right: read('right') };
    // Files are listed and copied only for items with a file not copied yet: their ids come with the items.
    const withFileIds = (side: Side) =>
      rt.mapping.attachments && rt.connectors[side].info.capabilities.attachments
        ? [...this.agreedFields[side], ATTACHMENT_IDS_FIELD]
        : this.agreedFields[side];
    this.sideFields = { left: withFileIds('left'), right: withFileIds('right') };
    this.deletes = new PairDeletes({
      name: this.name,
      rt,
      sideFields: this.sideFields,
      process: (side, items, mode) => this.processItems(side, items, mode, { force: true }),
      movedOut: (side, item) => this.movedOut(side, item),
      fail: (side, item, error, mode, waitsForPerson) =>
        this.fail({ anchor: side, items: { [side]: item }, failures: {} }, error, mode, { waitsForPerson }),
    });
  }

  /** What back-link writes of this pair need. */
  get backlinks(): BacklinkContext {
    return { pair: this.name, ...this.rt };
  }

  private isIntegrationUser(side: Side, user: UserRef | null): boolean {
    return isUserAmong(this.rt.integrationUsers[side], user);
  }

  /** A full pass: settle interrupted creates, retry due failures, then poll each side. */
  async run(mode: PassMode): Promise<void> {
    this.planned.clear();
    this.superseded.clear();
    this.lookUpCopies = false;
    if (!mode.dryRun) await this.resolveIntents();
    const createdBefore = mode.summary.created.left + mode.summary.created.right;
    const { maxAttempts } = this.rt.settings;
    await this.retryFailures(
      mode,
      (f) =>
        f.nextRetryAt !== null &&
        Date.parse(f.nextRetryAt) <= this.rt.clock().getTime() &&
        f.attempts < maxAttempts &&
        !f.discardedAt,
    );
    if (!mode.dryRun) await this.deletes.verifyLinks(mode);
    // Both starts are fixed before anything is written: a create on one side would otherwise
    // become the other side's "latest change" and hide the changes before it.
    const polled = sides.filter((side) => this.needsPoll(side));
    const starts: Partial<Record<Side, Watermark | undefined>> = {};
    for (const side of polled) starts[side] = await this.start(side, mode);
    for (const side of polled) if (!mode.signal?.aborted) await this.poll(side, mode, starts[side]);
    // Links this pass left waiting for items it then synced are written now, not a pass later.
    const created = mode.summary.created.left + mode.summary.created.right;
    if (!mode.dryRun && created > createdBefore)
      await this.retryFailures(
        mode,
        (f) => !f.discardedAt && fieldFailuresOf(f).some((x) => x.code === 'LINK_PENDING'),
      );
    this.countedOutsidePoll.clear();
  }

  /**
   * Whether a side's changes matter: some field (links and parents included), comments or files
   * flow from it, or its items leaving its filter unlink pairs (`keepSyncingUnmatched: false`).
   * The target of a one-way mapping is not polled; its items are read as counterparts, and its
   * deletes found as such (`verifyLinksPerPass`).
   */
  private needsPoll(side: Side): boolean {
    const { mapping, fields } = this.rt;
    const from = side === 'left' ? 'leftToRight' : 'rightToLeft';
    const carried = [mapping.comments?.direction, mapping.attachments?.direction];
    return (
      fields.some((f) => flows(f, from)) ||
      carried.some((direction) => direction === 'both' || direction === from) ||
      (!mapping.keepSyncingUnmatched && mapping[side].filter !== undefined)
    );
  }

  /** Where polling a side starts: its watermark, or on the first pass the polling strategy's start (stored unless dry). */
  private async start(side: Side, mode: PassMode): Promise<Watermark | undefined> {
    const stored = await this.rt.store.getWatermark(this.name, side);
    if (stored) return stored;
    const initial = await initialWatermark(this.rt.connectors[side], this.rt.mapping[side], this.rt.clock());
    if (!mode.dryRun && initial) await this.rt.store.putWatermark(this.name, side, initial);
    return initial;
  }

  /** Links items whose create went through but whose link was never written (a crash). */
  private async resolveIntents(): Promise<void> {
    const { store } = this.rt;
    for (const side of ['left', 'right'] as const) {
      const intents = (await store.listIntents(this.name)).filter((i) => i.side === side);
      if (intents.length === 0) continue;
      const target = otherSide(side);
      const found = await this.rt.connectors[target].findByOrigin({
        project: this.rt.mapping[target].project,
        type: this.rt.mapping[target].type,
        origins: intents.map((i) => ({ system: this.rt.systemIds[side], id: i.sourceId, key: i.sourceKey })),
        fields: this.sideFields[target],
      });
      const writes: StateWrite[] = [];
      for (const { origin, item } of found) {
        const intent = intents.find((i) => i.sourceId === origin.id)!;
        const ids =
          side === 'left'
            ? { leftId: intent.sourceId, rightId: item.id, leftKey: intent.sourceKey, rightKey: item.key }
            : { leftId: item.id, rightId: intent.sourceId, leftKey: item.key, rightKey: intent.sourceKey };
        writes.push(
          { op: 'putLink', link: { pair: this.name, ...ids, createdAt: this.rt.clock().toISOString() } },
          // A person may have edited the copy (or the source) since the create: the pair's first
          // merge takes the agreed state from what the create read and wrote.
          ...Object.values(interruptedCreateAgreement(intent, item, this.agreedFields[target])).map(
            (snapshot): StateWrite => ({ op: 'putSnapshot', snapshot }),
          ),
          { op: 'deleteIntent', pair: this.name, side, sourceId: intent.sourceId },
        );
        this.rt.logger.info('linked an item created before an interruption', {
          pair: this.name,
          source: intent.sourceKey,
          target: item.key,
        });
      }
      if (writes.length > 0) await store.applyWrites(writes);
      const sources = await readInBatches(
        this.rt.connectors[side],
        found.map((f) => f.origin.id),
        this.sideFields[side],
      );
      for (const { origin, item } of found) {
        const source = sources.get(origin.id);
        if (source)
          await writeBacklinks(
            this.backlinks,
            side === 'left' ? { left: source, right: item } : { left: item, right: source },
          );
      }
    }
  }

  /** Retries queued failures that `due` selects, reading each item afresh. */
  async retryFailures(mode: PassMode, due: (f: Failure) => boolean): Promise<void> {
    const failures = (await this.rt.store.listFailures(this.name)).filter(due);
    for (const side of ['left', 'right'] as const) {
      const ids = failures.filter((f) => f.side === side).map((f) => f.itemId);
      for (const batch of chunk(ids, this.rt.connectors[side].info.capabilities.maxGetBatch)) {
        if (mode.signal?.aborted) return;
        const items = await this.rt.connectors[side].getMany(batch, { fields: this.sideFields[side] });
        const missing = mode.dryRun ? [] : batch.filter((id) => !items.some((i) => i.id === id));
        for (const { itemId, link } of missing.length === 0
          ? []
          : await this.rt.store.loadItems(this.name, side, missing)) {
          if (link) await this.deletes.handle(side, link, undefined, mode, 'deleted');
          else await this.rt.store.deleteFailure(this.name, side, itemId);
        }
        await this.processItems(side, items, mode, { force: true });
      }
    }
  }

  /** Syncs single items now (webhooks), whether or not they changed since the last sync. */
  async syncItems(side: Side, ids: string[], mode: PassMode): Promise<void> {
    for (const batch of chunk(ids, this.rt.connectors[side].info.capabilities.maxGetBatch)) {
      if (mode.signal?.aborted) return;
      await this.processItems(
        side,
        await this.rt.connectors[side].getMany(batch, { fields: this.sideFields[side] }),
        mode,
        { force: true },
      );
    }
  }

  /**
   * Merges linked pairs again, reading both items afresh: every pair (a reconcile, with
   * `mode.reconcile` set), or only pairs whose agreed state lacks a mapped field (a field
   * added to the mapping since, filled by its direction and the conflict policy).
   */
  async relinkedPairs(mode: PassMode, options: { missingFieldsOnly: boolean }): Promise<void> {
    const { store } = this.rt;
    const lacks = (snapshot: Snapshot | undefined, side: Side) =>
      !snapshot || this.agreedFields[side].some((id) => !(id in snapshot.fields));
    for (let offset = 0; ; offset += 500) {
      const links = await store.listLinks(this.name, { limit: 500, offset });
      if (links.length === 0) break;
      const states = options.missingFieldsOnly
        ? await store.loadItems(
            this.name,
            'left',
            links.map((l) => l.leftId),
          )
        : [];
      const ids = options.missingFieldsOnly
        ? states
            .filter((x) => lacks(x.snapshots.left, 'left') || lacks(x.snapshots.right, 'right'))
            .map((x) => x.itemId)
        : links.map((l) => l.leftId);
      for (const batch of chunk(ids, this.rt.connectors.left.info.capabilities.maxGetBatch)) {
        await this.processItems(
          'left',
          await this.rt.connectors.left.getMany(batch, { fields: this.sideFields.left }),
          mode,
          { force: true },
        );
      }
      if (links.length < 500) break;
    }
  }

  private async poll(side: Side, mode: PassMode, start: Watermark | undefined): Promise<void> {
    const { store, connectors, mapping, settings } = this.rt;
    const connector = connectors[side];
    let watermark = start;
    const since = pollSince(watermark, connector, settings.overlapMs);
    const ownChanges = await this.ownChangesSettled(side, watermark, since);
    const filter = mapping[side].filter;
    // A linked item that stopped matching the filter keeps syncing, or under `keepSyncingUnmatched:
    // false` has its last change synced and is then unlinked: a second, unfiltered query picks up
    // linked items only (needless while nothing was linked before this pass).
    const followLinked = filter !== undefined && (await store.countLinks(this.name)) > 0;
    // Ids the filtered query yielded (kept only when the linked-only query follows it).
    const matched = new Set<string>();
    // Linked ids the linked-only query yielded, when it runs first.
    const linkedRead = new Set<string>();
    // Under `keepSyncingUnmatched` (the default) both queries' items are synced alike, in any
    // order: the unfiltered, linked-only one runs first, and when its window holds no item at all,
    // the filtered one (the same window, narrowed; an item changed since this poll started is the
    // next poll's) has none either and is not sent. Otherwise the filtered query runs first: the
    // linked-only one then finds the items that left the filter among those it did not yield.
    const filtered = { filter, linkedOnly: false };
    const linked = { filter: undefined, linkedOnly: true };
    const linkedFirst = followLinked && mapping.keepSyncingUnmatched;
    const queries = !followLinked ? [filtered] : linkedFirst ? [linked, filtered] : [filtered, linked];
    let processed = 0;
    // Items the queries yielded, before any is set aside.
    let read = 0;
    // Items read later in a query may carry changes made after it started, while an item changed
    // meanwhile may not be in its result at all: the watermark never passes the query's start.
    const startedAt = this.rt.clock().toISOString();
    const clip = (mark: Watermark | undefined): Watermark | undefined =>
      mark?.kind === 'timestamp' && mark.value > startedAt ? { kind: 'timestamp', value: startedAt } : mark;
    this.polling = { side, floor: this.lastPollStart[side] };
    try {
      for (const [n, query] of queries.entries()) {
        // The second query reads again what the first one read and counted.
        if (n > 0) {
          if (linkedFirst && read === 0) break;
          this.polling.uncounted = linkedFirst ? linkedRead : matched;
        }
        const pages = connector.query({
          project: mapping[side].project,
          type: mapping[side].type,
          filter: query.filter,
          since,
          ...(ownChanges ? { ownChanges } : {}),
          fields: this.sideFields[side],
          pageSize: settings.pageSize,
        });
        // The next page is read while this one is merged, written and committed; pages are still
        // taken in order. A page of other items may also be merged while the one before it waits
        // for its writes (see `mayOverlap`); its writes and its watermark wait for that page.
        let before: { page: WorkItem[]; done: Promise<void> } | undefined;
        try {
          for await (const got of readAhead(pages)) {
            if (mode.signal?.aborted) return;
            if (before && !this.mayOverlap(side, got, before.page, mode)) await before.done;
            // A copy read before this pass wrote the item (on a page read ahead) is what the write was merged from.
            const page = this.superseded.size === 0 ? got : got.filter((i) => !this.isSuperseded(side, i));
            read += got.length;
            const items = query.linkedOnly ? await this.linkedOnly(side, page) : page;
            if (!query.linkedOnly && followLinked) for (const item of page) matched.add(item.id);
            if (query.linkedOnly && linkedFirst) for (const item of items) linkedRead.add(item.id);
            const leaving =
              query.linkedOnly && !mapping.keepSyncingUnmatched ? items.filter((i) => !matched.has(i.id)) : [];
            const previous = before?.done;
            const done = (async () => {
              await this.processItems(side, query.linkedOnly && !mapping.keepSyncingUnmatched ? leaving : items, mode, {
                ...(leaving.length > 0 ? { force: true } : {}),
                ...(previous ? { after: previous } : {}),
              });
              // The page may have been left unwritten (see `processItems`): the next pass reads it again.
              if (mode.signal?.aborted) return;
              const states =
                mode.dryRun || leaving.length === 0
                  ? []
                  : await store.loadItems(
                      this.name,
                      side,
                      leaving.map((i) => i.id),
                    );
              for (const [i, { link }] of states.entries())
                if (link) await this.deletes.handle(side, link, leaving[i], mode, 'unmatched');
              await previous;
              watermark = clip(advanceWatermark(watermark, page, pollsByRevision(connector)));
              if (!mode.dryRun && watermark && queries.length === 1)
                await store.putWatermark(this.name, side, watermark);
              processed += items.length;
              this.rt.emitter.emit('progress', { pair: this.name, side, processed });
            })();
            // Awaited below, or by the next page; a failure is never left unhandled meanwhile.
            done.catch(() => undefined);
            before = { page: got, done };
            if (previous) await previous;
          }
          if (before) await before.done;
        } finally {
          // A page still being written when the pass stops (a failure, an abort) is finished first.
          await before?.done.catch(() => undefined);
        }
      }
    } finally {
      this.polling = undefined;
    }
    this.lastPollStart[side] = Date.parse(startedAt);
    // Everything changed before the query started was in its result: the next poll's overlap is
    // measured back from then, so a side that went quiet does not read its last changes every pass.
    if (!pollsByRevision(connector) && !(watermark?.kind === 'timestamp' && watermark.value > startedAt))
      watermark = { kind: 'timestamp', value: startedAt };
    if (!mode.dryRun && watermark) await store.putWatermark(this.name, side, watermark);
  }

  /**
   * What a poll may leave out of its overlap (see `QueryRequest.ownChanges`): items whose last
   * change is the engine's own write made before the watermark, except those the state does not
   * show as settled. Undefined (everything in the window is read) unless all of this holds:
   *
   * - The connector's updates are conditional (`conditionalUpdate`: Azure DevOps tests `/rev`).
   *   Each write was made against the revision the engine had read and merged, so whatever
   *   anybody changed before it is in the agreed state; anything changed after it by a person
   *   makes that person the last changer, and the item is in the result whatever its date.
   * - The store lists unsettled snapshots, and there are few. Every write that may not be
   *   recorded as synced is named (`except`) and read: a write whose answer was lost (its pending
   *   record is kept, its failure retried), the writes of a process that died between writing
   *   and committing (the pending record stored before any write, on the pair's snapshot:
   *   both items are named), and an item whose agreed values differ from what it holds (an
   *   unsettled revision, merged again whenever seen).
   * - No create is unsettled towards this side (an intent): its copy may exist unlinked.
   *   `resolveIntents` finds it by its origin anyway; the poll reads the whole overlap meanwhile.
   *
   * What the overlap then still reads: every change by anybody else, and the engine's own writes
   * from the watermark on. What it no longer reads again: a write made with the integration
   * user's credentials by another tool within clock skew (or index lag) of a poll's start and
   * missed by that poll; give each integration an account of its own.
   */
  private async ownChangesSettled(
    side: Side,
    watermark: Watermark | undefined,
    since: Watermark | undefined,
  ): Promise<{ before: Watermark; except: string[] } | undefined> {
    const { store, connectors } = this.rt;
    if (!connectors[side].info.capabilities.conditionalUpdate || !store.listUnsettledSnapshots) return undefined;
    if (
      watermark?.kind !== 'timestamp' ||
      since?.kind !== 'timestamp' ||
      Date.parse(since.value) >= Date.parse(watermark.value)
    )
      return undefined;
    if ((await store.listIntents(this.name)).some((i) => i.side === otherSide(side))) return undefined;
    const unsettledSnapshots = await store.listUnsettledSnapshots(this.name, MAX_UNSETTLED + 1);
    if (unsettledSnapshots.length > MAX_UNSETTLED) return undefined;
    const except = new Set<string>();
    for (const snapshot of unsettledSnapshots) {
      if (snapshot.side === side) except.add(snapshot.itemId);
      else if (snapshot.pending) {
        // The pending writes of a pair are kept on one of its snapshots: the other item was written too.
        const link = await store.getLink(this.name, snapshot.side, snapshot.itemId);
        if (link) except.add(side === 'left' ? link.leftId : link.rightId);
      }
    }
    return { before: watermark, except: [...except] };
  }

  private async linkedOnly(side: Side, page: WorkItem[]): Promise<WorkItem[]> {
    if (page.length === 0) return [];
    const states = await this.rt.store.loadItems(
      this.name,
      side,
      page.map((i) => i.id),
    );
    return page.filter((_, i) => states[i]!.link);
  }

  /**
   * Processes changed items of one side: classify, read counterparts, merge, write in
   * batches, commit. Unless forced, an item is skipped when its revision was already
   * synced, or already failed: a failed item waits for its retry, and any newer change on
   * either side is merged into that retry, so an item's changes never apply out of order.
   */
  async processItems(
    anchor: Side,
    items: WorkItem[],
    mode: PassMode,
    options: {
      force?: boolean;
      depth?: number;
      /** What the page's writes wait for (the page before it, still being written). */
      after?: Promise<unknown>;
    } = {},
  ): Promise<void> {
    const { store } = this.rt;
    const target = otherSide(anchor);
    const depth = options.depth ?? 0;
    const works: Work[] = [];
    if (
      !mode.dryRun &&
      items.some((i) => this.mayBeOwnCreate(anchor, i)) &&
      (await store.listIntents(this.name)).some((i) => i.side === target)
    ) {
      // Items the engine created whose link was never written must be linked, not copied back.
      await this.resolveIntents();
    }
    // The state of the whole page in one read: links, both items' snapshots and failures.
    const states =
      items.length === 0
        ? []
        : await store.loadItems(
            this.name,
            anchor,
            items.map((i) => i.id),
          );
    for (const [i, item] of items.entries()) {
      const { link, snapshots, failures, intent } = states[i]!;
      const snapshot = snapshots[anchor];
      // A discarded failure holds only until the item changes again on the side that failed.
      const blocking = [failures[anchor], failures[target]].find(
        (f) => f?.kind === 'error' && !(f.discardedAt && f.side !== anchor),
      );
      const seen = blocking ? blocking.revisions[anchor] === item.revision : snapshot?.revision === item.revision;
      if (seen && !options.force) {
        if (!blocking) this.countQuiet(anchor, item, mode);
        continue;
      }
      const targetSnapshot = snapshots[target];
      // A pair whose other item was deleted, or that left the filter, no longer syncs.
      if (snapshot?.revision === DETACHED || targetSnapshot?.revision === DETACHED) continue;
      works.push({
        anchor,
        items: { [anchor]: item },
        written: {},
        ...(link ? { link } : {}),
        snapshots: { [anchor]: snapshot, [target]: targetSnapshot } as Record<Side, Snapshot | undefined>,
        failures,
        ...(intent ? { intent } : {}),
        problems: [],
        warnings: [],
        refused: { left: {}, right: {} },
        sideError: {},
        stale: false,
        depth,
        started: Date.now(),
      });
    }
    if (works.length === 0) return;
    // Counterparts are read once the page before is written: its writes may change them (the other end of a link).
    if (options.after && works.some((w) => w.link)) await options.after;
    await this.readCounterparts(target, works);
    await this.findExisting(
      anchor,
      works.filter((w) => !w.link && !w.error),
    );
    if (!mode.dryRun)
      for (const work of works.filter((w) => w.gone))
        await this.deletes.handle(work.gone!, work.link!, work.items[anchor], mode, 'deleted');
    for (const work of works.filter((w) => !w.error && !w.gone)) await this.plan(work, mode);
    if (options.after) {
      await options.after;
      // A pass stopped while the page before was written stops at that page's end: nothing of this one is written.
      if (mode.signal?.aborted) return;
    }
    if (mode.dryRun)
      return this.recordPlanned(
        works.filter((w) => !w.gone),
        mode,
      );
    const creates = works.filter((w) => w.create && !w.error && !w.gone);
    const updates = works.filter((w) => w.plan && !w.error && !w.gone);
    await this.recordAhead(creates, updates);
    await this.executeCreates(target, creates);
    await this.executeUpdates(updates);
    await this.commit(
      works.filter((w) => !w.gone),
      mode,
    );
    // An item moved out of the mapping's project or type had its last change synced above; now the pair is unlinked.
    for (const work of works.filter((w) => w.link && !w.gone && !w.error)) {
      for (const side of sides)
        if (this.movedOut(side, work.items[side]))
          await this.deletes.handle(side, work.link!, work.items[side], mode, 'unmatched');
    }
    // A concurrent edit landed between read and write: what did get written is committed
    // above, so a merge against fresh reads takes the rest, and the edit, as changes.
    const stale = works.filter((w) => w.stale);
    if (stale.length > 0 && depth === 0) {
      const fresh = await this.rt.connectors[anchor].getMany(
        stale.map((w) => w.items[anchor]!.id),
        { fields: this.sideFields[anchor] },
      );
      await this.processItems(anchor, fresh, mode, { force: true, depth: 1 });
    }
  }

  /**
   * Whether an item now lives outside the mapping's project or type (a Jira project move, an
   * Azure DevOps type change). A project named by an id the connector does not report (an
   * Azure DevOps project GUID) is not compared.
   */
  movedOut(side: Side, item: WorkItem | undefined): boolean {
    if (!item?.scope) return false;
    const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
    const { project, type } = this.rt.mapping[side];
    const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(project);
    return !same(item.scope.type, type) || (!guid && !item.scope.projects.some((p) => same(p, project)));
  }

  /**
   * Whether a page may be merged while the page before it is still being written (its own writes
   * wait for that page, so that systems see the writes in the same order): only when both pages
   * hold other items, none of them a copy or the integration user's change (which may be a
   * create of the page before, not linked yet), none of this page's links pointing at an item of
   * the page before (whose twin that page is creating), and the mapping matches no existing items
   * (a match could be an item the page before is creating).
   */
  private mayOverlap(side: Side, page: WorkItem[], before: WorkItem[], mode: PassMode): boolean {
    if (mode.dryRun || this.rt.mapping.matchExisting) return false;
    const plain = (i: WorkItem) => !i.origin && !this.mayBeOwnCreate(side, i);
    if (!before.every(plain) || !page.every(plain)) return false;
    const ids = new Set(before.map((i) => i.id));
    const links = this.rt.fields.filter((f) => f.link).map((f) => f.config[side]);
    return page.every((i) => !ids.has(i.id) && links.every((f) => !linkedIds(i.fields[f]).some((id) => ids.has(id))));
  }

  private isSuperseded(side: Side, item: WorkItem): boolean {
    return this.superseded.get(`${side}\u0000${item.id}`) === item.revision;
  }

  private mayBeOwnCreate(side: Side, item: WorkItem): boolean {
    return item.updatedBy === null || this.isIntegrationUser(side, item.updatedBy);
  }

  /**
   * Counts an item that needed no write, once: a poll counts what changed after the side's last
   * poll started (what changed before was counted by it, whatever the overlap reads again), and
   * no revision counted outside a poll since the last pass. Holds nothing per item it polls.
   */
  private countQuiet(anchor: Side, item: WorkItem, mode: PassMode): void {
    const key = `${anchor}\u0000${item.id}\u0000${item.revision}`;
    if (this.countedOutsidePoll.has(key)) return;
    const polling = this.polling?.side === anchor ? this.polling : undefined;
    if (polling) {
      if (polling.uncounted?.has(item.id)) return;
      if (polling.floor !== undefined && Date.parse(item.updatedAt) <= polling.floor) return;
    } else this.countedOutsidePoll.add(key);
    if (this.isIntegrationUser(anchor, item.updatedBy)) mode.summary.echoesSkipped++;
    else mode.summary.unchanged++;
  }

  private async readCounterparts(target: Side, works: Work[]): Promise<void> {
    const linked = works.filter((w) => w.link);
    const connector = this.rt.connectors[target];
    await mapLimit(chunk(linked, connector.info.capabilities.maxGetBatch), this.concurrency, async (batch) => {
      const ids = batch.map((w) => (target === 'right' ? w.link!.rightId : w.link!.leftId));
      try {
        const found = new Map(
          (await connector.getMany(ids, { fields: this.sideFields[target] })).map((i) => [i.id, i]),
        );
        batch.forEach((w, i) => {
          const item = found.get(ids[i]!);
          if (item) w.items[target] = item;
          else w.gone = target;
        });
      } catch (error) {
        for (const w of batch) w.error = toSyncbridgeError(error);
      }
    });
  }

  /** For unlinked items: finish an interrupted create, or link to an existing match, before creating. */
  private async findExisting(anchor: Side, works: Work[]): Promise<void> {
    // An unlinked stamped copy means links were lost (a state file restored from a backup): from
    // then on this pass looks up copies of unstamped items too. Otherwise the query is spared:
    // activation relinks a store found empty, and a new item has no copy yet.
    if (works.some((w) => w.items[anchor]!.origin?.system === this.rt.systemIds[otherSide(anchor)]))
      this.lookUpCopies = true;
    const relinked = new Set<string>();
    const found = await findCounterparts(
      {
        pair: this.name,
        connectors: this.rt.connectors,
        mapping: this.rt.mapping,
        store: this.rt.store,
        systemIds: this.rt.systemIds,
        fields: this.sideFields,
        lookUpCopies: this.lookUpCopies,
        relinked,
      },
      anchor,
      works.map((w) => w.items[anchor]!),
      // The page's state was read just before: the intents are known.
      new Set(works.filter((w) => w.intent).map((w) => w.items[anchor]!.id)),
    );
    const target = otherSide(anchor);
    for (const w of works) {
      const outcome = found.get(w.items[anchor]!.id);
      if (outcome instanceof SyncbridgeError) w.error = outcome;
      if (!outcome || outcome instanceof SyncbridgeError) continue;
      w.items[target] = outcome;
      const relinkedPair = relinked.has(w.items[anchor]!.id);
      // A copy found by its stamp may be one whose create was interrupted: the other item's intent knows.
      if (!w.intent && relinkedPair) {
        const intent = await this.rt.store.getIntent(this.name, target, outcome.id);
        if (intent) w.intent = intent;
      }
      if (w.intent) {
        const copy = w.items[otherSide(w.intent.side)]!;
        w.snapshots = interruptedCreateAgreement(w.intent, copy, this.agreedFields[otherSide(w.intent.side)]);
      } else if (relinkedPair) {
        // A relinked item the engine changed last holds the values agreed then; the other side's
        // agreed values are unknown, so a field differing there merges as one added to the mapping.
        const agreement = (side: Side) =>
          relinkedAgreement(
            this.name,
            side,
            w.items[side]!,
            this.sideFields[side],
            this.isIntegrationUser(side, w.items[side]!.updatedBy),
          );
        w.snapshots = { left: agreement('left'), right: agreement('right') };
      }
    }
  }

  /** A value a side refused before, recorded with the failures of either item. */
  private refusal(work: Work, side: Side, field: string, value: FieldValue): SyncbridgeError | undefined {
    for (const failure of Object.values(work.failures)) {
      const entry = fieldFailuresOf(failure).find(
        (f) =>
          f.side === side &&
          f.field === field &&
          f.code !== 'CONFLICT' &&
          'value' in f &&
          sameValue(f.value, value, this.rt.descriptors[side].get(field)),
      );
      if (entry)
        return new SyncbridgeError(entry.code as SyncbridgeError['code'], entry.message, { details: { field } });
    }
    return undefined;
  }

  /** When a side last changed a field, for `newestWins`: the connector's per-field times, else the item's. */
  private async changedAt(work: Work, side: Side, field: string): Promise<number> {
    const item = work.items[side]!;
    const connector = this.rt.connectors[side];
    if (connector.fieldChangeTimes) {
      try {
        const at = (await connector.fieldChangeTimes([item.id], [field]))[item.id]?.[field];
        if (at) return Date.parse(at);
      } catch (error) {
        this.rt.logger.warn('could not read when a field changed; comparing item times', {
          pair: this.name,
          side,
          key: item.key,
          field,
          error: toSyncbridgeError(error).message,
        });
      }
    }
    return Date.parse(item.updatedAt);
  }

  private async plan(work: Work, mode: PassMode): Promise<void> {
    const { anchor } = work;
    const target = otherSide(anchor);
    const base = {
      pair: this.name,
      fields: this.rt.fields,
      anchor,
      descriptors: this.rt.descriptors,
      users: mode.users,
      twins: this.twins,
    };
    try {
      if (!work.items[target]) {
        const source = work.items[anchor]!;
        const created = await mergeCreate({ ...base, source });
        work.problems.push(...created.problems);
        work.warnings.push(...created.warnings);
        work.create = {
          project: this.rt.mapping[target].project,
          type: this.rt.mapping[target].type,
          fields: created.fields,
          origin: {
            system: this.rt.systemIds[anchor],
            id: source.id,
            key: source.key,
            ...(this.rt.connectors[anchor].webUrl ? { url: this.rt.connectors[anchor].webUrl(source) } : {}),
          },
          returnFields: this.sideFields[target],
        };
        this.failOnMissingLinks(work);
        return;
      }
      work.plan = await mergeLinked({
        ...base,
        items: work.items as Record<Side, WorkItem>,
        snapshots: work.snapshots,
        defaultPolicy: this.rt.mapping.conflicts,
        policyOverride: mode.policyOverride,
        agreementUnknown: agreementUnknown(work.snapshots),
        changedAt: (side, field) => this.changedAt(work, side, field),
        refused: (side, field, value) => (mode.retryRefused ? undefined : this.refusal(work, side, field, value)),
        refusedBefore: (side, field, value) => this.refusal(work, side, field, value),
        reconcile: mode.reconcile,
      });
      const pending = work.snapshots.left?.pending ?? work.snapshots.right?.pending;
      if (pending)
        this.rt.logger.info('merged a pair against the writes of a pass that did not commit them', {
          pair: this.name,
          leftKey: work.items.left!.key,
          rightKey: work.items.right!.key,
          written: Object.fromEntries(sides.map((s) => [s, Object.keys(pending.writes[s] ?? {})])),
        });
      // A conflict already queued with the same values is not news; merging the pair again finds it again.
      const queued = fieldFailuresOf(work.failures.left).filter((f) => f.code === 'CONFLICT');
      const known = (event: ConflictEvent) =>
        queued.some(
          (f) =>
            f.field === event.field.right &&
            f.conflict &&
            valuesEqual(f.conflict.left, event.left) &&
            valuesEqual(f.conflict.right, event.right),
        );
      for (const event of [...work.plan.resolved, ...work.plan.manual.filter((e) => !known(e))]) {
        mode.summary.conflicts++;
        this.rt.emitter.emit('conflict', event);
      }
      for (const outcome of work.plan.fields) {
        if (outcome.problem) work.problems.push(outcome.problem);
        work.warnings.push(...outcome.warnings);
      }
      this.failOnMissingLinks(work);
    } catch (error) {
      work.error = toSyncbridgeError(error);
    }
  }

  /** The twin on `target` of an item the other side names. */
  private readonly twins = (target: Side, sourceId: string): Promise<Twin | undefined> =>
    this.rt.twins.find(this.rt.systemIds[otherSide(target)], this.rt.systemIds[target], sourceId);

  /** A link to an item not synced yet fails the whole item where its mapping says `onMissingTarget: fail`. */
  private failOnMissingLinks(work: Work): void {
    const failing = work.problems.find(
      (p) =>
        p.error.code === 'LINK_PENDING' &&
        this.rt.fields.some((f) => f.link?.onMissingTarget === 'fail' && f.config[otherSide(p.source)] === p.field),
    );
    if (failing) work.error = failing.error;
  }

  /** Whether the create of a work leaves a link of `field` for later (see `LINK_PENDING`): the source's value is then not agreed. */
  private linkPendingOnCreate(work: Work, field: CompiledField): boolean {
    const target = otherSide(work.anchor);
    return work.problems.some((p) => p.error.code === 'LINK_PENDING' && p.field === field.config[target]);
  }

  /** The writes a work makes (a create, or updates on either side), as reported to events and dry runs. */
  private writesOf(work: Work, only?: (side: Side, field: string) => boolean): PlannedWrite[] {
    const target = otherSide(work.anchor);
    const keep = (side: Side, fields: Record<string, FieldValue>) =>
      Object.fromEntries(Object.entries(fields).filter(([f]) => !only || only(side, f)));
    if (work.create) {
      const created = work.written[target];
      return [
        {
          pair: this.name,
          side: target,
          action: 'create',
          ...(created ? { targetKey: created.key } : {}),
          sourceKey: work.items[work.anchor]!.key,
          fields: keep(target, work.create.fields),
        },
      ];
    }
    return sides
      .map((side) => ({
        pair: this.name,
        side,
        action: 'update' as const,
        targetKey: work.items[side]!.key,
        sourceKey: work.items[otherSide(side)]!.key,
        fields: keep(side, work.plan?.writes[side] ?? {}),
      }))
      .filter((write) => Object.keys(write.fields).length > 0);
  }

  /** Records a dry run's writes; a pair merged from both sides in one pass is listed once, as the run writes it once. */
  private recordPlanned(works: Work[], mode: PassMode): void {
    for (const w of works.filter((x) => !x.error)) {
      const key = w.link ? `link ${w.link.leftId}` : `${w.anchor} ${w.items[w.anchor]!.id}`;
      if (this.planned.has(key)) continue;
      this.planned.add(key);
      mode.planned.push(...this.writesOf(w));
    }
  }

  /**
   * What a create reads and writes, as its intent keeps it: the source's mapped values, and per
   * field the create writes to, the value written (`null` for none), as {@link agreedState} agrees them.
   */
  private createAgreement(work: Work): Record<Side, Record<string, FieldValue>> {
    const { anchor } = work;
    const target = otherSide(anchor);
    const source = work.items[anchor]!;
    const written: Record<string, FieldValue> = {};
    const read = Object.fromEntries(this.agreedFields[anchor].map((id) => [id, source.fields[id] ?? null]));
    for (const field of this.rt.fields) {
      if (!flows(field, target === 'right' ? 'leftToRight' : 'rightToLeft')) continue;
      written[field.config[target]] = work.create!.fields[field.config[target]] ?? null;
      if (this.linkPendingOnCreate(work, field)) read[field.config[anchor]] = null;
    }
    return { [anchor]: read, [target]: written } as Record<Side, Record<string, FieldValue>>;
  }

  /**
   * Records, in one transaction before any write to the systems, what the writes about to be
   * made are: an intent per create (with what it reads and writes), and each updated pair's
   * pending writes on its snapshot. Should the process die before the commit, the next pass
   * finds the creates by their origin and takes the values written as the engine's own.
   */
  private async recordAhead(creates: Work[], updates: Work[]): Promise<void> {
    const now = this.rt.clock().toISOString();
    const writes: StateWrite[] = creates.map((w) => ({
      op: 'putIntent',
      intent: {
        pair: this.name,
        side: w.anchor,
        sourceId: w.items[w.anchor]!.id,
        sourceKey: w.items[w.anchor]!.key,
        createdAt: now,
        agreed: this.createAgreement(w),
      },
    }));
    for (const w of updates.filter((x) => x.link)) {
      const pending = pendingWrites(w.plan!);
      const snapshot = w.snapshots.left ?? w.snapshots.right;
      if (pending && snapshot) writes.push({ op: 'putSnapshot', snapshot: { ...snapshot, pending } });
    }
    if (writes.length > 0) await this.rt.store.applyWrites(writes);
  }

  private async executeCreates(target: Side, works: Work[]): Promise<void> {
    if (works.length === 0) return;
    const anchor = otherSide(target);
    const outcomes = await createInBatches(
      this.rt.connectors[target],
      works.map((w) => w.create!),
      this.concurrency,
    );
    for (const [i, w] of works.entries()) {
      const outcome = outcomes[i]!;
      w.refused[target] = outcome.refused;
      if (outcome.ok) {
        w.written[target] = outcome.item;
        continue;
      }
      w.error = outcome.error;
      // A create the system refused did not happen: nothing to look up later. One whose outcome is
      // unknown (no answer: a lost connection, or a connector's bug after sending) or that happened
      // but failed afterwards keeps its intent, so the next pass links the item by its origin.
      if (!outcome.created && !mayHaveActed(outcome.error))
        await this.rt.store.deleteIntent(this.name, anchor, w.items[anchor]!.id);
    }
    await this.completeCreated(
      target,
      works.filter((w) => w.written[target]),
    );
  }

  /**
   * Reads created items back when a connector's create result lacks some mapped fields:
   * the snapshot must hold what the system really has (its initial status, normalized
   * text), or the next change would look like a change of those fields too.
   */
  private async completeCreated(target: Side, works: Work[]): Promise<void> {
    const fields = this.sideFields[target];
    const partial = works.filter((w) => fields.some((f) => !(f in w.written[target]!.fields)));
    const connector = this.rt.connectors[target];
    await mapLimit(chunk(partial, connector.info.capabilities.maxGetBatch), this.concurrency, async (batch) => {
      try {
        const read = new Map(
          (
            await connector.getMany(
              batch.map((w) => w.written[target]!.id),
              { fields },
            )
          ).map((i) => [i.id, i]),
        );
        for (const w of batch) w.written[target] = read.get(w.written[target]!.id) ?? w.written[target];
      } catch (error) {
        // The create went through; the fields it lacks are merged again when the item is next seen.
        this.rt.logger.warn('could not read created items back', {
          pair: this.name,
          error: toSyncbridgeError(error).message,
        });
      }
    });
  }

  /**
   * Runs planned updates per side in batches, left then right (a write met by a concurrent edit on
   * the second side then fails its revision test); a failure on one side leaves the other side's writes alone.
   */
  private async executeUpdates(works: Work[]): Promise<void> {
    for (const side of sides) await this.executeSideUpdates(side, works);
  }

  private async executeSideUpdates(side: Side, works: Work[]): Promise<void> {
    const todo = works.filter((w) => Object.keys(w.plan!.writes[side]).length > 0);
    if (todo.length === 0) return;
    const outcomes = await updateInBatches(
      this.rt.connectors[side],
      todo.map((w) => ({
        id: w.items[side]!.id,
        fields: w.plan!.writes[side],
        expectedRevision: w.items[side]!.revision,
        returnFields: this.sideFields[side],
      })),
      this.concurrency,
    );
    const unknown: Work[] = [];
    todo.forEach((w, i) => {
      const outcome = outcomes[i]!;
      w.refused[side] = outcome.refused;
      const writes = Object.keys(w.plan!.writes[side]);
      if (outcome.ok) {
        this.superseded.set(`${side}\u0000${w.items[side]!.id}`, w.items[side]!.revision);
        // A connector that returns only some fields leaves the others as they were read, plus what was written.
        w.written[side] = {
          ...outcome.item,
          fields: { ...w.items[side]!.fields, ...w.plan!.writes[side], ...outcome.item.fields },
        };
      } else if (writes.every((f) => f in outcome.refused)) {
        // Every value was refused: nothing changed, and the refusals are field failures.
      } else if (outcome.unknown || mayHaveActed(outcome.error)) {
        unknown.push(w);
        w.sideError[side] = outcome.error;
        w.unsure = { ...w.unsure, [side]: true };
      } else {
        w.sideError[side] = outcome.error;
        if (outcome.error.code === 'REVISION_MISMATCH') w.stale = true;
      }
    });
    await this.settleUnknown(side, unknown);
  }

  /**
   * Reads items back whose write got no answer (a dropped connection): one that holds every
   * value written took the write, and is committed as written, so the engine never takes
   * its own write for somebody's later edit.
   */
  private async settleUnknown(side: Side, works: Work[]): Promise<void> {
    const connector = this.rt.connectors[side];
    await mapLimit(chunk(works, connector.info.capabilities.maxGetBatch), this.concurrency, async (batch) => {
      let read: Map<string, WorkItem>;
      try {
        read = new Map(
          (
            await connector.getMany(
              batch.map((w) => w.items[side]!.id),
              { fields: this.sideFields[side] },
            )
          ).map((i) => [i.id, i]),
        );
      } catch {
        return;
      }
      for (const w of batch) {
        const item = read.get(w.items[side]!.id);
        const landed =
          item &&
          Object.entries(w.plan!.writes[side]).every(([f, v]) =>
            sameValue(item.fields[f] ?? null, v, this.rt.descriptors[side].get(f)),
          );
        if (!landed) continue;
        w.written[side] = item;
        this.superseded.set(`${side}\u0000${item.id}`, w.items[side]!.revision);
        delete w.sideError[side];
        delete w.unsure?.[side];
      }
    });
  }

  /** Whether a value read back after a write is the value written (as the system normalizes it), not somebody's edit. */
  private async isWritten(
    field: CompiledField,
    side: Side,
    read: FieldValue,
    written: FieldValue,
    source: FieldValue,
    mode: PassMode,
  ): Promise<boolean> {
    const descriptor = this.rt.descriptors[side].get(field.config[side]);
    if (sameValue(read, written, descriptor)) return true;
    const back: Side = otherSide(side);
    if (!flows(field, back === 'left' ? 'rightToLeft' : 'leftToRight')) return false;
    try {
      const mapped = await mapValue(field, read, back === 'left' ? 'rightToLeft' : 'leftToRight', {
        users: mode.users,
        targetField: this.rt.descriptors[back].get(field.config[back]),
        mappingName: this.name,
        twins: (id) => this.twins(back, id),
      });
      return (
        mapped.write &&
        !mapped.pending?.length &&
        sameValue(mapped.value, source, this.rt.descriptors[back].get(field.config[back]))
      );
    } catch {
      return false;
    }
  }

  /**
   * The agreed state of both items after this pass's writes, field by field: a field whose
   * writes all went through takes the written values (as read back, when the read-back shows
   * what was written); a field whose write failed keeps the last agreed values on both sides,
   * so its change is merged again. Nothing is recorded as synced that was not written or read.
   */
  private async agreedState(work: Work, mode: PassMode): Promise<Record<Side, Record<string, FieldValue>>> {
    const { anchor } = work;
    const target = otherSide(anchor);
    const agreed: Record<Side, Record<string, FieldValue>> = { left: {}, right: {} };
    const held = (side: Side, f: string) => Boolean(work.sideError[side]) || f in work.refused[side];
    for (const side of sides) {
      for (const id of this.agreedFields[side])
        agreed[side][id] = (work.written[side] ?? work.items[side]!).fields[id] ?? null;
    }
    if (work.create) {
      for (const field of this.rt.fields) {
        const id = field.config[target];
        if (!flows(field, target === 'right' ? 'leftToRight' : 'rightToLeft')) continue;
        const written = work.create.fields[id] ?? null;
        const source = work.items[anchor]!.fields[field.config[anchor]] ?? null;
        // What the engine did not write (an empty source, a refused value) is not agreed:
        // a value the system put there is merged as a change of that side.
        if (id in work.refused[target]) {
          agreed[anchor][field.config[anchor]] = null;
          work.problems.push({ source: anchor, field: id, value: written, error: work.refused[target][id]! });
        }
        // Links left for later are not agreed: the next merge finds them on the source and writes them.
        if (this.linkPendingOnCreate(work, field)) agreed[anchor][field.config[anchor]] = null;
        if (!(id in work.create.fields) || id in work.refused[target]) agreed[target][id] = null;
        else if (!(await this.isWritten(field, target, agreed[target][id]!, written, source, mode)))
          agreed[target][id] = written;
      }
      return agreed;
    }
    for (const outcome of work.plan!.fields) {
      const { field } = outcome;
      const writtenSides = sides.filter((s) => s in outcome.write);
      if (outcome.problem || writtenSides.some((s) => held(s, field.config[s]))) {
        const through = writtenSides.filter((s) => !held(s, field.config[s]));
        const partial = through.length === 1 ? outcome.partial?.[through[0]!] : undefined;
        for (const s of sides) {
          const id = field.config[s];
          // The field keeps its agreed values (an unknown one stays unknown), so its change is merged again.
          if (partial) agreed[s][id] = partial[s];
          else if (s in outcome.prior) agreed[s][id] = outcome.prior[s]!;
          else delete agreed[s][id];
        }
        for (const s of writtenSides.filter((x) => field.config[x] in work.refused[x])) {
          work.problems.push({
            source: otherSide(s),
            field: field.config[s],
            value: outcome.write[s]!,
            error: work.refused[s][field.config[s]]!,
          });
        }
        continue;
      }
      for (const s of sides) {
        if (!(s in outcome.write)) {
          agreed[s][field.config[s]] = outcome.agreed[s];
          continue;
        }
        const read = agreed[s][field.config[s]]!;
        const ok = await this.isWritten(field, s, read, outcome.write[s]!, outcome.agreed[otherSide(s)], mode);
        if (!ok) agreed[s][field.config[s]] = outcome.write[s]!;
      }
    }
    return agreed;
  }

  private snapshot(side: Side, item: WorkItem, fields?: Record<string, FieldValue>): Snapshot {
    const values: Record<string, FieldValue> = {};
    for (const id of this.agreedFields[side])
      if (!fields || id in fields) values[id] = (fields ?? item.fields)[id] ?? null;
    const settled =
      !fields ||
      this.agreedFields[side].every((id) =>
        sameValue(item.fields[id] ?? null, values[id], this.rt.descriptors[side].get(id)),
      );
    return {
      pair: this.name,
      side,
      itemId: item.id,
      revision: settled ? item.revision : unsettled(item.revision),
      updatedAt: item.updatedAt,
      fields: values,
    };
  }

  /**
   * Commits a page: the state changes of every work (links, agreed snapshots, settled intents,
   * field failures) in one transaction, fenced by the pair's lease, then each work's failures,
   * events and comments. What is recorded is only what was written or read on both sides.
   */
  private async commit(works: Work[], mode: PassMode): Promise<void> {
    const committed: Array<{ work: Work; now: Record<Side, WorkItem>; problems: Partial<Record<Side, Failure>> }> = [];
    const writes: Record<StateWrite['op'], StateWrite[]> = {
      putLink: [],
      deleteLink: [],
      putSnapshot: [],
      deleteSnapshot: [],
      putIntent: [],
      deleteIntent: [],
      putFailure: [],
      deleteFailure: [],
    };
    for (const work of works.filter((w) => !w.error)) {
      const agreed = await this.agreedState(work, mode);
      const now = { left: work.written.left ?? work.items.left!, right: work.written.right ?? work.items.right! };
      const problems = this.fieldFailures(work);
      committed.push({ work, now, problems });
      if (!work.link || this.rekeyed(work, now).length > 0) {
        const link = {
          pair: this.name,
          leftId: now.left.id,
          rightId: now.right.id,
          leftKey: now.left.key,
          rightKey: now.right.key,
        };
        writes.putLink.push({
          op: 'putLink',
          link: { ...link, createdAt: work.link?.createdAt ?? this.rt.clock().toISOString() },
        });
      }
      // A write that may have been made keeps its record: the next merge finds out from the item.
      const pending = work.unsure?.left || work.unsure?.right ? pendingWrites(work.plan!) : undefined;
      for (const side of sides)
        writes.putSnapshot.push({
          op: 'putSnapshot',
          snapshot: {
            ...this.snapshot(side, now[side], agreed[side]),
            ...(pending && side === 'left' ? { pending } : {}),
          },
        });
      for (const side of sides)
        if (side === work.anchor || work.intent?.side === side)
          writes.deleteIntent.push({ op: 'deleteIntent', pair: this.name, side, sourceId: now[side].id });
      for (const side of sides) {
        const problem = problems[side];
        // Nothing to delete for the item read with the page (its failure was read with it) when it
        // had none, nor for an item created now.
        const none = side === work.anchor ? !work.failures[side] : Boolean(work.create);
        if (problem) writes.putFailure.push({ op: 'putFailure', failure: problem });
        else if (!none) writes.deleteFailure.push({ op: 'deleteFailure', pair: this.name, side, itemId: now[side].id });
      }
    }
    // Grouped by kind, so that a store makes each kind one statement (records of different items never collide).
    const all = Object.values(writes).flat();
    if (all.length > 0) await this.rt.store.applyWrites(all);
    // Failures and events in the page's order; then each pair's back-links and comments, several pairs at once.
    const byWork = new Map(committed.map((c) => [c.work, c]));
    const followUps: Array<() => Promise<void>> = [];
    for (const work of works) {
      const done = byWork.get(work);
      if (done) followUps.push(await this.settle(work, done.now, done.problems, mode));
      else await this.fail(work, work.error!, mode);
    }
    await mapLimit(followUps, this.concurrency, (followUp) => followUp());
  }

  /** The sides whose item's key differs from the one the link records. */
  private rekeyed(work: Work, now: Record<Side, WorkItem>): Side[] {
    const link = work.link;
    return link ? sides.filter((s) => now[s].key !== (s === 'left' ? link.leftKey : link.rightKey)) : [];
  }

  /**
   * What follows a work's commit: its failure (a side that failed as a whole) and events; returns
   * what is then written for the pair, in order: back-links, then comments.
   */
  private async settle(
    work: Work,
    now: Record<Side, WorkItem>,
    problems: Partial<Record<Side, Failure>>,
    mode: PassMode,
  ): Promise<() => Promise<void>> {
    const { anchor } = work;
    const target = otherSide(anchor);
    // A twin whose key changed (a Jira issue moved with its project's key) is shown by its new key.
    const rekeyed = this.rekeyed(work, now);
    const sideError = work.sideError.left ?? work.sideError.right;
    if (sideError && !(work.stale && work.depth === 0)) await this.fail(work, sideError, mode);
    else if (!sideError && !problems.left && !problems.right && (work.failures.left || work.failures.right))
      mode.summary.recovered++;
    for (const side of sides) if (problems[side]) this.reportFieldFailures(work, problems[side], mode);
    for (const warning of work.warnings)
      this.rt.emitter.emit('fieldWarning', { pair: this.name, key: now[otherSide(warning.side)].key, ...warning });
    const writes = this.writesOf(work, (side, field) => !work.sideError[side] && !(field in work.refused[side]));
    for (const write of writes) {
      mode.summary[write.action === 'create' ? 'created' : 'updated'][write.side]++;
      this.rt.emitter.emit('itemSynced', {
        ...write,
        durationMs: Date.now() - work.started,
        sourceChangedAt: work.items[anchor]!.updatedAt,
      });
    }
    if (writes.length === 0 && !sideError) this.countQuiet(anchor, now[anchor], mode);
    else if (this.isIntegrationUser(anchor, now[anchor].updatedBy))
      this.rt.emitter.emit('integrationUserChange', { pair: this.name, side: anchor, key: now[anchor].key });
    // A new pair shows each item its twin; a reconcile writes every back-link again (a write is an upsert).
    // A copy stamped with a link to its origin (`originStamp: 'link'`) was created showing it.
    const stampedWithLink =
      work.create !== undefined && this.rt.connectors[target].info.capabilities.originStamp === 'link';
    return async () => {
      if (mode.reconcile || (!work.link && !stampedWithLink)) await writeBacklinks(this.backlinks, now);
      else if (!work.link) await writeBacklinks(this.backlinks, now, [anchor]);
      else if (rekeyed.length > 0) await writeBacklinks(this.backlinks, now, rekeyed.map(otherSide));
      // Files first: a comment copied after them shows its pictures at once.
      await this.syncAttachments(work, now[anchor], now[target], mode);
      await this.syncComments(work, now[anchor], now[target], mode);
    };
  }

  /** The field-level failures of a work as failure records, per side whose change is held. */
  private fieldFailures(work: Work): Partial<Record<Side, Failure>> {
    const out: Partial<Record<Side, Failure>> = {};
    const revisions = Object.fromEntries(sides.map((s) => [s, (work.written[s] ?? work.items[s]!).revision]));
    for (const side of sides) {
      const problems = work.problems.filter((p) => p.source === side);
      if (problems.length === 0) continue;
      out[side] = fieldFailureRecord({
        pair: this.name,
        side,
        item: work.written[side] ?? work.items[side]!,
        problems,
        revisions,
        previous: work.failures[side],
        now: this.rt.clock().toISOString(),
      });
    }
    return out;
  }

  /** Counts and reports field failures that are new (not the same as already queued). */
  private reportFieldFailures(work: Work, failure: Failure, mode: PassMode): void {
    if (sameFieldFailures(fieldFailuresOf(work.failures[failure.side]), fieldFailuresOf(failure))) return;
    mode.summary.failed++;
    this.rt.emitter.emit('itemFailed', failure);
    this.rt.logger.warn('fields failed', {
      pair: this.name,
      side: failure.side,
      key: failure.itemKey,
      code: failure.code,
      message: failure.message,
    });
  }

  /**
   * The directions a follow-up (comments, attachments) of a committed work runs in, with the
   * source and target item of each: from the anchor, and from the counterpart too when it
   * changed, or in a reconcile (which compares everything). The counterpart's own changes were
   * merged under this anchor and it will not come up again as unseen: its comments and files
   * travel now too, as do those of a counterpart whose failure (a copy that failed) this commit
   * just cleared.
   */
  private followUpRuns(
    work: Work,
    source: WorkItem,
    counterpart: WorkItem,
    direction: MappingDirection,
    mode: PassMode,
  ): Array<[Side, WorkItem, WorkItem]> {
    const { anchor } = work;
    const target = otherSide(anchor);
    const counterpartChanged =
      work.create === undefined &&
      (mode.reconcile !== undefined ||
        work.snapshots[target]?.revision !== work.items[target]?.revision ||
        work.failures[target] !== undefined);
    const runs: Array<[Side, WorkItem, WorkItem]> = [[anchor, source, counterpart]];
    if (counterpartChanged) runs.push([target, counterpart, source]);
    const allowed = (from: Side) =>
      direction === 'both' || direction === (from === 'left' ? 'leftToRight' : 'rightToLeft');
    return runs.filter(([from]) => allowed(from));
  }

  private async syncComments(work: Work, source: WorkItem, counterpart: WorkItem, mode: PassMode): Promise<void> {
    const comments = this.rt.mapping.comments;
    const { connectors, systemIds } = this.rt;
    if (!comments || !connectors.left.info.capabilities.comments || !connectors.right.info.capabilities.comments)
      return;
    for (const [from, item, other] of this.followUpRuns(work, source, counterpart, comments.direction, mode)) {
      const to = otherSide(from);
      try {
        const result = await copyComments({
          pair: this.name,
          source: { side: from, system: systemIds[from], connector: connectors[from], id: item.id, key: item.key },
          target: {
            system: systemIds[to],
            connector: connectors[to],
            id: other.id,
            createdNow: work.create !== undefined && to !== work.anchor,
          },
          store: this.rt.store,
          edits: comments.edits,
          deletes: comments.deletes,
        });
        mode.summary.commentsCopied += result.copied;
      } catch (error) {
        await this.fail(
          { anchor: from, items: { [from]: item, [to]: other }, failures: work.failures },
          toSyncbridgeError(error),
          mode,
        );
      }
    }
  }

  /** Copies the files of a committed pair (see {@link copyAttachments}); a file over a limit becomes a field failure of its item. */
  private async syncAttachments(work: Work, source: WorkItem, counterpart: WorkItem, mode: PassMode): Promise<void> {
    const settings = this.rt.mapping.attachments;
    const { connectors, systemIds, integrationUsers } = this.rt;
    if (!settings) return;
    for (const [from, item, other] of this.followUpRuns(work, source, counterpart, settings.direction, mode)) {
      const to = otherSide(from);
      try {
        const result = await copyAttachments({
          pair: this.name,
          source: {
            side: from,
            system: systemIds[from],
            connector: connectors[from],
            id: item.id,
            key: item.key,
            integrationUser: integrationUsers[from],
            fileIds: fileIdsOf(item),
          },
          target: {
            system: systemIds[to],
            connector: connectors[to],
            id: other.id,
            integrationUser: integrationUsers[to],
            createdNow: work.create !== undefined && to !== work.anchor,
          },
          store: this.rt.store,
          maxBytes: settings.maxBytes,
          deletes: settings.deletes,
        });
        mode.summary.attachmentsCopied += result.copied;
        if (settings.inlineImages && result.recorded.length > 0)
          await this.pointPictures(from, item, other, result.recorded);
        if (result.tooLarge.length > 0) await this.addFieldFailures(work, from, item, result.tooLarge, mode);
      } catch (error) {
        await this.fail(
          { anchor: from, items: { [from]: item, [to]: other }, failures: work.failures },
          toSyncbridgeError(error),
          mode,
        );
      }
    }
  }

  /**
   * Points the pictures of `target`'s rich text at the files just copied to it: text written
   * before its files were there (a create, whose item had no files yet, or fields written before
   * the files that came with them) points at no file. Images go by file name, so the value stays
   * the same on both sides; the connector changes where pictures point and nothing else.
   */
  private async pointPictures(from: Side, source: WorkItem, target: WorkItem, names: string[]): Promise<void> {
    const to = otherSide(from);
    const part = this.rt.connectors[to].attachments;
    if (!part?.pointPictures) return;
    const copied = new Set(names);
    const fields = this.rt.fields
      .filter((f) => {
        const value = source.fields[f.config[from]];
        return (
          !f.link &&
          flows(f, from === 'left' ? 'leftToRight' : 'rightToLeft') &&
          isRichText(value) &&
          imagesOf(value).some((n) => copied.has(n))
        );
      })
      .map((f) => f.config[to]);
    if (fields.length > 0) await part.pointPictures(target.id, fields);
  }

  /**
   * Records problems found after a commit (a file over a limit) as field failures of an item,
   * beside the field failures the commit recorded; an item failure already holds it back.
   */
  private async addFieldFailures(
    work: Work,
    side: Side,
    item: WorkItem,
    errors: SyncbridgeError[],
    mode: PassMode,
  ): Promise<void> {
    const previous = await this.rt.store.getFailure(this.name, side, item.id);
    if (previous?.kind === 'error') return;
    const failure = fieldFailureRecord({
      pair: this.name,
      side,
      item,
      problems: errors.map((error) => ({ source: side, field: FILES_FAILURE_FIELD, error })),
      revisions: previous?.revisions ?? { [side]: item.revision },
      previous: work.failures[side],
      now: this.rt.clock().toISOString(),
    });
    const kept = fieldFailuresOf(previous).filter((f) => f.field !== FILES_FAILURE_FIELD);
    if (kept.length > 0) {
      failure.details = { fields: [...kept, ...fieldFailuresOf(failure)] };
      failure.message = [previous!.message, failure.message].join('; ');
      failure.kind = previous!.kind;
    }
    await this.rt.store.putFailure(failure);
    this.reportFieldFailures(work, failure, mode);
  }

  private async fail(
    work: Pick<Work, 'anchor' | 'items' | 'failures'>,
    error: SyncbridgeError,
    mode: PassMode,
    options: { waitsForPerson?: boolean } = {},
  ): Promise<void> {
    const { store, settings, clock } = this.rt;
    const side = work.anchor;
    const item = work.items[side]!;
    const now = clock();
    // The failure as it was when the pass began: a commit may have removed it since.
    const previous = work.failures[side] ?? (await store.getFailure(this.name, side, item.id));
    const attempts = (previous?.kind === 'error' ? previous.attempts : 0) + 1;
    const waitsForPerson = options.waitsForPerson === true || attempts >= settings.maxAttempts;
    const failure: Failure = {
      pair: this.name,
      side,
      itemId: item.id,
      itemKey: item.key,
      kind: 'error',
      code: error.code,
      message: error.message,
      // Fields held by a refusal or conflict stay listed behind the item's failure.
      details: {
        ...error.details,
        ...(error.system ? { system: error.system } : {}),
        ...(previous && previous.kind !== 'error' ? { fields: fieldFailuresOf(previous) } : {}),
      },
      attempts,
      revisions: {
        ...(work.items.left ? { left: work.items.left.revision } : {}),
        ...(work.items.right ? { right: work.items.right.revision } : {}),
      },
      // Never sooner than the system asked for (`Retry-After` longer than the HTTP client waits).
      nextRetryAt: waitsForPerson
        ? null
        : new Date(
            now.getTime() +
              Math.max(
                settings.retryBackoffMs * 2 ** (attempts - 1),
                error instanceof RemoteError ? (error.retryAfterMs ?? 0) : 0,
              ),
          ).toISOString(),
      createdAt: previous?.createdAt ?? now.toISOString(),
      updatedAt: now.toISOString(),
    };
    await store.putFailure(failure);
    mode.summary.failed++;
    this.rt.emitter.emit('itemFailed', failure);
    this.rt.logger.warn('item failed', {
      pair: this.name,
      side,
      key: item.key,
      code: error.code,
      message: error.message,
      attempts,
    });
  }
}
