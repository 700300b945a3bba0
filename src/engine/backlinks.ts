import type { MappingConfig } from '../config/schema.js';
import type { BacklinkTarget, Connector } from '../connector/connector.js';
import { isSyncbridgeError, toSyncbridgeError } from '../errors/syncbridge-error.js';
import type { Logger } from '../logger.js';
import type { WorkItem } from '../model/item.js';
import { otherSide, sides, type Link, type Side, type StateStore } from '../state/state-store.js';

/** What back-links of one entity pair need. */
export interface BacklinkContext {
  pair: string;
  mapping: MappingConfig;
  connectors: Record<Side, Connector>;
  systemIds: Record<Side, string>;
  store: StateStore;
  logger: Logger;
}

/** The twin a `side` item's back-link points to, or undefined when its connector cannot give a URL. */
function twinOf(ctx: BacklinkContext, side: Side, twin: WorkItem): BacklinkTarget | undefined {
  const other = otherSide(side);
  const connector = ctx.connectors[other];
  if (!connector.webUrl) return undefined;
  const title = connector.titleField ? twin.fields[connector.titleField] : undefined;
  return {
    system: ctx.systemIds[other],
    id: twin.id,
    key: twin.key,
    url: connector.webUrl(twin),
    kind: connector.info.kind,
    ...(typeof title === 'string' && title ? { title } : {}),
  };
}

/**
 * Shows each item of a pair its twin: a link (`upsertBacklink`, keyed by the twin's system
 * and id, so a second write updates it) and the twin's key, id or URL in the field the mapping
 * names. Called when a pair is linked, when a twin's key changed and on a reconcile, for the
 * `sides` whose items should show it. A write that moves an item's revision was made on the
 * revision the engine agreed on, and the agreed state moves with it: the engine's own back-link
 * is never taken for a change of the item. A failed write is logged and leaves the sync alone
 * (a reconcile writes it again).
 */
export async function writeBacklinks(
  ctx: BacklinkContext,
  items: Record<Side, WorkItem>,
  only: readonly Side[] = sides,
): Promise<void> {
  for (const side of only) {
    const settings = ctx.mapping.backlink[side];
    const connector = ctx.connectors[side];
    const item = items[side];
    const twin = twinOf(ctx, side, items[otherSide(side)]);
    try {
      let revision = item.revision;
      if (settings.link && twin && connector.info.capabilities.backlinks && connector.upsertBacklink) {
        const result = await connector.upsertBacklink(item.id, twin, { expectedRevision: revision });
        if (result.revision) revision = await advance(ctx, side, item.id, revision, result.revision);
      }
      if (settings.field) {
        const other = items[otherSide(side)];
        const value = settings.value === 'id' ? other.id : settings.value === 'url' ? twin?.url : other.key;
        if (value === undefined || item.fields[settings.field] === value) continue;
        const [result] = await connector.update([
          { id: item.id, fields: { [settings.field]: value }, expectedRevision: revision },
        ]);
        if (result && !result.ok) throw result.error;
        if (result?.ok) await advance(ctx, side, item.id, revision, result.item);
      }
    } catch (error) {
      // A pass that lost its lease stops here, not only at its next commit.
      if (isSyncbridgeError(error) && error.code === 'LEASE_LOST') throw error;
      ctx.logger.warn('could not write the back-link', {
        pair: ctx.pair,
        side,
        key: item.key,
        error: toSyncbridgeError(error).message,
      });
    }
  }
}

/** Moves the agreed revision past the engine's own back-link write, when it was agreed on the revision written on. */
async function advance(
  ctx: BacklinkContext,
  side: Side,
  itemId: string,
  from: string,
  to: { revision: string; updatedAt: string },
): Promise<string> {
  await ctx.store.transaction(async (tx) => {
    const snapshot = await tx.getSnapshot(ctx.pair, side, itemId);
    if (snapshot?.revision === from)
      await tx.putSnapshot({ ...snapshot, revision: to.revision, updatedAt: to.updatedAt });
  });
  return to.revision;
}

/**
 * Removes the back-links of an unlinked pair from the `sides` whose items still exist (the
 * field the mapping names is left as it is: it tells people where the item came from). A
 * failure is logged; the pair stays unlinked.
 */
export async function removeBacklinks(ctx: BacklinkContext, link: Link, only: readonly Side[] = sides): Promise<void> {
  const ids = { left: link.leftId, right: link.rightId };
  for (const side of only) {
    const connector = ctx.connectors[side];
    if (!ctx.mapping.backlink[side].link || !connector.info.capabilities.backlinks || !connector.removeBacklink)
      continue;
    try {
      await connector.removeBacklink(ids[side], { system: ctx.systemIds[otherSide(side)], id: ids[otherSide(side)] });
    } catch (error) {
      if (isSyncbridgeError(error) && error.code === 'LEASE_LOST') throw error;
      ctx.logger.warn('could not remove the back-link', {
        pair: ctx.pair,
        side,
        key: side === 'left' ? link.leftKey : link.rightKey,
        error: toSyncbridgeError(error).message,
      });
    }
  }
}
