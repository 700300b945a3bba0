import type { ConflictPolicy, MappingConfig, SyncbridgeConfig } from '../config/schema.js';
import type { Connector, CreateRequest, UpdateRequest, Watermark, WriteResult } from '../connector/connector.js';
import { RemoteError } from '../errors/remote-error.js';
import { SyncbridgeError, toSyncbridgeError } from '../errors/syncbridge-error.js';
import type { Logger } from '../logger.js';
import type { FieldDescriptor, FieldValue, UserRef } from '../model/field.js';
import type { WorkItem } from '../model/item.js';
import { otherSide, type Link, type Side, type Snapshot, type StateStore } from '../state/state-store.js';
import { copyComments } from './comments.js';
import { findCounterparts } from './existing-items.js';
import type { Emitter, EngineEvents, PlannedWrite, RunSummary } from './events.js';
import { mergeCreate, mergeLinked, type MergePlan } from './merge.js';
import { advanceWatermark, initialWatermark, pollSince, pollsByRevision } from './polling.js';
import type { UserResolver } from './users.js';
import type { CompiledField } from './value-mapper.js';

/** What one entity pair needs at run time. */
export interface PairRuntime {
  mapping: MappingConfig;
  connectors: Record<Side, Connector>;
  systemIds: Record<Side, string>;
  /** Ids and e-mails that identify each side's integration user. */
  integrationUsers: Record<Side, string[]>;
  fields: CompiledField[];
  descriptors: Record<Side, Map<string, FieldDescriptor>>;
  store: StateStore;
  settings: SyncbridgeConfig['engine'];
  emitter: Emitter<EngineEvents>;
  clock: () => Date;
  logger: Logger;
}

/** How a pass runs. */
export interface PassMode {
  dryRun: boolean;
  planned: PlannedWrite[];
  summary: RunSummary;
  users: UserResolver;
  policyOverride?: ConflictPolicy | undefined;
}

interface Work {
  anchor: Side;
  items: Partial<Record<Side, WorkItem>>;
  link?: Link;
  snapshots: Record<Side, Snapshot | undefined>;
  plan?: MergePlan;
  create?: CreateRequest;
  error?: SyncbridgeError;
  /** Whether the item was in the failure queue when this pass began. */
  wasFailed: boolean;
  started: number;
}

const chunk = <T>(list: T[], size: number): T[][] => Array.from({ length: Math.ceil(list.length / size) }, (_, i) => list.slice(i * size, (i + 1) * size));
/** An unexpected error fails the item for a retry. */
const asError = (error: unknown): SyncbridgeError => toSyncbridgeError(error, { retryable: true });

/** Syncs one entity pair: polls both sides, merges, writes in batches and keeps state. */
export class PairSync {
  readonly name: string;
  private readonly sideFields: Record<Side, string[]>;
  /** Revisions already counted, so that overlap re-reads are not counted again. */
  private readonly counted = new Set<string>();

  constructor(private readonly rt: PairRuntime) {
    this.name = rt.mapping.name;
    // Mapped fields, plus the field a match rule reads (unless it is the key or id).
    const read = (side: Side) => {
      const match = rt.mapping.matchExisting?.[side];
      return [...new Set([...rt.fields.map((f) => f.config[side]), ...(match && match !== 'key' && match !== 'id' ? [match] : [])])];
    };
    this.sideFields = { left: read('left'), right: read('right') };
  }

  private isIntegrationUser(side: Side, user: UserRef | null): boolean {
    if (!user) return false;
    const ids = this.rt.integrationUsers[side];
    return ids.includes(user.id) || (!!user.email && ids.some((id) => id.toLowerCase() === user.email!.toLowerCase()));
  }

