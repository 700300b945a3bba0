import { describe, expect, it } from 'vitest';
import { twoTrackers } from './harness.js';

const linksOf = (
  system: {
    items: Map<string, { backlinks?: Array<{ system: string; id: string; key: string; title?: string | undefined }> }>;
  },
  id: string,
) =>
  (system.items.get(id)?.backlinks ?? []).map(({ system: s, id: i, key, title }) => ({ system: s, id: i, key, title }));

describe('back-links', () => {
  it('shows each item of a new pair its twin, and the twin key a field names, without taking either write for a change', async () => {
    const t = await twoTrackers({
      fields: [{ left: 'title', right: 'title' }],
      mapping: { backlink: { left: { field: 'ref', value: 'id' }, right: { field: 'ref' } } },
      engine: { verifyLinksPerPass: 0 },
    });
    await t.sync.activate();
    const bug = t.left.create('JIRA', 'Bug', { title: 'Crash on save' }, t.left.user('ana'));
    expect((await t.sync.runOnce()).created).toEqual({ left: 0, right: 1 });
    const copy = t.byTitle(t.right, 'Crash on save')[0]!;

    expect(linksOf(t.left, bug.id)).toEqual([{ system: 'ado', id: copy.id, key: copy.key, title: 'Crash on save' }]);
    expect(linksOf(t.right, copy.id)).toEqual([{ system: 'jira', id: bug.id, key: bug.key, title: 'Crash on save' }]);
    expect(t.left.items.get(bug.id)!.fields.ref).toBe(copy.id);
    expect(t.right.items.get(copy.id)!.fields.ref).toBe(bug.key);
    // The pass met the copy again after its field write: at the agreed revision, so it was not merged (which reads the twin).
    expect([t.connectors.left.calls.getMany, t.connectors.right.calls.getMany]).toEqual([0, 0]);

    // The field writes moved both revisions; the agreed state moved with them, so neither item is
    // merged again (merging one reads its twin).
    const calls = () => ({
      left: [t.connectors.left.calls.update, t.connectors.left.calls.getMany],
      right: [t.connectors.right.calls.update, t.connectors.right.calls.getMany],
    });
    const before = calls();
    t.advance(60_000);
    const rerun = await t.sync.runOnce();
    expect(rerun).toMatchObject({ created: { left: 0, right: 0 }, updated: { left: 0, right: 0 }, failed: 0 });
    expect(calls()).toEqual(before);
  });

  it('shows the twin by its new key after a key change, and removes both links on unlink', async () => {
    const t = await twoTrackers({ mapping: { backlink: { left: false, right: true } } });
    await t.sync.activate();
    const bug = t.left.create('JIRA', 'Bug', { title: 'Export hangs' }, t.left.user('ana'));
    await t.sync.runOnce();
    const copy = t.byTitle(t.right, 'Export hangs')[0]!;
    expect(linksOf(t.left, bug.id)).toEqual([]);
    expect(linksOf(t.right, copy.id)).toMatchObject([{ key: bug.key }]);

    // The project's key changed (a Jira project key edit): the issue keeps its id, its key is new.
    t.advance(60_000);
    t.left.items.get(bug.id)!.key = 'NEWKEY-1';
    t.left.edit(bug.id, { title: 'Export hangs at 99 %' }, 'ana');
    await t.sync.runOnce();
    expect(linksOf(t.right, copy.id)).toEqual([
      { system: 'jira', id: bug.id, key: 'NEWKEY-1', title: 'Export hangs at 99 %' },
    ]);
    expect((await t.sync.links())[0]).toMatchObject({ leftKey: 'NEWKEY-1', rightKey: copy.key });

    await t.sync.unlink({ item: 'NEWKEY-1' });
    expect(linksOf(t.right, copy.id)).toEqual([]);
  });

  it('fails nothing when a back-link write fails, and a reconcile writes it again', async () => {
    const t = await twoTrackers();
    await t.sync.activate();
    t.connectors.left.failNext('upsertBacklink');
    const bug = t.left.create('JIRA', 'Bug', { title: 'Upload stalls' }, t.left.user('ana'));
    const first = await t.sync.runOnce();
    expect(first).toMatchObject({ created: { left: 0, right: 1 }, failed: 0 });
    const copy = t.byTitle(t.right, 'Upload stalls')[0]!;
    expect(linksOf(t.left, bug.id)).toEqual([]);
    expect(linksOf(t.right, copy.id)).toHaveLength(1);
    // A reconcile writes every back-link again.
    await t.sync.reconcile();
    expect(linksOf(t.left, bug.id)).toEqual([{ system: 'ado', id: copy.id, key: copy.key, title: 'Upload stalls' }]);
  });
});
