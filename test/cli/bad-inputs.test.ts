/**
 * A newcomer's sweep: the built `syncbridge` bin, given bad input after bad input, ends each
 * with its documented exit code and a message naming the problem — never exit 70 ("please
 * report it") or a stack trace — and leaves the state files as they were. Runs `dist`:
 * `npm test` builds it first (by hand: `npm run build`).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import { createJiraSimulator } from 'syncbridge/testing/jira';
import { serveHandler, type RunningServer } from 'syncbridge/testing/kit';
import { ExitCode } from '../../src/cli/exit-codes.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'dist/cli/main.js');
const node = join(root, 'node_modules/.bin/node');
// Root writes any file: the read-only cases run as `nobody` there, as an ordinary user would.
const asOrdinaryUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

let servers: RunningServer[];
let dir: string;
let env: NodeJS.ProcessEnv;

const baseYaml = (statePath: string) => `version: 1
systems:
  jira: { adapter: jira, baseUrl: "\${env:JIRA_URL}", auth: { type: apiToken, email: "\${env:JIRA_EMAIL}", token: "\${env:JIRA_TOKEN}" } }
  ado: { adapter: azure-devops, baseUrl: "\${env:ADO_URL}", auth: { type: pat, token: "\${env:ADO_PAT}" } }
valueMaps:
  priority: { pairs: [{ left: High, right: "1" }, { left: Low, right: "4" }] }
mappings:
  - name: bugs
    left: { system: jira, project: DEMO, type: Bug, start: beginning }
    right: { system: ado, project: Demo, type: Bug, start: beginning }
    fields:
      - { left: summary, right: System.Title }
      - { left: labels, right: System.Tags }
state: { store: sqlite, path: ${statePath} }
`;
const good = baseYaml('state/main.db');

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; user?: { uid?: number; gid?: number } } = {},
): Promise<Result> {
  const child = spawn(node, [bin, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH, ...(options.env ?? env) },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.user ?? {}),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

async function expectOk(args: string[]): Promise<void> {
  const result = await run(args);
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
}

/** Checksums of every state file, by name. */
async function stateSums(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const folder of ['state', 'ro']) {
    for (const name of await readdir(join(dir, folder)))
      if (name.endsWith('.db'))
        out[`${folder}/${name}`] = createHash('sha256')
          .update(readFileSync(join(dir, folder, name)))
          .digest('hex');
  }
  return out;
}

