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

  it('answers a JQL error for a property no app indexes, as Jira does, and then finds the copies among its own issues', async () => {
    const { sim, property, ana } = start();
    const copy = ok((await property.create([request('From Azure DevOps 41', '41')]))[0]);
    // An issue a person made claiming the same origin is no copy: only the integration user's issues are.
    ok((await ana.create([request('Filed by Ana', '41')]))[0]);
    sim.state.indexedProperties.clear();
    const bot = sim.users[0]!;
    const jql = 'project = DEMO AND issue.property[syncbridge.origin].ref = "ado:41"';
    const answer = await sim.handle(
      new Request('https://stamps.atlassian.test/rest/api/3/search/jql', {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${bot.email}:${bot.apiToken}`).toString('base64')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ jql }),
      }),
    );
    expect(answer.status).toBe(400);
    expect(JSON.stringify(await answer.json())).toContain('issue.property[syncbridge.origin].ref');
    for (let pass = 0; pass < 2; pass++) {
      const found = await property.findByOrigin({
        project: 'DEMO',
        type: 'Bug',
        origins: [
          { system: 'ado', id: '41' },
          { system: 'ado', id: '99' },
        ],
        fields: ['summary'],
      });
      expect(found.map((f) => [f.origin.id, f.item.key])).toEqual([['41', copy.key]]);
    }
  });
});
