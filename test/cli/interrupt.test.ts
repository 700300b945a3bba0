import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAzureDevOpsSimulator, type AzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import { createJiraSimulator, type JiraSimulator } from 'syncbridge/testing/jira';
import { serveHandler, type RunningServer } from 'syncbridge/testing/kit';
import { runCli } from '../../src/cli/program.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

let jira: JiraSimulator;
let ado: AzureDevOpsSimulator;
let servers: RunningServer[];
let dir: string;
/** Called on every write request the simulators receive (creates and updates); the answer waits for it. */
let onWrite: () => void | Promise<void>;

beforeEach(async () => {
  jira = createJiraSimulator({ seed: 'demo', issues: 40 });
  ado = createAzureDevOpsSimulator({ seed: 'empty' });
  onWrite = () => {};
  const watched = (handle: (r: Request) => Promise<Response>) => async (request: Request) => {
    if (request.method !== 'GET' && !/search|wiql|workitemsbatch|bulkfetch/i.test(request.url)) await onWrite();
    return handle(request);
  };
  servers = [await serveHandler(watched(jira.handle)), await serveHandler(watched(ado.handle))];
  dir = await mkdtemp(join(tmpdir(), 'syncbridge-interrupt-'));
  const bot = jira.users[0]!;
  const mapping = (name: string, type: string) =>
    `  - { name: ${name}, left: { system: jira, project: DEMO, type: Bug, start: beginning }, right: { system: ado, project: Demo, type: ${type}, start: beginning }, fields: [{ left: summary, right: System.Title }] }`;
  await writeFile(
    join(dir, 'syncbridge.yaml'),
    `version: 1
systems:
  jira: { adapter: jira, baseUrl: "${servers[0]!.baseUrl}", auth: { type: apiToken, email: ${bot.email}, token: ${bot.apiToken} } }
  ado: { adapter: azure-devops, baseUrl: "${servers[1]!.baseUrl}/demo-org", auth: { type: pat, token: ${ado.users[0]!.pat} } }
mappings:
${mapping('bugs', 'Bug')}
${mapping('tasks', 'Task')}
engine: { pageSize: 5, leaseMs: 1000 }
state: { store: sqlite, path: state.db }
`,
  );
});

afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI in a child process (through tsx, from the sources), as a person runs it in a terminal. */
function cli(args: string[]): {
  child: ChildProcess;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
  stderrShows: (text: string) => Promise<void>;
} {
  // From the repository root, where tsx and the tsconfig paths resolve.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args, join(dir, 'syncbridge.yaml')], {
    cwd: root,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  const stderrShows = (text: string) =>
    new Promise<void>((resolve) => {
      const check = () => stderr.includes(text) && resolve();
      check();
      child.stderr!.on('data', check);
    });
  return { child, done, stderrShows };
}

/** Runs the CLI in-process, for the steps around the interrupted one. */
const inProcess = (args: string[]) =>
  runCli([...args, 'syncbridge.yaml'], {
    stdout: () => {},
    stderr: () => {},
    env: {},
    cwd: dir,
    isTty: false,
    stopSignal: new Promise(() => {}),
  });

/** Work items of a type in the Azure DevOps project, read through WIQL. */
async function adoCount(type: string): Promise<number> {
  const response = await ado.handle(
    new Request('https://ado.test/demo-org/Demo/_apis/wit/wiql?api-version=7.1', {
      method: 'POST',
      headers: { authorization: `Bearer ${ado.users[0]!.pat}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: `SELECT [System.Id] FROM WorkItems WHERE [System.WorkItemType] = '${type}'` }),
    }),
  );
  return ((await response.json()) as { workItems: unknown[] }).workItems.length;
}

/** Jira bugs, read through the search API. */
async function jiraBugs(): Promise<number> {
  const bot = jira.users[0]!;
  const response = await jira.handle(
    new Request('https://jira.test/rest/api/3/search/jql', {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${bot.email}:${bot.apiToken}`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ jql: 'project = DEMO AND issuetype = Bug', fields: ['summary'], maxResults: 100 }),
    }),
  );
  return ((await response.json()) as { issues: unknown[] }).issues.length;
}

describe('Ctrl-C during syncbridge run', () => {
  it('says the batch is finishing, stops the pass at a batch boundary, prints the summary and exits 130', {
    timeout: 60_000,
  }, async () => {
    expect(await inProcess(['activate'])).toBe(0);
    const bugs = await jiraBugs();
    const run = cli(['run']);
    onWrite = () => {
      onWrite = () => {};
      run.child.kill('SIGINT');
    };
    const { code, stdout, stderr } = await run.done;
    expect(stderr).toContain(
      'Ctrl-C: the current batch is finishing, then syncbridge stops (press Ctrl-C again to stop at once)',
    );
    expect(stdout).toMatch(/stopped early: created \d+/);
    expect(code).toBe(130);
    // The pass stopped after the batch under way (pages of 5): no more bugs, no tasks, and Jira is as it was.
    expect(await adoCount('Bug')).toBe(5);
    expect(await adoCount('Task')).toBe(0);
    expect(await jiraBugs()).toBe(bugs);
  });

  it('exits at once on a second Ctrl-C and says that creates under way are settled on the next run', {
    timeout: 60_000,
  }, async () => {
    expect(await inProcess(['activate'])).toBe(0);
    const run = cli(['run', '--once']);
    // The first create waits while both Ctrl-Cs arrive; the second is sent once the first was heard.
    onWrite = async () => {
      onWrite = () => {};
      run.child.kill('SIGINT');
      await run.stderrShows('the current batch is finishing');
      run.child.kill('SIGINT');
      await run.done;
    };
    const { code, stderr, stdout } = await run.done;
    expect(code).toBe(130);
    expect(stderr).toContain('stopped at once; creates under way are settled on the next run');
    expect(stdout).not.toContain('created');
    expect(await adoCount('Task')).toBe(0);
    // Once the stopped run's leases lapse (by the store's clock, whatever its pid), the next run
    // settles what it left and finishes the work.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await inProcess(['run', '--once'])).toBe(0);
    expect(await adoCount('Bug')).toBe(await jiraBugs());
    expect(await adoCount('Task')).toBe(await jiraBugs());
  });
});
