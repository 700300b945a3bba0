import { valuesEqual, type FieldValue, type RichText, type WorkItem } from 'syncbridge';
import type { CreateRequest } from 'syncbridge/connector-kit';
import type { ConformanceCase, ConformanceContext, ConformanceResult, ConformanceTarget } from './conformance-types.js';
import {
  collect,
  createAll,
  getAll,
  okItem,
  paragraph,
  richDoc,
  type CaseHelpers,
  type DefineCase,
} from './conformance-support.js';
import { definePartCases } from './conformance-parts.js';
import { defineRuleCases } from './conformance-rules.js';
import { defineWebhookCases } from './conformance-webhooks.js';
import { peer } from './peers.js';

/**
 * The shared connector conformance suite. Every adapter and every user connector calls
 * it from a short test file; each case runs against a fresh context from `setup`:
 *
 * ```ts
 * describeConnectorConformance({ name: 'jira (in-process)', setup: async () => ({ connector, project: 'DEMO', type: 'Bug', fields: { title: 'summary' }, editAsOtherUser }) });
 * ```
 */
export function describeConnectorConformance(target: ConformanceTarget): void {
  const { describe, it: vitestIt } = peer('vitest');
  describe(`connector conformance: ${target.name}`, () => {
    for (const check of connectorConformanceCases()) vitestIt(check.name, () => runCase(target, check));
  });
}

/**
 * Runs every case of the suite one after the other, outside vitest's test registration (from
 * inside a test, say, to check that the suite catches a broken connector), and reports each.
 */
export async function runConnectorConformance(target: ConformanceTarget): Promise<ConformanceResult[]> {
  const results: ConformanceResult[] = [];
  for (const check of connectorConformanceCases()) {
    try {
      await runCase(target, check);
      results.push({ name: check.name, passed: true });
    } catch (error) {
      results.push({ name: check.name, passed: false, error });
    }
  }
  return results;
}

async function runCase(target: ConformanceTarget, check: ConformanceCase): Promise<void> {
  const ctx = await target.setup();
  try {
    await check.run(ctx);
  } finally {
    await ctx.connector.close?.();
    await ctx.teardown?.();
  }
}

let run = 0;

/**
 * The cases of the suite. Each case holds several items (or comments) with distinct values,
 * so that a connector ignoring ids, filters, order or requested fields fails it.
 */
