import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Connector, FieldValue, RemoteError, WorkItem } from 'syncbridge';
import { PARENT_FIELD, linkField, type WriteResult } from 'syncbridge/connector-kit';
import { createAzureDevOpsSimulator, type AzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import type { RunningServer } from 'syncbridge/testing';
import { connectTo } from './support.js';

const related = linkField('System.LinkTypes.Related');
const successors = linkField('System.LinkTypes.Dependency-Forward');
const predecessors = linkField('System.LinkTypes.Dependency-Reverse');
const children = linkField('System.LinkTypes.Hierarchy-Forward');

let sim: AzureDevOpsSimulator;
let server: RunningServer;
let connector: Connector;
let requests: Array<{ method: string; url: string }>;

beforeAll(async () => {
  sim = createAzureDevOpsSimulator({ seed: 'empty' });
  server = await sim.listen();
});
afterAll(() => server.close());
beforeEach(() => {
  requests = [];
  connector = connectTo(server.baseUrl, sim, {}, undefined, (e) => requests.push(e));
});

const ok = (r: WriteResult | undefined): WorkItem => {
  if (!r?.ok) throw r?.error ?? new Error('no result');
  return r.item;
};

const create = async (type: string, title: string, fields: Record<string, FieldValue> = {}) =>
  ok(
    (
      await connector.create([
        { project: 'Demo', type, fields: { 'System.Title': title, ...fields }, origin: { system: 'jira', id: title } },
      ])
    )[0],
  );

/** The work-item links the simulator holds for an item: `[relation type, target id]`. */
const linksInState = (id: string) =>
  (sim.state.workItems.get(Number(id))?.relations ?? [])
    .filter((r) => r.rel.startsWith('System.LinkTypes.'))
    .map((r) => [r.rel, /(\d+)$/.exec(r.url)?.[1]]);
const revInState = (id: string) => sim.state.workItems.get(Number(id))?.rev;

describe('Azure DevOps link fields', () => {
  it('lists the parent and one field per work item link type, and no resource links', async () => {
    const fields = await connector.listFields('Demo', 'Task');
    const links = fields.filter((f) => f.id.startsWith('link:'));
    expect(links.find((f) => f.id === PARENT_FIELD)).toEqual({
      id: PARENT_FIELD,
      name: 'Parent',
      kind: 'reference',
      required: false,
      writable: true,
    });
    expect(links.find((f) => f.id === successors)).toEqual({
      id: successors,
      name: 'Link: Successor',
      kind: 'multiLookup',
      required: false,
      writable: true,
    });
    expect(links.map((f) => f.id)).toEqual(expect.arrayContaining([related, predecessors, children]));
    expect(links.map((f) => f.id)).not.toContain(linkField('System.LinkTypes.Hierarchy-Reverse'));
    expect(links.map((f) => f.id)).not.toContain(linkField('AttachedFile'));
    expect(links.map((f) => f.id)).not.toContain(linkField('Hyperlink'));
  });

  it('creates a Feature → User Story → Task hierarchy with the parents in the creates, and reads it back in one call', async () => {
    const feature = await create('Feature', 'Checkout');
    const story = await create('User Story', 'Pay by card', { [PARENT_FIELD]: { id: feature.id } });
    expect(story.fields[PARENT_FIELD]).toEqual({ id: feature.id, key: feature.id });
    // Two tasks go through one `$batch` call, each with its parent in its create.
    requests = [];
    const tasks = (
      await connector.create(
        ['Card form', 'Card API'].map((title) => ({
          project: 'Demo',
          type: 'Task',
          fields: { 'System.Title': title, [PARENT_FIELD]: { id: story.id, key: 'ignored' } },
          origin: { system: 'jira', id: title },
        })),
      )
    ).map(ok);
    // (Besides a read of the Task type's fields, kept for the connector's life.)
    const writes = requests.filter((r) => r.method !== 'GET');
    expect(writes.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual([
      expect.stringMatching(/^POST .*\/_apis\/wit\/\$batch$/),
    ]);
    for (const task of tasks) expect(task.fields[PARENT_FIELD]).toEqual({ id: story.id, key: story.id });

    requests = [];
    const [read] = await connector.getMany([story.id], { fields: ['System.Title', PARENT_FIELD, children] });
    expect(requests).toHaveLength(1);
    expect(read?.fields).toEqual({
      'System.Title': 'Pay by card',
      [PARENT_FIELD]: { id: feature.id, key: feature.id },
      [children]: tasks.map((t) => t.id).sort((a, b) => a.localeCompare(b, 'en', { numeric: true })),
    });
    expect(linksInState(feature.id)).toEqual([['System.LinkTypes.Hierarchy-Forward', story.id]]);
    expect(linksInState(story.id)).toEqual([
      ['System.LinkTypes.Hierarchy-Reverse', feature.id],
      ...tasks.map((t) => ['System.LinkTypes.Hierarchy-Forward', t.id]),
    ]);
  });

  it('reads link fields only when asked for, also when reads otherwise name their fields (tag stamps)', async () => {
    const tagged = connectTo(server.baseUrl, sim, { originStamp: 'tag' }, undefined, (e) => requests.push(e));
    const parent = await create('Feature', 'Tagged parent');
    const child = await create('Task', 'Tagged child', { [PARENT_FIELD]: { id: parent.id } });
    const [plain] = await tagged.getMany([child.id], { fields: ['System.Title'] });
    expect(plain?.fields).toEqual({ 'System.Title': 'Tagged child' });
    requests = [];
    const [linked] = await tagged.getMany([child.id], { fields: ['System.Title', PARENT_FIELD, related] });
    expect(requests).toHaveLength(1);
    expect(linked?.fields).toEqual({
      'System.Title': 'Tagged child',
      [PARENT_FIELD]: { id: parent.id, key: parent.id },
      [related]: [],
    });
    const [found] = await connector.findByOrigin({
      project: 'Demo',
      type: 'Task',
      origins: [{ system: 'jira', id: 'Tagged child' }],
      fields: [PARENT_FIELD],
    });
    expect(found?.item.fields).toEqual({ [PARENT_FIELD]: { id: parent.id, key: parent.id } });
    const pages: WorkItem[][] = [];
    for await (const page of tagged.query({ project: 'Demo', type: 'Task', fields: [PARENT_FIELD] })) pages.push(page);
    expect(pages.flat().find((i) => i.id === child.id)?.fields).toEqual({
      [PARENT_FIELD]: { id: parent.id, key: parent.id },
    });
  });

  it('writes related and dependency links as exact sets: adds the missing, removes the extra, on both ends', async () => {
    const item = await create('Bug', 'Hub');
    const [a, b, c] = [await create('Bug', 'A'), await create('Bug', 'B'), await create('Bug', 'C')];
    const written = ok(
      (
        await connector.update([
          { id: item.id, fields: { [related]: [b.id, a.id], [successors]: [c.id] }, returnFields: [predecessors] },
        ])
      )[0],
    );
    expect(written.fields[related]).toEqual([a.id, b.id]);
    expect(written.fields[successors]).toEqual([c.id]);
    expect(written.fields[predecessors]).toEqual([]);
    expect(linksInState(c.id)).toEqual([['System.LinkTypes.Dependency-Reverse', item.id]]);

    const aRev = revInState(a.id);
    const before = revInState(item.id);
    const after = ok(
      (await connector.update([{ id: item.id, fields: { [related]: [b.id], [successors]: [c.id] } }]))[0],
    );
    expect(after.fields[related]).toEqual([b.id]);
    expect(Number(after.revision)).toBe((before ?? 0) + 1);
    // The removed link is gone from the other end too, as a revision of it.
    expect(linksInState(a.id)).toEqual([]);
    expect(revInState(a.id)).toBe((aRev ?? 0) + 1);

    // Writing the set it already has sends no relation operation and moves nothing.
    const same = ok((await connector.update([{ id: item.id, fields: { [related]: [b.id] } }]))[0]);
    expect(same.fields[related]).toEqual([b.id]);
    expect(linksInState(item.id)).toEqual([
      ['System.LinkTypes.Related', b.id],
      ['System.LinkTypes.Dependency-Forward', c.id],
    ]);
    expect(linksInState(b.id)).toEqual([['System.LinkTypes.Related', item.id]]);
  });

  it('writes the links of several items in one $batch call', async () => {
    const [x, y, target] = [await create('Bug', 'X'), await create('Bug', 'Y'), await create('Bug', 'Target')];
    ok((await connector.update([{ id: x.id, fields: { [related]: [y.id] } }]))[0]);
    requests = [];
    const results = (
      await connector.update([
        { id: x.id, fields: { [related]: [target.id] } },
        { id: y.id, fields: { [successors]: [target.id], 'System.Title': 'Y2' } },
      ])
    ).map(ok);
    expect(requests.map((r) => `${r.method} ${new URL(r.url).pathname.split('/').pop()}`)).toEqual([
      'POST workitemsbatch',
      'POST $batch',
    ]);
    expect(results.map((r) => [r.fields[related], r.fields[successors]])).toEqual([
      [[target.id], undefined],
      [undefined, [target.id]],
    ]);
    expect(linksInState(x.id)).toEqual([['System.LinkTypes.Related', target.id]]);
    expect(linksInState(y.id)).toEqual([['System.LinkTypes.Dependency-Forward', target.id]]);
    expect(linksInState(target.id)).toEqual([
      ['System.LinkTypes.Related', x.id],
      ['System.LinkTypes.Dependency-Reverse', y.id],
    ]);
  });

  it('moves an item to another parent and removes its parent', async () => {
    const [first, second] = [await create('User Story', 'First'), await create('User Story', 'Second')];
    const task = await create('Task', 'Moving', { [PARENT_FIELD]: { id: first.id } });
    const moved = ok((await connector.update([{ id: task.id, fields: { [PARENT_FIELD]: { id: second.id } } }]))[0]);
    expect(moved.fields[PARENT_FIELD]).toEqual({ id: second.id, key: second.id });
    expect(linksInState(first.id)).toEqual([]);
    expect(linksInState(second.id)).toEqual([['System.LinkTypes.Hierarchy-Forward', task.id]]);

    const orphan = ok((await connector.update([{ id: task.id, fields: { [PARENT_FIELD]: null } }]))[0]);
    expect(orphan.fields[PARENT_FIELD]).toBeNull();
    expect(linksInState(task.id)).toEqual([]);
    expect(linksInState(second.id)).toEqual([]);
  });

  it('removes links on the revision it read: a change made in between has the write made again on a fresh read', async () => {
    const other = connectTo(server.baseUrl, sim, {}, 'ana.silva@contoso.com');
    const item = await create('Bug', 'Busy');
    const [a, b] = [await create('Bug', 'Busy A'), await create('Bug', 'Busy B')];
    ok((await connector.update([{ id: item.id, fields: { [related]: [a.id, b.id] } }]))[0]);
    // A person retitles the item and links it to one more between the connector's read and its write.
    const c = await create('Bug', 'Busy C');
    const hook = sim.hook({ when: 'after', method: 'POST', path: 'wit/workitemsbatch', nth: 1 }, async () => {
      ok(
        (await other.update([{ id: item.id, fields: { 'System.Title': 'Busy!', [related]: [a.id, b.id, c.id] } }]))[0],
      );
    });
    const result = ok((await connector.update([{ id: item.id, fields: { [related]: [b.id] } }]))[0]);
    expect(hook.calls).toBe(1);
    expect(result.fields[related]).toEqual([b.id]);
    expect(result.fields['System.Title']).toBe('Busy!');
    expect(linksInState(item.id)).toEqual([['System.LinkTypes.Related', b.id]]);
  });

  it('refuses values that name no work item and unknown link types before sending anything', async () => {
    const item = await create('Bug', 'Strict');
    requests = [];
    const [bad] = await connector.update([
      { id: item.id, fields: { [PARENT_FIELD]: { id: 'DEMO-1' }, [related]: ['12', 'x'], 'link:Nope': ['1'] } },
    ]);
    expect(bad?.ok).toBe(false);
    if (bad?.ok !== false) return;
    expect(bad.error.code).toBe('VALIDATION');
    expect(Object.keys((bad.error as RemoteError).fieldErrors).sort()).toEqual(
      ['link:Nope', PARENT_FIELD, related].sort(),
    );
    expect(requests.filter((r) => r.method === 'PATCH' || r.url.includes('$batch'))).toEqual([]);
    expect(linksInState(item.id)).toEqual([]);
  });

  it('passes on the service refusing a cycle or a missing parent, changing nothing', async () => {
    const top = await create('Feature', 'Top');
    const below = await create('User Story', 'Below', { [PARENT_FIELD]: { id: top.id } });
    const [cycle] = await connector.update([{ id: top.id, fields: { [PARENT_FIELD]: { id: below.id } } }]);
    expect(cycle?.ok).toBe(false);
    if (cycle?.ok === false) expect(cycle.error.message).toMatch(/TF201063/);
    expect(linksInState(top.id)).toEqual([['System.LinkTypes.Hierarchy-Forward', below.id]]);

    const count = sim.state.workItems.size;
    const [orphan] = await connector.create([
      {
        project: 'Demo',
        type: 'Task',
        fields: { 'System.Title': 'No parent', [PARENT_FIELD]: { id: '999999' } },
        origin: { system: 'jira', id: 'no-parent' },
      },
    ]);
    expect(orphan?.ok).toBe(false);
    if (orphan?.ok === false) {
      expect(orphan.created).toBeUndefined();
      // A missing link target is the link field's fault, not a missing item (both are TF401232, 404).
      expect(orphan.error.code).toBe('VALIDATION');
      expect(Object.keys((orphan.error as RemoteError).fieldErrors)).toEqual([PARENT_FIELD]);
    }
    expect(sim.state.workItems.size).toBe(count);
    const [dangling] = await connector.update([{ id: below.id, fields: { [related]: ['999999'] } }]);
    expect(dangling?.ok === false && dangling.error.code).toBe('VALIDATION');
    expect(dangling?.ok === false && Object.keys((dangling.error as RemoteError).fieldErrors)).toEqual([related]);
    expect(linksInState(below.id)).toEqual([['System.LinkTypes.Hierarchy-Reverse', top.id]]);
  });
});
