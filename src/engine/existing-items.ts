import type { MappingConfig } from '../config/schema.js';
import type { Connector } from '../connector/connector.js';
import { SyncbridgeError, toSyncbridgeError } from '../errors/syncbridge-error.js';
import type { WorkItem } from '../model/item.js';
import { readInBatches } from './batches.js';
import { otherSide, type Side, type StateStore } from '../state/state-store.js';

/** What finding counterparts of unlinked items needs. */
export interface CounterpartContext {
  pair: string;
  connectors: Record<Side, Connector>;
  mapping: MappingConfig;
  store: StateStore;
  systemIds: Record<Side, string>;
  /** Fields read per side. */
  fields: Record<Side, string[]>;
  /**
   * Whether to look up, with one `findByOrigin` per batch, copies of sources that carry no
   * stamp themselves (a lost link to a copy the engine made of them). Off on a first sync
   * into projects where nothing can have been copied yet, to spare the query.
   */
  lookUpCopies?: boolean | undefined;
  /** Filled with the ids of sources whose counterpart an origin stamp named (a lost link): their agreed state is unknown. */
  relinked?: Set<string> | undefined;
}

/**
 * Finds, for unlinked source items of one side, an existing counterpart on the other: one
 * the engine created before an interruption (a pending intent, found by its origin stamp),
 * the item a source copies (the source carries its origin stamp: a link lost with the state),
 * a copy of the source (found by its stamp, with `lookUpCopies`), or, under `matchExisting`, an unlinked item whose field holds the source's value. Under
 * `multiple: fail` a match must be unique both ways. Returns per source id the counterpart,
 * or an error that fails the item; items with neither are to be created. `pending` names the
 * sources with a pending create intent when the caller has just read their state.
 */
export async function findCounterparts(
  ctx: CounterpartContext,
  anchor: Side,
  sources: WorkItem[],
  pending?: ReadonlySet<string>,
): Promise<Map<string, WorkItem | SyncbridgeError>> {
  const target = otherSide(anchor);
  const { connectors, mapping, store } = ctx;
  const out = new Map<string, WorkItem | SyncbridgeError>();
  try {
    const intended =
      pending ??
      new Set(
        (
          await store.loadItems(
            ctx.pair,
            anchor,
            sources.map((s) => s.id),
          )
        )
          .filter((state) => state.intent)
          .map((state) => state.itemId),
      );
    const withIntent = sources.filter((s) => intended.has(s.id));
    if (withIntent.length > 0) {
      const found = await connectors[target].findByOrigin({
        project: mapping[target].project,
        type: mapping[target].type,
        origins: withIntent.map((s) => ({ system: ctx.systemIds[anchor], id: s.id })),
        fields: ctx.fields[target],
      });
      for (const { origin, item } of found) if (intended.has(origin.id)) out.set(origin.id, item);
    }
    // A target item already linked, or claimed by another item of this batch, is no match.
    const claimed = new Set([...out.values()].map((item) => (item as WorkItem).id));
    await findStamped(ctx, anchor, sources, out, claimed);
    const rule = mapping.matchExisting;
    if (!rule) return out;
    const matchValueOf = (side: Side, item: WorkItem) => {
      const value = rule[side] === 'key' ? item.key : rule[side] === 'id' ? item.id : item.fields[rule[side]];
      return value === null || value === undefined || value === '' ? undefined : String(value);
    };
    const unlinkedMatches = async (side: Side, value: string) => {
      const found = await connectors[side].findByField({
        project: mapping[side].project,
        type: mapping[side].type,
        field: rule[side],
        values: [value],
        fields: ctx.fields[side],
      });
      const linked = await linkedAmong(
        ctx,
        side,
        found.map((m) => m.id),
      );
      return found.filter((m) => !linked.has(m.id));
    };
    for (const source of sources.filter((s) => !out.has(s.id))) {
      const value = matchValueOf(anchor, source);
      if (value === undefined) continue;
      let matches = (await unlinkedMatches(target, value)).filter((m) => !claimed.has(m.id));
      // Under `fail` a match must be unique both ways: two items here claiming one there is ambiguous too.
      const back = rule.multiple === 'fail' && matches.length === 1 ? matchValueOf(target, matches[0]!) : undefined;
      const rivals = back === undefined ? [] : (await unlinkedMatches(anchor, back)).filter((m) => m.id !== source.id);
      if (rivals.length > 0) matches = [...matches, ...rivals];
      if (matches.length > 1 && rule.multiple === 'fail') {
        const keys = matches.map((m) => m.key).join(', ');
        out.set(
          source.id,
          new SyncbridgeError(
            'VALIDATION',
            `${rule[anchor]} = "${value}" does not identify one pair (${source.key} and ${keys}); link one by hand or set matchExisting.multiple: first`,
            { details: { matches: matches.map((m) => m.key) } },
          ),
        );
      } else if (matches[0]) {
        out.set(source.id, matches[0]);
        claimed.add(matches[0].id);
      }
    }
  } catch (error) {
    // Nothing found before the failure is trusted either: every item waits for a retry.
    const failure = toSyncbridgeError(error);
    for (const source of sources) if (!(out.get(source.id) instanceof SyncbridgeError)) out.set(source.id, failure);
  }
  return out;
}

/** The counterparts origin stamps name: sources that are copies, then (with `lookUpCopies`) sources that were copied. */
async function findStamped(
  ctx: CounterpartContext,
  anchor: Side,
  sources: WorkItem[],
  out: Map<string, WorkItem | SyncbridgeError>,
  claimed: Set<string>,
): Promise<void> {
  const target = otherSide(anchor);
  const connector = ctx.connectors[target];
  const take = (source: WorkItem, item: WorkItem, linked: Set<string>) => {
    if (out.has(source.id) || claimed.has(item.id) || linked.has(item.id)) return;
    out.set(source.id, item);
    claimed.add(item.id);
    ctx.relinked?.add(source.id);
  };
  const copies = sources.filter((s) => !out.has(s.id) && s.origin?.system === ctx.systemIds[target]);
  const read = await readInBatches(
    connector,
    copies.map((s) => s.origin!.id),
    ctx.fields[target],
  );
  const linkedRead = await linkedAmong(ctx, target, [...read.keys()]);
  for (const source of copies) {
    const item = read.get(source.origin!.id);
    if (item) take(source, item, linkedRead);
  }
  if (!ctx.lookUpCopies) return;
  // A source that is itself a copy from the other side has no copy there (the engine never copies a copy back).
  const originals = sources.filter((s) => !out.has(s.id) && s.origin?.system !== ctx.systemIds[target]);
  if (originals.length === 0) return;
  const found = await connector.findByOrigin({
    project: ctx.mapping[target].project,
    type: ctx.mapping[target].type,
    origins: originals.map((s) => ({ system: ctx.systemIds[anchor], id: s.id, key: s.key })),
    fields: ctx.fields[target],
  });
  const linkedFound = await linkedAmong(
    ctx,
    target,
    found.map((f) => f.item.id),
  );
  for (const { origin, item } of found) {
    const source = originals.find((s) => s.id === origin.id);
    if (source) take(source, item, linkedFound);
  }
}

/** Which of a side's items are linked already: one read for them all. */
async function linkedAmong(ctx: CounterpartContext, side: Side, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  return new Set((await ctx.store.loadItems(ctx.pair, side, ids)).filter((x) => x.link).map((x) => x.itemId));
}
