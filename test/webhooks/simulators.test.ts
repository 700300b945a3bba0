/**
 * Webhooks end to end against both simulators over real HTTP: `sync.webhooks.register()`
 * registers a Jira admin webhook and Azure DevOps service-hook subscriptions pointing at the
 * handler (served through `toNodeHandler`), people edit on each side, the simulators deliver
 * signed deliveries as the services do, and the processing loop — with no polling pass at all —
 * carries each change to the other side, read back through the other system's API.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSyncbridge, toNodeHandler, type Syncbridge, type WorkItem } from 'syncbridge';
import { azureDevOpsConnector } from 'syncbridge/azure-devops';
import { jiraConnector } from 'syncbridge/jira';
import type { AzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import type { JiraSimulator } from 'syncbridge/testing/jira';
import { integrationConfig } from '../e2e/integration.js';
import { adoPerson, jiraPerson, paragraph } from '../e2e/people.js';
import { secrets } from './world.js';
import { serveAzureDevOps, serveJira, type ServedSimulator } from '../e2e/simulators.js';

const dir = mkdtempSync(join(tmpdir(), 'syncbridge-webhooks-sim-'));
let jira: ServedSimulator<JiraSimulator>;
let ado: ServedSimulator<AzureDevOpsSimulator>;
let server: Server;
let sync: Syncbridge;
let handler: (request: Request) => Promise<Response> = async () => new Response(null, { status: 503 });

beforeAll(async () => {
  [jira, ado] = await Promise.all([serveJira(), serveAzureDevOps()]);
  server = createServer(toNodeHandler((request) => handler(request)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;
  sync = await createSyncbridge({
    config: {
      ...integrationConfig(jira, ado, join(dir, 'state.db')),
      webhooks: {
        url: base,
        systems: {
          jira: { secret: secrets.jira },
          ado: { secret: secrets.ado },
        },
        coalesceMs: 50,
        pollMs: 200,
      },
    },
    connectors: [jiraConnector, azureDevOpsConnector],
  });
  handler = (request) => sync.webhooks.handle(request);
  await sync.activate();
});

afterAll(async () => {
  await sync?.close();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await Promise.all([jira?.close(), ado?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('webhooks against the Jira and Azure DevOps simulators', () => {
  it('registers on both systems, carries people’s edits both ways by webhook alone, and unregisters', async () => {
    const registered = await sync.webhooks.register();
    expect(registered.map((r) => [r.system, r.subscriptions.length > 0])).toEqual([
      ['jira', true],
      ['ado', true],
    ]);
    // Registering again changes nothing: the same registrations.
    const again = await sync.webhooks.register();
    expect(again.map((r) => r.subscriptions.map((s) => s.id).sort())).toEqual(
      registered.map((r) => r.subscriptions.map((s) => s.id).sort()),
    );
    for (const r of await sync.webhooks.list())
      for (const s of r.subscriptions) expect(s.url).toMatch(new RegExp(`/webhooks/${r.system}$`));

    sync.webhooks.start();
    const ana = jiraPerson(jira, 'Ana Silva');
    const ben = adoPerson(ado, 'ben@example.com');
    const filed = await ana.fileBug({
      summary: 'Checkout button does nothing',
      description: paragraph('Steps:', ' open the cart, press Checkout'),
      priority: 'High',
    });
    const adoBugs = async (): Promise<WorkItem[]> => {
      const found: WorkItem[] = [];
      for await (const page of ben.connector.query({ project: 'Demo', type: 'Bug', fields: ['System.Title'] }))
        found.push(...page);
      return found;
    };
    await vi.waitFor(
      async () =>
        expect((await adoBugs()).map((i) => i.fields['System.Title'])).toEqual(['Checkout button does nothing']),
      { timeout: 20_000, interval: 100 },
    );

    // Ben answers on the Azure DevOps side; the change reaches Jira by webhook too.
    const [copy] = await adoBugs();
    await ben.edit(copy!.id, { 'System.Title': 'Checkout button does nothing on Safari' });
    const jiraIssue = async () => (await ana.connector.getMany([filed.id], { fields: ['summary'] }))[0];
    await vi.waitFor(
      async () => expect((await jiraIssue())?.fields.summary).toBe('Checkout button does nothing on Safari'),
      { timeout: 20_000, interval: 100 },
    );
    await sync.webhooks.stop();

    // Both systems' final state, through their APIs; no polling pass ran.
    expect((await adoBugs()).map((i) => i.fields['System.Title'])).toEqual(['Checkout button does nothing on Safari']);
    expect((await jiraIssue())?.fields.summary).toBe('Checkout button does nothing on Safari');
    expect((await sync.status()).pairs[0]).toMatchObject({
      links: 1,
      watermarks: { left: undefined, right: undefined },
    });

    const removed = await sync.webhooks.unregister();
    expect(removed.map((r) => r.subscriptions.length)).toEqual(registered.map((r) => r.subscriptions.length));
    expect((await sync.webhooks.list()).map((r) => r.subscriptions)).toEqual([[], []]);
  });
});
