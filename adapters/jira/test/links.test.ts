import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector, FieldValue, WorkItem } from 'syncbridge';
import type { WriteResult } from 'syncbridge/connector-kit';
import { createJiraSimulator } from 'syncbridge/testing/jira';
import type { RunningServer } from 'syncbridge/testing';
import { connectTo } from './support.js';

const sim = createJiraSimulator({ seed: 'empty' });
let server: RunningServer;
let connector: Connector;
/** Every HTTP attempt of `connector`, as `METHOD path` below `rest/api/3/`. */
const calls: string[] = [];

beforeAll(async () => {
  server = await sim.listen();
  connector = connectTo(server.baseUrl, sim, {}, 'sync-bot@example.com', (e) =>
    calls.push(`${e.method} ${new URL(e.url).pathname.replace('/rest/api/3/', '')}`),
  );
});
afterAll(() => server.close());

let origins = 0;
function ok(result: WriteResult | undefined): WorkItem {
  if (!result?.ok) throw result?.error ?? new Error('no result');
  return result.item;
}
async function create(summary: string, fields: Record<string, FieldValue> = {}, type = 'Bug'): Promise<WorkItem> {
  const [result] = await connector.create([
    { project: 'DEMO', type, fields: { summary, ...fields }, origin: { system: 'ado', id: String(++origins) } },
  ]);
  return ok(result);
}
async function update(id: string, fields: Record<string, FieldValue>): Promise<WorkItem> {
  return ok((await connector.update([{ id, fields }]))[0]);
}
async function get(id: string, fields: string[]): Promise<WorkItem> {
  const [item] = await connector.getMany([id], { fields });
  if (!item) throw new Error(`no issue ${id}`);
  return item;
}
/** The simulator's links as "source blocks destination" triples, by type name. */
const linksOf = (issueId: string) =>
  sim.state.links
    .of(issueId)
    .map((l) => `${sim.state.links.type({ id: l.typeId })?.name}: ${l.sourceId} -> ${l.destinationId}`)
    .sort();
const numeric = (ids: string[]) => [...ids].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));

