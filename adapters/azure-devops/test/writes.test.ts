import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Connector, WorkItem } from 'syncbridge';
import type { WriteResult } from 'syncbridge/connector-kit';
import { createAzureDevOpsSimulator, type AzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import { connectTo, mswBaseUrl } from './support.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

let sim: AzureDevOpsSimulator;
let connector: Connector;
beforeEach(() => {
  sim = createAzureDevOpsSimulator({ seed: 'empty' });
  server.resetHandlers(...sim.mswHandlers(mswBaseUrl));
  connector = connectTo(mswBaseUrl, sim);
});

const ok = (r: WriteResult | undefined): WorkItem => {
  if (!r?.ok) throw r?.error ?? new Error('no result');
  return r.item;
};

async function bug(title: string, fields: Record<string, unknown> = {}): Promise<WorkItem> {
  return ok(
    (
      await connector.create([
        {
          project: 'Demo',
          type: 'Bug',
          fields: { 'System.Title': title, ...fields } as never,
          origin: { system: 'jira', id: `J-${title}` },
        },
      ])
    )[0],
  );
}

describe('writing Azure DevOps work items', () => {
  it('keeps the origin tag when people or the sync change the tags, and never shows it', async () => {
    const item = await bug('tagged', { 'System.Tags': ['ui'] });
    expect(item.fields['System.Tags']).toEqual(['ui']);
    const updated = ok(
      (await connector.update([{ id: item.id, fields: { 'System.Tags': ['backend', 'customer'] } }]))[0],
    );
    expect(updated.fields['System.Tags']).toEqual(['backend', 'customer']);
    const found = await connector.findByOrigin({
      project: 'Demo',
      type: 'Bug',
      origins: [{ system: 'jira', id: 'J-tagged' }],
      fields: ['System.Tags'],
    });
    expect(found.map((f) => f.item.id)).toEqual([item.id]);
  });

  it('refuses a state the type does not have, naming the field and the allowed states', async () => {
    const item = await bug('stateful');
    const [result] = await connector.update([{ id: item.id, fields: { 'System.State': 'Done' } }]);
    expect(result?.ok).toBe(false);
    if (result && !result.ok) {
      expect(result.error.code).toBe('VALIDATION');
      expect(result.error.message).toContain('System.State');
      expect(result.error.message).toContain('New, Active, Resolved, Closed');
    }
  });

  it('updates several items in one $batch call; a stale one is a conflict, the others apply', async () => {
    const a = await bug('batch a');
    const b = await bug('batch b');
    ok((await connector.update([{ id: b.id, fields: { 'System.Title': 'moved on' } }]))[0]);
    const calls: string[] = [];
    const counting = connectTo(mswBaseUrl, sim, {}, undefined, (e) => calls.push(new URL(e.url).pathname));
    await counting.getMany([a.id, b.id], { fields: [] });
    calls.length = 0;
    const results = await counting.update([
      { id: a.id, fields: { 'System.Title': 'batch a2' }, expectedRevision: a.revision },
      { id: b.id, fields: { 'System.Title': 'lost' }, expectedRevision: b.revision },
    ]);
    expect(calls).toEqual(['/demo-org/_apis/wit/$batch']);
    expect(ok(results[0]).fields['System.Title']).toBe('batch a2');
    expect(results[1]?.ok).toBe(false);
    if (results[1] && !results[1].ok) expect(results[1].error.code).toBe('REVISION_MISMATCH');
    const [bNow] = await connector.getMany([b.id], { fields: ['System.Title'] });
    expect(bNow?.fields['System.Title']).toBe('moved on');
  });

  it('writes rich text as HTML and reads it back unchanged', async () => {
    const doc = {
      type: 'doc' as const,
      content: [
        { type: 'heading' as const, level: 2 as const, content: [{ type: 'text' as const, text: 'Steps' }] },
        {
          type: 'orderedList' as const,
          items: [
            [
              {
                type: 'paragraph' as const,
                content: [{ type: 'text' as const, text: 'Open <admin>', marks: [{ type: 'code' as const }] }],
              },
            ],
          ],
        },
      ],
    };
    const item = await bug('rich', { 'System.Description': doc });
    expect(item.fields['System.Description']).toEqual(doc);
    expect(sim.state.workItems.get(Number(item.id))?.fields['System.Description']).toBe(
      '<h2>Steps</h2><ol><li><code>Open &lt;admin&gt;</code></li></ol>',
    );
  });

  it('finds people by e-mail, including ones whose address differs from Jira', async () => {
    const [ana] = await connector.findUsers({ email: 'ana.silva@contoso.com' });
    expect(ana).toMatchObject({
      id: 'ana.silva@contoso.com',
      email: 'ana.silva@contoso.com',
      displayName: 'Ana Silva',
    });
    expect(await connector.findUsers({ email: 'ana@example.com' })).toEqual([]);
  });
});
