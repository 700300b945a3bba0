import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSyncbridge, loadConfig, postgresStore } from 'syncbridge';
import { azureDevOpsConnector } from 'syncbridge/azure-devops';
import { jiraConnector } from 'syncbridge/jira';
import type { AzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import type { JiraSimulator } from 'syncbridge/testing/jira';
import { serveAzureDevOps, serveJira, type ServedSimulator } from '../e2e/simulators.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** One entity pair: its own Jira and Azure DevOps simulators, served over HTTP. */
export interface SimPair {
  name: string;
  jira: ServedSimulator<JiraSimulator>;
  ado: ServedSimulator<AzureDevOpsSimulator>;
}

/** A worker process (`syncbridge worker`), from the sources through tsx, as an operator runs it. */
export interface WorkerProcess {
  child: ChildProcess;
  /** Its JSON log lines so far, parsed. */
  logs(): Array<Record<string, unknown>>;
  stderr(): string;
  /** Resolves once a line of stderr contains `text`. */
  shows(text: string): Promise<void>;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * An integration of `pairs` entity pairs, each between its own pair of simulators, with its
 * state in a PostgreSQL schema and its queue in another; Jira holds `items` bugs per pair.
 */
export async function startFleet(options: {
  pairs: number;
  items: number;
  url: string;
  stateSchema: string;
  queueSchema: string;
  latencyMs?: number;
  engine?: Record<string, number>;
}) {
  const pairs: SimPair[] = [];
  for (let p = 1; p <= options.pairs; p++) {
    const [jira, ado] = await Promise.all([serveJira(), serveAzureDevOps()]);
    jira.sim.knobs.latencyMs = options.latencyMs ?? 0;
    ado.sim.knobs.latencyMs = options.latencyMs ?? 0;
    for (let i = 1; i <= options.items; i++)
      jira.sim.seed.issue({ project: 'DEMO', type: 'Bug', summary: `p${p} bug ${i}` });
    pairs.push({ name: `p${p}`, jira, ado });
  }
  const dir = mkdtempSync(join(tmpdir(), 'syncbridge-workers-'));
  const system = (pair: SimPair) => {
    const bot = pair.jira.sim.users[0]!;
    return `  jira-${pair.name}: { adapter: jira, baseUrl: "${pair.jira.baseUrl}", auth: { type: apiToken, email: ${bot.email}, token: ${bot.apiToken} } }
  ado-${pair.name}: { adapter: azure-devops, baseUrl: "${pair.ado.baseUrl}", auth: { type: pat, token: ${pair.ado.sim.users[0]!.pat} } }`;
  };
  const mapping = (pair: SimPair) =>
    `  - { name: ${pair.name}, left: { system: jira-${pair.name}, project: DEMO, type: Bug, start: beginning }, right: { system: ado-${pair.name}, project: Demo, type: Bug, start: beginning }, fields: [{ left: summary, right: System.Title }] }`;
  const engine = { intervalMs: 1000, pageSize: 5, leaseMs: 3000, ...options.engine };
  const file = join(dir, 'fleet.yaml');
  writeFileSync(
    file,
    `version: 1
systems:
${pairs.map(system).join('\n')}
mappings:
${pairs.map(mapping).join('\n')}
engine: { ${Object.entries(engine)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ')} }
state: { store: postgres, url: "\${env:DATABASE_URL}", schema: ${options.stateSchema} }
`,
  );
  const env = { ...process.env, NODE_OPTIONS: '', DATABASE_URL: options.url };
  return {
    pairs,
    file,
    queueSchema: options.queueSchema,
    /** Activates the integration, as `syncbridge activate` does. */
    async activate(): Promise<void> {
      const config = await loadConfig(file, { env });
      const sync = await createSyncbridge({
        config,
        connectors: [jiraConnector, azureDevOpsConnector],
        store: postgresStore({ connectionString: options.url, schema: options.stateSchema }),
      });
      await sync.activate();
      await sync.close();
    },
    /** Starts `syncbridge worker` on the integration. */
    worker(args: string[] = []): WorkerProcess {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'src/cli/main.ts', 'worker', file, '--queue-schema', options.queueSchema, ...args],
        { cwd: root, env },
      );
      let stderr = '';
      const waiting: Array<() => void> = [];
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        for (const check of [...waiting]) check();
      });
      child.stdout!.resume();
      const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.on('close', (code, signal) => resolve({ code, signal })),
      );
      return {
        child,
        done,
        stderr: () => stderr,
        logs: () =>
          stderr
            .split('\n')
            .filter((line) => line.startsWith('{'))
            .map((line) => JSON.parse(line) as Record<string, unknown>),
        shows: (text) =>
          new Promise<void>((resolve) => {
            const check = () => {
              if (!stderr.includes(text)) return;
              waiting.splice(waiting.indexOf(check), 1);
              resolve();
            };
            waiting.push(check);
            check();
          }),
      };
    },
    async close(): Promise<void> {
      await Promise.all(pairs.flatMap((p) => [p.jira.close(), p.ado.close()]));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until `condition` holds, checking every 100 ms (the test's own timeout bounds it). */
export async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 100));
}

