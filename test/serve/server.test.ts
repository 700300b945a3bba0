/**
 * `createServer()` in code: its Web-standard routes answered through `fetch` (as a framework
 * mounting it calls them) and through its own listener, `/metrics` counting what a pass did
 * (items, HTTP requests and 429s by system, propagation delay), `/readyz` refusing an
 * inactive integration, and the webhook route forwarding deliveries to the intake.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer, createSyncbridge, memoryStore, type Syncbridge, type SyncServer } from 'syncbridge';
import { azureDevOpsConnector } from 'syncbridge/azure-devops';
import { jiraConnector } from 'syncbridge/jira';
import type { AzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import type { JiraSimulator } from 'syncbridge/testing/jira';
import { adoPerson, jiraPerson, paragraph } from '../e2e/people.js';
import { serveAzureDevOps, serveJira, type ServedSimulator } from '../e2e/simulators.js';

let jira: ServedSimulator<JiraSimulator>;
let ado: ServedSimulator<AzureDevOpsSimulator>;
let sync: Syncbridge;
let servers: SyncServer[];

beforeEach(async () => {
  [jira, ado] = await Promise.all([serveJira(), serveAzureDevOps()]);
  const jiraBot = jira.sim.users[0]!;
  sync = await createSyncbridge({
    config: {
      version: 1,
      systems: {
        jira: {
          adapter: 'jira',
          baseUrl: jira.baseUrl,
          auth: { type: 'apiToken', email: jiraBot.email, token: jiraBot.apiToken },
        },
        ado: { adapter: 'azure-devops', baseUrl: ado.baseUrl, auth: { type: 'pat', token: ado.sim.users[0]!.pat } },
      },
      mappings: [
        {
          name: 'bugs',
          left: { system: 'jira', project: 'DEMO', type: 'Bug', start: 'beginning' },
          right: { system: 'ado', project: 'Demo', type: 'Bug', start: 'beginning' },
          fields: [{ left: 'summary', right: 'System.Title' }],
        },
      ],
    },
    connectors: [jiraConnector, azureDevOpsConnector],
    store: memoryStore(),
  });
  servers = [];
});

afterEach(async () => {
  for (const server of servers) await server.close();
  await sync.close();
  await Promise.all([jira.close(), ado.close()]);
});

async function serve(options: Parameters<typeof createServer>[1] = {}): Promise<SyncServer> {
  const server = await createServer(sync, { poll: false, ...options });
  servers.push(server);
  return server;
}

const get = (server: SyncServer, path: string, init: RequestInit = {}) =>
  server.fetch(new Request(`http://sync.test${path}`, init));

/** The value of one sample of the exposition text (`name{labels} value`), or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(match[3]);
  }
  return undefined;
}

describe('createServer routes', () => {
  it('answers liveness, refuses other methods and unknown paths, and mounts below a base path', async () => {
    const server = await serve({ metrics: false });
    expect((await get(server, '/healthz')).status).toBe(200);
    expect(await (await get(server, '/healthz')).json()).toEqual({ status: 'ok' });
    expect((await get(server, '/healthz', { method: 'POST' })).status).toBe(405);
    expect((await get(server, '/nothing')).status).toBe(404);
    // Metrics turned off: no route.
    expect((await get(server, '/metrics')).status).toBe(404);

    const mounted = await serve({ basePath: '/sync/', metrics: false });
    expect((await get(mounted, '/sync/healthz')).status).toBe(200);
    expect((await get(mounted, '/healthz')).status).toBe(404);
  });

  it('forwards /webhooks/... deliveries as they came to the intake, and answers 404 there without one', async () => {
    const seen: Array<{ method: string; url: string; body: string; signature: string | null }> = [];
    const server = await serve({
      metrics: false,
      webhooks: {
        async handle(request) {
          seen.push({
            method: request.method,
            url: request.url,
            body: await request.text(),
            signature: request.headers.get('x-hub-signature'),
          });
          return new Response(null, { status: 202 });
        },
      },
    });
    const delivery = await get(server, '/webhooks/jira?integration=default', {
      method: 'POST',
      headers: { 'x-hub-signature': 'sha256=abc', 'content-type': 'application/json' },
      body: '{"webhookEvent":"jira:issue_updated"}',
    });
    expect(delivery.status).toBe(202);
    expect(seen).toEqual([
      {
        method: 'POST',
        url: 'http://sync.test/webhooks/jira?integration=default',
        body: '{"webhookEvent":"jira:issue_updated"}',
        signature: 'sha256=abc',
      },
    ]);

    const without = await serve({ metrics: false, webhooks: false });
    expect((await get(without, '/webhooks/jira', { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('is not ready while the integration is inactive, and says why', async () => {
    const server = await serve({ metrics: false });
    const answer = await get(server, '/readyz');
    expect(answer.status).toBe(503);
    const report = (await answer.json()) as { ready: boolean; store: { ok: boolean; message: string } };
    expect(report.ready).toBe(false);
    expect(report.store).toEqual({ ok: false, message: expect.stringContaining('INTEGRATION_INACTIVE') });

    await sync.activate();
    const ready = await get(server, '/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      ready: true,
      store: { ok: true },
      systems: { jira: { ok: true }, ado: { ok: true } },
      lastPoll: { ok: true },
    });
  });
});

describe('/metrics', () => {
  it("counts a pass's items, requests and 429s by system, and the propagation delay of a person's bug", async () => {
    await sync.activate();
    const server = await serve();
    const bug = await jiraPerson(jira, 'Ana Silva').fileBug({
      summary: 'Search ignores accents',
      description: paragraph('Try', ' café'),
      priority: 'High',
    });
    // The next request to Azure DevOps is throttled once, as a busy organization does.
    ado.sim.failNext(1, 429, 0);

    await sync.runOnce();

    const answer = await get(server, '/metrics');
    expect(answer.headers.get('content-type')).toContain('text/plain');
    const text = await answer.text();
    expect(sample(text, 'syncbridge_passes_total', { kind: 'run', outcome: 'completed' })).toBe(1);
    expect(sample(text, 'syncbridge_items_synced_total', { pair: 'bugs', side: 'right', action: 'create' })).toBe(1);
    expect(sample(text, 'syncbridge_propagation_delay_seconds_count', { pair: 'bugs', side: 'right' })).toBe(1);
    expect(sample(text, 'syncbridge_http_rate_limited_total', { system: 'ado' })).toBe(1);
    expect(sample(text, 'syncbridge_http_rate_limited_total', { system: 'jira' })).toBeUndefined();
    expect(sample(text, 'syncbridge_http_requests_total', { system: 'ado', status: '429' })).toBe(1);
    expect(
      sample(text, 'syncbridge_http_requests_total', { system: 'jira', method: 'POST', status: '200' }),
    ).toBeGreaterThan(0);
    expect(sample(text, 'syncbridge_failures_queued', { pair: 'bugs' })).toBe(0);
    expect(sample(text, 'syncbridge_last_poll_completed_timestamp_seconds')).toBeGreaterThan(0);
    // What the metrics count is what the systems hold: the bug in Azure DevOps, the original in Jira.
    const [link] = await sync.links('bugs');
    expect(link?.leftKey).toBe(bug.key);
    const [copy] = await adoPerson(ado, ado.sim.users[0]!.email).connector.getMany([link!.rightId], {
      fields: ['System.Title'],
    });
    expect(copy?.fields['System.Title']).toBe('Search ignores accents');
    const [original] = await jiraPerson(jira, 'Ana Silva').connector.getMany([bug.id], { fields: ['summary'] });
    expect(original?.fields.summary).toBe('Search ignores accents');
  });

  it('serves the same routes over its own HTTP listener', async () => {
    await sync.activate();
    const server = await serve({ port: 0, host: '127.0.0.1' });
    const { url } = await server.listen();
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${url}/metrics`)).text()).toContain('syncbridge_items_synced_total');
    // A second server cannot take the same port: a configuration problem that says so.
    const second = await serve({ port: Number(new URL(url).port), host: '127.0.0.1' });
    await expect(second.listen()).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('is in use by another process'),
    });
    await server.close();
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
