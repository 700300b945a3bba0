import { SyncbridgeError, toSyncbridgeError } from '../errors/syncbridge-error.js';
import type { WorkItem } from '../model/item.js';
import { otherSide, sides, type Link, type Side } from '../state/state-store.js';
import type { EngineEvents } from './events.js';
import type { PairRuntime, PassMode } from './pair-sync.js';
import { flows } from './value-mapper.js';
import { readInBatches } from './batches.js';
import { removeBacklinks } from './backlinks.js';

/** The snapshot revision of an item whose pair no longer syncs (it was deleted, or left the filter). */
export const DETACHED = 'detached';

/** What the delete handling of one entity pair needs from its pair. */
export interface DeleteContext {
  /** Entity pair (mapping) name. */
  name: string;
  rt: PairRuntime;
  /** Fields read per side. */
  sideFields: Record<Side, string[]>;
  /** Merges items afresh, whether or not they changed (a recreate). */
  process(side: Side, items: WorkItem[], mode: PassMode): Promise<void>;
  /** Whether an item now lives outside the mapping's project or type. */
  movedOut(side: Side, item: WorkItem): boolean;
  /** Queues a failure of an item. */
  fail(side: Side, item: WorkItem, error: SyncbridgeError, mode: PassMode, waitsForPerson: boolean): Promise<void>;
}

/**
 * Deleted items of one entity pair: found by verifying links, handled by the mapping's
 * `deletes` policy, and pairs detached so that neither item is synced as new again.
 */
export class PairDeletes {
  /** Where the next verification of links starts. */
  private verifyOffset = 0;

  constructor(private readonly ctx: DeleteContext) {}

  /**
   * Reads the two items of the next `verifyLinksPerPass` links (going round all links over
   * passes): neither Jira nor Azure DevOps lists deleted items, so a pair whose item was deleted
   * and whose twin never changes again is found here.
   */
  async verifyLinks(mode: PassMode): Promise<void> {
    const limit = this.ctx.rt.settings.verifyLinksPerPass;
    if (limit === 0) return;
    const links = await this.ctx.rt.store.listLinks(this.ctx.name, { limit, offset: this.verifyOffset });
    const read: Record<Side, Map<string, WorkItem>> = { left: new Map(), right: new Map() };
    try {
      for (const side of sides)
        read[side] = await readInBatches(
          this.ctx.rt.connectors[side],
          links.map((l) => (side === 'left' ? l.leftId : l.rightId)),
          this.ctx.sideFields[side],
          mode.signal,
        );
      if (mode.signal?.aborted) return;
    } catch (error) {
      // A system that cannot answer now is verified again next pass; the pass itself goes on.
      this.ctx.rt.logger.warn('could not verify links', {
        pair: this.ctx.name,
        error: toSyncbridgeError(error).message,
      });
      return;
    }
    this.verifyOffset = links.length < limit ? 0 : this.verifyOffset + limit;
    for (const link of links) {
      const ids = { left: link.leftId, right: link.rightId };
      const gone = sides.filter((side) => !read[side].has(ids[side]));
      const moved = sides.find(
        (side) => read[side].has(ids[side]) && this.ctx.movedOut(side, read[side].get(ids[side])!),
      );
      if (gone.length === 0 && moved && !(await this.isDetached(link))) {
        // Its last change is synced, then the pair is unlinked (processing a moved item does both).
        await this.ctx.process(moved, [read[moved].get(ids[moved])!], mode);
        continue;
      }
      if (gone.length === 0) continue;
      if (gone.length === 2) await this.forget(link);
      else await this.handle(gone[0]!, link, read[otherSide(gone[0]!)].get(ids[otherSide(gone[0]!)]), mode, 'deleted');
    }
  }

  private get backlinks() {
    return { pair: this.ctx.name, ...this.ctx.rt };
  }

  /** Whether a pair no longer syncs (one of its items was deleted, or left the filter). */
  async isDetached(link: Link): Promise<boolean> {
    for (const side of sides)
      if (
        (await this.ctx.rt.store.getSnapshot(this.ctx.name, side, side === 'left' ? link.leftId : link.rightId))
          ?.revision === DETACHED
      )
        return true;
    return false;
  }

  /** Removes a link with both items' snapshots and failures. */
  async forget(link: Link): Promise<void> {
    await this.ctx.rt.store.transaction(async (tx) => {
      await tx.deleteLink(this.ctx.name, link.leftId);
      for (const side of sides) {
        const id = side === 'left' ? link.leftId : link.rightId;
        await tx.deleteSnapshot(this.ctx.name, side, id);
        await tx.deleteFailure(this.ctx.name, side, id);
      }
    });
  }

