/**
 * The package as a user gets it: packed, installed into fresh ES-module and CommonJS
 * projects, where the README's and the guides' code is type-checked with `tsc --strict` and
 * the runnable examples run (against the simulators, and the conformance suite under the
 * project's own vitest). `npm test` builds `dist` before the tests.
 */
import { copyFileSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jiraPerson } from '../e2e/people.js';
import { serveAzureDevOps, serveJira } from '../e2e/simulators.js';
import { programs, source } from './doc-snippets.js';
import { createProject, packPackage, type ModuleKind, type Run } from './packed-project.js';
import { declaredExports } from './public-api.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const kinds: ModuleKind[] = ['esm', 'cjs'];
const all = programs(root);

/** Assertions appended to programs that state their outcome in comments. */
const checks: Record<string, string> = {
  'testing-memory': [
    'if (summary.updated.right !== 1) throw new Error(`summary.updated.right is ${summary.updated.right}`);',
    'if (first.failed !== 1) throw new Error(`first.failed is ${first.failed}`);',
    'console.log(JSON.stringify({ jira: [...jira.items.values()].map((i) => i.fields), ado: [...ado.items.values()].map((i) => i.fields) }));',
  ].join('\n'),
  'testing-simulators': 'console.log(jira.users[0]?.email, server.listHandlers().length > 0);',
};

function setUp(kind: ModuleKind, tarball: string) {
  const project = createProject(tarball, kind);
  for (const file of ['ticketbox-connector.ts', 'ticketbox-simulator.ts'])
    copyFileSync(join(root, 'examples/custom-connector', file), join(project.dir, file));
  // The module the state guide's examples import: a store of the reader's own.
  project.write(
    'dynamo-store.ts',
    "import type { Logger, StateStore } from 'syncbridge';\nexport declare function openDynamoStore(options: { table: string; integration: string; logger?: Logger }): Promise<StateStore>;\n",
  );
  for (const program of all.filter((p) => kind === 'esm' || !p.esmOnly))
    project.write(`${program.name}.ts`, source(program, kind, checks[program.name]));
  return { project, compiled: project.compile() };
}

const output = (run: Run) => `${run.stdout}${run.stderr}`;

