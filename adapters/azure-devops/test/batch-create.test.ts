import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Connector, WorkItem } from 'syncbridge';
import type { CreateRequest, WriteResult } from 'syncbridge/connector-kit';
import { mswHandlers } from 'syncbridge/testing';
import { createAzureDevOpsSimulator, type AzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import { connectTo, mswBaseUrl } from './support.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

let sim: AzureDevOpsSimulator;
let connector: Connector;
/** Every request the simulator received, as `METHOD path`. */
let received: string[];
beforeEach(() => {
  sim = createAzureDevOpsSimulator({ seed: 'empty' });
  received = [];
  server.resetHandlers(
    ...mswHandlers(new URL(mswBaseUrl).origin, (request) => {
      received.push(`${request.method} ${decodeURIComponent(new URL(request.url).pathname)}`);
      return sim.handle(request);
    }),
  );
  connector = connectTo(mswBaseUrl, sim);
});

const bug = (title: string, fields: Record<string, unknown> = {}): CreateRequest => ({
  project: 'Demo',
  type: 'Bug',
  fields: { 'System.Title': title, ...fields } as CreateRequest['fields'],
  origin: { system: 'jira', id: `J-${title}` },
});

const ok = (r: WriteResult | undefined): WorkItem => {
  if (!r?.ok) throw r?.error ?? new Error('no result');
  return r.item;
};

const batchCalls = () => received.filter((c) => c === 'POST /demo-org/_apis/wit/$batch').length;
const singleCreates = () => received.filter((c) => c.startsWith('POST /demo-org/Demo/_apis/wit/workitems/$')).length;

describe('creating many Azure DevOps work items', () => {
  it('creates 450 bugs with three $batch calls, in request order, stamped with origin hyperlinks no tag list shows', async () => {
    expect(connector.info.capabilities.maxCreateBatch).toBe(200);
    const requests = Array.from({ length: 450 }, (_, i) => bug(`bulk ${i}`, { 'System.Tags': ['imported'] }));
    const results: WriteResult[] = [];
    for (let i = 0; i < requests.length; i += 200)
      results.push(...(await connector.create(requests.slice(i, i + 200))));

    expect(batchCalls()).toBe(3);
    expect(singleCreates()).toBe(0);
    const items = results.map(ok);
    expect(items.map((i) => i.fields['System.Title'])).toEqual(requests.map((r) => r.fields['System.Title']));
    expect(items.every((i) => i.revision === '1')).toBe(true);
    expect(items[0]?.fields['System.Tags']).toEqual(['imported']);
    expect(sim.state.workItems.size).toBe(450);
    const last = sim.state.workItems.get(Number(items[449]!.id));
    expect(last?.fields['System.Tags']).toBe('imported');
    expect(last?.relations?.map((r) => [r.rel, r.url])).toEqual([
      ['Hyperlink', 'urn:syncbridge:origin#syncbridge-origin=jira:J-bulk%20449'],
    ]);
    const found = await connector.findByOrigin({
      project: 'Demo',
      type: 'Bug',
      origins: [{ system: 'jira', id: 'J-bulk 449' }],
      fields: [],
    });
    expect(found.map((f) => f.item.id)).toEqual([items[449]!.id]);
  });

  it('fails only the item the service refuses, naming its field, and creates the others', async () => {
    const results = await connector.create([
      bug('first'),
      bug('bad priority', { 'Microsoft.VSTS.Common.Priority': '7' }),
      bug('third'),
    ]);

    expect(batchCalls()).toBe(1);
    expect(ok(results[0]).fields['System.Title']).toBe('first');
    expect(ok(results[2]).fields['System.Title']).toBe('third');
    const refused = results[1];
    expect(refused?.ok).toBe(false);
    if (refused && !refused.ok) {
      expect(refused.error.code).toBe('VALIDATION');
      expect(refused.error.message).toContain('Priority');
      expect(refused.created).toBeUndefined();
    }
    expect([...sim.state.workItems.values()].map((w) => w.fields['System.Title'])).toEqual(['first', 'third']);
  });

  it('does not send an item whose state the type does not have', async () => {
    const results = await connector.create([
      bug('fine'),
      bug('stateless', { 'System.State': 'Done' }),
      bug('also fine'),
    ]);

    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    if (results[1] && !results[1].ok) expect(results[1].error.message).toContain('New, Active, Resolved, Closed');
    expect(sim.state.workItems.size).toBe(2);
  });

  it('creates one at a time when the $batch call itself is refused', async () => {
    ok((await connector.create([bug('warm-up')]))[0]);
    sim.failNext(1, 400);
    const results = await connector.create([bug('one'), bug('two'), bug('three')]);

    expect(results.map((r) => ok(r).fields['System.Title'])).toEqual(['one', 'two', 'three']);
    expect(batchCalls()).toBe(1);
    expect(singleCreates()).toBe(4);
  });

  it('throws when the $batch call fails on the server, so the engine looks the items up by origin', async () => {
    ok((await connector.create([bug('warm-up')]))[0]);
    sim.failNext(1, 503);

    await expect(connector.create([bug('one'), bug('two')])).rejects.toMatchObject({ code: 'TRANSIENT' });
    expect(singleCreates()).toBe(1);
    expect(sim.state.workItems.size).toBe(1);
  });

  it('answers raw $batch creates like the service: per element code and body, no transaction', async () => {
    const pat = sim.users[0]!.pat;
    const element = (type: string, title: string) => ({
      method: 'PATCH',
      uri: `/Demo/_apis/wit/workitems/$${type}?api-version=7.1`,
      headers: { 'Content-Type': 'application/json-patch+json' },
      body: [{ op: 'add', path: '/fields/System.Title', value: title }],
    });
    const response = await sim.handle(
      new Request(`${mswBaseUrl}/_apis/wit/$batch?api-version=7.1`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`:${pat}`).toString('base64')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify([element('Bug', 'kept'), element('Epic', 'no such type'), element('Bug', 'kept too')]),
      }),
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as { count: number; value: Array<{ code: number; body: string }> };
    expect(body.value.map((v) => v.code)).toEqual([200, 404, 200]);
    expect(JSON.parse(body.value[1]!.body)).toMatchObject({ typeKey: 'WorkItemTypeNotFoundException' });
    expect(JSON.parse(body.value[2]!.body)).toMatchObject({ rev: 1, fields: { 'System.Title': 'kept too' } });

    const tooMany = await sim.handle(
      new Request(`${mswBaseUrl}/_apis/wit/$batch?api-version=7.1`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`:${pat}`).toString('base64')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(Array.from({ length: 201 }, (_, i) => element('Bug', `over ${i}`))),
      }),
    );
    expect(tooMany.status).toBe(400);
    expect(sim.state.workItems.size).toBe(2);
  });
});
