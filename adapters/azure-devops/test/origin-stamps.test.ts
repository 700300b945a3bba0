import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkItem } from 'syncbridge';
import type { CreateRequest, WriteResult } from 'syncbridge/connector-kit';
import { createAzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import { connectTo, mswBaseUrl } from './support.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

const request = (title: string, id: string, tags: string[] = []): CreateRequest => ({
  project: 'Demo',
  type: 'Bug',
  fields: { 'System.Title': title, 'System.Tags': tags },
  origin: { system: 'jira', id, key: `DEMO-${id}`, url: `https://jira.test/browse/DEMO-${id}` },
});
const ok = (r: WriteResult | undefined): WorkItem => {
  if (!r?.ok) throw r?.error ?? new Error('no result');
  return r.item;
};

describe('Azure DevOps origin stamps', () => {
  it('stamps a hyperlink to the origin no tag list shows, and finds items stamped either way with one WIQL query', async () => {
    const sim = createAzureDevOpsSimulator({ seed: 'empty' });
    server.resetHandlers(...sim.mswHandlers(mswBaseUrl));
    const wiql: string[] = [];
    const hyperlink = connectTo(mswBaseUrl, sim, {}, undefined, (e) => e.url.includes('/wiql') && wiql.push(e.url));
    const tag = connectTo(mswBaseUrl, sim, { originStamp: 'tag' });
    const ben = connectTo(mswBaseUrl, sim, {}, 'ben@example.com');
    const fresh = ok((await hyperlink.create([request('new copy', '10001', ['backend'])]))[0]);
    const old = ok((await tag.create([request('copy from an older version', '10002')]))[0]);
    const stored = sim.state.workItems.get(Number(fresh.id))!;
    expect(stored.fields['System.Tags']).toBe('backend');
    expect(stored.fields['System.HyperLinkCount']).toBe(1);
    expect(stored.relations).toEqual([
      {
        rel: 'Hyperlink',
        url: 'https://jira.test/browse/DEMO-10001#syncbridge-origin=jira:10001',
        attributes: { comment: 'Synced with DEMO-10001: new copy' },
      },
    ]);
    expect(sim.state.workItems.get(Number(old.id))!.fields['System.Tags']).toBe('sb-origin:jira:10002');

    // A person's tag edits neither remove a stamp nor make one.
    await ben.update([
      { id: fresh.id, fields: { 'System.Tags': [] } },
      { id: old.id, fields: { 'System.Tags': ['triaged'] } },
    ]);
    const other = ok(
      (
        await ben.create([{ ...request('typed by hand', '10003', ['sb-origin']), origin: { system: 'x', id: 'y' } }])
      )[0],
    );
    expect(sim.state.workItems.get(Number(old.id))!.fields['System.Tags']).toBe('sb-origin:jira:10002; triaged');

    const found = await hyperlink.findByOrigin({
      project: 'Demo',
      type: 'Bug',
      origins: ['10001', '10002', '10003'].map((id) => ({ system: 'jira', id })),
      fields: ['System.Title'],
    });
    expect(found.map((f) => [f.origin.id, f.item.id])).toEqual([
      ['10001', fresh.id],
      ['10002', old.id],
    ]);
    expect(wiql).toHaveLength(1);
    const read = await hyperlink.getMany([fresh.id, old.id, other.id], { fields: ['System.Tags'] });
    expect(read.map((i) => [i.origin?.id, i.fields['System.Tags']])).toEqual([
      ['10001', []],
      ['10002', ['triaged']],
      ['y', ['sb-origin']],
    ]);
  });
});
