import { describe, expect, it } from 'vitest';
import type { RichText } from 'syncbridge';
import { richTextToPlain } from 'syncbridge/connector-kit';
import { twoTrackers } from './harness.js';

const text = (t: string): RichText => ({
  type: 'doc',
  content: [{ type: 'paragraph', content: [{ type: 'text', text: t }] }],
});

/** Two trackers with one linked bug and its copy; `options` are the `comments` options. */
async function linkedBug(options: { edits?: boolean; deletes?: boolean } = {}) {
  const t = await twoTrackers({ mapping: { comments: { direction: 'both', ...options } } });
  const bug = t.left.create('JIRA', 'Bug', { title: 'talk' }, t.left.user('ana'));
  await t.sync.activate();
  await t.sync.runOnce();
  const copy = t.byTitle(t.right, 'talk')[0]!;
  /** Runs a pass a little later. */
  const pass = async () => {
    t.advance(5000);
    return t.sync.runOnce();
  };
  const texts = (side: 'left' | 'right') =>
    (side === 'left' ? t.left : t.right).items
      .get(side === 'left' ? bug.id : copy.id)!
      .comments.map((c) => richTextToPlain(c.body));
  return { t, bug, copy, pass, texts };
}

describe('comment edits and deletes', () => {
  it('updates and deletes copies as their sources change, and leaves a source alone when its copy is edited', async () => {
    const { t, bug, copy, pass, texts } = await linkedBug();
    const kept = t.left.comment(bug.id, text('limit is 10'), t.left.user('ana'));
    const gone = t.left.comment(bug.id, text('wrong bug'), t.left.user('ana'));
    t.left.edit(bug.id, { priority: 'High' }, 'ana');
    await pass();
    t.left.editComment(bug.id, kept.id, text('limit is 20'));
    t.left.deleteComment(bug.id, gone.id);
    t.left.edit(bug.id, { priority: 'Low' }, 'ana');
    await pass();
    expect(texts('right')).toEqual([
      expect.stringMatching(/^\[syncbridge\] Ana Silva commented on JIRA-1 \(comment [^)]+\):\n+limit is 20$/),
    ]);

    const [theCopy] = t.right.items.get(copy.id)!.comments;
    t.right.editComment(copy.id, theCopy!.id, text('limit is 30, says Ben'));
    t.right.edit(copy.id, { priority: 'High' }, 'ado-ana');
    await pass();
    await pass();
    expect(texts('left')).toEqual(['limit is 20']);
    expect(texts('right')).toEqual(['limit is 30, says Ben']);
  });

  it('leaves copies as they are with edits and deletes switched off', async () => {
    const { t, bug, pass, texts } = await linkedBug({ edits: false, deletes: false });
    const kept = t.left.comment(bug.id, text('limit is 10'), t.left.user('ana'));
    const gone = t.left.comment(bug.id, text('wrong bug'), t.left.user('ana'));
    t.left.edit(bug.id, { priority: 'High' }, 'ana');
    await pass();
    t.left.editComment(bug.id, kept.id, text('limit is 20'));
    t.left.deleteComment(bug.id, gone.id);
    t.left.edit(bug.id, { priority: 'Low' }, 'ana');
    await pass();
    expect(texts('right')).toEqual([expect.stringMatching(/limit is 10$/), expect.stringMatching(/wrong bug$/)]);
    expect(t.connectors.right.calls).toMatchObject({ updateComment: 0, deleteComment: 0 });
  });

  it('keeps copies made before stamps, known by the state: never copied back, deleted with their source', async () => {
    const { t, bug, copy, pass, texts } = await linkedBug();
    // As an earlier version wrote them: the marker line only, no stamp.
    const source = t.left.comment(bug.id, text('from the old days'), t.left.user('ana'));
    const old = t.right.comment(
      copy.id,
      {
        type: 'doc',
        content: [
          text(`[syncbridge] Ana Silva commented on JIRA-1 (comment ${source.id}):`).content[0]!,
          ...text('from the old days').content,
        ],
      },
      t.right.integrationUser,
    );
    await t.sync.store.putCommentLink('bugs', 'left', source.id, old.id);
    t.right.edit(copy.id, { priority: 'High' }, 'ado-ana');
    await pass();
    expect(texts('left')).toEqual(['from the old days']);
    t.left.deleteComment(bug.id, source.id);
    t.left.edit(bug.id, { priority: 'Low' }, 'ana');
    await pass();
    expect(texts('right')).toEqual([]);
  });
});
