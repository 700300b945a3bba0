import type { MappingConfig } from '../config/schema.js';
import type { Connector } from '../connector/connector.js';
import type { WorkItem } from '../model/item.js';
import { otherSide, type Intent, type Side, type Snapshot, type StateStore } from '../state/state-store.js';
import { readInBatches } from './batches.js';
import { integrationUserIds, isUserAmong } from './users.js';

/** What one entity pair's relink found, and did (or on a dry run would do). */
export interface RelinkCounts {
  /** The entity pair (mapping) name. */
  pair: string;
  /** Stamped copies found whose origin item exists on the other side. */
  found: number;
  /** Links written (on a dry run: that would be written). */
  linked: number;
  /** Copies already linked to their origin item. */
  alreadyLinked: number;
  /** Copies left alone because the copy or its origin item is linked to another item (or another copy claimed the origin). */
  conflicting: number;
}

/** Options of `Syncbridge.relink`. */
export interface RelinkOptions {
  /** Count what would be linked, storing nothing. @default false */
  dryRun?: boolean | undefined;
  /** Only this entity pair (mapping). */
  pair?: string | undefined;
  /** Once aborted, the scan stops after the page under way; links stored so far stay. */
  signal?: AbortSignal | undefined;
}

/** What relinking one entity pair needs. */
export interface RelinkContext {
  pair: string;
  mapping: MappingConfig;
  connectors: Record<Side, Connector>;
  systemIds: Record<Side, string>;
  store: StateStore;
  pageSize: number;
  clock: () => Date;
  dryRun: boolean;
  /** The integration user configured per side (`systems.<id>.integrationUser`), besides the one the connector acts as. */
  integrationUsers?: Partial<Record<Side, string>> | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Rebuilds the links of one entity pair from origin stamps: scans every item of both sides'
 * projects and types, a page at a time, and links each unlinked copy the engine made (it
 * carries a stamp naming an item of the other side) to that item, unless either is linked
 * to something else. One `getMany` per page reads the stamped items' origins; nothing is
 * written to either system. An item the engine changed last holds the values agreed then;
 * the other's agreed values are unknown, so the pair's first merge takes its changes, and a
 * field that differs with both sides unknown merges as one added to the mapping.
 */
export async function relinkPair(ctx: RelinkContext): Promise<RelinkCounts> {
  const counts: RelinkCounts = { pair: ctx.pair, found: 0, linked: 0, alreadyLinked: 0, conflicting: 0 };
  // On a dry run nothing is stored, so links planned earlier in the scan are remembered here.
  const planned: Record<Side, Set<string>> = { left: new Set(), right: new Set() };
  const fields = { left: ctx.mapping.fields.map((f) => f.left), right: ctx.mapping.fields.map((f) => f.right) };
  const engine = {
    left: await integrationUserIds(ctx.connectors.left, ctx.integrationUsers?.left),
    right: await integrationUserIds(ctx.connectors.right, ctx.integrationUsers?.right),
  };
  const agreement = (side: Side, item: WorkItem) =>
    relinkedAgreement(ctx.pair, side, item, fields[side], isUserAmong(engine[side], item.updatedBy));
  for (const side of ['left', 'right'] as const) {
    const target = otherSide(side);
    const pages = ctx.connectors[side].query({
      project: ctx.mapping[side].project,
      type: ctx.mapping[side].type,
      fields: fields[side],
      pageSize: ctx.pageSize,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    for await (const page of pages) {
      if (ctx.signal?.aborted) return counts;
      const copies = page.filter((item) => item.origin?.system === ctx.systemIds[target]);
      const origins = await readInBatches(
        ctx.connectors[target],
        copies.map((c) => c.origin!.id),
        fields[target],
      );
      // The links of the page's copies and of their origins, in two reads.
      const linksOf = async (of: Side, ids: string[]) =>
        new Map(ids.length === 0 ? [] : (await ctx.store.loadItems(ctx.pair, of, ids)).map((x) => [x.itemId, x.link]));
      const mineOf = await linksOf(
        side,
        copies.map((c) => c.id),
      );
      const theirsOf = await linksOf(target, [...origins.keys()]);
      for (const copy of copies) {
        const origin = origins.get(copy.origin!.id);
        if (!origin) continue;
        counts.found++;
        const mine = mineOf.get(copy.id);
        const theirs = theirsOf.get(origin.id);
        const counterpart = (link: typeof mine, of: Side) =>
          link ? (of === 'left' ? link.rightId : link.leftId) : undefined;
        if (mine && counterpart(mine, side) === origin.id) counts.alreadyLinked++;
        else if (mine || theirs || planned[side].has(copy.id) || planned[target].has(origin.id)) counts.conflicting++;
        else {
          counts.linked++;
          planned[side].add(copy.id);
          planned[target].add(origin.id);
          if (!ctx.dryRun)
            await link(ctx, side === 'left' ? { left: copy, right: origin } : { left: origin, right: copy }, agreement);
        }
      }
    }
  }
  return counts;
}

/**
 * Whether a pair's projects hold copies the engine made: the first page of each side (as the
 * mapping filters it) holds an item stamped with an origin on the other side, or the other
 * side holds a copy of one of them (one `findByOrigin` per side). A few requests, made only
 * when the store holds no link of the pair, so that a first sync into fresh projects skips
 * the relink scan and a lost state file is found before anything is created.
 */
export async function holdsCopies(ctx: RelinkContext): Promise<boolean> {
  for (const side of ['left', 'right'] as const) {
    const target = otherSide(side);
    const { project, type, filter } = ctx.mapping[side];
    const pages = ctx.connectors[side].query({ project, type, filter, fields: [], pageSize: ctx.pageSize });
    let first: WorkItem[] = [];
    for await (const page of pages) {
      first = page;
      break;
    }
    if (first.some((item) => item.origin?.system === ctx.systemIds[target])) return true;
    if (first.length === 0) continue;
    const origins = first.map((item) => ({ system: ctx.systemIds[side], id: item.id, key: item.key }));
    if (
      (
        await ctx.connectors[target].findByOrigin({
          project: ctx.mapping[target].project,
          type: ctx.mapping[target].type,
          origins,
          fields: [],
        })
      ).length > 0
    )
      return true;
  }
  return false;
}

/**
 * An item's agreed state when none of its fields' agreed values is known (it may have changed
 * since its copy was made, or a create's answer was lost): the revision matches no read, so
 * the pair is merged as soon as either item is seen, each field that differs as one added to
 * the mapping (or by what the other side's agreed value corresponds to).
 */
export function unknownAgreement(pair: string, side: Side, item: Pick<WorkItem, 'id' | 'updatedAt'>): Snapshot {
  return { pair, side, itemId: item.id, revision: UNKNOWN, updatedAt: item.updatedAt, fields: {} };
}

/** The revision of an agreed state that holds no known value. */
const UNKNOWN = 'relinked~unsettled';

/**
 * Whether neither item of a pair has a recorded agreed state (see {@link unknownAgreement}): a
 * pair linked from its stamps after a lost state file, or after a create interrupted before its
 * link (then with the values its intent kept, if any). People may have edited either item since,
 * so a field whose agreed values are unknown takes the value changed last, or waits for a person
 * under `manual` (see `MergeInput.agreementUnknown`).
 */
export function agreementUnknown(snapshots: Partial<Record<Side, Snapshot>>): boolean {
  return snapshots.left?.revision === UNKNOWN && snapshots.right?.revision === UNKNOWN;
}

/**
 * The agreed state of a pair whose create went through but was never linked (the process died,
 * or the answer was lost), once its copy is found: what the create read from its source and
 * wrote to the copy, as its intent recorded; a copy's field the create did not write holds the
 * agreed value it holds now. Either item may have changed since, so both are merged when seen.
 * An intent an earlier version recorded holds no values: the pair's agreement is unknown.
 */
export function interruptedCreateAgreement(
  intent: Intent,
  copy: WorkItem,
  copyFields: readonly string[],
): Record<Side, Snapshot> {
  const source = intent.side;
  const target = otherSide(source);
  const sourceItem = { id: intent.sourceId, updatedAt: copy.updatedAt };
  const snapshots = {
    [source]: unknownAgreement(intent.pair, source, sourceItem),
    [target]: unknownAgreement(intent.pair, target, copy),
  } as Record<Side, Snapshot>;
  if (!intent.agreed) return snapshots;
  snapshots[source].fields = { ...intent.agreed[source] };
  snapshots[target].fields = {
    ...Object.fromEntries(copyFields.map((f) => [f, copy.fields[f] ?? null])),
    ...intent.agreed[target],
  };
  return snapshots;
}

/**
 * The agreed state of an item of a pair linked from its stamps: an item the engine changed
 * last holds the values agreed then (its mapped `fields`); of any other, nothing is known.
 */
export function relinkedAgreement(
  pair: string,
  side: Side,
  item: WorkItem,
  fields: readonly string[],
  changedByEngine: boolean,
): Snapshot {
  if (!changedByEngine) return unknownAgreement(pair, side, item);
  return {
    pair,
    side,
    itemId: item.id,
    revision: item.revision,
    updatedAt: item.updatedAt,
    fields: Object.fromEntries(fields.map((f) => [f, item.fields[f] ?? null])),
  };
}

async function link(
  ctx: RelinkContext,
  items: Record<Side, WorkItem>,
  agreement: (side: Side, item: WorkItem) => Snapshot,
): Promise<void> {
  const { left, right } = items;
  await ctx.store.transaction(async (tx) => {
    await tx.putLink({
      pair: ctx.pair,
      leftId: left.id,
      rightId: right.id,
      leftKey: left.key,
      rightKey: right.key,
      createdAt: ctx.clock().toISOString(),
    });
    await tx.putSnapshot(agreement('left', left));
    await tx.putSnapshot(agreement('right', right));
  });
}
