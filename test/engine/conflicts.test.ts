import { describe, expect, it } from 'vitest';
import type { ConflictEvent, ConflictPolicy } from 'syncbridge';
import { twoTrackers } from './harness.js';

async function conflictWith(policy: ConflictPolicy, rightEditsLast = true) {
  const t = await twoTrackers({ mapping: { conflicts: policy } });
  await t.sync.activate();
  const bug = t.left.create('JIRA', 'Bug', { title: 'base' }, t.left.user('ana'));
  await t.sync.runOnce();
  const copy = t.byTitle(t.right, 'base')[0]!;
  const events: ConflictEvent[] = [];
  t.sync.events.on('conflict', (e) => events.push(e));
  t.advance(5000);
  if (rightEditsLast) {
    t.left.edit(bug.id, { title: 'left edit' }, 'ana');
    t.advance(1000);
    t.right.edit(copy.id, { title: 'right edit' }, 'ado-ana');
  } else {
    t.right.edit(copy.id, { title: 'right edit' }, 'ado-ana');
    t.advance(1000);
    t.left.edit(bug.id, { title: 'left edit' }, 'ana');
  }
  const summary = await t.sync.runOnce();
  return {
    t,
    bug,
    copy,
    events,
    summary,
    titles: () => [t.left.items.get(bug.id)!.fields.title, t.right.items.get(copy.id)!.fields.title],
  };
}

describe('conflicts', () => {
  it('leftWins keeps the left value on both sides', async () => {
    const { titles, events } = await conflictWith('leftWins');
    expect(titles()).toEqual(['left edit', 'left edit']);
    expect(events).toMatchObject([{ policy: 'leftWins', resolution: 'left', left: 'left edit', right: 'right edit' }]);
  });

  it('rightWins keeps the right value on both sides', async () => {
    const { titles } = await conflictWith('rightWins');
    expect(titles()).toEqual(['right edit', 'right edit']);
  });

  it('newestWins keeps the value changed last, whichever side', async () => {
    expect((await conflictWith('newestWins', true)).titles()).toEqual(['right edit', 'right edit']);
    expect((await conflictWith('newestWins', false)).titles()).toEqual(['left edit', 'left edit']);
  });

  it('manual queues the item with both values and overwrites nothing until a person decides', async () => {
    const { t, titles, summary, copy } = await conflictWith('manual');
    expect(titles()).toEqual(['left edit', 'right edit']);
    expect(summary.failed).toBe(1);
    const [failure] = (await t.sync.status()).pairs[0]!.failures;
    expect(failure).toMatchObject({ kind: 'conflict', code: 'CONFLICT', nextRetryAt: null });
    expect(failure!.message).toContain('"left edit"');
    expect(failure!.message).toContain('"right edit"');
    t.advance(60_000);
    await t.sync.runOnce();
    expect(titles()).toEqual(['left edit', 'right edit']);
    await t.sync.retry({ itemId: failure!.itemId }, { take: 'right' });
    expect(titles()).toEqual(['right edit', 'right edit']);
    expect((await t.sync.status()).pairs[0]!.failures).toEqual([]);
    expect(copy.id).toBeDefined();
  });

  it('a per-field policy overrides the pair’s, and non-conflicting fields still merge', async () => {
    const t = await twoTrackers({
      fields: [
        { left: 'title', right: 'title', conflict: 'leftWins' },
        { left: 'priority', right: 'priority' },
      ],
    });
    await t.sync.activate();
    const bug = t.left.create('JIRA', 'Bug', { title: 'f', priority: 'Low' }, t.left.user('ana'));
    await t.sync.runOnce();
    const copy = t.byTitle(t.right, 'f')[0]!;
    t.advance(5000);
    t.left.edit(bug.id, { title: 'f left' }, 'ana');
    t.right.edit(copy.id, { title: 'f right', priority: 'High' }, 'ado-ana');
    await t.sync.runOnce();
    expect(t.left.items.get(bug.id)!.fields).toMatchObject({ title: 'f left', priority: 'High' });
    expect(t.right.items.get(copy.id)!.fields).toMatchObject({ title: 'f left', priority: 'High' });
  });

  it('the same change on both sides is no conflict', async () => {
    const t = await twoTrackers();
    await t.sync.activate();
    const bug = t.left.create('JIRA', 'Bug', { title: 'same' }, t.left.user('ana'));
    await t.sync.runOnce();
    const copy = t.byTitle(t.right, 'same')[0]!;
    t.advance(5000);
    t.left.edit(bug.id, { title: 'agreed' }, 'ana');
    t.right.edit(copy.id, { title: 'agreed' }, 'ado-ana');
    const summary = await t.sync.runOnce();
    expect(summary.conflicts).toBe(0);
    expect(summary.failed).toBe(0);
  });
});
