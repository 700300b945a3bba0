import { describe, expect, it } from 'vitest';
import { richTextToPlain } from 'syncbridge/connector-kit';
import { twoTrackers } from './harness.js';

type Policy = 'leftWins' | 'rightWins' | 'newestWins' | 'manual';
type How = 'crash' | 'lost answer';

/**
 * A create whose link was never written (the process died after the create, or its answer was
 * lost), while people edit the copy, or both items, before the engine finds the copy by its
 * origin stamp. The create's intent keeps what it read and wrote, so the pair merges as any
 * other: a change made on one side carries over whatever the conflict policy; a field changed
 * on both sides is a conflict, settled by the policy.
 */
async function interrupted(
  how: How,
  options: { conflicts?: Policy; fields?: Record<string, unknown>; whileUnlinked: (t: World, copyId: string) => void },
) {
  const t = await twoTrackers({
    mapping: { conflicts: options.conflicts ?? 'newestWins' },
    fields: [
      { left: 'title', right: 'title' },
      { left: 'description', right: 'description' },
      { left: 'labels', right: 'labels' },
    ],
  });
  await t.sync.activate();
  const bug = t.left.create(
    'JIRA',
    'Bug',
    { title: 'Crash', description: 'steps', ...options.fields },
    t.left.user('ana'),
  );
  let copyId: string | undefined;
  t.connectors.right.onCall = ({ method, phase }) => {
    if (method !== 'create' || phase !== 'after' || copyId) return;
    copyId = t.byTitle(t.right, 'Crash')[0]!.id;
    t.advance(5_000);
    options.whileUnlinked(t, copyId);
    if (how === 'crash') throw new Error('the process died here');
  };
  if (how === 'lost answer') t.connectors.right.failNext('create', 1, undefined, { afterWrite: true });
  await t.sync.runOnce().catch(() => undefined);
  t.connectors.right.onCall = undefined;
  return { t, bug, copyId: copyId! };
}
type World = Awaited<ReturnType<typeof twoTrackers>>;

async function settle(t: World) {
  for (let i = 0; i < 2; i++) {
    t.advance(60_000);
    await t.sync.runOnce();
  }
}

describe('a create interrupted before its link', () => {
  for (const how of ['crash', 'lost answer'] as const) {
    for (const conflicts of ['leftWins', 'rightWins', 'newestWins', 'manual'] as const) {
      it(`carries a person's edit of the unlinked copy over to its source (${how}, ${conflicts})`, async () => {
        const { t, bug, copyId } = await interrupted(how, {
          conflicts,
          whileUnlinked: (w, id) => w.right.edit(id, { title: 'Crash on save' }, 'ado-ben'),
        });
        await settle(t);
        // Both systems, read back: one copy, holding the person's title, carried over to the source.
        expect([...t.right.items.values()].map((i) => i.id)).toEqual([copyId]);
        expect(t.right.items.get(copyId)!.fields.title).toBe('Crash on save');
        expect(t.left.items.get(bug.id)!.fields).toMatchObject({ title: 'Crash on save', description: 'steps' });
        expect(await t.sync.failures()).toEqual([]);
      });
    }

    it(`settles a field edited on both items while unlinked by the conflict policy (${how})`, async () => {
      for (const conflicts of ['leftWins', 'rightWins', 'newestWins', 'manual'] as const) {
        const { t, bug, copyId } = await interrupted(how, {
          conflicts,
          whileUnlinked: (w, id) => {
            w.left.edit(bug0(w), { title: 'Crash in Jira', description: 'more steps' }, 'ana');
            w.advance(1_000);
            w.right.edit(id, { title: 'Crash in ADO' }, 'ado-ben');
          },
        });
        await settle(t);
        const left = t.left.items.get(bug.id)!.fields;
        const right = t.right.items.get(copyId)!.fields;
        // The description changed on one side only: it carries over under every policy.
        expect(left.description).toBe('more steps');
        expect(richTextToPlain(right.description as Parameters<typeof richTextToPlain>[0])).toBe('more steps');
        expect([...t.right.items.values()]).toHaveLength(1);
        if (conflicts === 'manual') {
          expect([left.title, right.title]).toEqual(['Crash in Jira', 'Crash in ADO']);
          expect(await t.sync.failures()).toMatchObject([{ kind: 'conflict', itemId: bug.id }]);
          continue;
        }
        const winner = conflicts === 'leftWins' ? 'Crash in Jira' : 'Crash in ADO';
        expect([left.title, right.title], conflicts).toEqual([winner, winner]);
        expect(await t.sync.failures()).toEqual([]);
      }
    });

    it(`merges labels changed on both items while unlinked as sets: a removal stays removed (${how})`, async () => {
      const { t, bug, copyId } = await interrupted(how, {
        fields: { labels: ['a', 'b'] },
        whileUnlinked: (w, id) => {
          w.right.edit(id, { labels: ['a'] }, 'ado-ben');
          w.left.edit(bug0(w), { labels: ['a', 'b', 'c'] }, 'ana');
        },
      });
      await settle(t);
      expect(t.left.items.get(bug.id)!.fields.labels).toEqual(['a', 'c']);
      expect(t.right.items.get(copyId)!.fields.labels).toEqual(['a', 'c']);
      expect(await t.sync.failures()).toEqual([]);
    });
  }

  it(`keeps a person's edit of a copy whose intent an earlier version recorded, without values`, async () => {
    const t = await twoTrackers({ mapping: { conflicts: 'newestWins' } });
    await t.sync.activate();
    const bug = t.left.create('JIRA', 'Bug', { title: 'Crash', description: 'steps' }, t.left.user('ana'));
    const copy = t.right.create('ADO', 'Bug', { title: 'Crash', description: 'steps' }, t.right.user('ado-bot'), {
      system: 'jira',
      id: bug.id,
      key: bug.key,
    });
    await t.store.putIntent({
      pair: 'bugs',
      side: 'left',
      sourceId: bug.id,
      sourceKey: bug.key,
      createdAt: t.clock().toISOString(),
    });
    t.advance(5_000);
    t.right.edit(copy.id, { title: 'Crash on save' }, 'ado-ben');
    await settle(t);
    expect(t.right.items.get(copy.id)!.fields.title).toBe('Crash on save');
    expect(t.left.items.get(bug.id)!.fields.title).toBe('Crash on save');
    expect([...t.right.items.values()]).toHaveLength(1);
    expect(await t.store.listIntents('bugs')).toEqual([]);
  });
});

/** The one source item of a world. */
const bug0 = (t: World) => [...t.left.items.keys()][0]!;
