import type { MappingConfig } from '../config/schema.js';
import type { Connector } from '../connector/connector.js';
import { SyncbridgeError, toSyncbridgeError } from '../errors/syncbridge-error.js';
import type { WorkItem } from '../model/item.js';
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
}

/**
 * Finds, for unlinked source items of one side, an existing counterpart on the other: one
 * the engine created before an interruption (a pending intent, found by its origin stamp),
 * or, under `matchExisting`, an unlinked item whose field holds the source's value. Under
 * `multiple: fail` a match must be unique both ways. Returns per source id the counterpart,
 * or an error that fails the item; items with neither are to be created.
 */
export async function findCounterparts(ctx: CounterpartContext, anchor: Side, sources: WorkItem[]): Promise<Map<string, WorkItem | SyncbridgeError>> {
  const target = otherSide(anchor);
  const { connectors, mapping, store } = ctx;
  const out = new Map<string, WorkItem | SyncbridgeError>();
  try {
    const pending: WorkItem[] = [];
    for (const source of sources) if (await store.getIntent(ctx.pair, anchor, source.id)) pending.push(source);
    if (pending.length > 0) {
      const found = await connectors[target].findByOrigin({ project: mapping[target].project, type: mapping[target].type, origins: pending.map((s) => ({ system: ctx.systemIds[anchor], id: s.id })), fields: ctx.fields[target] });
      for (const { origin, item } of found) if (pending.some((s) => s.id === origin.id)) out.set(origin.id, item);
    }
    const rule = mapping.matchExisting;
    if (!rule) return out;
    // A target item already linked, or claimed by another item of this batch, is no match.
    const claimed = new Set([...out.values()].map((item) => (item as WorkItem).id));
    const valueOf = (side: Side, item: WorkItem) => {
      const value = rule[side] === 'key' ? item.key : rule[side] === 'id' ? item.id : item.fields[rule[side]];
      return value === null || value === undefined || value === '' ? undefined : String(value);
    };
    const unlinkedMatches = async (side: Side, value: string) => {
      const found = await connectors[side].findByField({ project: mapping[side].project, type: mapping[side].type, field: rule[side], values: [value], fields: ctx.fields[side] });
      const unlinked: WorkItem[] = [];
      for (const match of found) if (!(await store.getLink(ctx.pair, side, match.id))) unlinked.push(match);
      return unlinked;
    };
    for (const source of sources.filter((s) => !out.has(s.id))) {
      const value = valueOf(anchor, source);
      if (value === undefined) continue;
      let matches = (await unlinkedMatches(target, value)).filter((m) => !claimed.has(m.id));
      // Under `fail` a match must be unique both ways: two items here claiming one there is ambiguous too.
      const back = rule.multiple === 'fail' && matches.length === 1 ? valueOf(target, matches[0]!) : undefined;
      const rivals = back === undefined ? [] : (await unlinkedMatches(anchor, back)).filter((m) => m.id !== source.id);
      if (rivals.length > 0) matches = [...matches, ...rivals];
      if (matches.length > 1 && rule.multiple === 'fail') {
        const keys = matches.map((m) => m.key).join(', ');
        out.set(source.id, new SyncbridgeError('VALIDATION', `${rule[anchor]} = "${value}" does not identify one pair (${source.key} and ${keys}); link one by hand or set matchExisting.multiple: first`, { details: { matches: matches.map((m) => m.key) } }));
      } else if (matches[0]) {
        out.set(source.id, matches[0]);
        claimed.add(matches[0].id);
      }
    }
  } catch (error) {
    // Nothing found before the failure is trusted either: every item waits for a retry.
    const failure = toSyncbridgeError(error, { retryable: true });
    for (const source of sources) if (!(out.get(source.id) instanceof SyncbridgeError)) out.set(source.id, failure);
  }
  return out;
}
