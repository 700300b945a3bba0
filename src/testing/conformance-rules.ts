import { valuesEqual } from 'syncbridge';
import { collect, createAll, getAll, paragraph, type CaseHelpers, type DefineCase } from './conformance-support.js';
import { peer } from './peers.js';

/**
 * Cases of rules a connector can break while every single-item check still passes: filters
 * applied with the window, fields asked for with `returnFields`, and a new comment counting as
 * a change of its item.
 */
export function defineRuleCases(it: DefineCase, h: CaseHelpers): void {
  const { expect } = peer('vitest');
  it('applies a query filter together with the window', async () => {
    const { connector, project, type, fields, titleFilter } = h.ctx();
    if (!titleFilter) return;
    const m = h.marker();
    const created = await createAll(connector, [
      h.request(`keep${m} one`),
      h.request(`drop${m} two`),
      h.request(`keep${m} three`),
      h.request(`drop${m} four`),
    ]);
    const ours = new Set(created.map((c) => c.id));
    const query = (since: string) =>
      collect(
        connector.query({
          project,
          type,
          filter: titleFilter(`keep${m}`),
          fields: [fields.title],
          since: { kind: 'timestamp', value: since },
        }),
      );
    const matched = (await query(created[0]!.updatedAt)).flat().filter((i) => ours.has(i.id));
    expect(matched.map((i) => i.id).sort()).toEqual([created[0]!.id, created[2]!.id].sort());
    const later = new Date(Date.parse(created.at(-1)!.updatedAt) + 86_400_000).toISOString();
    expect((await query(later)).flat().filter((i) => ours.has(i.id))).toEqual([]);
  });

  it('returns the fields asked for with returnFields when creating', async () => {
    const { connector, fields } = h.ctx();
    const asked = [fields.status?.id, fields.lookup?.id, fields.richText].filter((f): f is string => f !== undefined);
    if (asked.length === 0) return;
    const m = h.marker();
    const created = await createAll(
      connector,
      [1, 2].map((n) => ({ ...h.request(`${m} returned ${n}`), returnFields: asked })),
    );
    const read = await getAll(
      connector,
      created.map((c) => c.id),
      asked,
    );
    for (const item of created) {
      const fresh = read.find((r) => r.id === item.id)!;
      for (const field of asked) {
        expect(Object.keys(item.fields), `create result of ${item.id} lacks ${field}`).toContain(field);
        expect(
          valuesEqual(item.fields[field], fresh.fields[field]),
          `${field}: ${JSON.stringify(item.fields[field])} created, ${JSON.stringify(fresh.fields[field])} read`,
        ).toBe(true);
      }
    }
  });

  // The engine finds new comments only on items a poll returns: without this rule a comment is
  // not copied until somebody next edits a field of its item.
  it('counts a new comment as a change of its item (revision and updatedAt)', async () => {
    const { connector, project, type, fields } = h.ctx();
    if (!connector.info.capabilities.comments) return;
    const m = h.marker();
    const [item, other] = await createAll(connector, [h.request(`${m} commented`), h.request(`${m} quiet`)]);
    const ids = [item!.id, other!.id];
    const before = await getAll(connector, ids, [fields.title]);
    const comment = await connector.addComment(item!.id, paragraph(`${m} a new comment`));
    const after = await getAll(connector, ids, [fields.title]);
    const [was, now] = [before, after].map((read) => read.find((r) => r.id === item!.id)!);
    expect(now!.revision, 'the revision after a comment').not.toBe(was!.revision);
    expect(Date.parse(now!.updatedAt)).toBeGreaterThanOrEqual(Date.parse(was!.updatedAt));
    expect(Date.parse(now!.updatedAt)).toBeGreaterThanOrEqual(
      Date.parse(comment.createdAt) - connector.info.capabilities.sincePrecisionMs,
    );
    expect(after.find((r) => r.id === other!.id)!.revision, 'an item not commented on changed').toBe(
      before.find((r) => r.id === other!.id)!.revision,
    );
    const since = new Date(Date.parse(was!.updatedAt) + 1).toISOString();
    const polled = (
      await collect(
        connector.query({ project, type, fields: [fields.title], since: { kind: 'timestamp', value: since } }),
      )
    ).flat();
    expect(
      polled.map((i) => i.id),
      'a poll from just after the previous change',
    ).toContain(item!.id);
  });
}