beforeAll(async () => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm run build first`);
  const jira = createJiraSimulator({ seed: 'demo', issues: 6 });
  const ado = createAzureDevOpsSimulator({ seed: 'empty' });
  servers = [await serveHandler(jira.handle), await serveHandler(ado.handle)];
  dir = await mkdtemp(join(tmpdir(), 'syncbridge-bad-inputs-'));
  chmodSync(dir, 0o755);
  env = {
    JIRA_URL: servers[0]!.baseUrl,
    JIRA_EMAIL: jira.users[0]!.email,
    JIRA_TOKEN: jira.users[0]!.apiToken,
    ADO_URL: `${servers[1]!.baseUrl}/demo-org`,
    ADO_PAT: ado.users[0]!.pat,
  };
  await mkdir(join(dir, 'state'));
  await mkdir(join(dir, 'ro'));
  await writeFile(join(dir, 'syncbridge.yaml'), good);
  await writeFile(join(dir, 'inactive.yaml'), baseYaml('state/inactive.db'));
  // An active integration with links, and an inactive one.
  await expectOk(['activate']);
  await expectOk(['run', '--once', '--log-level', 'error']);
  await expectOk(['activate', 'inactive.yaml']);
  await expectOk(['deactivate', 'inactive.yaml']);
  // A read-only copy of the active state, in a folder its user may write.
  await copyFile(join(dir, 'state/main.db'), join(dir, 'ro/state.db'));
  chmodSync(join(dir, 'ro'), 0o777);
  chmodSync(join(dir, 'ro/state.db'), 0o444);
  await writeFile(join(dir, 'readonly.yaml'), baseYaml('ro/state.db'));
  await writeFile(join(dir, 'blocker'), 'a regular file where a folder is expected\n');
  await writeFile(join(dir, 'state/garbage.db'), 'not a database\n'.repeat(100));
});

afterAll(async () => {
  await Promise.all((servers ?? []).map((s) => s.close()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Case {
  /** What is wrong, for the failure message; also the name of the config file the case writes. */
  name: string;
  args: string[];
  /** A config written to `<name>.yaml` (the args name it as `{config}`), or other files to write first. */
  config?: string;
  files?: Record<string, string>;
  /** Environment variables set (over the simulators') or left unset. */
  env?: NodeJS.ProcessEnv;
  unset?: string[];
  /** Run as an ordinary user on a read-only copy of the state. */
  readOnly?: boolean;
  code: number;
  /** Text the output must hold: the problem and the fix. */
  says: Array<string | RegExp>;
  /** Text it must not hold. */
  never?: Array<string | RegExp>;
}

const edit = (from: string, to: string) => {
  if (!good.includes(from)) throw new Error(`the base config has no ${from}`);
  return good.replace(from, to);
};
const withField = (field: string) =>
  edit(
    '      - { left: labels, right: System.Tags }\n',
    `      - { left: labels, right: System.Tags }\n      - ${field}\n`,
  );
const adapterOf = (kind: string) => edit('adapter: jira,', `adapter: ${JSON.stringify(kind)},`);
const statePath = (path: string) => edit('path: state/main.db', `path: ${path}`);
const sdkAdvice = /pass its factory|please report|unexpected error/;

const cases: Case[] = [
  // Configuration files (exit 3).
  {
    name: 'missing-file',
    args: ['validate', 'nope.yaml'],
    code: ExitCode.configInvalid,
    says: ['nope.yaml', 'cannot read the file (ENOENT)'],
  },
  {
    name: 'yaml-syntax',
    args: ['validate', '{config}'],
    config: 'version: 1\nsystems: { a: b: c }\n',
    code: ExitCode.configInvalid,
    says: [/- line 2, column \d+: [^\n]+\n/],
    never: [/at line \d+/],
  },
  { name: 'empty-file', args: ['validate', '{config}'], config: '', code: ExitCode.configInvalid, says: ['(root)'] },
  {
    name: 'bad-json',
    args: ['validate', 'bad.json'],
    files: { 'bad.json': '{ "version": 1,' },
    code: ExitCode.configInvalid,
    says: ['not valid JSON'],
  },
  {
    name: 'unknown-key',
    args: ['validate', '{config}'],
    config: edit('mappings:', 'mapings:'),
    code: ExitCode.configInvalid,
    says: ['mapings: unknown key; did you mean "mappings"?'],
  },
  {
    name: 'bad-base-url',
    args: ['validate', '{config}'],
    config: edit('"${env:ADO_URL}"', 'not-a-url'),
    code: ExitCode.configInvalid,
    says: ['systems.ado.baseUrl'],
  },
  {
    name: 'missing-env-validate',
    args: ['validate'],
    unset: ['JIRA_TOKEN', 'ADO_PAT'],
    code: ExitCode.configInvalid,
    says: ['environment variable JIRA_TOKEN is not set', 'systems.ado.auth.token'],
  },
  {
    name: 'missing-env-run',
    args: ['run', '--once'],
    unset: ['ADO_PAT'],
    code: ExitCode.configInvalid,
    says: ['environment variable ADO_PAT is not set'],
  },
  {
    name: 'missing-env-test-connection',
    args: ['test-connection'],
    unset: ['JIRA_URL'],
    code: ExitCode.configInvalid,
    says: ['environment variable JIRA_URL is not set'],
  },
  {
    name: 'unknown-system',
    args: ['validate', '{config}'],
    config: edit('right: { system: ado,', 'right: { system: azure,'),
    code: ExitCode.configInvalid,
    says: ['mappings[0].right.system: unknown system "azure"; defined: jira, ado'],
  },
  {
    name: 'unknown-value-map',
    args: ['validate', '{config}'],
    config: withField('{ left: priority, right: Microsoft.VSTS.Common.Priority, valueMap: prio }'),
    code: ExitCode.configInvalid,
    says: ['unknown value map "prio"; defined: priority'],
  },
  {
    name: 'ambiguous-value-map',
    args: ['validate', '{config}'],
    config: edit('{ left: Low, right: "4" }', '{ left: Low, right: "4" }, { left: Lowest, right: "4" }').replace(
      'fields:\n',
      'fields:\n      - { left: priority, right: Microsoft.VSTS.Common.Priority, valueMap: priority }\n',
    ),
    code: ExitCode.configInvalid,
    says: ['is not invertible rightToLeft', 'preferred: true'],
  },
  {
    name: 'duplicate-mapping',
    args: ['validate', '{config}'],
    config: good.replace(/( {2}- name: bugs[\s\S]*?System\.Tags \}\n)/, '$1$1'),
    code: ExitCode.configInvalid,
    says: ['duplicate mapping name "bugs"'],
  },
  {
    name: 'bad-direction',
    args: ['validate', '{config}'],
    config: withField('{ left: priority, right: Microsoft.VSTS.Common.Priority, direction: up }'),
    code: ExitCode.configInvalid,
    says: ['mappings[0].fields[2].direction'],
  },
  {
    name: 'no-fields',
    args: ['validate', '{config}'],
    config: good.replace(/ {4}fields:\n[\s\S]*?(?=state:)/, '    fields: []\n'),
    code: ExitCode.configInvalid,
    says: ['at least one field mapping'],
  },
  {
    name: 'tls-file',
    args: ['validate', '{config}'],
    config: edit('adapter: azure-devops,', 'adapter: azure-devops, tls: { caFile: ./no-such-ca.pem },'),
    code: ExitCode.configInvalid,
    says: ['systems.ado.tls.caFile: the file ./no-such-ca.pem cannot be read'],
  },
  // Adapters (exit 3): the CLI names them, suggests, and gives no SDK advice.
  ...(['validate', 'activate', 'run'] as const).map((command) => ({
    name: `adapter-typo-${command}`,
    args: [command, '{config}'],
    config: adapterOf('jiraa'),
    code: ExitCode.configInvalid,
    says: ['systems.jira.adapter: unknown adapter "jiraa"; did you mean "jira"?', 'Built in: jira, azure-devops'],
    never: [sdkAdvice],
  })),
  {
    name: 'adapter-unknown',
    args: ['validate', '{config}'],
    config: adapterOf('github'),
    code: ExitCode.configInvalid,
    says: ['unknown adapter "github"', 'a path to a connector module'],
    never: [sdkAdvice, 'did you mean'],
  },
  {
    name: 'option-typo-validate',
    args: ['validate', '{config}'],
    config: edit('adapter: azure-devops,', 'adapter: azure-devops, options: { pagesize: 50 },'),
    code: ExitCode.configInvalid,
    says: ['systems.ado.options.pagesize: unknown key; did you mean "pageSize"?'],
  },
  {
    name: 'option-typo-run',
    args: ['run', '--once', '{config}'],
    config: edit('adapter: azure-devops,', 'adapter: azure-devops, options: { pagesize: 50 },'),
    code: ExitCode.configInvalid,
    says: ['did you mean "pageSize"?'],
  },
  ...(['validate', 'deactivate'] as const).map((command) => ({
    name: `module-missing-${command}`,
    args: [command, '{config}'],
    config: adapterOf('./connectors/ticketbox.mjs'),
    code: ExitCode.configInvalid,
    says: [
      'systems.jira.adapter: connector module "./connectors/ticketbox.mjs" not found',
      join('connectors', 'ticketbox.mjs'),
    ],
    never: [sdkAdvice],
  })),
  ...(['validate', 'run', 'retry'] as const).map((command) => ({
    name: `module-throws-${command}`,
    args: [command, '{config}'],
    config: adapterOf('./throws.mjs'),
    files: { 'throws.mjs': "throw new Error('TICKETBOX_URL must be set');\n" },
    code: ExitCode.configInvalid,
    says: ['connector module "./throws.mjs" threw while loading', 'Error: TICKETBOX_URL must be set'],
    never: [sdkAdvice],
  })),
  {
    name: 'module-no-factory',
    args: ['validate', '{config}'],
    config: adapterOf('./empty.mjs'),
    files: { 'empty.mjs': 'export const nothing = 1;\n' },
    code: ExitCode.configInvalid,
    says: ['exports no connector factory'],
  },
  // State files (exit 6; validate lists them among the config problems, exit 3).
  ...(['run', 'activate', 'deactivate', 'retry', 'status'] as const).map((command) => ({
    name: `readonly-state-${command}`,
    args: [command, 'readonly.yaml'],
    readOnly: true,
    code: ExitCode.stateStore,
    says: ['STATE_STORE', 'ro/state.db is read-only', 'make the file and its folder writable'],
  })),
  {
    name: 'readonly-state-validate',
    args: ['validate', 'readonly.yaml'],
    readOnly: true,
    code: ExitCode.configInvalid,
    says: ['state.path:', 'is read-only'],
  },
  ...(['run', 'status'] as const).map((command) => ({
    name: `state-below-file-${command}`,
    args: [command, '{config}'],
    config: statePath('blocker/state.db'),
    code: ExitCode.stateStore,
    says: ['STATE_STORE', 'blocker/state.db', 'a part of its folder path is a file', 'set state.path'],
  })),
  {
    name: 'state-below-file-validate',
    args: ['validate', '{config}'],
    config: statePath('blocker/state.db'),
    code: ExitCode.configInvalid,
    says: ['state.path:', 'blocker is a file'],
  },
  {
    name: 'state-not-sqlite',
    args: ['status', '{config}'],
    config: statePath('state/garbage.db'),
    code: ExitCode.stateStore,
    says: ['state/garbage.db is not a SQLite state file'],
  },
  // Integration state (exit 5) and what changed.
  {
    name: 'run-inactive',
    args: ['run', '--once', 'inactive.yaml'],
    code: ExitCode.integrationState,
    says: ['is not active; activate it first'],
  },
  {
    name: 'retry-inactive',
    args: ['retry', '--item', 'DEMO-1', 'inactive.yaml'],
    code: ExitCode.integrationState,
    says: ['is not active'],
  },
  {
    name: 'field-added-run',
    args: ['run', '--once', '{config}'],
    config: withField('{ left: priority, right: Microsoft.VSTS.Common.Priority, valueMap: priority }'),
    code: ExitCode.integrationState,
    says: [
      'mappings[0].fields[2] (priority ↔ Microsoft.VSTS.Common.Priority) added',
      'syncbridge deactivate, then syncbridge activate',
    ],
  },
  {
    name: 'field-added-status',
    args: ['status', '{config}'],
    config: withField('{ left: priority, right: Microsoft.VSTS.Common.Priority, valueMap: priority }'),
    code: ExitCode.ok,
    says: [
      'active, but the configuration changed since activation',
      'mappings[0].fields[2] (priority ↔ Microsoft.VSTS.Common.Priority) added',
    ],
  },
  {
    name: 'conflicts-changed-retry',
    args: ['retry', '{config}'],
    config: edit('    fields:\n', '    conflicts: leftWins\n    fields:\n'),
    code: ExitCode.integrationState,
    says: ['mappings[0].conflicts changed'],
  },
  // A changed environment variable behind a base URL: unreachable is a connection error.
  {
    name: 'base-url-env-unreachable',
    args: ['run', '--once'],
    env: { JIRA_URL: 'http://127.0.0.1:1' },
    code: ExitCode.connection,
    says: ['TCP_REFUSED', '127.0.0.1:1'],
    never: ['configuration'],
  },
  {
    name: 'base-url-env-other-system',
    args: ['status'],
    env: { ADO_URL: 'http://127.0.0.1:1/other-org' },
    code: ExitCode.ok,
    says: ['systems.ado.baseUrl changed (now http://127.0.0.1:1/other-org)'],
  },
  {
    name: 'wrong-token',
    args: ['test-connection', '--system', 'jira'],
    env: { JIRA_TOKEN: 'wrong-token-1234' },
    code: ExitCode.connection,
    says: ['FAILED at the'],
    never: ['wrong-token-1234'],
  },
  // Flags and selectors (exit 2).
  { name: 'unknown-command', args: ['sync'], code: ExitCode.usage, says: ["unknown command 'sync'"] },
  { name: 'unknown-option', args: ['run', '--onse'], code: ExitCode.usage, says: ["unknown option '--onse'"] },
  { name: 'bad-log-level', args: ['run', '--log-level', 'loud'], code: ExitCode.usage, says: ['loud'] },
  {
    name: 'bad-take',
    args: ['retry', '--take', 'middle'],
    code: ExitCode.usage,
    says: ['--take must be left or right'],
  },
  {
    name: 'unknown-system-flag',
    args: ['test-connection', '--system', 'jra'],
    code: ExitCode.usage,
    says: ['unknown system "jra"; defined: jira, ado'],
  },
  { name: 'discover-no-system', args: ['discover'], code: ExitCode.usage, says: ["required option '--system <id>'"] },
  {
    name: 'links-unknown-pair',
    args: ['links', '--pair', 'bug'],
    code: ExitCode.usage,
    says: ['no mapping is named "bug"'],
  },
  { name: 'unlink-unknown-item', args: ['unlink', '--item', 'NOPE-1'], code: ExitCode.usage, says: ['NOPE-1'] },
  { name: 'discard-unknown-item', args: ['discard', '--item', 'NOPE-2'], code: ExitCode.usage, says: ['NOPE-2'] },
  { name: 'retry-unknown-item', args: ['retry', '--item', 'NOPE-3'], code: ExitCode.usage, says: ['NOPE-3'] },
  {
    name: 'simulate-unknown',
    args: ['simulate', 'github'],
    code: ExitCode.usage,
    says: ['unknown system "github"; known: jira, azure-devops'],
  },
  {
    name: 'simulate-bad-port',
    args: ['simulate', 'jira', '--port', '99999'],
    code: ExitCode.usage,
    says: ['expected a number from 0 to 65535'],
  },
  {
    name: 'init-no-flags',
    args: ['init', '--out', 'new.yaml'],
    code: ExitCode.usage,
    says: ['missing --left-adapter, --left-url, --left-token-env, --right-adapter', '--right-type; without a terminal'],
  },
  {
    name: 'init-bad-url',
    args: [
      'init',
      '--left-adapter',
      'jira',
      '--left-url',
      'jira.example',
      '--left-email',
      'a@b.c',
      '--left-token-env',
      'JIRA_TOKEN',
      '--right-adapter',
      'azure-devops',
      '--right-url',
      'http://x',
      '--right-token-env',
      'ADO_PAT',
      '--left-project',
      'P',
      '--left-type',
      'Bug',
      '--right-project',
      'P',
      '--right-type',
      'Bug',
      '--yes',
      '--out',
      'new.yaml',
    ],
    code: ExitCode.usage,
    says: ['--left-url: "jira.example" is not an http(s) URL'],
  },
  // Sheets.
  {
    name: 'sheet-missing',
    args: ['value-map', 'import', 'syncbridge.yaml', 'nope.xlsx', '--offline', '--dry-run'],
    code: ExitCode.configInvalid,
    says: ['nope.xlsx', 'cannot read the file'],
  },
  {
    name: 'sheet-not-a-workbook',
    args: ['value-map', 'import', 'syncbridge.yaml', 'fake.xlsx', '--offline', '--dry-run'],
    files: { 'fake.xlsx': 'just text' },
    code: ExitCode.configInvalid,
    says: ['fake.xlsx'],
  },
  {
    name: 'export-below-file',
    args: ['value-map', 'export', 'syncbridge.yaml', '--offline', '--out', 'blocker/maps.xlsx'],
    code: ExitCode.usage,
    says: ['cannot write there', 'choose another output file'],
  },
  // What a system refuses (exit 7).
  {
    name: 'discover-unknown-project',
    args: ['discover', '--system', 'ado', '--project', 'Nope'],
    code: ExitCode.refused,
    says: ['Nope'],
  },
];

describe('the syncbridge bin given bad input', () => {
  it(`ends each of ${cases.length} bad inputs with its documented exit code and a message, never a stack trace, and changes no state file`, async () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    for (const c of cases) {
      if (c.config !== undefined) await writeFile(join(dir, `${c.name}.yaml`), c.config);
      for (const [file, text] of Object.entries(c.files ?? {})) await writeFile(join(dir, file), text);
    }
    const before = await stateSums();
    // In batches, so two cores are kept busy and no more.
    for (let i = 0; i < cases.length; i += 8) {
      const batch = cases.slice(i, i + 8);
      const results = await Promise.all(
        batch.map((c) => {
          const caseEnv = Object.fromEntries(
            Object.entries({ ...env, ...c.env }).filter(([name]) => !c.unset?.includes(name)),
          );
          return run(
            c.args.map((a) => (a === '{config}' ? `${c.name}.yaml` : a)),
            { env: caseEnv, ...(c.readOnly ? { user: asOrdinaryUser } : {}) },
          );
        }),
      );
      batch.forEach((c, n) => {
        const { code, stdout, stderr } = results[n]!;
        const output = stdout + stderr;
        const what = `${c.name} (syncbridge ${c.args.join(' ')}):\n${output}`;
        // Soft: one run lists every case that fails.
        expect.soft(output, what).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
        expect.soft(output, what).not.toMatch(/please report|unexpected error/);
        expect.soft(code, what).toBe(c.code);
        for (const text of c.says)
          expect
            .soft(output, what)
            .toMatch(typeof text === 'string' ? new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : text);
        for (const text of c.never ?? [])
          expect
            .soft(output, what)
            .not.toMatch(typeof text === 'string' ? new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : text);
      });
      expect.soft(await stateSums(), `state changed by ${batch.map((c) => c.name).join(', ')}`).toEqual(before);
    }
  }, 300_000);
});
