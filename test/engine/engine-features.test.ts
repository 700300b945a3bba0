import { describe, expect, it } from 'vitest';
import type { RichText } from 'syncbridge';
import { COMMENT_MARKER } from '../../src/engine/comments.js';
import { twoTrackers } from './harness.js';

const text = (t: string): RichText => ({
  type: 'doc',
  content: [{ type: 'paragraph', content: [{ type: 'text', text: t }] }],
});

describe('engine features', () => {
  it('dry-run lists every write it would make and writes nothing, even while inactive', async () => {
    const t = await twoTrackers({
      fields: [
        { left: 'title', right: 'title' },
        { left: 'priority', right: 'priority' },
      ],
    });
    t.left.create('JIRA', 'Bug', { title: 'preview', priority: 'High' }, t.left.user('ana'));
    const planned = await t.sync.dryRun();
    expect(planned).toEqual([
      {
        pair: 'bugs',
        side: 'right',
        action: 'create',
        sourceKey: 'JIRA-1',
        fields: { title: 'preview', priority: 'High' },
      },
    ]);
    expect(t.right.items.size).toBe(0);
    expect(t.connectors.right.calls.create).toBe(0);
    const status = await t.sync.status();
    expect(status).toMatchObject({
      active: false,
      pairs: [{ links: 0, watermarks: { left: undefined, right: undefined }, failures: [] }],
    });
  });

  it('runs only while active, and refuses a changed config until deactivated', async () => {
    const t = await twoTrackers();
    await expect(t.sync.runOnce()).rejects.toMatchObject({ code: 'INTEGRATION_INACTIVE' });
    await t.sync.activate();
    await t.sync.runOnce();
    const { createSyncbridge } = await import('syncbridge');
    const edited = await createSyncbridge({
      config: { ...t.config, mappings: [{ ...t.config.mappings[0]!, conflicts: 'leftWins' }] },
      systems: { jira: t.connectors.left, ado: t.connectors.right },
      store: t.store,
    });
    await expect(edited.runOnce()).rejects.toMatchObject({ code: 'INTEGRATION_ACTIVE' });
    // A rotated credential is no change of what the integration does.
    const rotated = await createSyncbridge({
      config: {
        ...t.config,
        systems: {
          ...t.config.systems,
          jira: { ...t.config.systems.jira!, auth: { type: 'bearer', token: 'rotated-token' } },
        },
      },
      systems: { jira: t.connectors.left, ado: t.connectors.right },
      store: t.store,
    });
    await expect(rotated.runOnce()).resolves.toBeDefined();
    await edited.deactivate();
    await edited.activate();
    await expect(edited.runOnce()).resolves.toBeDefined();
  });

  it('names a mapped field that does not exist in the system when activating', async () => {
    const t = await twoTrackers({
      fields: [
        { left: 'title', right: 'title' },
        { left: 'priorty', right: 'priority' },
      ],
    });
    await expect(t.sync.activate()).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      issues: [{ path: 'mappings[0].fields[1].left', message: expect.stringContaining('"priorty" does not exist') }],
    });
  });

  it('applies each side’s filter, and keeps syncing linked items that stop matching', async () => {
    const t = await twoTrackers({
      fields: [
        { left: 'title', right: 'title' },
        { left: 'labels', right: 'labels' },
      ],
      mapping: { left: { system: 'jira', project: 'JIRA', type: 'Bug', start: 'beginning', filter: 'labels = sync' } },
    });
    await t.sync.activate();
    const tagged = t.left.create('JIRA', 'Bug', { title: 'tagged', labels: ['sync'] }, t.left.user('ana'));
    t.left.create('JIRA', 'Bug', { title: 'untagged' }, t.left.user('ana'));
    await t.sync.runOnce();
    expect(t.byTitle(t.right, 'tagged')).toHaveLength(1);
    expect(t.byTitle(t.right, 'untagged')).toHaveLength(0);
    t.advance(5000);
    t.left.edit(tagged.id, { title: 'tagged, then untagged', labels: [] }, 'ana');
    await t.sync.runOnce();
    expect(t.byTitle(t.right, 'tagged, then untagged')).toHaveLength(1);
  });

  it('names the closest field when a mapped field does not exist, by id or display name', async () => {
    const t = await twoTrackers({
      fields: [
        { left: 'lables', right: 'labels' },
        { left: 'title', right: 'External refrence' },
      ],
    });
    const error = await t.sync.activate().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toContain('field "lables" does not exist on jira JIRA Bug; did you mean "labels" (Labels)?');
    expect(error?.message).toContain(
      'field "External refrence" does not exist on ado ADO Bug; did you mean "ref" (External reference)?',
    );
  });

  it('stops syncing linked items that leave the filter when keepSyncingUnmatched is false', async () => {
    const t = await twoTrackers({
      fields: [
        { left: 'title', right: 'title' },
        { left: 'labels', right: 'labels' },
      ],
      mapping: {
        keepSyncingUnmatched: false,
        left: { system: 'jira', project: 'JIRA', type: 'Bug', start: 'beginning', filter: 'labels = sync' },
      },
    });
    await t.sync.activate();
    const tagged = t.left.create('JIRA', 'Bug', { title: 'tagged', labels: ['sync'] }, t.left.user('ana'));
    await t.sync.runOnce();
    t.advance(5000);
    t.left.edit(tagged.id, { title: 'left the filter', labels: [] }, 'ana');
    const deleted: unknown[] = [];
    t.sync.events.on('itemDeleted', (e) => deleted.push(e));
    // The change that takes the item out of the filter is synced, then the pair is unlinked.
    expect((await t.sync.runOnce()).deletes).toBe(1);
    const [copy] = t.byTitle(t.right, 'left the filter');
    expect(copy?.fields.labels).toEqual([]);
    expect(deleted).toMatchObject([{ side: 'left', key: tagged.key, reason: 'unmatched', action: 'unlinked' }]);
    t.advance(5000);
    t.left.edit(tagged.id, { title: 'no longer synced' }, 'ana');
    t.right.edit(copy!.id, { title: 'nor this way' }, 'ado-ana');
    await t.sync.runOnce();
    expect([t.left.items.get(tagged.id)!.fields.title, t.right.items.get(copy!.id)!.fields.title]).toEqual([
      'no longer synced',
      'nor this way',
    ]);
    expect([t.left.items.size, t.right.items.size]).toEqual([1, 1]);
  });

  it('copies comments both ways once, marked with their origin, never echoing them back', async () => {
    const t = await twoTrackers({ mapping: { comments: { direction: 'both' } } });
    await t.sync.activate();
    const bug = t.left.create('JIRA', 'Bug', { title: 'talk' }, t.left.user('ana'));
    t.left.comment(bug.id, text('first from Jira'), t.left.user('ana'));
    await t.sync.runOnce();
    const copy = t.byTitle(t.right, 'talk')[0]!;
    expect(t.right.items.get(copy.id)!.comments).toHaveLength(1);
    t.advance(5000);
    t.right.comment(copy.id, text('reply from ADO'), t.right.user('ado-ana'));
    t.right.edit(copy.id, { priority: 'High' }, 'ado-ana');
    for (let i = 0; i < 3; i++) {
      t.advance(5000);
      await t.sync.runOnce();
    }
    const leftComments = t.left.items.get(bug.id)!.comments;
    const rightComments = t.right.items.get(copy.id)!.comments;
    expect(leftComments).toHaveLength(2);
    expect(rightComments).toHaveLength(2);
    const copied = rightComments[0]!.body.content[0];
    expect(JSON.stringify(copied)).toContain(`${COMMENT_MARKER} Ana Silva commented on JIRA-1`);
    expect(JSON.stringify(leftComments[1]!.body)).toContain('reply from ADO');
  });

  it('copies the comments of a new item without reading the copy it just created', async () => {
    const t = await twoTrackers({ mapping: { comments: { direction: 'both' } } });
    const bug = t.left.create('JIRA', 'Bug', { title: 'born with a comment' }, t.left.user('ana'));
    t.left.comment(bug.id, text('filed with a comment'), t.left.user('ana'));
    await t.sync.activate();
    await t.sync.runOnce();
    const copy = t.byTitle(t.right, 'born with a comment')[0]!;
    expect(t.right.items.get(copy.id)!.comments).toHaveLength(1);
    expect(t.connectors.right.calls.listComments).toBe(0);
  });

  it('does not copy a comment twice when the answer to adding it was lost', async () => {
    const t = await twoTrackers({ mapping: { comments: { direction: 'both' } } });
    const bug = t.left.create('JIRA', 'Bug', { title: 'talk' }, t.left.user('ana'));
    await t.sync.activate();
    await t.sync.runOnce();
    const copy = t.byTitle(t.right, 'talk')[0]!;
    t.advance(5000);
    t.left.comment(bug.id, text('first from Jira'), t.left.user('ana'));
    t.left.comment(bug.id, text('second from Jira'), t.left.user('ana'));
    t.left.edit(bug.id, { priority: 'High' }, 'ana');
    t.connectors.right.failNext('addComment', 1, undefined, { afterWrite: true });
    await t.sync.runOnce();
    expect(t.right.items.get(copy.id)!.comments).toHaveLength(1);
    t.advance(5000);
    await t.sync.runOnce();
    const copies = t.right.items.get(copy.id)!.comments.map((c) => JSON.stringify(c.body));
    expect(copies).toHaveLength(2);
    expect(copies[0]).toContain('first from Jira');
    expect(copies[1]).toContain('second from Jira');
    expect(copies[0]).toMatch(/Ana Silva commented on JIRA-1 \(comment [^)]+\):/);
    t.advance(5000);
    await t.sync.runOnce();
    expect(t.right.items.get(copy.id)!.comments).toHaveLength(2);
  });

  it('links to an existing item found by a match rule instead of creating a duplicate', async () => {
    const t = await twoTrackers({
      fields: [
        { left: 'title', right: 'title' },
        { left: 'priority', right: 'priority' },
      ],
      mapping: { matchExisting: { left: 'key', right: 'ref' } },
    });
    const existing = t.right.create('ADO', 'Bug', { title: 'already there', ref: 'JIRA-1' }, t.right.user('ado-ana'));
    t.left.create('JIRA', 'Bug', { title: 'already there', priority: 'High' }, t.left.user('ana'));
    await t.sync.activate();
    await t.sync.runOnce();
    expect(t.right.items.size).toBe(1);
    expect(t.right.items.get(existing.id)!.fields.priority).toBe('High');
    expect((await t.sync.status()).pairs[0]!.links).toBe(1);
  });

  it('never links two items to the same existing match', async () => {
    const t = await twoTrackers({ mapping: { matchExisting: { left: 'ref', right: 'ref', multiple: 'first' } } });
    t.right.create('ADO', 'Bug', { title: 'existing', ref: 'R-1' }, t.right.user('ado-ana'));
    t.left.create('JIRA', 'Bug', { title: 'first claim', ref: 'R-1' }, t.left.user('ana'));
    t.left.create('JIRA', 'Bug', { title: 'second claim', ref: 'R-1' }, t.left.user('ana'));
    await t.sync.activate();
    await t.sync.runOnce();
    t.advance(5000);
    t.left.create('JIRA', 'Bug', { title: 'late claim', ref: 'R-1' }, t.left.user('ana'));
    await t.sync.runOnce();
    // One of them links to the existing item; the others get items of their own.
    expect((await t.sync.status()).pairs[0]).toMatchObject({ links: 3, failures: [] });
    expect(t.right.items.size).toBe(3);
  });

  it('fails an item whose match rule finds several items under multiple: fail', async () => {
    const t = await twoTrackers({ mapping: { matchExisting: { left: 'key', right: 'ref', multiple: 'fail' } } });
    t.right.create('ADO', 'Bug', { title: 'one', ref: 'JIRA-1' }, t.right.user('ado-ana'));
    t.right.create('ADO', 'Bug', { title: 'two', ref: 'JIRA-1' }, t.right.user('ado-ana'));
    t.left.create('JIRA', 'Bug', { title: 'ambiguous' }, t.left.user('ana'));
    await t.sync.activate();
    await t.sync.runOnce();
    const { failures, links } = (await t.sync.status()).pairs[0]!;
    expect(links).toBe(0);
    expect(failures.find((f) => f.side === 'left')?.message).toContain(
      'key = "JIRA-1" does not identify one pair (JIRA-1 and ADO-1, ADO-2)',
    );
    expect(failures.find((f) => f.side === 'right')?.message).toMatch(
      /ref = "JIRA-1" does not identify one pair \(ADO-\d and JIRA-1, ADO-\d\)/,
    );
  });

  it('uses batch operations up to the declared sizes', async () => {
    const t = await twoTrackers({
      knobs: { right: { capabilities: { maxCreateBatch: 10, maxUpdateBatch: 10, maxGetBatch: 10 } } },
      engine: { verifyLinksPerPass: 0 },
    });
    await t.sync.activate();
    const bugs = Array.from({ length: 25 }, (_, i) =>
      t.left.create('JIRA', 'Bug', { title: `bulk ${i}` }, t.left.user('ana')),
    );
    await t.sync.runOnce();
    expect(t.connectors.right.calls.create).toBe(3);
    t.advance(5000);
    for (const bug of bugs) t.left.edit(bug.id, { title: `${bug.fields.title} v2` }, 'ana');
    await t.sync.runOnce();
    expect(t.connectors.right.calls.update).toBe(3);
    expect(t.connectors.right.calls.getMany).toBe(3);
  });

  it('takes the values a system gives a new item as the base, even when its create result omits them', async () => {
    const t = await twoTrackers({
      fields: [
        { left: 'title', right: 'title' },
        { left: 'status', right: 'status', direction: 'leftToRight' },
      ],
      knobs: { left: { partialWriteResults: true } },
    });
    // The left system starts every new bug in "To Do", whatever the create said.
    t.left.onWrite = (item) => {
      item.fields.status ??= 'To Do';
    };
    await t.sync.activate();
    const adoBug = t.right.create('ADO', 'Bug', { title: 'from ADO', status: 'In Progress' }, t.right.user('ado-ana'));
    await t.sync.runOnce();
    const jiraBug = t.byTitle(t.left, 'from ADO')[0]!;
    t.advance(5000);
    t.left.edit(jiraBug.id, { title: 'from ADO, renamed in Jira' }, 'ana');
    await t.sync.runOnce();
    expect(t.right.items.get(adoBug.id)!.fields).toMatchObject({
      title: 'from ADO, renamed in Jira',
      status: 'In Progress',
    });
  });

  it('syncs a single item on demand (the webhook step)', async () => {
    const t = await twoTrackers();
    await t.sync.activate();
    // Activating an empty store looks for copies to relink: only what `syncItems` does counts.
    const queriesBefore = t.connectors.left.calls.query;
    const bug = t.left.create('JIRA', 'Bug', { title: 'hooked' }, t.left.user('ana'));
    const summary = await t.sync.syncItems('bugs', 'left', [bug.id]);
    expect(summary.created.right).toBe(1);
    expect(t.connectors.left.calls.query).toBe(queriesBefore);
  });

  it('polls on an interval until stopped, logging a failed pass and going on', async () => {
    const t = await twoTrackers({ engine: { intervalMs: 10 } });
    await t.sync.activate();
    const passes: number[] = [];
    t.sync.events.on('runCompleted', (s) => passes.push(s.created.right));
    t.connectors.left.failNext('query', 1);
    t.left.create('JIRA', 'Bug', { title: 'looped' }, t.left.user('ana'));
    t.sync.start();
    await new Promise<void>((resolve) => {
      const off = t.sync.events.on('runCompleted', () => {
        if (passes.length < 2) return;
        off();
        resolve();
      });
    });
    await t.sync.stop();
    const after = passes.length;
    await new Promise((r) => setTimeout(r, 50));
    expect(passes.length).toBe(after);
    expect(passes).toContain(1);
    expect(t.byTitle(t.right, 'looped')).toHaveLength(1);
  });

  it('emits progress and item events', async () => {
    const t = await twoTrackers();
    await t.sync.activate();
    const seen: string[] = [];
    t.sync.events.on('progress', (e) => seen.push(`progress ${e.side} ${e.processed}`));
    t.sync.events.on('itemSynced', (e) => seen.push(`${e.action} ${e.side} ${e.sourceKey}→${e.targetKey}`));
    t.left.create('JIRA', 'Bug', { title: 'evented' }, t.left.user('ana'));
    await t.sync.runOnce();
    expect(seen).toEqual(['create right JIRA-1→ADO-1', 'progress left 1', 'progress right 1']);
  });
});
