import { describe, expect, it } from 'vitest';
import type { EngineEvents, SyncbridgeConfigInput } from 'syncbridge';
import { twoTrackers } from './harness.js';

type Deletes = NonNullable<SyncbridgeConfigInput['mappings'][number]['deletes']>;

/** A linked pair (left source, fields both ways), and the engine's delete events. */
async function linkedPair(deletes?: Deletes, engine: SyncbridgeConfigInput['engine'] = {}) {
  const t = await twoTrackers({
    mapping: deletes ? { deletes } : {},
    fields: [
      { left: 'title', right: 'title' },
      { left: 'status', right: 'status', direction: 'leftToRight' },
    ],
    engine,
  });
  await t.sync.activate();
  const bug = t.left.create('JIRA', 'Bug', { title: 'Crash', status: 'To Do' }, t.left.user('ana'));
  await t.sync.runOnce();
  const copy = t.byTitle(t.right, 'Crash')[0]!;
  const events: Array<EngineEvents['itemDeleted']> = [];
  t.sync.events.on('itemDeleted', (e) => events.push(e));
  t.advance(10_000);
  return { t, bug, copy, events };
}

describe('deleted items', () => {
  it('unlinks a pair whose twin was deleted, by default: later edits queue nothing and create nothing', async () => {
    const { t, bug, copy, events } = await linkedPair();
    t.right.remove(copy.id);
    t.left.edit(bug.id, { title: 'Crash on save' }, 'ana');
    const summary = await t.sync.runOnce();
    expect(summary).toMatchObject({ failed: 0, deletes: 1, created: { left: 0, right: 0 } });
    expect(events).toMatchObject([
      { side: 'right', key: copy.key, counterpartKey: bug.key, reason: 'deleted', action: 'unlinked' },
    ]);
    for (let i = 0; i < 3; i++) {
      t.advance(60_000);
      t.left.edit(bug.id, { title: `edit ${i}` }, 'ana');
      expect(await t.sync.runOnce()).toMatchObject({ failed: 0, deletes: 0, created: { left: 0, right: 0 } });
    }
    expect((await t.sync.status()).pairs[0]!.failures).toEqual([]);
    expect(t.right.items.size).toBe(0);
  });

  it('finds a deleted item whose twin never changes again by verifying links', async () => {
    const { t, copy, events } = await linkedPair(undefined, { verifyLinksPerPass: 10 });
    t.right.remove(copy.id);
    await t.sync.runOnce();
    expect(events).toMatchObject([{ side: 'right', reason: 'deleted', action: 'unlinked' }]);
  });

  it('goes on with the pass when links cannot be verified now, and verifies them on the next', async () => {
    const { t, bug, copy, events } = await linkedPair(undefined, { verifyLinksPerPass: 10 });
    t.right.remove(copy.id);
    t.connectors.right.failNext('getMany', 1);
    t.left.create('JIRA', 'Bug', { title: 'Another crash' }, t.left.user('ana'));
    expect((await t.sync.runOnce()).created.right).toBe(1);
    expect(events).toEqual([]);
    await t.sync.runOnce();
    expect(events).toMatchObject([{ side: 'right', key: copy.key, counterpartKey: bug.key, action: 'unlinked' }]);
    expect(t.byTitle(t.right, 'Another crash')).toHaveLength(1);
  });

  it('recreates a deleted target under onTargetDelete: recreate', async () => {
    const { t, bug, copy, events } = await linkedPair({
      leftToRight: { onSourceDelete: 'unlink', onTargetDelete: 'recreate' },
    });
    t.right.remove(copy.id);
    t.left.edit(bug.id, { title: 'Crash again' }, 'ana');
    await t.sync.runOnce();
    expect(events).toMatchObject([{ action: 'recreated' }]);
    const [again] = t.byTitle(t.right, 'Crash again');
    expect(again?.id).not.toBe(copy.id);
    expect((await t.sync.links()).map((l) => [l.leftId, l.rightId])).toEqual([[bug.id, again!.id]]);
  });

  it('deletes the twin of a deleted source under onSourceDelete: delete', async () => {
    const { t, bug, copy, events } = await linkedPair({
      leftToRight: { onSourceDelete: 'delete', onTargetDelete: 'unlink' },
    });
    t.left.remove(bug.id);
    t.right.edit(copy.id, { title: 'Edited in ADO' }, 'ado-ana');
    await t.sync.runOnce();
    expect(events).toMatchObject([{ side: 'left', action: 'deleted' }]);
    expect(t.right.items.size).toBe(0);
    expect(await t.sync.links()).toEqual([]);
  });

  it('writes the soft-delete values on the twin under onSourceDelete: softDelete', async () => {
    const { t, bug, copy, events } = await linkedPair({
      leftToRight: { onSourceDelete: 'softDelete', onTargetDelete: 'unlink', softDelete: { status: 'Done' } },
    });
    t.left.remove(bug.id);
    t.right.edit(copy.id, { title: 'Edited in ADO' }, 'ado-ana');
    await t.sync.runOnce();
    expect(events).toMatchObject([{ side: 'left', action: 'softDeleted' }]);
    expect(t.right.items.get(copy.id)!.fields).toMatchObject({ title: 'Edited in ADO', status: 'Done' });
  });

  it('syncs the last change of an item moved out of the mapping’s type, then unlinks the pair', async () => {
    const { t, bug, copy, events } = await linkedPair(undefined, { verifyLinksPerPass: 10 });
    t.left.options.projects.JIRA!.types.Story = t.left.fields('JIRA', 'Bug');
    t.left.edit(bug.id, { title: 'Crash, now a story' }, 'ana');
    t.left.items.get(bug.id)!.type = 'Story';
    await t.sync.runOnce();
    expect(events).toMatchObject([{ side: 'left', key: bug.key, reason: 'unmatched', action: 'unlinked' }]);
    expect(t.right.items.get(copy.id)!.fields.title).toBe('Crash, now a story');
    t.advance(10_000);
    t.left.edit(bug.id, { title: 'Story edit' }, 'ana');
    t.right.edit(copy.id, { title: 'Bug edit' }, 'ado-ana');
    await t.sync.runOnce();
    expect([t.left.items.get(bug.id)!.fields.title, t.right.items.get(copy.id)!.fields.title]).toEqual([
      'Story edit',
      'Bug edit',
    ]);
    expect([t.left.items.size, t.right.items.size]).toEqual([1, 1]);
  });

  it('queues one failure for a person under onTargetDelete: fail, tried no more than that', async () => {
    const { t, bug, copy } = await linkedPair({ leftToRight: { onSourceDelete: 'unlink', onTargetDelete: 'fail' } });
    t.right.remove(copy.id);
    t.left.edit(bug.id, { title: 'Crash on save' }, 'ana');
    expect((await t.sync.runOnce()).failed).toBe(1);
    const [failure] = (await t.sync.status()).pairs[0]!.failures;
    expect(failure).toMatchObject({ code: 'NOT_FOUND', side: 'left', itemKey: bug.key, nextRetryAt: null });
    expect(failure!.message).toContain(`${copy.key}, the twin of ${bug.key}, was deleted`);
    t.advance(3_600_000);
    t.left.edit(bug.id, { title: 'again' }, 'ana');
    expect((await t.sync.runOnce()).failed).toBe(0);
    expect((await t.sync.status()).pairs[0]!.failures).toHaveLength(1);
  });
});