  /** A full pass: settle interrupted creates, retry due failures, then poll each side. */
  async run(mode: PassMode): Promise<void> {
    if (!mode.dryRun) await this.resolveIntents();
    await this.retryFailures(mode, (f) => f.nextRetryAt !== null && Date.parse(f.nextRetryAt) <= this.rt.clock().getTime());
    // Both starts are fixed before anything is written: a create on one side would otherwise
    // become the other side's "latest change" and hide the changes before it.
    const starts = { left: await this.start('left', mode), right: await this.start('right', mode) };
    for (const side of ['left', 'right'] as const) await this.poll(side, mode, starts[side]);
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
      for (const { origin, item } of found) {
        const intent = intents.find((i) => i.sourceId === origin.id)!;
        await store.transaction(async (tx) => {
          const ids = side === 'left' ? { leftId: intent.sourceId, rightId: item.id, leftKey: intent.sourceKey, rightKey: item.key } : { leftId: item.id, rightId: intent.sourceId, leftKey: item.key, rightKey: intent.sourceKey };
          await tx.putLink({ pair: this.name, ...ids, createdAt: this.rt.clock().toISOString() });
          await tx.putSnapshot(this.snapshot(target, item));
          await tx.deleteIntent(this.name, side, intent.sourceId);
        });
        this.rt.logger.info('linked an item created before an interruption', { pair: this.name, source: intent.sourceKey, target: item.key });
      }
    }
  }

  /** Retries queued failures that `due` selects, reading each item afresh. */
  async retryFailures(mode: PassMode, due: (f: { nextRetryAt: string | null; side: Side; itemId: string }) => boolean): Promise<void> {
    const failures = (await this.rt.store.listFailures(this.name)).filter(due);
    for (const side of ['left', 'right'] as const) {
      const ids = failures.filter((f) => f.side === side).map((f) => f.itemId);
      for (const batch of chunk(ids, this.rt.connectors[side].info.capabilities.maxGetBatch)) {
        const items = await this.rt.connectors[side].getMany(batch, { fields: this.sideFields[side] });
        for (const missing of mode.dryRun ? [] : batch.filter((id) => !items.some((i) => i.id === id))) {
          const failure = failures.find((f) => f.side === side && f.itemId === missing)!;
          await this.rt.store.putFailure({ ...failure, code: 'NOT_FOUND', message: `${failure.itemKey} no longer exists or is not visible to the integration user; discard the failure`, nextRetryAt: null, updatedAt: this.rt.clock().toISOString() });
        }
        await this.processItems(side, items, mode, { force: true });
      }
    }
  }

  /** Syncs single items now (webhooks), whether or not they changed since the last sync. */
  async syncItems(side: Side, ids: string[], mode: PassMode): Promise<void> {
    for (const batch of chunk(ids, this.rt.connectors[side].info.capabilities.maxGetBatch)) {
      await this.processItems(side, await this.rt.connectors[side].getMany(batch, { fields: this.sideFields[side] }), mode, { force: true });
    }
  }

  private async poll(side: Side, mode: PassMode, start: Watermark | undefined): Promise<void> {
    const { store, connectors, mapping, settings } = this.rt;
    const connector = connectors[side];
    let watermark = start;
    const since = pollSince(watermark, connector, settings.overlapMs);
    const filter = mapping[side].filter;
    // A linked item that stopped matching the filter keeps syncing: a second, unfiltered query
    // picks up linked items only (needless while nothing was linked before this pass).
    const followLinked = filter !== undefined && mapping.keepSyncingUnmatched && (await store.countLinks(this.name)) > 0;
    const queries = followLinked ? [{ filter, linkedOnly: false }, { filter: undefined, linkedOnly: true }] : [{ filter, linkedOnly: false }];
    let processed = 0;
    for (const query of queries) {
      const pages = connector.query({ project: mapping[side].project, type: mapping[side].type, filter: query.filter, since, fields: this.sideFields[side], pageSize: settings.pageSize });
      for await (const page of pages) {
        const items = query.linkedOnly ? await this.linkedOnly(side, page) : page;
        await this.processItems(side, items, mode);
        watermark = advanceWatermark(watermark, page, pollsByRevision(connector));
        if (!mode.dryRun && watermark && queries.length === 1) await store.putWatermark(this.name, side, watermark);
        processed += items.length;
        this.rt.emitter.emit('progress', { pair: this.name, side, processed });
      }
    }
    if (!mode.dryRun && watermark && queries.length > 1) await store.putWatermark(this.name, side, watermark);
  }

  private async linkedOnly(side: Side, page: WorkItem[]): Promise<WorkItem[]> {
    const out: WorkItem[] = [];
    for (const item of page) if (await this.rt.store.getLink(this.name, side, item.id)) out.push(item);
    return out;
  }

  /**
   * Processes changed items of one side: classify, read counterparts, merge, write in
   * batches, commit. Unless forced, an item is skipped when its revision was already
   * synced, or already failed: a failed item waits for its retry, and any newer change on
   * either side is merged into that retry, so an item's changes never apply out of order.
   */
  async processItems(anchor: Side, items: WorkItem[], mode: PassMode, options: { force?: boolean; depth?: number } = {}): Promise<void> {
    const { store } = this.rt;
    const target = otherSide(anchor);
    const depth = options.depth ?? 0;
    const works: Work[] = [];
    if (!mode.dryRun && items.some((i) => this.mayBeOwnCreate(anchor, i)) && (await store.listIntents(this.name)).some((i) => i.side === target)) {
      // Items the engine created whose link was never written must be linked, not copied back.
      await this.resolveIntents();
    }
    for (const item of items) {
      const snapshot = await store.getSnapshot(this.name, anchor, item.id);
      const link = await store.getLink(this.name, anchor, item.id);
      const failed = (await store.getFailure(this.name, anchor, item.id)) ?? (link ? await store.getFailure(this.name, target, anchor === 'left' ? link.rightId : link.leftId) : undefined);
      const seen = failed ? failed.revisions[anchor] === item.revision : snapshot?.revision === item.revision;
      if (seen && !options.force) {
        if (!failed) this.countQuiet(anchor, item, mode);
        continue;
      }
      const targetSnapshot = link ? await store.getSnapshot(this.name, target, anchor === 'left' ? link.rightId : link.leftId) : undefined;
      works.push({ anchor, items: { [anchor]: item }, ...(link ? { link } : {}), snapshots: { [anchor]: snapshot, [target]: targetSnapshot } as Record<Side, Snapshot | undefined>, wasFailed: failed !== undefined, started: Date.now() });
    }
    if (works.length === 0) return;
    await this.readCounterparts(target, works);
    await this.findExisting(anchor, works.filter((w) => !w.link && !w.error));
    for (const work of works.filter((w) => !w.error)) await this.plan(work, mode);
    if (mode.dryRun) return this.recordPlanned(works, mode);
    await this.executeCreates(target, works.filter((w) => w.create && !w.error));
    await this.completeCreated(target, works.filter((w) => w.create));
    const stale = await this.executeUpdates(works.filter((w) => w.plan && !w.error));
    for (const work of works) {
      // A concurrent edit landed between read and write: merge once more against fresh reads instead of failing.
      if (depth === 0 && stale.includes(work)) continue;
      await this.commit(work, mode);
    }
    if (stale.length > 0 && depth === 0) {
      const fresh = await this.rt.connectors[anchor].getMany(stale.map((w) => w.items[anchor]!.id), { fields: this.sideFields[anchor] });
      await this.processItems(anchor, fresh, mode, { force: true, depth: 1 });
    }
  }

  private mayBeOwnCreate(side: Side, item: WorkItem): boolean {
    return item.updatedBy === null || this.isIntegrationUser(side, item.updatedBy);
  }

  private countQuiet(anchor: Side, item: WorkItem, mode: PassMode): void {
    const key = `${anchor}\u0000${item.id}\u0000${item.revision}`;
    if (this.counted.has(key)) return;
    if (this.counted.size > 100_000) this.counted.clear();
    this.counted.add(key);
    if (this.isIntegrationUser(anchor, item.updatedBy)) mode.summary.echoesSkipped++;
    else mode.summary.unchanged++;
  }

  private async readCounterparts(target: Side, works: Work[]): Promise<void> {
    const linked = works.filter((w) => w.link);
    const connector = this.rt.connectors[target];
    for (const batch of chunk(linked, connector.info.capabilities.maxGetBatch)) {
      const ids = batch.map((w) => (target === 'right' ? w.link!.rightId : w.link!.leftId));
      try {
        const found = new Map((await connector.getMany(ids, { fields: this.sideFields[target] })).map((i) => [i.id, i]));
        batch.forEach((w, i) => {
          const item = found.get(ids[i]!);
          if (item) w.items[target] = item;
          else w.error = new SyncbridgeError('NOT_FOUND', `the linked ${target} item ${ids[i]} no longer exists or is not visible to the integration user`, { details: { linked: ids[i] } });
        });
      } catch (error) {
        for (const w of batch) w.error = asError(error);
      }
    }
  }

  /** For unlinked items: finish an interrupted create, or link to an existing match, before creating. */
  private async findExisting(anchor: Side, works: Work[]): Promise<void> {
    const found = await findCounterparts(
      { pair: this.name, connectors: this.rt.connectors, mapping: this.rt.mapping, store: this.rt.store, systemIds: this.rt.systemIds, fields: this.sideFields },
      anchor,
      works.map((w) => w.items[anchor]!),
    );
    for (const w of works) {
      const outcome = found.get(w.items[anchor]!.id);
      if (outcome instanceof SyncbridgeError) w.error = outcome;
      else if (outcome) w.items[otherSide(anchor)] = outcome;
    }
  }

  private async plan(work: Work, mode: PassMode): Promise<void> {
    const { anchor } = work;
    const target = otherSide(anchor);
    const base = { pair: this.name, fields: this.rt.fields, anchor, descriptors: this.rt.descriptors, users: mode.users };
    try {
      if (!work.items[target]) {
        const source = work.items[anchor]!;
        work.create = {
          project: this.rt.mapping[target].project,
          type: this.rt.mapping[target].type,
          fields: await mergeCreate({ ...base, source }),
          origin: { system: this.rt.systemIds[anchor], id: source.id, key: source.key },
          returnFields: this.sideFields[target],
        };
        return;
      }
      const items = work.items as Record<Side, WorkItem>;
      work.plan = await mergeLinked({ ...base, items, snapshots: work.snapshots, defaultPolicy: this.rt.mapping.conflicts, policyOverride: mode.policyOverride });
      for (const event of [...work.plan.resolved, ...work.plan.manual]) {
        mode.summary.conflicts++;
        this.rt.emitter.emit('conflict', event);
      }
      if (work.plan.manual.length > 0) {
        const fields = work.plan.manual.map((c) => `${c.field.left}/${c.field.right}: left ${JSON.stringify(c.left)} vs right ${JSON.stringify(c.right)}`);
        work.error = new SyncbridgeError('CONFLICT', `changed on both sides since the last sync: ${fields.join('; ')}. Edit one side to match, or retry with --take left|right.`, { details: { conflicts: work.plan.manual } });
      }
    } catch (error) {
      work.error = asError(error);
    }
  }

  /** The writes a work makes (a create, or updates on either side), as reported to events and dry runs. */
  private writesOf(work: Work): PlannedWrite[] {
    const target = otherSide(work.anchor);
    if (work.create) {
      const created = work.items[target];
      return [{ pair: this.name, side: target, action: 'create', ...(created ? { targetKey: created.key } : {}), sourceKey: work.items[work.anchor]!.key, fields: work.create.fields }];
    }
    return (['left', 'right'] as const)
      .filter((side) => Object.keys(work.plan?.writes[side] ?? {}).length > 0)
      .map((side) => ({ pair: this.name, side, action: 'update' as const, targetKey: work.items[side]!.key, sourceKey: work.items[otherSide(side)]!.key, fields: work.plan!.writes[side] }));
  }

  private recordPlanned(works: Work[], mode: PassMode): void {
    for (const w of works.filter((x) => !x.error)) mode.planned.push(...this.writesOf(w));
  }

  private async executeCreates(target: Side, works: Work[]): Promise<void> {
    if (works.length === 0) return;
    const anchor = otherSide(target);
    const now = this.rt.clock().toISOString();
    await this.rt.store.transaction(async (tx) => {
      for (const w of works) await tx.putIntent({ pair: this.name, side: anchor, sourceId: w.items[anchor]!.id, sourceKey: w.items[anchor]!.key, createdAt: now });
    });
    for (const batch of chunk(works, this.rt.connectors[target].info.capabilities.maxCreateBatch)) {
      let results: WriteResult[];
      try {
        results = await this.rt.connectors[target].create(batch.map((w) => w.create!));
      } catch (error) {
        // The outcome is unknown: intents stay, so the next pass looks the items up before creating again.
        for (const w of batch) w.error = asError(error);
        continue;
      }
      for (const [i, w] of batch.entries()) {
        const result = results[i];
        if (result?.ok) {
          w.items[target] = result.item;
          continue;
        }
        w.error = result?.error ?? new SyncbridgeError('PROTOCOL', 'the connector returned no result for a create');
        // A create the system refused did not happen: nothing to look up later. One that happened
        // but failed afterwards keeps its intent, so the next pass links the item by its origin.
        if (result && !result.ok && !result.created) await this.rt.store.deleteIntent(this.name, anchor, w.items[anchor]!.id);
      }
    }
  }

  /**
   * Reads created items back when a connector's create result lacks some mapped fields:
   * the snapshot must hold what the system really has (its initial status, normalized
   * text), or the next change would look like a change of those fields too.
   */
  private async completeCreated(target: Side, works: Work[]): Promise<void> {
    const fields = this.sideFields[target];
    const partial = works.filter((w) => !w.error && w.items[target] && fields.some((f) => !(f in w.items[target]!.fields)));
    const connector = this.rt.connectors[target];
    for (const batch of chunk(partial, connector.info.capabilities.maxGetBatch)) {
      try {
        const read = new Map((await connector.getMany(batch.map((w) => w.items[target]!.id), { fields })).map((i) => [i.id, i]));
        for (const w of batch) w.items[target] = read.get(w.items[target]!.id) ?? w.items[target];
      } catch (error) {
        // The create went through; an unreadable result only costs a later no-op merge.
        this.rt.logger.warn('could not read created items back', { pair: this.name, error: asError(error).message });
      }
    }
  }

  /** Runs planned updates per side in batches; returns the works that met a concurrent edit. */
  private async executeUpdates(works: Work[]): Promise<Work[]> {
    const stale: Work[] = [];
    for (const side of ['left', 'right'] as const) {
      const todo = works.filter((w) => !w.error && Object.keys(w.plan!.writes[side]).length > 0);
      for (const batch of chunk(todo, this.rt.connectors[side].info.capabilities.maxUpdateBatch)) {
        const requests: UpdateRequest[] = batch.map((w) => ({ id: w.items[side]!.id, fields: w.plan!.writes[side], expectedRevision: w.items[side]!.revision }));
        let results: WriteResult[];
        try {
          results = await this.rt.connectors[side].update(requests);
        } catch (error) {
          for (const w of batch) w.error = asError(error);
          continue;
        }
        batch.forEach((w, i) => {
          const result = results[i];
          if (result?.ok) w.items[side] = { ...result.item, fields: { ...w.items[side]!.fields, ...w.plan!.writes[side], ...result.item.fields } };
          else {
            w.error = result?.error ?? new SyncbridgeError('PROTOCOL', 'the connector returned no result for an update');
            if (w.error.code === 'REVISION_MISMATCH') stale.push(w);
          }
        });
      }
    }
    return stale;
  }

  private snapshot(side: Side, item: WorkItem): Snapshot {
    const fields: Record<string, FieldValue> = {};
    for (const id of this.sideFields[side]) fields[id] = item.fields[id] ?? null;
    return { pair: this.name, side, itemId: item.id, revision: item.revision, updatedAt: item.updatedAt, fields };
  }

  private async commit(work: Work, mode: PassMode): Promise<void> {
    const { store } = this.rt;
    const { anchor } = work;
    const target = otherSide(anchor);
    const source = work.items[anchor]!;
    if (work.error) return this.fail(work, work.error, mode);
    const counterpart = work.items[target]!;
    const left = anchor === 'left' ? source : counterpart;
    const right = anchor === 'left' ? counterpart : source;
    await store.transaction(async (tx) => {
      if (!work.link) await tx.putLink({ pair: this.name, leftId: left.id, rightId: right.id, leftKey: left.key, rightKey: right.key, createdAt: this.rt.clock().toISOString() });
      await tx.putSnapshot(this.snapshot('left', left));
      await tx.putSnapshot(this.snapshot('right', right));
      await tx.deleteIntent(this.name, anchor, source.id);
      await tx.deleteFailure(this.name, 'left', left.id);
      await tx.deleteFailure(this.name, 'right', right.id);
    });
    if (work.wasFailed) mode.summary.recovered++;
    const writes = this.writesOf(work);
    for (const write of writes) {
      mode.summary[write.action === 'create' ? 'created' : 'updated'][write.side]++;
      this.rt.emitter.emit('itemSynced', { ...write, durationMs: Date.now() - work.started });
    }
    if (writes.length === 0) this.countQuiet(anchor, source, mode);
    else if (this.isIntegrationUser(anchor, source.updatedBy)) this.rt.emitter.emit('integrationUserChange', { pair: this.name, side: anchor, key: source.key });
    await this.syncComments(anchor, source, counterpart, mode, work.create !== undefined);
  }

  private async syncComments(anchor: Side, source: WorkItem, counterpart: WorkItem, mode: PassMode, createdNow: boolean): Promise<void> {
    const comments = this.rt.mapping.comments;
    const target = otherSide(anchor);
    const { connectors } = this.rt;
    if (!comments || !connectors.left.info.capabilities.comments || !connectors.right.info.capabilities.comments) return;
    if (comments.direction !== 'both' && comments.direction !== (anchor === 'left' ? 'leftToRight' : 'rightToLeft')) return;
    try {
      mode.summary.commentsCopied += await copyComments({
        pair: this.name,
        source: { side: anchor, connector: connectors[anchor], id: source.id, key: source.key },
        target: { connector: connectors[target], id: counterpart.id, createdNow },
        store: this.rt.store,
      });
    } catch (error) {
      await this.fail({ anchor, items: { [anchor]: source, [target]: counterpart } }, asError(error), mode);
    }
  }

  private async fail(work: Pick<Work, 'anchor' | 'items'>, error: SyncbridgeError, mode: PassMode): Promise<void> {
    const { store, settings, clock } = this.rt;
    const side = work.anchor;
    const item = work.items[side]!;
    const now = clock();
    const previous = await store.getFailure(this.name, side, item.id);
    const attempts = (previous?.attempts ?? 0) + 1;
    const waitsForPerson = error.code === 'CONFLICT' || attempts >= settings.maxAttempts;
    const failure = {
      pair: this.name,
      side,
      itemId: item.id,
      itemKey: item.key,
      kind: error.code === 'CONFLICT' ? ('conflict' as const) : ('error' as const),
      code: error.code,
      message: error.message,
      details: { ...error.details, ...(error.system ? { system: error.system } : {}) },
      attempts,
      revisions: { ...(work.items.left ? { left: work.items.left.revision } : {}), ...(work.items.right ? { right: work.items.right.revision } : {}) },
      // Never sooner than the system asked for (`Retry-After` longer than the HTTP client waits).
      nextRetryAt: waitsForPerson ? null : new Date(now.getTime() + Math.max(settings.retryBackoffMs * 2 ** (attempts - 1), error instanceof RemoteError ? (error.retryAfterMs ?? 0) : 0)).toISOString(),
      createdAt: previous?.createdAt ?? now.toISOString(),
      updatedAt: now.toISOString(),
    };
    await store.putFailure(failure);
    mode.summary.failed++;
    this.rt.emitter.emit('itemFailed', failure);
    this.rt.logger.warn('item failed', { pair: this.name, side, key: item.key, code: error.code, message: error.message, attempts });
  }
}
