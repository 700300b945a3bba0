import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAzureDevOpsSimulator, type AzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import { connectTo, mswBaseUrl, pages } from './support.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

function use(sim: AzureDevOpsSimulator): void {
  server.resetHandlers(...sim.mswHandlers(mswBaseUrl));
}

async function raw(
  sim: AzureDevOpsSimulator,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<Response> {
  const pat = sim.users[0]!.pat;
  return sim.handle(
    new Request(`${mswBaseUrl}/${path}`, {
      method,
      headers: { authorization: `Basic ${Buffer.from(`:${pat}`).toString('base64')}`, 'content-type': contentType },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
}

async function createBugs(sim: AzureDevOpsSimulator, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const response = await raw(
      sim,
      'POST',
      'Demo/_apis/wit/workitems/$Bug?api-version=7.1',
      [{ op: 'add', path: '/fields/System.Title', value: `bulk ${i}` }],
      'application/json-patch+json',
    );
    expect(response.status).toBe(200);
  }
}

describe('initial sync of a project', () => {
  it('reads 1,000 work items with one WIQL call and five batches of 200', async () => {
    const sim = createAzureDevOpsSimulator({ seed: 'empty' });
    use(sim);
    await createBugs(sim, 1000);
    const calls: string[] = [];
    const connector = connectTo(mswBaseUrl, sim, {}, undefined, (e) =>
      calls.push(`${e.method} ${new URL(e.url).pathname}`),
    );
    const result = await pages(
      connector.query({ project: 'Demo', type: 'Bug', fields: ['System.Title', 'System.State'] }),
    );
    expect(result.flat()).toHaveLength(1000);
    expect(result.map((p) => p.length)).toEqual([200, 200, 200, 200, 200]);
    expect(calls.filter((c) => c.endsWith('/wiql'))).toHaveLength(1);
    expect(calls.filter((c) => c.endsWith('/workitemsbatch'))).toHaveLength(5);
    // field metadata (catalog + type fields) is read once and cached
    expect(calls).toHaveLength(8);
  });

  it('splits the ChangedDate window when WIQL hits its result cap, so every item still syncs once', async () => {
    const sim = createAzureDevOpsSimulator({ seed: 'demo', limits: { wiqlMaxResults: 50 } });
    use(sim);
    let wiqlCalls = 0;
    const connector = connectTo(mswBaseUrl, sim, {}, undefined, (e) => void (e.url.includes('/wiql') && wiqlCalls++));
    const items = (await pages(connector.query({ project: 'Demo', type: 'Bug', fields: ['System.Title'] }))).flat();
    expect(items).toHaveLength(250);
    expect(new Set(items.map((i) => i.id)).size).toBe(250);
    const times = items.map((i) => Date.parse(i.updatedAt));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(wiqlCalls).toBeGreaterThan(5);
  });

  it('splits a window that starts at a watermark too', async () => {
    const sim = createAzureDevOpsSimulator({ seed: 'demo', limits: { wiqlMaxResults: 30 } });
    use(sim);
    const connector = connectTo(mswBaseUrl, sim);
    const all = (await pages(connector.query({ project: 'Demo', type: 'Bug', fields: [] }))).flat();
    const since = all[100]!.updatedAt;
    const expected = all
      .filter((i) => Date.parse(i.updatedAt) >= Date.parse(since))
      .map((i) => i.id)
      .sort();
    const recent = (
      await pages(
        connector.query({ project: 'Demo', type: 'Bug', fields: [], since: { kind: 'timestamp', value: since } }),
      )
    ).flat();
    expect(recent.map((i) => i.id).sort()).toEqual(expected);
  });

  it('answers VS402337 like the service when a flat query exceeds the cap, 20,000 by default', async () => {
    expect(createAzureDevOpsSimulator({ seed: 'empty' }).state.limits.wiqlMaxResults).toBe(20_000);
    const sim = createAzureDevOpsSimulator({ seed: 'demo', limits: { wiqlMaxResults: 100 } });
    const response = await raw(sim, 'POST', 'Demo/_apis/wit/wiql?api-version=7.1', {
      query: 'SELECT [System.Id] FROM WorkItems',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      message: expect.stringContaining('VS402337: The number of work items returned exceeds the size limit of 100'),
      typeKey: expect.any(String),
    });
    const capped = await raw(sim, 'POST', 'Demo/_apis/wit/wiql?api-version=7.1&$top=10', {
      query: 'SELECT [System.Id] FROM WorkItems',
    });
    expect(((await capped.json()) as { workItems: unknown[] }).workItems).toHaveLength(10);
  });

  it('applies the user filter in parentheses', async () => {
    const sim = createAzureDevOpsSimulator({ seed: 'demo' });
    use(sim);
    const connector = connectTo(mswBaseUrl, sim);
    const items = (
      await pages(
        connector.query({
          project: 'Demo',
          type: 'Bug',
          filter: "[Microsoft.VSTS.Common.Priority] = 1 OR [System.State] = 'Closed'",
          fields: ['Microsoft.VSTS.Common.Priority', 'System.State'],
        }),
      )
    ).flat();
    expect(items.length).toBeGreaterThan(0);
    expect(items.length).toBeLessThan(250);
    for (const item of items)
      expect(item.fields['Microsoft.VSTS.Common.Priority'] === '1' || item.fields['System.State'] === 'Closed').toBe(
        true,
      );
    // A whole query pasted from the query editor selects the same items.
    const pasted =
      "SELECT [System.Id], [System.Title] FROM WorkItems WHERE [Microsoft.VSTS.Common.Priority] = 1 OR [System.State] = 'Closed' ORDER BY [System.Id] DESC";
    expect(
      (await pages(connector.query({ project: 'Demo', type: 'Bug', filter: pasted, fields: ['System.State'] })))
        .flat()
        .map((i) => i.id),
    ).toEqual(items.map((i) => i.id));
  });

  it('refuses more than 200 ids in one batch like the service (VS403474)', async () => {
    const sim = createAzureDevOpsSimulator({ seed: 'demo' });
    const response = await raw(sim, 'POST', 'Demo/_apis/wit/workitemsbatch?api-version=7.1', {
      ids: Array.from({ length: 201 }, (_, i) => i + 1),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(
      /^VS403474: You requested 201 work items which exceeds the limit of 200/,
    );
  });
});
