import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createSyncbridge, loadConfig, type Syncbridge, type WorkItem } from 'syncbridge';
import { azureDevOpsConnector } from 'syncbridge/azure-devops';
import { jiraConnector } from 'syncbridge/jira';
import { serveHandler, type FetchHandler, type RunningServer } from 'syncbridge/testing';
import { createAzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import { createJiraSimulator } from 'syncbridge/testing/jira';

// Request counts, not timings: what an initial sync and the idle pass after it cost (issue 16).
const items = 1000;

interface Served {
  server: RunningServer;
  /** Every request since the last `take()`, as `METHOD path`. */
  take(): string[];
}

async function served(handle: FetchHandler, basePath?: string): Promise<Served> {
  let seen: string[] = [];
  const server = await serveHandler(
    (request) => {
      seen.push(`${request.method} ${new URL(request.url).pathname}`);
      return handle(request);
    },
    basePath ? { basePath } : {},
  );
  return {
    server,
    take: () => {
      const out = seen;
      seen = [];
      return out;
    },
  };
}

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

/** The example integration between a Jira holding `items` bugs and an empty Azure DevOps project, over HTTP. */
async function start(oneWay: boolean) {
  const jiraSim = createJiraSimulator({ seed: 'demo', issues: items });
  const adoSim = createAzureDevOpsSimulator({ seed: 'empty' });
  const jira = await served(jiraSim.handle);
  const ado = await served(adoSim.handle, '/demo-org');
  const dir = mkdtempSync(join(tmpdir(), 'syncbridge-counts-'));
  const env = {
    JIRA_URL: jira.server.baseUrl,
    JIRA_TOKEN: jiraSim.users[0]!.apiToken,
    ADO_URL: ado.server.baseUrl,
    ADO_PAT: adoSim.users[0]!.pat,
  };
  const config = await loadConfig(
    fileURLToPath(new URL('../../examples/jira-azure-devops/syncbridge.yaml', import.meta.url)),
    { env },
  );
  const base = config.mappings.find((m) => m.name === 'bugs')!;
  const fields = oneWay ? base.fields.map((f) => ({ ...f, direction: 'leftToRight' as const })) : base.fields;
  const links = oneWay ? base.links.map((l) => ({ ...l, direction: 'leftToRight' as const })) : base.links;
  // Back-links on the Azure DevOps side only: copies are created showing theirs. A Jira issue's
  // back-link is one remote-link request per issue (Jira has no bulk call), counted apart.
  const mapping = {
    ...base,
    fields,
    links,
    left: { ...base.left, filter: undefined },
    comments: undefined,
    attachments: undefined,
    backlink: { left: false, right: true },
  };
  const sync: Syncbridge = await createSyncbridge({
    config: { ...config, mappings: [mapping], state: { store: 'sqlite', path: join(dir, 'state.db') } },
    connectors: [jiraConnector, azureDevOpsConnector],
  });
  cleanup.push(
    () => rmSync(dir, { recursive: true, force: true }),
    () => ado.server.close(),
    () => jira.server.close(),
    () => sync.close(),
  );
  await sync.activate();
  jira.take();
  ado.take();
  const all = async (side: 'jira' | 'ado', project: string): Promise<WorkItem[]> => {
    const out: WorkItem[] = [];
    for await (const page of sync.connectors[side]!.query({
      project,
      type: 'Bug',
      fields: side === 'jira' ? ['summary'] : ['System.Title'],
    }))
      out.push(...page);
    return out;
  };
  return { sync, jira, ado, all };
}

describe('requests an initial sync costs', () => {
  it('copies 1,000 bugs one way in at most 0.03 requests per item, never reads the target side’s search, and idles on at most 4', async () => {
    const { sync, jira, ado, all } = await start(true);
    const first = await sync.runOnce();
    const initial = { jira: jira.take(), ado: ado.take() };
    expect(first.created.right).toBe(items);
    expect(initial.jira.length + initial.ado.length).toBeLessThanOrEqual(0.03 * items);
    // Nothing flows from Azure DevOps, so it is never searched: it is only written.
    expect(initial.ado.filter((r) => /\/wiql$/.test(r))).toEqual([]);

    const idle = await sync.runOnce();
    const after = { jira: jira.take(), ado: ado.take() };
    expect(idle.created.right + idle.updated.right + idle.updated.left).toBe(0);
    expect(after.jira.length + after.ado.length).toBeLessThanOrEqual(4);
    expect(after.ado.filter((r) => /\/wiql$/.test(r))).toEqual([]);

    const titles = (await all('ado', 'Demo')).map((i) => i.fields['System.Title']).sort();
    expect(titles).toEqual((await all('jira', 'DEMO')).map((i) => i.fields.summary).sort());
  });

  it('syncs 1,000 bugs both ways in at most 0.035 requests per item, the creates filling whole $batch calls', async () => {
    const { sync, jira, ado, all } = await start(false);
    const first = await sync.runOnce();
    const initial = { jira: jira.take(), ado: ado.take() };
    expect(first.created.right).toBe(items);
    expect(initial.jira.length + initial.ado.length).toBeLessThanOrEqual(0.035 * items);
    expect(initial.ado.filter((r) => r.endsWith('/_apis/wit/$batch'))).toHaveLength(items / 200);
    // Search pages carry the changelog: no changelog call per page.
    expect(initial.jira.filter((r) => r.endsWith('/changelog/bulkfetch'))).toEqual([]);
    expect(await all('ado', 'Demo')).toHaveLength(items);
  });

  it('idles on at most 4 requests right after a two-way load: its own creates are not read again in the overlap', async () => {
    const { sync, jira, ado, all } = await start(false);
    expect((await sync.runOnce()).created.right).toBe(items);
    jira.take();
    ado.take();

    const idle = await sync.runOnce();
    const after = { jira: jira.take(), ado: ado.take() };
    expect(idle.created.left + idle.created.right + idle.updated.left + idle.updated.right).toBe(0);
    expect(idle.failed).toBe(0);
    // The links' items read to find deletes (one call per side), then one search per side: the
    // copies, changed last by the integration user before the watermark, are left out of the Azure
    // DevOps overlap, and the filtered query is not sent after an empty unfiltered one.
    expect(after.jira.length + after.ado.length).toBeLessThanOrEqual(4);
    expect(after.ado.filter((r) => /\/wiql$/.test(r))).toHaveLength(1);

    // Both systems as they are: every bug copied once, with its title.
    const titles = (await all('ado', 'Demo')).map((i) => i.fields['System.Title']).sort();
    expect(titles).toHaveLength(items);
    expect(titles).toEqual((await all('jira', 'DEMO')).map((i) => i.fields.summary).sort());
  });
});
