import { describe, expect, it } from 'vitest';
import { twoTrackers } from './harness.js';

/**
 * A create whose link was never written (the process died after the create, or its answer was
 * lost), while a person edits the copy before the engine finds it by its origin stamp: the
 * person's edit must survive whatever the conflict policy: it wins, being the later change, or,
 * under `manual`, it waits beside the source's value for a person to pick.
 */
describe('a create interrupted before its link', () => {
  for (const conflicts of ['leftWins', 'rightWins', 'newestWins', 'manual'] as const) {
    for (const how of ['crash', 'lost answer'] as const) {
      it(`keeps a person's edit of the copy made before it was linked (${how}, ${conflicts})`, async () => {
        const t = await twoTrackers({ mapping: { conflicts } });
        await t.sync.activate();
        const bug = t.left.create('JIRA', 'Bug', { title: 'Crash', description: 'steps' }, t.left.user('ana'));
        let copyId: string | undefined;
        t.connectors.right.onCall = ({ method, phase }) => {
          if (method !== 'create' || phase !== 'after' || copyId) return;
          const copy = t.byTitle(t.right, 'Crash')[0]!;
          copyId = copy.id;
          t.advance(5_000);
          t.right.edit(copy.id, { title: 'Crash on save' }, 'ado-ben');
          if (how === 'crash') throw new Error('the process died here');
        };
        if (how === 'lost answer') t.connectors.right.failNext('create', 1, undefined, { afterWrite: true });
        await t.sync.runOnce().catch(() => undefined);
        t.connectors.right.onCall = undefined;
        t.advance(60_000);
        await t.sync.runOnce();
        t.advance(60_000);
        await t.sync.runOnce();

        // Both systems, read back: one copy, holding the person's title.
        const copies = t.byTitle(t.right, 'Crash on save');
        expect([...t.right.items.values()]).toHaveLength(1);
        expect(copies).toHaveLength(1);
        expect(copies[0]!.id).toBe(copyId);
        if (conflicts === 'manual') {
          // Both values wait for a person, none overwritten; taking the copy's carries it over.
          expect(t.left.items.get(bug.id)!.fields.title).toBe('Crash');
          expect(await t.sync.failures()).toMatchObject([{ kind: 'conflict', itemId: bug.id }]);
          await t.sync.retry({}, { take: 'right' });
        }
        expect(t.left.items.get(bug.id)!.fields.title).toBe('Crash on save');
        expect(await t.sync.failures()).toEqual([]);
      });
    }
  }
});
