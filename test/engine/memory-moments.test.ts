import { describe, expect, it } from 'vitest';
import { isSyncbridgeError, type FieldDescriptor } from 'syncbridge';
import { createMemoryConnector, MemorySystem, type MemoryCallMoment } from 'syncbridge/testing';

const fields: FieldDescriptor[] = [
  { id: 'title', name: 'Title', kind: 'text', required: true },
  { id: 'labels', name: 'Labels', kind: 'multiLookup', required: false, valuePattern: '^\\S+$' },
  { id: 'tags', name: 'Tags', kind: 'multiLookup', required: false, caseInsensitive: true },
];

function system() {
  let now = Date.parse('2026-03-01T10:00:00.000Z');
  const memory = new MemorySystem({
    projects: { P: { types: { Bug: fields } } },
    users: [
      { id: 'bot', email: 'bot@example.com' },
      { id: 'ana', email: 'ana@example.com' },
    ],
    now: () => {
      now += 1000;
      return new Date(now);
    },
  });
  return { memory, connector: createMemoryConnector(memory, { capabilities: { maxUpdateBatch: 5 } }) };
}

describe('memory system: the connector contract’s field rules and moments to act at', () => {
  it('refuses values that do not match a value pattern, naming the field', async () => {
    const { memory, connector } = system();
    const item = memory.create('P', 'Bug', { title: 'x', labels: ['ok'] }, memory.user('ana'));
    const [result] = await connector.update([{ id: item.id, fields: { title: 'y', labels: ['ok', 'two words'] } }]);
    expect(result?.ok).toBe(false);
    const error = result?.ok === false ? result.error : undefined;
    expect(isSyncbridgeError(error) && error.code).toBe('VALIDATION');
    expect(error?.message).toContain("'two words'");
    expect((error as { fieldErrors?: Record<string, string> }).fieldErrors).toHaveProperty('labels');
    expect(memory.items.get(item.id)!.fields).toMatchObject({ title: 'x', labels: ['ok'] });
  });

  it('keeps the first spelling of values that differ only in case', () => {
    const { memory } = system();
    const item = memory.create(
      'P',
      'Bug',
      { title: 'x', tags: ['Alpha', 'beta', 'ALPHA', 'Beta'] },
      memory.user('ana'),
    );
    expect(item.fields.tags).toEqual(['Alpha', 'beta']);
  });

  it('reports when each field last changed; a write of the same value is no change', async () => {
    const { memory, connector } = system();
    const item = memory.create('P', 'Bug', { title: 'x' }, memory.user('ana'));
    const created = item.updatedAt;
    memory.edit(item.id, { title: 'x', labels: ['a'] }, 'ana');
    const edited = item.updatedAt;
    const times = await connector.fieldChangeTimes!([item.id, 'missing'], ['title', 'labels', 'tags']);
    expect(times).toEqual({ [item.id]: { title: created, labels: edited, tags: created } });
    expect(edited > created).toBe(true);
  });

  it('loses the answer of an update that took effect', async () => {
    const { memory, connector } = system();
    const item = memory.create('P', 'Bug', { title: 'x' }, memory.user('ana'));
    connector.failNext('update', 1, undefined, { afterWrite: true });
    await expect(connector.update([{ id: item.id, fields: { title: 'written' } }])).rejects.toMatchObject({
      code: 'TRANSIENT',
    });
    expect(memory.items.get(item.id)!.fields.title).toBe('written');
  });

  it('lets a test act as a person before and after a write and between pages', async () => {
    const { memory, connector } = system();
    const items = [1, 2, 3].map((n) => memory.create('P', 'Bug', { title: `t${n}` }, memory.user('ana')));
    const moments: MemoryCallMoment[] = [];
    connector.onCall = (moment) => {
      moments.push(moment);
      if (moment.method === 'update' && moment.phase === 'before')
        memory.edit(items[0]!.id, { title: 'person first' }, 'ana');
      if (moment.phase === 'page') memory.edit(items[2]!.id, { title: 'between pages' }, 'ana');
    };
    const pages: string[][] = [];
    for await (const page of connector.query({ project: 'P', type: 'Bug', fields: ['title'], pageSize: 2 }))
      pages.push(page.map((i) => String(i.fields.title)));
    expect(pages).toEqual([['t1', 't2'], ['between pages']]);
    const [stale] = await connector.update([{ id: items[0]!.id, fields: { title: 'engine' }, expectedRevision: '1' }]);
    expect(stale?.ok === false && stale.error.code).toBe('REVISION_MISMATCH');
    expect(moments).toEqual([
      { method: 'query', phase: 'before' },
      { method: 'query', phase: 'page', pages: 1 },
      { method: 'update', phase: 'before' },
      { method: 'update', phase: 'after' },
    ]);
  });
});
