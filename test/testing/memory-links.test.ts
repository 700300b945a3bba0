import { describe, expect, it } from 'vitest';
import { PARENT_FIELD } from 'syncbridge/connector-kit';
import { createMemoryConnector, createMemoryTracker, type MemorySystem } from 'syncbridge/testing';

function world() {
  const system = createMemoryTracker({ links: true });
  const connector = createMemoryConnector(system);
  const create = (title: string, type = 'Bug') => system.create('P', type, { title }, system.user('ben'));
  return { system, connector, create };
}

const revisions = (system: MemorySystem, ...ids: string[]) => ids.map((id) => system.items.get(id)!.revision);

describe('memory link fields', () => {
  it('declares links and lists the link fields of bugs and of their parent type', async () => {
    const { connector } = world();
    expect(connector.info.capabilities.links).toBe(true);
    expect(createMemoryConnector(createMemoryTracker()).info.capabilities.links).toBe(false);
    const fields = await connector.listFields('P', 'Bug');
    expect(fields.filter((f) => f.id.startsWith('link:'))).toEqual([
      { id: PARENT_FIELD, name: 'Parent', kind: 'reference', required: false },
      { id: 'link:Blocks', name: 'Link: Blocks', kind: 'multiLookup', required: false },
      { id: 'link:is blocked by', name: 'Link: is blocked by', kind: 'multiLookup', required: false },
      { id: 'link:Relates', name: 'Link: Relates', kind: 'multiLookup', required: false },
    ]);
    expect((await connector.listEntityTypes('P')).map((t) => t.name)).toEqual(['Bug', 'Epic']);
  });

  it('keeps a typed link on both ends under the reverse name, and moves both items as the writer', async () => {
    const { system, connector, create } = world();
    const [a, b, c] = [create('a'), create('b'), create('c')];
    const before = revisions(system, a.id, b.id, c.id);
    const [result] = await connector.update([{ id: a.id, fields: { 'link:Blocks': [c.id, b.id] } }]);
    expect(result).toMatchObject({ ok: true, item: { fields: { 'link:Blocks': [b.id, c.id] } } });
    expect(revisions(system, a.id, b.id, c.id)).toEqual(before.map((r) => r + 1));
    for (const id of [a.id, b.id, c.id]) expect(system.items.get(id)!.updatedBy?.id).toBe('sync-bot');
    const read = await connector.getMany([a.id, b.id, c.id], { fields: ['link:Blocks', 'link:is blocked by'] });
    expect(Object.fromEntries(read.map((i) => [i.id, i.fields]))).toEqual({
      [a.id]: { 'link:Blocks': [b.id, c.id], 'link:is blocked by': [] },
      [b.id]: { 'link:Blocks': [], 'link:is blocked by': [a.id] },
      [c.id]: { 'link:Blocks': [], 'link:is blocked by': [a.id] },
    });
    const times = await connector.fieldChangeTimes!([b.id], ['link:is blocked by', 'title']);
    expect(times[b.id]!['link:is blocked by']).toBe(system.items.get(b.id)!.updatedAt);
    expect(times[b.id]!.title).not.toBe(system.items.get(b.id)!.updatedAt);
  });

  it('writes the exact set from either end: missing links added, extra ones removed, untouched items unmoved', async () => {
    const { system, connector, create } = world();
    const [a, b, c, d] = [create('a'), create('b'), create('c'), create('d')];
    system.addLink(a.id, 'Blocks', b.id, 'ana');
    system.addLink(a.id, 'Blocks', c.id, 'ana');
    expect(system.items.get(c.id)!.updatedBy?.id).toBe('ana');
    const before = revisions(system, a.id, b.id, c.id, d.id);
    // From b's end: a stays, d is added as a blocker of b.
    await connector.update([{ id: b.id, fields: { 'link:is blocked by': [d.id, a.id] } }]);
    expect(revisions(system, a.id, b.id, c.id, d.id)).toEqual([before[0], before[1]! + 1, before[2], before[3]! + 1]);
    await connector.update([{ id: a.id, fields: { 'link:Blocks': [c.id] } }]);
    system.removeLink(d.id, 'Blocks', b.id, 'ben');
    const read = await connector.getMany([a.id, b.id, c.id, d.id], { fields: ['link:Blocks'] });
    expect(read.map((i) => i.fields['link:Blocks'])).toEqual([[c.id], [], [], []]);
    expect(system.links.links).toEqual([{ type: 'Blocks', from: a.id, to: c.id }]);
    // The same set again is nothing to write: neither end changes.
    const settled = revisions(system, a.id, c.id);
    await connector.update([{ id: a.id, fields: { 'link:Blocks': [c.id] } }]);
    await connector.update([{ id: c.id, fields: { 'link:is blocked by': [a.id] } }]);
    expect(revisions(system, a.id, c.id)).toEqual(settled);
  });

  it('reads a type without a reverse name the same from both ends, sorting ids numerically', async () => {
    const { system, connector, create } = world();
    const items = Array.from({ length: 11 }, (_, n) => create(`r${n}`));
    const [first, ...rest] = items;
    await connector.update([{ id: first!.id, fields: { 'link:Relates': rest.map((i) => i.id).reverse() } }]);
    const [read] = await connector.getMany([first!.id], { fields: ['link:Relates'] });
    expect(read!.fields['link:Relates']).toEqual(rest.map((i) => i.id));
    expect(read!.fields['link:Relates']).toContain('10');
    const [other] = await connector.getMany([rest[0]!.id], { fields: ['link:Relates'] });
    expect(other!.fields['link:Relates']).toEqual([first!.id]);
    expect(system.links.links).toHaveLength(10);
  });

  it('reads link fields only when asked for them', async () => {
    const { system, connector, create } = world();
    const [a, b] = [create('a'), create('b')];
    system.addLink(a.id, 'Blocks', b.id, 'ana');
    const [read] = await connector.getMany([a.id], { fields: ['title'] });
    expect(read!.fields).toEqual({ title: 'a' });
  });

  it('sets and clears a parent, moving the child and each parent gained or lost', async () => {
    const { system, connector, create } = world();
    const [epic, other, bug] = [create('epic', 'Epic'), create('other epic', 'Epic'), create('bug')];
    await connector.update([{ id: bug.id, fields: { [PARENT_FIELD]: { id: epic.id, key: 'ignored' } } }]);
    let [read] = await connector.getMany([bug.id], { fields: [PARENT_FIELD] });
    expect(read!.fields[PARENT_FIELD]).toEqual({ id: epic.id, key: epic.key });
    const before = revisions(system, epic.id, other.id, bug.id);
    await connector.update([{ id: bug.id, fields: { [PARENT_FIELD]: { id: other.id } } }]);
    expect(revisions(system, epic.id, other.id, bug.id)).toEqual(before.map((r) => r + 1));
    await connector.update([{ id: bug.id, fields: { [PARENT_FIELD]: null } }]);
    [read] = await connector.getMany([bug.id], { fields: [PARENT_FIELD] });
    expect(read!.fields[PARENT_FIELD]).toBeNull();
    expect(system.items.get(bug.id)!.parent).toBeUndefined();
  });

  it('refuses a parent that makes a cycle, does not exist or is the item, and a link to itself, writing nothing', async () => {
    const { system, connector, create } = world();
    const [top, middle, leaf] = [create('top'), create('middle'), create('leaf')];
    system.edit(middle.id, { [PARENT_FIELD]: { id: top.id } }, 'ana');
    system.edit(leaf.id, { [PARENT_FIELD]: { id: middle.id } }, 'ana');
    const before = revisions(system, top.id, middle.id, leaf.id);
    const results = await connector.update([
      { id: top.id, fields: { [PARENT_FIELD]: { id: leaf.id }, title: 'renamed' } },
      { id: middle.id, fields: { [PARENT_FIELD]: { id: '999' } } },
      { id: leaf.id, fields: { [PARENT_FIELD]: { id: leaf.id } } },
      { id: leaf.id, fields: { 'link:Blocks': [leaf.id] } },
      { id: leaf.id, fields: { 'link:Blocks': ['999'] } },
    ]);
    for (const result of results) {
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.code).toBe('VALIDATION');
    }
    if (!results[0]!.ok) expect(results[0]!.error.message).toMatch(/link:parent: .*cycle/);
    expect(revisions(system, top.id, middle.id, leaf.id)).toEqual(before);
    expect(system.items.get(top.id)!.fields.title).toBe('top');
    expect(system.links.links).toEqual([]);
  });

  it('creates an item with its parent and links; a link refused leaves the item created and reports it', async () => {
    const { system, connector, create } = world();
    const [epic, blocked] = [create('epic', 'Epic'), create('blocked')];
    const epicRevision = epic.revision;
    const [made, half] = await connector.create([
      {
        project: 'P',
        type: 'Bug',
        fields: { title: 'child', [PARENT_FIELD]: { id: epic.id }, 'link:Blocks': [blocked.id] },
        origin: { system: 'other', id: '1' },
        returnFields: [PARENT_FIELD, 'link:Blocks'],
      },
      {
        project: 'P',
        type: 'Bug',
        fields: { title: 'orphan link', 'link:Blocks': ['999'] },
        origin: { system: 'other', id: '2' },
      },
    ]);
    expect(made).toMatchObject({
      ok: true,
      item: { fields: { [PARENT_FIELD]: { id: epic.id, key: epic.key }, 'link:Blocks': [blocked.id] } },
    });
    expect(system.items.get(epic.id)!.revision).toBe(epicRevision + 1);
    expect(half).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    const created = !half!.ok ? half!.created : undefined;
    expect(created).toBeDefined();
    const [stored] = await connector.getMany([created!.id], { fields: ['title', 'link:Blocks'] });
    expect(stored).toMatchObject({ key: created!.key, fields: { title: 'orphan link', 'link:Blocks': [] } });
    const count = system.items.size;
    // A parent is part of the create itself: one refused makes nothing.
    const [refused] = await connector.create([
      {
        project: 'P',
        type: 'Bug',
        fields: { title: 'x', [PARENT_FIELD]: { id: '999' } },
        origin: { system: 'o', id: '3' },
      },
    ]);
    expect(refused).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(refused!.ok || refused!.created).toBeUndefined();
    expect(system.items.size).toBe(count);
  });

  it('drops the links and the children of a deleted item', async () => {
    const { system, connector, create } = world();
    const [a, b, child] = [create('a'), create('b'), create('child')];
    system.addLink(a.id, 'Blocks', b.id, 'ana');
    system.edit(child.id, { [PARENT_FIELD]: { id: a.id } }, 'ana');
    await connector.deleteItem!(a.id);
    const read = await connector.getMany([b.id, child.id], { fields: ['link:is blocked by', PARENT_FIELD] });
    expect(read.map((i) => i.fields)).toEqual([
      { 'link:is blocked by': [], [PARENT_FIELD]: null },
      { 'link:is blocked by': [], [PARENT_FIELD]: null },
    ]);
  });
});
