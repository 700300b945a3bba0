import { describe, expect, it } from 'vitest';
import { twoTrackers } from './harness.js';

describe('field directions', () => {
  it('carries a leftToRight field only to the right and a rightToLeft field only to the left', async () => {
    const t = await twoTrackers({
      fields: [
        { left: 'title', right: 'title' },
        { left: 'priority', right: 'priority', direction: 'leftToRight' },
        { left: 'status', right: 'status', direction: 'rightToLeft' },
      ],
    });
    await t.sync.activate();
    const bug = t.left.create(
      'JIRA',
      'Bug',
      { title: 'Crash on save', priority: 'High', status: 'To Do' },
      t.left.user('ana'),
    );
    await t.sync.runOnce();
    const [copy] = t.byTitle(t.right, 'Crash on save');
    expect(copy?.fields).toMatchObject({ title: 'Crash on save', priority: 'High' });
    expect(copy?.fields.status).toBeUndefined();

    t.advance(10_000);
    t.right.edit(copy!.id, { status: 'In Progress', priority: 'Low' }, 'ado-ana');
    t.left.edit(bug.id, { title: 'Crash on save (renamed)' }, 'ana');
    await t.sync.runOnce();
    expect(t.left.items.get(bug.id)?.fields).toMatchObject({ status: 'In Progress', priority: 'High' });
    expect(t.right.items.get(copy!.id)?.fields).toMatchObject({ title: 'Crash on save (renamed)', priority: 'Low' });
  });

  it('writes onCreate fields only when creating and onUpdate fields only when updating', async () => {
    const t = await twoTrackers({
      fields: [
        { left: 'title', right: 'title' },
        { left: 'ref', right: 'ref', direction: 'leftToRight', when: 'onCreate' },
        { left: 'priority', right: 'priority', direction: 'leftToRight', when: 'onUpdate' },
      ],
    });
    await t.sync.activate();
    const bug = t.left.create('JIRA', 'Bug', { title: 'Once', ref: 'R-1', priority: 'High' }, t.left.user('ana'));
    await t.sync.runOnce();
    const [copy] = t.byTitle(t.right, 'Once');
    expect(copy?.fields).toMatchObject({ ref: 'R-1' });
    expect(copy?.fields.priority).toBeUndefined();
    t.advance(10_000);
    t.left.edit(bug.id, { ref: 'R-2', priority: 'Low' }, 'ana');
    await t.sync.runOnce();
    expect(t.right.items.get(copy!.id)?.fields).toMatchObject({ ref: 'R-1', priority: 'Low' });
  });

  it('converts rich text to plain text where the target field is plain', async () => {
    const t = await twoTrackers({
      fields: [
        { left: 'title', right: 'title' },
        { left: 'description', right: 'ref', direction: 'leftToRight' },
      ],
    });
    await t.sync.activate();
    t.left.create(
      'JIRA',
      'Bug',
      {
        title: 'Rich',
        description: {
          type: 'doc',
          content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Steps', marks: [{ type: 'strong' }] }] }],
        },
      },
      t.left.user('ana'),
    );
    await t.sync.runOnce();
    expect(t.byTitle(t.right, 'Rich')[0]?.fields.ref).toBe('Steps');
  });

  for (const files of [undefined, 'both', 'rightToLeft'] as const)
    it(`polls the target of one-way fields only when something flows from it (files: ${files ?? 'none'})`, async () => {
      const t = await twoTrackers({
        fields: [{ left: 'title', right: 'title', direction: 'leftToRight' }],
        ...(files ? { mapping: { attachments: { direction: files } } } : {}),
      });
      await t.sync.activate();
      const bug = t.left.create('JIRA', 'Bug', { title: 'One way' }, t.left.user('ana'));
      await t.sync.runOnce();
      const [copy] = t.byTitle(t.right, 'One way');
      const queried: string[] = [];
      t.connectors.right.onCall = ({ method, phase }) => {
        if (method === 'query' && phase === 'before') queried.push(method);
      };
      t.advance(10_000);
      t.right.attachAs(copy!.id, { name: 'trace.log', content: 'boom' }, 'ado-ana');
      t.right.edit(copy!.id, { title: 'Renamed there' }, 'ado-ana');
      await t.sync.runOnce();
      await t.sync.runOnce();
      expect(queried.length > 0).toBe(files !== undefined);
      expect(t.left.item(bug.id).fields.title).toBe('One way');
      expect(t.left.item(bug.id).attachments.map((a) => a.name)).toEqual(files ? ['trace.log'] : []);
    });
});
