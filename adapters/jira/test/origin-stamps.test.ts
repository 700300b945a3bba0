import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WorkItem } from 'syncbridge';
import type { CreateRequest, WriteResult } from 'syncbridge/connector-kit';
import { createJiraSimulator } from 'syncbridge/testing/jira';
import { connectTo } from './support.js';

const baseUrl = 'https://stamps.atlassian.test';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function start() {
  const sim = createJiraSimulator({ seed: 'empty' });
  server.use(...sim.mswHandlers(baseUrl));
  return {
    sim,
    property: connectTo(baseUrl, sim),
    label: connectTo(baseUrl, sim, { originStamp: 'label' }),
    ana: connectTo(baseUrl, sim, {}, 'ana@example.com'),
  };
}
const request = (summary: string, id: string, labels: string[] = []): CreateRequest => ({
  project: 'DEMO',
  type: 'Bug',
  fields: { summary, labels },
  origin: { system: 'ado', id, key: id },
});
const ok = (r: WriteResult | undefined): WorkItem => {
  if (!r?.ok) throw r?.error ?? new Error('no result');
  return r.item;
};

describe('Jira origin stamps', () => {
  it('keeps the stamp in an issue property no label shows, and finds issues stamped either way with one query', async () => {
    const { sim, property, label, ana } = start();
    const fresh = ok((await property.create([request('new copy', '41', ['backend'])]))[0]);
    const old = ok((await label.create([request('copy from an older version', '42')]))[0]);
    expect(sim.state.issue(fresh.id)?.properties?.['syncbridge.origin']).toEqual({
      system: 'ado',
      id: '41',
      key: '41',
      ref: 'ado:41',
    });
    expect(sim.state.issue(fresh.id)?.fields.labels).toEqual(['backend']);
    expect(sim.state.issue(old.id)?.fields.labels).toEqual(['sb-origin-ado-42']);

    // A person edits the labels: the property stays, and a stamp label they cannot see is kept.
    await ana.update([{ id: fresh.id, fields: { labels: [] } }]);
    await ana.update([{ id: old.id, fields: { labels: ['triaged'] } }]);
    expect(sim.state.issue(old.id)?.fields.labels).toEqual(['triaged', 'sb-origin-ado-42']);

    let searches = 0;
    sim.hook({ when: 'before', method: 'POST', path: 'search/jql' }, () => void searches++);
    const found = await property.findByOrigin({
      project: 'DEMO',
      type: 'Bug',
      origins: [
        { system: 'ado', id: '41' },
        { system: 'ado', id: '42' },
        { system: 'ado', id: '43' },
      ],
      fields: ['summary'],
    });
    expect(found.map((f) => [f.origin.id, f.item.id, f.item.origin?.id])).toEqual([
      ['41', fresh.id, '41'],
      ['42', old.id, '42'],
    ]);
    expect(searches).toBe(1);
    expect(
      (await property.getMany([fresh.id, old.id], { fields: ['labels'] })).map((i) => [i.origin?.id, i.fields.labels]),
    ).toEqual([
      ['41', []],
      ['42', ['triaged']],
    ]);
  });

  it('answers a JQL error for a property no app indexes, as Jira does', async () => {
    const { sim, property } = start();
    sim.state.indexedProperties.clear();
    await expect(
      property.findByOrigin({ project: 'DEMO', type: 'Bug', origins: [{ system: 'ado', id: '41' }], fields: [] }),
    ).rejects.toMatchObject({ message: expect.stringContaining('issue.property[syncbridge.origin].ref') });
  });
});
