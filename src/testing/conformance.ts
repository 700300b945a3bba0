import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { valuesEqual, type Connector, type CreateRequest, type FieldValue, type RichText, type WorkItem, type WriteResult } from 'syncbridge';
import type { ConformanceContext, ConformanceTarget } from './conformance-types.js';

async function collect(iterable: AsyncIterable<WorkItem[]>): Promise<WorkItem[][]> {
  const pages: WorkItem[][] = [];
  for await (const page of iterable) pages.push(page);
  return pages;
}

function okItem(result: WriteResult | undefined): WorkItem {
  if (!result) throw new Error('no write result');
  if (!result.ok) throw result.error;
  return result.item;
}

/** Creates items in as few calls as the connector's batch capability allows. */
async function createAll(connector: Connector, requests: CreateRequest[]): Promise<WorkItem[]> {
  const out: WorkItem[] = [];
  const size = connector.info.capabilities.maxCreateBatch;
  for (let i = 0; i < requests.length; i += size) {
    for (const result of await connector.create(requests.slice(i, i + size))) out.push(okItem(result));
  }
  return out;
}

/** A one-paragraph comment body. */
const commentText = (text: string): RichText => ({ type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] });

const richDoc: RichText = {
  type: 'doc',
  content: [
    { type: 'paragraph', content: [{ type: 'text', text: 'Steps: ' }, { type: 'text', text: 'open the app', marks: [{ type: 'strong' }] }] },
    { type: 'bulletList', items: [[{ type: 'paragraph', content: [{ type: 'text', text: 'first' }] }], [{ type: 'paragraph', content: [{ type: 'text', text: 'second' }] }]] },
  ],
};

/**
 * The shared connector conformance suite. Every adapter and every user connector calls
 * it from a short test file:
 *
 * ```ts
 * describeConnectorConformance({ name: 'jira (in-process)', setup: async () => ({ connector, project: 'DEMO', type: 'Bug', fields: { title: 'summary' }, editAsOtherUser }) });
 * ```
 */