  /**
   * A linked item was found deleted (`reason: deleted`), or left the filter under
   * `keepSyncingUnmatched: false` (`unmatched`, after its last change was synced). The
   * mapping's `deletes` policy decides: when the deleted item is the source of a direction
   * its `onSourceDelete`, when it is (only, or by a policy other than `unlink`) the target of
   * a direction its `onTargetDelete`. An unlinked pair keeps its link, marked detached, so
   * that neither item is synced as new again.
   */
  async handle(
    gone: Side,
    link: Link,
    survivorItem: WorkItem | undefined,
    mode: PassMode,
    reason: 'deleted' | 'unmatched',
  ): Promise<void> {
    const survivor = otherSide(gone);
    const ids = { left: link.leftId, right: link.rightId };
    if (await this.isDetached(link)) return;
    const keys = { left: link.leftKey, right: link.rightKey };
    const outward = gone === 'left' ? 'leftToRight' : 'rightToLeft';
    const inward = gone === 'left' ? 'rightToLeft' : 'leftToRight';
    const policies = this.ctx.rt.mapping.deletes;
    const isSource = this.ctx.rt.fields.some((f) => flows(f, outward));
    const isTarget = this.ctx.rt.fields.some((f) => flows(f, inward));
    const onTarget = policies[inward].onTargetDelete;
    const onSource = policies[outward].onSourceDelete;
    let action: 'unlink' | 'delete' | 'softDelete' | 'recreate' | 'fail';
    if (reason === 'unmatched') action = onSource === 'softDelete' ? 'softDelete' : 'unlink';
    else action = isTarget && (onTarget !== 'unlink' || !isSource) ? onTarget : onSource;
    const report = (done: EngineEvents['itemDeleted']['action']) => {
      mode.summary.deletes++;
      this.ctx.rt.emitter.emit('itemDeleted', {
        pair: this.ctx.name,
        side: gone,
        key: keys[gone],
        counterpartKey: keys[survivor],
        reason,
        action: done,
      });
      this.ctx.rt.logger.info(`pair ${done}`, {
        pair: this.ctx.name,
        side: gone,
        key: keys[gone],
        counterpart: keys[survivor],
        reason,
      });
    };
    const detach = () =>
      this.ctx.rt.store.transaction(async (tx) => {
        await tx.putSnapshot({
          pair: this.ctx.name,
          side: gone,
          itemId: ids[gone],
          revision: DETACHED,
          updatedAt: this.ctx.rt.clock().toISOString(),
          fields: {},
        });
        for (const side of sides) await tx.deleteFailure(this.ctx.name, side, ids[side]);
      });
    const connector = this.ctx.rt.connectors[survivor];
    // A failure is queued under the surviving item, as read or, unread, as the link names it.
    const survivorAsKnown = survivorItem ?? {
      id: ids[survivor],
      key: keys[survivor],
      revision: '',
      updatedAt: this.ctx.rt.clock().toISOString(),
      updatedBy: null,
      fields: {},
    };
    try {
      if (action === 'fail') {
        const previous = await this.ctx.rt.store.getFailure(this.ctx.name, survivor, ids[survivor]);
        if (previous?.code === 'NOT_FOUND') return;
        const error = new SyncbridgeError(
          'NOT_FOUND',
          `${keys[gone]}, the twin of ${keys[survivor]}, was deleted; recreate it (onTargetDelete: recreate), or unlink the pair (syncbridge unlink)`,
          { details: { deleted: keys[gone] } },
        );
        await this.ctx.fail(survivor, survivorAsKnown, error, mode, true);
        report('failed');
      } else if (action === 'recreate') {
        await this.forget(link);
        await removeBacklinks(this.backlinks, link, [survivor]);
        const [item] = survivorItem
          ? [survivorItem]
          : await connector.getMany([ids[survivor]], { fields: this.ctx.sideFields[survivor] });
        report('recreated');
        if (item) await this.ctx.process(survivor, [item], mode);
      } else if (action === 'delete' && connector.deleteItem) {
        await connector.deleteItem(ids[survivor]);
        await this.forget(link);
        report('deleted');
      } else if (action === 'softDelete') {
        const fields = policies[outward].softDelete ?? {};
        const [result] = Object.keys(fields).length > 0 ? await connector.update([{ id: ids[survivor], fields }]) : [];
        if (result && !result.ok) throw result.error;
        await detach();
        await removeBacklinks(this.backlinks, link, reason === 'unmatched' ? sides : [survivor]);
        report('softDeleted');
      } else {
        await detach();
        // An item that only left the filter still exists: neither item shows the other any longer.
        await removeBacklinks(this.backlinks, link, reason === 'unmatched' ? sides : [survivor]);
        report('unlinked');
      }
    } catch (error) {
      await this.ctx.fail(survivor, survivorAsKnown, toSyncbridgeError(error), mode, false);
    }
  }
}
