import type { SyncbridgeConfig } from '../config/schema.js';
import { SyncbridgeError } from '../errors/syncbridge-error.js';
import type { Failure, Link, Side, StateStore } from '../state/state-store.js';

/** Which queued failures an operator command acts on. */
interface FailureQuery {
  pair?: string;
  side?: Side;
  /** Either side's id or key. */
  itemId?: string;
}

const inPair = (pair: string | undefined) => (pair ? ` in mapping "${pair}"` : '');

/** Whether `item` names either side of a link, by id or (ignoring case, as Jira keys) by key. */
function names(link: Link, item: string): boolean {
  return (
    link.leftId === item ||
    link.rightId === item ||
    [link.leftKey, link.rightKey].some((k) => k.toLowerCase() === item.toLowerCase())
  );
}

/** Throws `SELECTOR_UNMATCHED` unless `pair` is absent or names a mapping. */
function requirePair(config: SyncbridgeConfig, pair: string | undefined): void {
  if (pair === undefined || config.mappings.some((m) => m.name === pair)) return;
  throw new SyncbridgeError(
    'SELECTOR_UNMATCHED',
    `no mapping is named "${pair}"; mappings: ${config.mappings.map((m) => m.name).join(', ')}`,
  );
}

/**
 * Queued failures a query picks, oldest first. A failure is queued under the side whose change
 * failed, so an item named by its counterpart's id or key is matched through the link. With
 * `required`, a query naming an item that matches nothing throws `SELECTOR_UNMATCHED`.
 */
export async function findFailures(
  store: StateStore,
  config: SyncbridgeConfig,
  query: FailureQuery,
  options: { required?: boolean } = {},
): Promise<Failure[]> {
  requirePair(config, query.pair);
  const item = query.itemId;
  const out: Failure[] = [];
  for (const f of await store.listFailures(query.pair)) {
    if (query.side && f.side !== query.side) continue;
    if (item !== undefined && f.itemId !== item && f.itemKey.toLowerCase() !== item.toLowerCase()) {
      const link = await store.getLink(f.pair, f.side, f.itemId);
      if (!link || !names(link, item)) continue;
    }
    out.push(f);
  }
  if (options.required && item !== undefined && out.length === 0) {
    throw new SyncbridgeError(
      'SELECTOR_UNMATCHED',
      `no queued failure of item "${item}"${inPair(query.pair)} (by the id or key of either side); see syncbridge status`,
    );
  }
  return out;
}

/** Links of one mapping, or of every mapping, oldest first. */
export async function listLinks(store: StateStore, config: SyncbridgeConfig, pair?: string): Promise<Link[]> {
  requirePair(config, pair);
  const out: Link[] = [];
  for (const mapping of config.mappings.filter((m) => !pair || m.name === pair))
    out.push(...(await store.listLinks(mapping.name)));
  return out;
}

/** The links of an item named by either side's id or key; `SELECTOR_UNMATCHED` when there are none. */
export async function linksOf(
  store: StateStore,
  config: SyncbridgeConfig,
  selector: { pair?: string; item: string },
): Promise<Link[]> {
  requirePair(config, selector.pair);
  const found: Link[] = [];
  for (const mapping of config.mappings.filter((m) => !selector.pair || m.name === selector.pair)) {
    // Ids are looked up directly; only a key needs a scan of the pair's links.
    const byId =
      (await store.getLink(mapping.name, 'left', selector.item)) ??
      (await store.getLink(mapping.name, 'right', selector.item));
    if (byId) found.push(byId);
    else found.push(...(await listLinks(store, config, mapping.name)).filter((l) => names(l, selector.item)));
  }
  if (found.length === 0)
    throw new SyncbridgeError(
      'SELECTOR_UNMATCHED',
      `no link of item "${selector.item}"${inPair(selector.pair)} (by the id or key of either side); see syncbridge links`,
    );
  return found;
}

/** Forgets links with both items' snapshots and failures, one transaction per link. */
export async function forgetLinks(store: StateStore, links: Link[]): Promise<void> {
  for (const link of links) {
    await store.transaction(async (tx) => {
      await tx.deleteLink(link.pair, link.leftId);
      for (const [side, id] of [
        ['left', link.leftId],
        ['right', link.rightId],
      ] as const) {
        await tx.deleteSnapshot(link.pair, side, id);
        await tx.deleteFailure(link.pair, side, id);
      }
    });
  }
}