const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;

/** Every Jira bug of the pair (id and summary), read page by page through the search API as a person. */
export async function jiraBugs(pair: SimPair): Promise<Array<{ id: string; summary: string }>> {
  const person = pair.jira.sim.users[1]!;
  const out: Array<{ id: string; summary: string }> = [];
  let nextPageToken: string | undefined;
  do {
    const response = await fetch(`${pair.jira.baseUrl}/rest/api/3/search/jql`, {
      method: 'POST',
      headers: { authorization: basic(person.email, person.apiToken), 'content-type': 'application/json' },
      body: JSON.stringify({
        jql: 'project = DEMO AND issuetype = Bug ORDER BY key ASC',
        fields: ['summary'],
        maxResults: 100,
        ...(nextPageToken ? { nextPageToken } : {}),
      }),
    });
    if (!response.ok) throw new Error(`Jira search answered ${response.status}`);
    const page = (await response.json()) as {
      issues: Array<{ id: string; fields: { summary: string } }>;
      nextPageToken?: string;
    };
    out.push(...page.issues.map((i) => ({ id: i.id, summary: i.fields.summary })));
    nextPageToken = page.nextPageToken;
  } while (nextPageToken);
  return out;
}

/** Every Azure DevOps bug of the pair (id and title), read through WIQL and the work items API as a person. */
export async function adoBugs(pair: SimPair): Promise<Array<{ id: string; title: string }>> {
  const person = pair.ado.sim.users[1]!;
  const headers = { authorization: basic('', person.pat), 'content-type': 'application/json' };
  const wiql = await fetch(`${pair.ado.baseUrl}/Demo/_apis/wit/wiql?api-version=7.1`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query: "SELECT [System.Id] FROM WorkItems WHERE [System.WorkItemType] = 'Bug'" }),
  });
  if (!wiql.ok) throw new Error(`WIQL answered ${wiql.status}`);
  const ids = ((await wiql.json()) as { workItems: Array<{ id: number }> }).workItems.map((w) => w.id);
  const out: Array<{ id: string; title: string }> = [];
  for (let i = 0; i < ids.length; i += 200) {
    const batch = ids.slice(i, i + 200);
    const response = await fetch(
      `${pair.ado.baseUrl}/Demo/_apis/wit/workitems?ids=${batch.join(',')}&fields=System.Title&api-version=7.1`,
      { headers },
    );
    if (!response.ok) throw new Error(`work items answered ${response.status}`);
    const page = (await response.json()) as { value: Array<{ id: number; fields: { 'System.Title': string } }> };
    out.push(...page.value.map((w) => ({ id: String(w.id), title: w.fields['System.Title'] })));
  }
  return out;
}

/** The titles of a list, sorted, to compare sides (duplicates stay visible). */
export const sortedTitles = (items: Array<{ summary?: string; title?: string }>) =>
  items.map((i) => i.summary ?? i.title ?? '').sort();