export function describeConnectorConformance(target: ConformanceTarget): void {
  describe(`connector conformance: ${target.name}`, () => {
    let ctx: ConformanceContext;
    let run = 0;
    const marker = () => `sbconf${Date.now().toString(36)}${(run++).toString(36)}`;
    const fieldIds = () => [ctx.fields.title, ctx.fields.richText, ctx.fields.lookup?.id, ctx.fields.status?.id, ctx.fields.multiLookup, ctx.fields.user?.id].filter((f): f is string => f !== undefined);
    const request = (title: string, extra: Record<string, FieldValue> = {}, originId = title): CreateRequest => ({
      project: ctx.project,
      type: ctx.type,
      fields: { ...ctx.fields.createDefaults, [ctx.fields.title]: title, ...extra },
      origin: { system: 'conformance', id: originId, key: `CONF-${originId}` },
    });

    beforeEach(async () => {
      ctx = await target.setup();
    });
    afterEach(async () => {
      await ctx.connector.close?.();
      await ctx.teardown?.();
    });

    it('declares sane capabilities', () => {
      const { capabilities, kind, category } = ctx.connector.info;
      expect(kind).toMatch(/\S/);
      expect(['alm', 'plm', 'test', 'scm', 'build']).toContain(category);
      for (const n of [capabilities.maxCreateBatch, capabilities.maxUpdateBatch, capabilities.maxGetBatch]) expect(n).toBeGreaterThanOrEqual(1);
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

    it('creates items in batches and reads them back with equal values', async () => {
      const m = marker();
      const extra: Record<string, FieldValue> = {};
      if (ctx.fields.richText) extra[ctx.fields.richText] = richDoc;
      if (ctx.fields.lookup) extra[ctx.fields.lookup.id] = ctx.fields.lookup.values[0];
      if (ctx.fields.multiLookup) extra[ctx.fields.multiLookup] = ['alpha', 'beta'];
      if (ctx.fields.user) {
        const [user] = await ctx.connector.findUsers({ email: ctx.fields.user.email });
        expect(user, `findUsers(${ctx.fields.user.email})`).toBeDefined();
        extra[ctx.fields.user.id] = user!;
      }
      const created = await createAll(ctx.connector, [request(`${m} one`, extra), request(`${m} two`), request(`${m} three`)]);
      expect(created).toHaveLength(3);
      expect(new Set(created.map((c) => c.id)).size).toBe(3);
      const read = await ctx.connector.getMany([created[0]!.id, created[1]!.id].slice(0, ctx.connector.info.capabilities.maxGetBatch), { fields: fieldIds() });
      const first = read.find((r) => r.id === created[0]!.id);
      expect(first).toBeDefined();
      for (const [field, value] of Object.entries(extra)) expect(valuesEqual(first!.fields[field], value), `${field}: ${JSON.stringify(first!.fields[field])}`).toBe(true);
      expect(first!.fields[ctx.fields.title]).toBe(`${m} one`);
      expect(Date.parse(first!.updatedAt)).not.toBeNaN();
    });

    it('leaves unknown ids out of getMany', async () => {
      const [item] = await createAll(ctx.connector, [request(`${marker()} only`)]);
      const read = await ctx.connector.getMany([item!.id, '987654321'].slice(0, Math.max(1, ctx.connector.info.capabilities.maxGetBatch)), { fields: [ctx.fields.title] });
      expect(read.map((r) => r.id)).toContain(item!.id);
      expect(read.map((r) => r.id)).not.toContain('987654321');
    });

    it('queries changed items oldest first in pages, honouring the window', async () => {
      const m = marker();
      const created = await createAll(ctx.connector, [1, 2, 3, 4, 5].map((n) => request(`${m} q${n}`)));
      const pages = await collect(ctx.connector.query({ project: ctx.project, type: ctx.type, fields: [ctx.fields.title], pageSize: 2, since: { kind: 'timestamp', value: created[0]!.updatedAt } }));
      const items = pages.flat();
      expect(pages.length).toBeGreaterThan(1);
      const ids = items.map((i) => i.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const c of created) expect(ids).toContain(c.id);
      const times = items.map((i) => Date.parse(i.updatedAt));
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      const later = new Date(Date.parse(created.at(-1)!.updatedAt) + 86_400_000).toISOString();
      const none = (await collect(ctx.connector.query({ project: ctx.project, type: ctx.type, fields: [ctx.fields.title], since: { kind: 'timestamp', value: later } }))).flat();
      expect(none.map((i) => i.id)).not.toContain(created[0]!.id);
    });

    it('skips no item when items already read change between two pages', async () => {
      const m = marker();
      const created = await createAll(ctx.connector, [1, 2, 3, 4, 5, 6, 7].map((n) => request(`${m} s${n}`)));
      const ours = new Set(created.map((c) => c.id));
      // Pages are asked for one at a time, so the suite acts between two of them as a person would.
      const pages = ctx.connector.query({ project: ctx.project, type: ctx.type, fields: [ctx.fields.title], pageSize: 2, since: { kind: 'timestamp', value: created[0]!.updatedAt } })[Symbol.asyncIterator]();
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
      const [item] = await createAll(ctx.connector, [request(`${marker()} rev`)]);
      const updated = okItem((await ctx.connector.update([{ id: item!.id, fields: { [ctx.fields.title]: 'renamed once' }, expectedRevision: item!.revision }]))[0]);
      expect(updated.revision).not.toBe(item!.revision);
      expect(updated.fields[ctx.fields.title]).toBe('renamed once');
      const [stale] = await ctx.connector.update([{ id: item!.id, fields: { [ctx.fields.title]: 'lost write' }, expectedRevision: item!.revision }]);
      expect(stale?.ok).toBe(false);
      if (stale && !stale.ok) expect(stale.error.code).toBe('REVISION_MISMATCH');
      const [after] = await ctx.connector.getMany([item!.id], { fields: [ctx.fields.title] });
      expect(after?.fields[ctx.fields.title]).toBe('renamed once');
    });

    it('reports who changed an item last', async () => {
      if (!ctx.connector.info.capabilities.updatedBy) return;
      const me = await ctx.connector.whoami();
      const [item] = await createAll(ctx.connector, [request(`${marker()} who`)]);
      expect(item!.updatedBy?.id).toBe(me.id);
      await ctx.editAsOtherUser(item!.id, { [ctx.fields.title]: 'edited by a person' });
      const [read] = await ctx.connector.getMany([item!.id], { fields: [ctx.fields.title] });
      expect(read?.updatedBy?.id).toBeDefined();
      expect(read?.updatedBy?.id).not.toBe(me.id);
      expect(read?.revision).not.toBe(item!.revision);
    });

    it('finds created items by their origin stamp without exposing it', async () => {
      const m = marker();
      const extra = ctx.fields.multiLookup ? { [ctx.fields.multiLookup]: ['gamma'] } : {};
      const [a, b] = await createAll(ctx.connector, [request(`${m} oa`, extra, `${m}-a`), request(`${m} ob`, {}, `${m}-b`)]);
      const found = await ctx.connector.findByOrigin({ project: ctx.project, type: ctx.type, origins: [{ system: 'conformance', id: `${m}-a` }, { system: 'conformance', id: `${m}-missing` }], fields: fieldIds() });
      expect(found.map((f) => f.item.id)).toEqual([a!.id]);
      expect(found[0]!.origin.id).toBe(`${m}-a`);
      expect(found.map((f) => f.item.id)).not.toContain(b!.id);
      if (ctx.fields.multiLookup) expect(found[0]!.item.fields[ctx.fields.multiLookup]).toEqual(['gamma']);
    });

    it('finds items by a field value', async () => {
      const title = `${marker()} byfield`;
      const [item] = await createAll(ctx.connector, [request(title)]);
      const found = await ctx.connector.findByField({ project: ctx.project, type: ctx.type, field: ctx.fields.title, values: [title], fields: [ctx.fields.title] });
      expect(found.map((f) => f.id)).toEqual([item!.id]);
    });

    it('changes lookup and status values', async () => {
      const [item] = await createAll(ctx.connector, [request(`${marker()} lookups`)]);
      const fields: Record<string, FieldValue> = {};
      if (ctx.fields.lookup) fields[ctx.fields.lookup.id] = ctx.fields.lookup.values[1];
      if (ctx.fields.status) fields[ctx.fields.status.id] = ctx.fields.status.values[0];
      if (Object.keys(fields).length === 0) return;
      okItem((await ctx.connector.update([{ id: item!.id, fields }]))[0]);
      if (ctx.fields.status) okItem((await ctx.connector.update([{ id: item!.id, fields: { [ctx.fields.status.id]: ctx.fields.status.values[1] } }]))[0]);
      const [read] = await ctx.connector.getMany([item!.id], { fields: Object.keys(fields) });
      if (ctx.fields.lookup) expect(read?.fields[ctx.fields.lookup.id]).toBe(ctx.fields.lookup.values[1]);
      if (ctx.fields.status) expect(read?.fields[ctx.fields.status.id]).toBe(ctx.fields.status.values[1]);
    });

    it('fails a create that lacks a required field, naming the field', async () => {
      const [result] = await ctx.connector.create([{ project: ctx.project, type: ctx.type, fields: { ...ctx.fields.createDefaults }, origin: { system: 'conformance', id: marker() } }]);
      expect(result?.ok).toBe(false);
      if (result && !result.ok) {
        expect(['VALIDATION']).toContain(result.error.code);
        expect(JSON.stringify(result.error.toJSON())).toContain(ctx.fields.title);
      }
    });

    it('adds and lists comments as the integration user', async () => {
      if (!ctx.connector.info.capabilities.comments) return;
      const [item] = await createAll(ctx.connector, [request(`${marker()} comments`)]);
      const body: RichText = { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'A synced comment' }] }] };
      const added = await ctx.connector.addComment(item!.id, body);
      const me = await ctx.connector.whoami();
      const comments = await ctx.connector.listComments(item!.id);
      const found = comments.find((c) => c.id === added.id);
      expect(found).toBeDefined();
      expect(valuesEqual(found!.body, body)).toBe(true);
      expect(found!.author?.id).toBe(me.id);
    });

    it('stamps a comment with its origin and reads the stamp back, leaving a plain comment unstamped', async () => {
      if (!ctx.connector.info.capabilities.comments || !ctx.connector.info.capabilities.commentStamps) return;
      const [item] = await createAll(ctx.connector, [request(`${marker()} stamped comment`)]);
      const origin = { system: 'conformance', commentId: marker(), version: 'v1' };
      const stamped = await ctx.connector.addComment(item!.id, commentText('[syncbridge] a copy'), { origin });
      const plain = await ctx.connector.addComment(item!.id, commentText('[syncbridge] typed by hand'));
      const comments = await ctx.connector.listComments(item!.id);
      expect(comments.find((c) => c.id === stamped.id)?.origin).toEqual(origin);
      expect(comments.find((c) => c.id === plain.id)?.origin).toBeUndefined();
      expect(valuesEqual(comments.find((c) => c.id === stamped.id)!.body, commentText('[syncbridge] a copy'))).toBe(true);
    });

    it('updates a comment body and its stamp', async () => {
      const { connector } = ctx;
      if (!connector.info.capabilities.commentUpdates || !connector.updateComment) return;
      const [item] = await createAll(connector, [request(`${marker()} edited comment`)]);
      const origin = { system: 'conformance', commentId: marker(), version: 'v1' };
      const added = await connector.addComment(item!.id, commentText('before'), { origin });
      await connector.updateComment(item!.id, added.id, commentText('after'), { origin: { ...origin, version: 'v2' } });
      const [read] = (await connector.listComments(item!.id)).filter((c) => c.id === added.id);
      expect(valuesEqual(read!.body, commentText('after'))).toBe(true);
      expect(read!.origin).toEqual({ ...origin, version: 'v2' });
    });

    it('deletes a comment, and a second delete of it is not an error', async () => {
      const { connector } = ctx;
      if (!connector.info.capabilities.commentDeletes || !connector.deleteComment) return;
      const [item] = await createAll(connector, [request(`${marker()} deleted comment`)]);
      const kept = await connector.addComment(item!.id, commentText('kept'));
      const gone = await connector.addComment(item!.id, commentText('gone'));
      await connector.deleteComment(item!.id, gone.id);
      await connector.deleteComment(item!.id, gone.id);
      expect((await connector.listComments(item!.id)).map((c) => c.id)).toEqual([kept.id]);
    });

    it('tells the latest change of a project for the polling start', async () => {
      const [item] = await createAll(ctx.connector, [request(`${marker()} latest`)]);
      const latest = await ctx.connector.latestChange(ctx.project, ctx.type);
      expect(latest?.kind).toBe('timestamp');
      expect(Date.parse(latest!.value)).toBeGreaterThanOrEqual(Date.parse(item!.updatedAt) - ctx.connector.info.capabilities.sincePrecisionMs);
    });
  });
}