export function connectorConformanceCases(): ConformanceCase[] {
  const { expect } = peer('vitest');
  const cases: ConformanceCase[] = [];
  let ctx!: ConformanceContext;
  // Cases run one at a time, so the one being run finds its context here.
  const it: DefineCase = (name, check) =>
    cases.push({
      name,
      run: async (c) => {
        ctx = c;
        await check();
      },
    });
  const marker = () => `sbconf${Date.now().toString(36)}${(run++).toString(36)}`;
  const fieldIds = () =>
    [
      ctx.fields.title,
      ctx.fields.richText,
      ctx.fields.lookup?.id,
      ctx.fields.status?.id,
      ctx.fields.multiLookup,
      ctx.fields.user?.id,
    ].filter((f): f is string => f !== undefined);
  const request = (title: string, extra: Record<string, FieldValue> = {}, originId = title): CreateRequest => ({
    project: ctx.project,
    type: ctx.type,
    fields: { ...ctx.fields.createDefaults, [ctx.fields.title]: title, ...extra },
    origin: { system: 'conformance', id: originId, key: `CONF-${originId}` },
  });
  const titles = (items: WorkItem[]) => Object.fromEntries(items.map((i) => [i.id, i.fields[ctx.fields.title]]));

  it('declares sane capabilities', () => {
    const { capabilities, kind, category } = ctx.connector.info;
    expect(kind).toMatch(/\S/);
    expect(['alm', 'plm', 'test', 'scm', 'build']).toContain(category);
    for (const n of [capabilities.maxCreateBatch, capabilities.maxUpdateBatch, capabilities.maxGetBatch])
      expect(n).toBeGreaterThanOrEqual(1);
    expect(capabilities.sincePrecisionMs).toBeGreaterThanOrEqual(0);
  });

  it('reports a successful connection and who it acts as', async () => {
    const report = await ctx.connector.testConnection({ project: ctx.project, type: ctx.type });
    expect(report.ok).toBe(true);
    const me = await ctx.connector.whoami();
    expect(me.id).toMatch(/\S/);
  });

  it('discovers the project, the entity type and typed fields', async () => {
    const projects = await ctx.connector.listProjects();
    expect(projects.some((p) => p.key === ctx.project || p.id === ctx.project || p.name === ctx.project)).toBe(true);
    const types = await ctx.connector.listEntityTypes(ctx.project);
    expect(types.map((t) => t.name)).toContain(ctx.type);
    const fields = await ctx.connector.listFields(ctx.project, ctx.type);
    const title = fields.find((f) => f.id === ctx.fields.title);
    expect(title).toMatchObject({ kind: 'text', required: true });
    if (ctx.fields.lookup) {
      const lookup = fields.find((f) => f.id === ctx.fields.lookup!.id);
      expect(lookup?.kind).toBe('lookup');
      expect(lookup?.allowedValues?.map((v) => v.name)).toEqual(expect.arrayContaining(ctx.fields.lookup.values));
    }
    if (ctx.fields.richText) expect(fields.find((f) => f.id === ctx.fields.richText)?.kind).toBe('richText');
    if (ctx.fields.user) expect(fields.find((f) => f.id === ctx.fields.user!.id)?.kind).toBe('user');
  });

  it("checks filters as the query would run them: accepts a good one, refuses a broken one with the system's message", async () => {
    const { connector, project, type, titleFilter, invalidFilter } = ctx;
    // Optional: a connector without checkFilter, or a context without both filters, has nothing to check.
    if (!connector.checkFilter || !titleFilter || invalidFilter === undefined) return;
    expect(await connector.checkFilter({ project, type, filter: titleFilter(marker()) })).toEqual([]);
    const messages = await connector.checkFilter({ project, type, filter: invalidFilter });
    expect(messages.length, `checkFilter accepted ${invalidFilter}`).toBeGreaterThan(0);
    for (const message of messages) expect(message).toMatch(/\S/);
    await expect(
      collect(connector.query({ project, type, filter: invalidFilter, fields: [ctx.fields.title] })),
      'query ran a filter checkFilter refuses',
    ).rejects.toThrow();
  });

  it('creates items in batches and reads them back with equal values', async () => {
    const m = marker();
    const extras: Array<Record<string, FieldValue>> = [{}, {}, {}];
    if (ctx.fields.richText) extras[0]![ctx.fields.richText] = richDoc;
    if (ctx.fields.richText) extras[1]![ctx.fields.richText] = paragraph(`${m} second description`);
    if (ctx.fields.lookup)
      [extras[0]![ctx.fields.lookup.id], extras[1]![ctx.fields.lookup.id]] = ctx.fields.lookup.values;
    if (ctx.fields.multiLookup)
      [extras[0]![ctx.fields.multiLookup], extras[1]![ctx.fields.multiLookup]] = [['alpha', 'beta'], ['gamma']];
    if (ctx.fields.user) {
      const [user] = await ctx.connector.findUsers({ email: ctx.fields.user.email });
      expect(user, `findUsers(${ctx.fields.user.email})`).toBeDefined();
      extras[0]![ctx.fields.user.id] = user!;
    }
    const names = [`${m} one`, `${m} two`, `${m} three`];
    const created = await createAll(
      ctx.connector,
      names.map((name, n) => request(name, extras[n])),
    );
    expect(created).toHaveLength(3);
    expect(new Set(created.map((c) => c.id)).size).toBe(3);
    // Results come in request order: each carries the title it was created with.
    expect(created.map((c) => c.fields[ctx.fields.title])).toEqual(names);
    const read = await getAll(ctx.connector, created.map((c) => c.id).reverse(), fieldIds());
    expect(read.map((r) => r.id).sort()).toEqual(created.map((c) => c.id).sort());
    created.forEach((c, n) => {
      const item = read.find((r) => r.id === c.id)!;
      expect(item.fields[ctx.fields.title]).toBe(names[n]);
      for (const [field, value] of Object.entries(extras[n]!))
        expect(
          valuesEqual(item.fields[field], value),
          `${names[n]} ${field}: ${JSON.stringify(item.fields[field])}`,
        ).toBe(true);
      expect(Date.parse(item.updatedAt)).not.toBeNaN();
    });
  });

  it('leaves unknown ids out of getMany', async () => {
    const m = marker();
    const [a, b] = await createAll(ctx.connector, [request(`${m} first`), request(`${m} second`)]);
    const asked = [a!.id, '987654321', b!.id].slice(0, Math.max(1, ctx.connector.info.capabilities.maxGetBatch));
    const read = await ctx.connector.getMany(asked, { fields: [ctx.fields.title] });
    expect(read.map((r) => r.id).sort()).toEqual(asked.filter((id) => id !== '987654321').sort());
    expect(titles(read)).toEqual(
      Object.fromEntries(
        [
          [a!.id, `${m} first`],
          [b!.id, `${m} second`],
        ].filter(([id]) => asked.includes(id!)),
      ),
    );
  });

  it('queries changed items oldest first in pages, honouring the window', async () => {
    const m = marker();
    const names = [1, 2, 3, 4, 5].map((n) => `${m} q${n}`);
    const created = await createAll(
      ctx.connector,
      names.map((name) => request(name)),
    );
    const pages = await collect(
      ctx.connector.query({
        project: ctx.project,
        type: ctx.type,
        fields: [ctx.fields.title],
        pageSize: 2,
        since: { kind: 'timestamp', value: created[0]!.updatedAt },
      }),
    );
    const items = pages.flat();
    expect(pages.length).toBeGreaterThan(1);
    for (const page of pages) expect(page.length, 'a page larger than the pageSize asked for').toBeLessThanOrEqual(2);
    const ids = items.map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
    const read = titles(items);
    created.forEach((c, n) => {
      expect(read[c.id], `item ${c.id}`).toBe(names[n]);
    });
    const times = items.map((i) => Date.parse(i.updatedAt));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    const later = new Date(Date.parse(created.at(-1)!.updatedAt) + 86_400_000).toISOString();
    const none = (
      await collect(
        ctx.connector.query({
          project: ctx.project,
          type: ctx.type,
          fields: [ctx.fields.title],
          since: { kind: 'timestamp', value: later },
        }),
      )
    ).flat();
    for (const c of created)
      expect(
        none.map((i) => i.id),
        'an item changed before the window',
      ).not.toContain(c.id);
  });

  it('skips no item when items already read change between two pages', async () => {
    const m = marker();
    const created = await createAll(
      ctx.connector,
      [1, 2, 3, 4, 5, 6, 7].map((n) => request(`${m} s${n}`)),
    );
    const ours = new Set(created.map((c) => c.id));
    // Pages are asked for one at a time, so the suite acts between two of them as a person would.
    const pages = ctx.connector
      .query({
        project: ctx.project,
        type: ctx.type,
        fields: [ctx.fields.title],
        pageSize: 2,
        since: { kind: 'timestamp', value: created[0]!.updatedAt },
      })
      [Symbol.asyncIterator]();
    const first = await pages.next();
    const read = first.done ? [] : first.value;
    const edited = read.filter((item) => ours.has(item.id));
    expect(edited.length).toBeGreaterThan(0);
    // Edited, they move to the end of the order and the items not read yet shift towards the front.
    for (const item of edited) await ctx.editAsOtherUser(item.id, { [ctx.fields.title]: `${m} edited ${item.id}` });
    for (let next = await pages.next(); !next.done; next = await pages.next()) read.push(...next.value);
    const ids = new Set(read.map((i) => i.id));
    for (const c of created) expect(ids, `item ${c.id} was skipped`).toContain(c.id);
  });

  it('updates with the expected revision and refuses a stale one', async () => {
    const m = marker();
    const kept: Record<string, FieldValue> = {};
    if (ctx.fields.lookup) kept[ctx.fields.lookup.id] = ctx.fields.lookup.values[0];
    if (ctx.fields.multiLookup) kept[ctx.fields.multiLookup] = ['kept'];
    const [a, b] = await createAll(ctx.connector, [request(`${m} a`, kept), request(`${m} b`, kept)]);
    const renames = [
      {
        id: a!.id,
        fields: { [ctx.fields.title]: `${m} a renamed` },
        expectedRevision: a!.revision,
        returnFields: Object.keys(kept),
      },
      {
        id: b!.id,
        fields: { [ctx.fields.title]: `${m} b renamed` },
        expectedRevision: b!.revision,
        returnFields: Object.keys(kept),
      },
    ];
    const batch = ctx.connector.info.capabilities.maxUpdateBatch;
    const results =
      batch >= 2
        ? await ctx.connector.update(renames)
        : [...(await ctx.connector.update([renames[0]!])), ...(await ctx.connector.update([renames[1]!]))];
    const [updated, other] = results.map(okItem);
    expect(updated!.revision).not.toBe(a!.revision);
    expect([updated!.fields[ctx.fields.title], other!.fields[ctx.fields.title]]).toEqual([
      `${m} a renamed`,
      `${m} b renamed`,
    ]);
    for (const [field, value] of Object.entries(kept))
      expect(
        valuesEqual(updated!.fields[field], value),
        `returnFields ${field}: ${JSON.stringify(updated!.fields[field])}`,
      ).toBe(true);
    const [stale] = await ctx.connector.update([
      { id: a!.id, fields: { [ctx.fields.title]: `${m} lost write` }, expectedRevision: a!.revision },
    ]);
    expect(stale?.ok).toBe(false);
    if (stale && !stale.ok) expect(stale.error.code).toBe('REVISION_MISMATCH');
    const after = await getAll(ctx.connector, [a!.id, b!.id], [ctx.fields.title, ...Object.keys(kept)]);
    expect(titles(after)).toEqual({ [a!.id]: `${m} a renamed`, [b!.id]: `${m} b renamed` });
    // Only the fields given are written: the others keep their values.
    for (const item of after)
      for (const [field, value] of Object.entries(kept))
        expect(
          valuesEqual(item.fields[field], value),
          `${item.id} ${field}: ${JSON.stringify(item.fields[field])}`,
        ).toBe(true);
  });

  it('reports who changed an item last', async () => {
    if (!ctx.connector.info.capabilities.updatedBy) return;
    const me = await ctx.connector.whoami();
    const m = marker();
    const [item, untouched] = await createAll(ctx.connector, [request(`${m} who`), request(`${m} mine`)]);
    expect(item!.updatedBy?.id).toBe(me.id);
    await ctx.editAsOtherUser(item!.id, { [ctx.fields.title]: 'edited by a person' });
    const read = await getAll(ctx.connector, [item!.id, untouched!.id], [ctx.fields.title]);
    const edited = read.find((r) => r.id === item!.id);
    expect(edited?.updatedBy?.id).toBeDefined();
    expect(edited?.updatedBy?.id).not.toBe(me.id);
    expect(edited?.revision).not.toBe(item!.revision);
    expect(read.find((r) => r.id === untouched!.id)?.updatedBy?.id).toBe(me.id);
  });

  it('finds created items by their origin stamp without exposing it', async () => {
    const m = marker();
    const labels = (value: string[]) => (ctx.fields.multiLookup ? { [ctx.fields.multiLookup]: value } : {});
    const [a, b, c] = await createAll(ctx.connector, [
      request(`${m} oa`, labels(['gamma']), `${m}-a`),
      request(`${m} ob`, {}, `${m}-b`),
      request(`${m} oc`, labels(['delta']), `${m}-c`),
    ]);
    const found = await ctx.connector.findByOrigin({
      project: ctx.project,
      type: ctx.type,
      origins: [
        { system: 'conformance', id: `${m}-c` },
        { system: 'conformance', id: `${m}-a` },
        { system: 'conformance', id: `${m}-missing` },
      ],
      fields: fieldIds(),
    });
    expect(found.map((f) => f.item.id).sort()).toEqual([a!.id, c!.id].sort());
    expect(found.map((f) => f.item.id)).not.toContain(b!.id);
    for (const [item, name, label] of [
      [a!, 'a', 'gamma'],
      [c!, 'c', 'delta'],
    ] as const) {
      const match = found.find((f) => f.item.id === item.id)!;
      expect(match.origin.id, `origin of ${item.id}`).toBe(`${m}-${name}`);
      expect(match.item.fields[ctx.fields.title]).toBe(`${m} o${name}`);
      if (ctx.fields.multiLookup) expect(match.item.fields[ctx.fields.multiLookup]).toEqual([label]);
    }
  });

  it('finds items by a field value', async () => {
    const m = marker();
    const names = [`${m}alpha`, `${m}beta`, `${m}gamma`];
    // The second item carries the first one's title in another field: a search by title must not find it.
    const decoy = ctx.fields.multiLookup ? { [ctx.fields.multiLookup]: [names[0]!] } : {};
    const [a, , c] = await createAll(ctx.connector, [
      request(names[0]!),
      request(names[1]!, decoy),
      request(names[2]!),
    ]);
    const found = await ctx.connector.findByField({
      project: ctx.project,
      type: ctx.type,
      field: ctx.fields.title,
      values: [names[0]!, names[2]!],
      fields: [ctx.fields.title],
    });
    expect(found.map((f) => f.id).sort()).toEqual([a!.id, c!.id].sort());
    expect(titles(found)).toEqual({ [a!.id]: names[0], [c!.id]: names[2] });
    const none = await ctx.connector.findByField({
      project: ctx.project,
      type: ctx.type,
      field: ctx.fields.title,
      values: [`${m}missing`],
      fields: [ctx.fields.title],
    });
    expect(none).toEqual([]);
  });

  it('changes lookup and status values', async () => {
    const m = marker();
    const [item, other] = await createAll(ctx.connector, [request(`${m} lookups`), request(`${m} untouched`)]);
    const fields: Record<string, FieldValue> = {};
    if (ctx.fields.lookup) fields[ctx.fields.lookup.id] = ctx.fields.lookup.values[1];
    if (ctx.fields.status) fields[ctx.fields.status.id] = ctx.fields.status.values[0];
    if (Object.keys(fields).length === 0) return;
    const before = (await ctx.connector.getMany([other!.id], { fields: Object.keys(fields) }))[0];
    okItem((await ctx.connector.update([{ id: item!.id, fields }]))[0]);
    if (ctx.fields.status)
      okItem(
        (
          await ctx.connector.update([
            { id: item!.id, fields: { [ctx.fields.status.id]: ctx.fields.status.values[1] } },
          ])
        )[0],
      );
    const [read] = await ctx.connector.getMany([item!.id], { fields: Object.keys(fields) });
    if (ctx.fields.lookup) expect(read?.fields[ctx.fields.lookup.id]).toBe(ctx.fields.lookup.values[1]);
    if (ctx.fields.status) expect(read?.fields[ctx.fields.status.id]).toBe(ctx.fields.status.values[1]);
    const [after] = await ctx.connector.getMany([other!.id], { fields: Object.keys(fields) });
    expect(after?.fields, 'an item not written changed').toEqual(before?.fields);
  });

  it('fails a create that lacks a required field, naming the field', async () => {
    const [result] = await ctx.connector.create([
      {
        project: ctx.project,
        type: ctx.type,
        fields: { ...ctx.fields.createDefaults },
        origin: { system: 'conformance', id: marker() },
      },
    ]);
    expect(result?.ok).toBe(false);
    if (result && !result.ok) {
      expect(['VALIDATION']).toContain(result.error.code);
      expect(JSON.stringify(result.error.toJSON())).toContain(ctx.fields.title);
    }
  });

  it('adds and lists comments as the integration user', async () => {
    if (!ctx.connector.info.capabilities.comments) return;
    const m = marker();
    const [item, other] = await createAll(ctx.connector, [request(`${m} comments`), request(`${m} other comments`)]);
    const bodies: RichText[] = ['A synced comment', 'A second one', 'A third one'].map(paragraph);
    const added = [];
    for (const body of bodies) added.push(await ctx.connector.addComment(item!.id, body));
    const elsewhere = await ctx.connector.addComment(other!.id, paragraph('On another item'));
    const me = await ctx.connector.whoami();
    const comments = await ctx.connector.listComments(item!.id);
    expect(
      comments.map((c) => c.id),
      'comments of the item, oldest first',
    ).toEqual(added.map((c) => c.id));
    comments.forEach((c, n) => {
      expect(valuesEqual(c.body, bodies[n]), `body of comment ${n + 1}: ${JSON.stringify(c.body)}`).toBe(true);
      expect(c.author?.id).toBe(me.id);
    });
    expect((await ctx.connector.listComments(other!.id)).map((c) => c.id)).toEqual([elsewhere.id]);
  });

  it('stamps a comment with its origin and reads the stamp back, leaving a plain comment unstamped', async () => {
    if (!ctx.connector.info.capabilities.comments || !ctx.connector.info.capabilities.commentStamps) return;
    const [item] = await createAll(ctx.connector, [request(`${marker()} stamped comment`)]);
    const origin = { system: 'conformance', commentId: marker(), version: 'v1' };
    const stamped = await ctx.connector.addComment(item!.id, paragraph('[syncbridge] a copy'), { origin });
    const plain = await ctx.connector.addComment(item!.id, paragraph('[syncbridge] typed by hand'));
    const comments = await ctx.connector.listComments(item!.id);
    expect(comments.find((c) => c.id === stamped.id)?.origin).toEqual(origin);
    expect(comments.find((c) => c.id === plain.id)?.origin).toBeUndefined();
    expect(valuesEqual(comments.find((c) => c.id === stamped.id)!.body, paragraph('[syncbridge] a copy'))).toBe(true);
  });

  it('updates a comment body and its stamp', async () => {
    const { connector } = ctx;
    if (!connector.info.capabilities.commentUpdates || !connector.updateComment) return;
    const [item] = await createAll(connector, [request(`${marker()} edited comment`)]);
    const origin = { system: 'conformance', commentId: marker(), version: 'v1' };
    const added = await connector.addComment(item!.id, paragraph('before'), { origin });
    const other = await connector.addComment(item!.id, paragraph('untouched'));
    await connector.updateComment(item!.id, added.id, paragraph('after'), { origin: { ...origin, version: 'v2' } });
    const comments = await connector.listComments(item!.id);
    const read = comments.find((c) => c.id === added.id);
    expect(valuesEqual(read!.body, paragraph('after'))).toBe(true);
    expect(read!.origin).toEqual({ ...origin, version: 'v2' });
    expect(valuesEqual(comments.find((c) => c.id === other.id)!.body, paragraph('untouched'))).toBe(true);
  });

  it('deletes a comment, and a second delete of it is not an error', async () => {
    const { connector } = ctx;
    if (!connector.info.capabilities.commentDeletes || !connector.deleteComment) return;
    const [item] = await createAll(connector, [request(`${marker()} deleted comment`)]);
    const kept = await connector.addComment(item!.id, paragraph('kept'));
    const gone = await connector.addComment(item!.id, paragraph('gone'));
    await connector.deleteComment(item!.id, gone.id);
    await connector.deleteComment(item!.id, gone.id);
    expect((await connector.listComments(item!.id)).map((c) => c.id)).toEqual([kept.id]);
  });

  it('keeps one back-link per twin: a second write updates it, a removal removes only it, twice without error', async () => {
    const { connector } = ctx;
    if (!connector.info.capabilities.backlinks) return;
    expect(connector.upsertBacklink, 'capabilities.backlinks needs upsertBacklink and removeBacklink').toBeTypeOf(
      'function',
    );
    const [item, other] = await createAll(connector, [
      request(`${marker()} back-linked`),
      request(`${marker()} not linked`),
    ]);
    const twin = {
      system: 'conformance-twin',
      id: '4711',
      key: 'TWIN-1',
      title: 'The twin',
      url: 'https://twin.example/browse/TWIN-1',
      kind: 'jira',
    };
    const second = { ...twin, id: '4712', key: 'TWIN-2', url: 'https://twin.example/browse/TWIN-2' };
    const [before] = await getAll(connector, [item!.id], fieldIds());
    const first = await connector.upsertBacklink!(item!.id, twin, { expectedRevision: before!.revision });
    await connector.upsertBacklink!(item!.id, twin);
    // The twin moved project: its key and URL changed, it is still the same twin.
    await connector.upsertBacklink!(item!.id, { ...twin, key: 'MOVED-7', url: 'https://twin.example/browse/MOVED-7' });
    await connector.upsertBacklink!(item!.id, second);
    const [after] = await getAll(connector, [item!.id], fieldIds());
    for (const id of fieldIds())
      expect(valuesEqual(after!.fields[id] ?? null, before!.fields[id] ?? null), `${id} after back-links`).toBe(true);
    if (first.revision) expect(first.revision.revision).not.toBe(before!.revision);
    if (ctx.backlinksOf) {
      const links = await ctx.backlinksOf(item!.id);
      expect(links.map((l) => l.url.replace(/#.*$/, '')).sort()).toEqual([
        'https://twin.example/browse/MOVED-7',
        'https://twin.example/browse/TWIN-2',
      ]);
      expect(links.find((l) => l.url.includes('MOVED-7'))?.text).toContain('MOVED-7');
      expect(await ctx.backlinksOf(other!.id)).toEqual([]);
    }
    await connector.removeBacklink!(item!.id, twin);
    await connector.removeBacklink!(item!.id, twin);
    if (ctx.backlinksOf)
      expect((await ctx.backlinksOf(item!.id)).map((l) => l.url.replace(/#.*$/, ''))).toEqual([
        'https://twin.example/browse/TWIN-2',
      ]);
  });

  it('gives each item a web address of its own', async () => {
    const { connector } = ctx;
    if (!connector.webUrl) return;
    const [a, b] = await createAll(connector, [request(`${marker()} web 1`), request(`${marker()} web 2`)]);
    const urls = [a!, b!].map((i) => connector.webUrl!(i));
    for (const url of urls) expect(() => new URL(url)).not.toThrow();
    expect(new Set(urls).size).toBe(2);
  });

  it('tells the latest change of a project for the polling start', async () => {
    const m = marker();
    const created = await createAll(ctx.connector, [
      request(`${m} latest 1`),
      request(`${m} latest 2`),
      request(`${m} latest 3`),
    ]);
    // The newest change is an edit of the oldest item, so neither creation order nor ids tell it.
    await ctx.editAsOtherUser(created[0]!.id, { [ctx.fields.title]: `${m} latest edited` });
    const read = await getAll(
      ctx.connector,
      created.map((c) => c.id),
      [ctx.fields.title],
    );
    const newest = Math.max(...read.map((i) => Date.parse(i.updatedAt)));
    const latest = await ctx.connector.latestChange(ctx.project, ctx.type);
    expect(latest?.kind).toBe('timestamp');
    expect(Date.parse(latest!.value)).toBeGreaterThanOrEqual(newest - ctx.connector.info.capabilities.sincePrecisionMs);
  });

  const helpers: CaseHelpers = { ctx: () => ctx, marker, request, fieldIds };
  defineRuleCases(it, helpers);
  definePartCases(it, helpers);
  defineWebhookCases(it, helpers);
  return cases;
}