describe('the packed package in a user’s project', () => {
  const projects = {} as Record<ModuleKind, Awaited<ReturnType<typeof setUp>>['project']>;
  const compiled = {} as Record<ModuleKind, Run>;
  const served: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    const tarball = packPackage();
    await Promise.all(
      kinds.map(async (kind) => {
        const { project, compiled: run } = setUp(kind, tarball);
        projects[kind] = project;
        compiled[kind] = await run;
      }),
    );
    // Two compilations of ~650 files: seconds alone, much longer on a shared, busy machine.
  }, 180_000);

  afterEach(async () => {
    await Promise.all(served.splice(0).map((s) => s.close()));
  });

  it('declares each public type of the core once across every entry point', () => {
    const dist = join(projects.esm.dir, 'node_modules/syncbridge/dist');
    const files = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((f) => /\.d\.[cm]?ts$/.test(f));
    const texts = new Map(files.map((f) => [f, readFileSync(join(dist, f), 'utf8')]));
    // A second copy would be renamed by the bundler (`Connector$1`), which `\b` still matches.
    const declared = (name: string) =>
      files.flatMap((f) =>
        [
          ...texts
            .get(f)!
            .matchAll(
              new RegExp(`^(?:export )?(?:declare )?(?:abstract )?(?:class|interface|type|enum) ${name}\\b`, 'gm'),
            ),
        ].map(() => f),
      );
    // The core's entries: the adapters and the test kit import these names rather than declare them.
    const names = new Set(
      ['index.d.ts', 'connector-kit.d.ts', 'sheets/index.d.ts'].flatMap((entry) => declaredExports(texts.get(entry)!)),
    );
    expect([...names]).toEqual(
      expect.arrayContaining([
        'SyncbridgeError',
        'Connector',
        'ConnectorFactory',
        'WriteResult',
        'WorkItem',
        'SheetError',
        'HttpClient',
      ]),
    );
    for (const name of names) {
      if (/^[A-Z]/.test(name))
        expect(declared(name).length, `${name}: ${declared(name).join(', ')}`).toBeLessThanOrEqual(1);
    }
    for (const name of [
      'SyncbridgeError',
      'Connector',
      'ConnectorFactory',
      'WriteResult',
      'WorkItem',
      'SheetError',
      'HttpClient',
    ])
      expect(declared(name), name).toHaveLength(1);
  });

  it.each(kinds)('type-checks the README’s and the guides’ code with tsc --strict (%s)', (kind) => {
    expect(output(compiled[kind])).toBe('');
    expect(compiled[kind].status).toBe(0);
  });

  it.each(kinds.flatMap((kind) => ['readme', 'index'].map((program) => [program, kind] as const)))(
    'runs the %s example against the simulators (%s)',
    async (program, kind) => {
      const [jira, ado] = await Promise.all([serveJira(), serveAzureDevOps()]);
      served.push(jira, ado);
      const ana = jiraPerson(jira, 'Ana Silva');
      const synced = await ana.fileBug({
        summary: 'Login fails',
        description: { type: 'doc', content: [] },
        priority: 'High',
        labels: ['sync'],
      });
      await ana.fileBug({
        summary: 'Not for the other side',
        description: { type: 'doc', content: [] },
        priority: 'Low',
        labels: [],
      });
      projects[kind].write('syncbridge.yaml', readmeConfig(jira.baseUrl, ado.baseUrl));
      // A fresh state store: the examples keep it under the working directory.
      rmSync(join(projects[kind].dir, '.syncbridge'), { recursive: true, force: true });
      const bot = { jira: jira.sim.users[0]!, ado: ado.sim.users[0]! };
      const run = await projects[kind].node(`${program}.js`, { JIRA_TOKEN: bot.jira.apiToken, ADO_PAT: bot.ado.pat });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      // Both systems, read afterwards: the labelled bug alone has its copy, with the mapped priority.
      expect([...jira.sim.state.issues.values()].map((i) => i.key)).toEqual([synced.key, expect.any(String)]);
      expect(
        [...ado.sim.state.workItems.values()].map((w) => [
          w.fields['System.Title'],
          w.fields['Microsoft.VSTS.Common.Priority'],
        ]),
      ).toEqual([['Login fails', 2]]);
    },
  );

  it.each(kinds)('runs the testing guide’s memory systems example (%s)', async (kind) => {
    const run = await projects[kind].node('testing-memory.js');
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({
      jira: [expect.objectContaining({ title: 'Crash on save, again', priority: 'Low' })],
      ado: [expect.objectContaining({ title: 'Crash on save', priority: 'Low' })],
    });
  });

  it('runs the testing guide’s simulators, in process with msw', async () => {
    const run = await projects.esm.node('testing-simulators.js');
    expect(output(run)).toBe('sync-bot@example.com true\n');
  });

  it.each(kinds)(
    'passes the conformance suite with the custom connector guide’s test (%s)',
    async (kind) => {
      const run = await projects[kind].vitest('conformance.test.ts');
      expect(run.status, output(run)).toBe(0);
      expect(run.stdout).toMatch(/Tests\s+\d+ passed/);
    },
    60_000,
  );
});

/** The README's configuration, pointed at the simulators and their integration user. */
function readmeConfig(jiraUrl: string, adoUrl: string): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const yaml = /^```yaml\n([\s\S]*?)^```$/m.exec(readme)![1]!;
  return yaml
    .replace('https://acme.atlassian.net', jiraUrl)
    .replace('https://dev.azure.com/acme', adoUrl)
    .replace('sync@acme.com', 'sync-bot@example.com');
}