describe('Jira link fields', () => {
  it('lists the parent and one field per link type and direction, named by the words people see', async () => {
    const fields = await connector.listFields('DEMO', 'Story');
    const links = fields.filter((f) => f.id.startsWith('link:'));
    expect(links).toEqual(
      expect.arrayContaining([
        { id: 'link:parent', name: 'Parent', kind: 'reference', required: false, writable: true },
        { id: 'link:Blocks', name: 'Link: blocks', kind: 'multiLookup', required: false, writable: true },
        { id: 'link:is blocked by', name: 'Link: is blocked by', kind: 'multiLookup', required: false, writable: true },
        { id: 'link:Relates', name: 'Link: relates to', kind: 'multiLookup', required: false, writable: true },
      ]),
    );
    // "relates to" reads the same both ways: one field.
    expect(links.filter((f) => f.name === 'Link: relates to')).toHaveLength(1);
    expect(links.every((f) => f.allowedValues === undefined)).toBe(true);
    // Jira's own link fields are not shown as plain fields.
    expect(fields.some((f) => f.id === 'issuelinks' || f.id === 'parent' || f.id === 'attachment')).toBe(false);
  });

  it('adds the missing links and removes the extra ones, both ends moving as in Jira', async () => {
    const a = await create('blocker');
    const b = await create('blocked one');
    const c = await create('blocked two');
    const d = await create('blocked ten');
    const bBefore = await get(b.id, ['summary']);

    const written = await update(a.id, { 'link:Blocks': [d.id, c.id, b.id] });
    expect(written.fields['link:Blocks']).toEqual(numeric([b.id, c.id, d.id]));
    expect(linksOf(a.id)).toEqual([
      `Blocks: ${a.id} -> ${b.id}`,
      `Blocks: ${a.id} -> ${c.id}`,
      `Blocks: ${a.id} -> ${d.id}`,
    ]);
    // The other end reads the link inward, and its revision moved (Jira writes a Link entry on both issues).
    const bAfter = await get(b.id, ['link:is blocked by', 'link:Blocks']);
    expect(bAfter.fields).toEqual({ 'link:is blocked by': [a.id], 'link:Blocks': [] });
    expect(bAfter.revision).not.toBe(bBefore.revision);
    expect(sim.state.issue(b.id)?.changelog.at(-1)?.items[0]).toMatchObject({ field: 'Link', to: a.key });

    const kept = await update(a.id, { 'link:Blocks': [c.id] });
    expect(kept.fields['link:Blocks']).toEqual([c.id]);
    expect(linksOf(a.id)).toEqual([`Blocks: ${a.id} -> ${c.id}`]);
    expect((await get(b.id, ['link:is blocked by'])).fields['link:is blocked by']).toEqual([]);
  });

  it('sends no link request when the links are already as wanted', async () => {
    const a = await create('same links');
    const b = await create('target');
    await update(a.id, { 'link:Blocks': [b.id] });
    const before = calls.length;
    const again = await update(a.id, { 'link:blocks': [b.id] });
    expect(again.fields['link:blocks']).toEqual([b.id]);
    expect(calls.slice(before).filter((c) => c.includes('issueLink'))).toEqual([]);
    expect(linksOf(a.id)).toEqual([`Blocks: ${a.id} -> ${b.id}`]);
  });

  it('writes a link by its inward words from the destination, and reads it from both ends', async () => {
    const blocked = await create('waits');
    const blocker = await create('holds up');
    const written = await update(blocked.id, { 'link:is blocked by': [blocker.id] });
    expect(written.fields['link:is blocked by']).toEqual([blocker.id]);
    expect(linksOf(blocked.id)).toEqual([`Blocks: ${blocker.id} -> ${blocked.id}`]);
    expect((await get(blocker.id, ['link:Blocks', 'link:blocks'])).fields).toEqual({
      'link:Blocks': [blocked.id],
      'link:blocks': [blocked.id],
    });
  });

  it('reads a link a person made from the other side of a type with the same words both ways', async () => {
    const mine = await create('related a');
    const theirs = await create('related b');
    // Ana links her issue to ours: ours is the link's destination.
    await connectTo(server.baseUrl, sim, {}, 'ana@example.com').update([
      { id: theirs.id, fields: { 'link:Relates': [mine.id] } },
    ]);
    expect(linksOf(mine.id)).toEqual([`Relates: ${theirs.id} -> ${mine.id}`]);
    expect((await get(mine.id, ['link:Relates', 'link:relates to'])).fields).toEqual({
      'link:Relates': [theirs.id],
      'link:relates to': [theirs.id],
    });
    // Writing the same set from our side keeps her link; an empty set removes it.
    await update(mine.id, { 'link:Relates': [theirs.id] });
    expect(linksOf(mine.id)).toEqual([`Relates: ${theirs.id} -> ${mine.id}`]);
    await update(mine.id, { 'link:Relates': [] });
    expect(linksOf(mine.id)).toEqual([]);
  });

  it('reads link fields with the issue, without another request', async () => {
    const a = await create('counted');
    const b = await create('counted target');
    await update(a.id, { 'link:Blocks': [b.id] });
    const count = async (fields: string[]) => {
      const before = calls.length;
      await connector.getMany([a.id], { fields });
      return calls.slice(before);
    };
    const plain = await count(['summary']);
    expect(await count(['summary', 'link:Blocks', 'link:parent'])).toEqual(plain);
    // A query yields them as well.
    const found: WorkItem[] = [];
    for await (const page of connector.query({
      project: 'DEMO',
      type: 'Bug',
      filter: `summary ~ "counted"`,
      fields: ['summary', 'link:Blocks', 'link:is blocked by'],
    }))
      found.push(...page);
    expect(
      Object.fromEntries(found.map((i) => [i.id, [i.fields['link:Blocks'], i.fields['link:is blocked by']]])),
    ).toEqual({
      [a.id]: [[b.id], []],
      [b.id]: [[], [a.id]],
    });
  });

  it('tells when each link field last changed, a link type apart from the others', async () => {
    const epic = await create('times epic', {}, 'Epic');
    const a = await create('times', {}, 'Story');
    const b = await create('times blocked');
    const c = await create('times related');
    await update(a.id, { 'link:Blocks': [b.id] });
    await update(a.id, { 'link:Relates': [c.id] });
    await update(a.id, { 'link:parent': { id: epic.id } });
    const at = (words: string) => {
      const entry = sim.state
        .issue(a.id)
        ?.changelog.findLast((e) => e.items.some((i) => (i.toString ?? '').startsWith(words) || i.field === words));
      return new Date(entry?.created ?? 0).toISOString();
    };
    const times = await connector.fieldChangeTimes?.(
      [a.id],
      ['link:Blocks', 'link:is blocked by', 'link:Relates', 'link:parent', 'summary'],
    );
    const created = new Date(sim.state.issue(a.id)?.created ?? 0).toISOString();
    expect(times?.[a.id]).toEqual({
      'link:Blocks': at('This issue blocks'),
      'link:is blocked by': created,
      'link:Relates': at('This issue relates to'),
      'link:parent': at('parent'),
      summary: created,
    });
    expect(new Set(Object.values(times?.[a.id] ?? {})).size).toBe(4);
  });

  it('creates an issue with its links, added right after the create', async () => {
    const target = await create('existing');
    const made = await create('new with link', { 'link:Blocks': [target.id] });
    expect(made.fields['link:Blocks']).toEqual([target.id]);
    expect(linksOf(made.id)).toEqual([`Blocks: ${made.id} -> ${target.id}`]);
  });

  it('reports the issue it created when adding its links fails, so a retry does not file it again', async () => {
    const [result] = await connector.create([
      {
        project: 'DEMO',
        type: 'Bug',
        fields: { summary: 'link to nowhere', 'link:Blocks': ['99999'] },
        origin: { system: 'ado', id: 'nowhere' },
      },
    ]);
    expect(result?.ok).toBe(false);
    if (result && !result.ok) {
      expect(result.error.code).toBe('NOT_FOUND');
      expect(result.created).toBeDefined();
      expect(sim.state.issue(result.created?.id ?? '')?.key).toBe(result.created?.key);
      expect(linksOf(result.created?.id ?? '')).toEqual([]);
    }
  });

  it('refuses a link type the site does not have, naming the ones it has', async () => {
    const a = await create('odd link');
    const [result] = await connector.update([{ id: a.id, fields: { 'link:Depends': [a.id] } }]);
    expect(result?.ok).toBe(false);
    if (result && !result.ok) {
      expect(result.error.code).toBe('VALIDATION');
      expect(result.error.message).toContain("no issue link type is called 'Depends'");
      expect(result.error.message).toContain('Blocks (blocks / is blocked by)');
    }
    expect(linksOf(a.id)).toEqual([]);
  });

  it('builds Epic > Story > Sub-task with parents sent in the create, then moves and removes a parent', async () => {
    const epic = await create('epic', {}, 'Epic');
    const other = await create('other epic', {}, 'Epic');
    const story = await create('story', { 'link:parent': { id: epic.id } }, 'Story');
    expect(story.fields['link:parent']).toEqual({ id: epic.id, key: epic.key });
    const before = calls.length;
    // A sub-task cannot be created without its parent: it goes in the create itself.
    const subtask = await create('sub-task', { 'link:parent': { id: story.id, key: 'ignored' } }, 'Subtask');
    expect(subtask.fields['link:parent']).toEqual({ id: story.id, key: story.key });
    expect(calls.slice(before).filter((c) => c.startsWith('PUT') || c.includes('issueLink'))).toEqual([]);
    expect(sim.state.issue(subtask.id)?.fields.parent).toBe(story.id);

    const moved = await update(story.id, { 'link:parent': { id: other.id } });
    expect(moved.fields['link:parent']).toEqual({ id: other.id, key: other.key });
    const removed = await update(story.id, { 'link:parent': null });
    expect(removed.fields['link:parent']).toBeNull();
    expect(sim.state.issue(story.id)?.fields.parent).toBeNull();
    expect((await get(subtask.id, ['link:parent'])).fields['link:parent']).toEqual({ id: story.id, key: story.key });
  });

  it('reads and writes link fields on Data Center (REST v2) alike', async () => {
    const dc = connectTo(server.baseUrl, sim, { apiVersion: '2' }, undefined, undefined, 'pat');
    const story = await create('dc story', {}, 'Story');
    const blocked = await create('dc blocked');
    const [created] = await dc.create([
      {
        project: 'DEMO',
        type: 'Subtask',
        fields: { summary: 'dc sub-task', 'link:parent': { id: story.id }, 'link:Blocks': [blocked.id] },
        origin: { system: 'ado', id: 'dc-1' },
      },
    ]);
    const subtask = ok(created);
    expect(subtask.fields).toMatchObject({
      'link:parent': { id: story.id, key: story.key },
      'link:Blocks': [blocked.id],
    });
    const [edited] = await dc.update([{ id: subtask.id, fields: { 'link:Blocks': [], summary: 'dc sub-task 2' } }]);
    expect(ok(edited).fields).toEqual({ 'link:Blocks': [], summary: 'dc sub-task 2' });
    expect(linksOf(subtask.id)).toEqual([]);
    expect(sim.state.issue(subtask.id)?.fields.parent).toBe(story.id);
  });

  it('passes on Jira refusing a parent outside the hierarchy', async () => {
    const bug = await create('a bug');
    const story = await create('not under a bug', {}, 'Story');
    const [result] = await connector.update([{ id: story.id, fields: { 'link:parent': { id: bug.id } } }]);
    expect(result?.ok).toBe(false);
    if (result && !result.ok) expect(result.error.message).toContain('appropriate hierarchy');
    expect(sim.state.issue(story.id)?.fields.parent).toBeUndefined();
  });
});
