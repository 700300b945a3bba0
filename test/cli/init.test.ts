import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, silentLogger, type Connector, type FieldDescriptor, type UserRef } from 'syncbridge';
import { jiraConnector } from 'syncbridge/jira';
import { azureDevOpsConnector } from 'syncbridge/azure-devops';
import { startJiraSimulatorServer, type JiraSimulatorServer } from 'syncbridge/testing/jira';
import { startAzureDevOpsSimulatorServer, type AzureDevOpsSimulatorServer } from 'syncbridge/testing/azure-devops';
import type { CliIo } from '../../src/cli/io.js';
import { readlinePrompt } from '../../src/cli/init/prompts.js';
import { proposeFields } from '../../src/cli/init/propose.js';
import { proposeUserMap } from '../../src/cli/init/propose-users.js';
import { runCli } from '../../src/cli/program.js';

let jira: JiraSimulatorServer;
let ado: AzureDevOpsSimulatorServer;
let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  [jira, ado] = await Promise.all([
    startJiraSimulatorServer({ seed: 'demo' }),
    startAzureDevOpsSimulatorServer({ seed: 'demo' }),
  ]);
  dir = await mkdtemp(join(tmpdir(), 'syncbridge-init-'));
  env = { JIRA_TOKEN: jira.users[0]!.apiToken, ADO_PAT: ado.users[0]!.pat };
});

afterAll(async () => {
  await Promise.all([jira?.close(), ado?.close()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI in-process, capturing what it prints. */
async function cli(args: string[], options: { env?: NodeJS.ProcessEnv; answers?: string[] } = {}) {
  let stdout = '';
  let stderr = '';
  const answers = [...(options.answers ?? [])];
  const questions: string[] = [];
  const io: CliIo = {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: options.env ?? env,
    cwd: dir,
    isTty: options.answers !== undefined,
    stopSignal: new Promise(() => {}),
    ...(options.answers
      ? {
          prompt: async (question: string) => {
            questions.push(question);
            return answers.shift() ?? '';
          },
        }
      : {}),
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr, questions };
}

const jiraFlags = () => [
  '--left-adapter',
  'jira',
  '--left-url',
  jira.baseUrl,
  '--left-email',
  jira.users[0]!.email,
  '--left-token-env',
  'JIRA_TOKEN',
];
const adoFlags = () => ['--right-adapter', 'azure-devops', '--right-url', ado.baseUrl, '--right-token-env', 'ADO_PAT'];
const pickFlags = ['--left-project', 'DEMO', '--left-type', 'Bug', '--right-project', 'Demo', '--right-type', 'Bug'];

describe('syncbridge init', () => {
  it('writes a commented config from flags that validates, activates and syncs both simulators', async () => {
    const result = await cli([
      'init',
      ...jiraFlags(),
      ...adoFlags(),
      ...pickFlags,
      '--name',
      'bugs',
      '--out',
      'syncbridge.yaml',
      '--yes',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('wrote syncbridge.yaml');

    const file = join(dir, 'syncbridge.yaml');
    const text = await readFile(file, 'utf8');
    expect(text).toContain('${env:JIRA_TOKEN}');
    expect(text).not.toContain(jira.users[0]!.apiToken);
    expect(text).not.toContain(ado.users[0]!.pat);
    expect(text).toMatch(/^# syncbridge configuration written by `syncbridge init`/);
    expect(text).toMatch(/# Summary \(summary\) ↔ Title \(System.Title\): well-known pair/);
    // Status and State share no value names: both sides' values are listed for a person to pair.
    expect(text).toContain('# unmatched left values: To Do, In Progress, In Review, Done — add pairs');
    expect(text).toContain('# unmatched right values: New, Active, Resolved, Closed — add pairs');
    expect(text).toMatch(/#\s+- \{ left: status, right: System.State, valueMap: status \}/);

    const config = await loadConfig(file, { env });
    const mapping = config.mappings[0]!;
    expect(mapping.name).toBe('bugs');
    expect(mapping.left).toMatchObject({ system: 'jira', project: 'DEMO', type: 'Bug' });
    expect(mapping.right).toMatchObject({ system: 'azure-devops', project: 'Demo', type: 'Bug' });
    const pairs = mapping.fields.map((f) => `${f.left}↔${f.right}:${f.direction}`);
    expect(pairs).toEqual(
      expect.arrayContaining([
        'summary↔System.Title:both',
        'description↔System.Description:both',
        'assignee↔System.AssignedTo:both',
        'labels↔System.Tags:both',
        'reporter↔System.CreatedBy:rightToLeft',
        // The engine converts dates and datetimes both ways.
        'duedate↔Microsoft.VSTS.Scheduling.DueDate:both',
      ]),
    );
    // A lookup pair with no value in common would fail every item, so it is not live yet.
    expect(pairs.some((p) => p.startsWith('status↔'))).toBe(false);
    expect(config.valueMaps.status?.pairs).toEqual([]);
    expect(mapping.comments?.direction).toBe('both');
    expect(config.state).toEqual({ store: 'sqlite', path: '.syncbridge/state.db' });

    expect((await cli(['validate', 'syncbridge.yaml'])).code).toBe(0);
    const activated = await cli(['activate', 'syncbridge.yaml']);
    expect(activated.stderr).toBe('');
    expect(activated.code).toBe(0);
    const run = await cli(['run', '--once', 'syncbridge.yaml']);
    expect(run.code).toBe(0);
    const created = /created (\d+)/.exec(run.stdout);
    expect(Number(created?.[1])).toBeGreaterThan(0);
    expect(run.stdout).toContain('failures 0');
  });

  it('stops with exit 4 and the diagnosis when a token is refused, writing nothing', async () => {
    const result = await cli(['init', ...jiraFlags(), ...adoFlags(), ...pickFlags, '--out', 'refused.yaml', '--yes'], {
      env: { ...env, ADO_PAT: 'not-a-valid-pat' },
    });
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/Connection test of "azure-devops" FAILED at the \w+ stage \(AUTH\)/);
    expect(result.stderr).not.toContain('not-a-valid-pat');
    await expect(readFile(join(dir, 'refused.yaml'), 'utf8')).rejects.toThrow();
  });

  it('names every missing flag in one message with exit 2 when there is no terminal to ask on', async () => {
    const missingPicks = await cli([
      'init',
      ...jiraFlags(),
      ...adoFlags(),
      '--left-project',
      'DEMO',
      '--right-type',
      'Bug',
      '--out',
      'missing.yaml',
      '--yes',
    ]);
    expect(missingPicks.code).toBe(2);
    expect(missingPicks.stderr).toContain(
      'missing --left-type (available: Bug, Story, Task, Epic, Subtask), --right-project (available on azure-devops: Demo',
    );

    const missingMany = await cli([
      'init',
      '--left-adapter',
      'jira',
      '--left-url',
      jira.baseUrl,
      '--out',
      'missing.yaml',
    ]);
    expect(missingMany.code).toBe(2);
    const listed =
      '--left-token-env, --left-email, --right-adapter, --right-url, --right-token-env, --yes, --left-project, --left-type, --right-project, --right-type';
    expect(missingMany.stderr).toBe(`missing ${listed}; without a terminal every answer must be given as a flag\n`);
    await expect(readFile(join(dir, 'missing.yaml'), 'utf8')).rejects.toThrow();
  });

  it('refuses a secret on the command line and an unset variable', async () => {
    // Every other flag given: a script that gives them all learns about the one bad value.
    const rest = ['--left-email', jira.users[0]!.email, ...adoFlags(), ...pickFlags, '--yes'];
    const secret = await cli([
      'init',
      '--left-adapter',
      'jira',
      '--left-url',
      jira.baseUrl,
      '--left-token-env',
      'demo-token:secret',
      ...rest,
      '--out',
      'secret.yaml',
    ]);
    expect(secret.code).toBe(2);
    expect(secret.stderr).toContain('takes the name of an environment variable');
    const unset = await cli([
      'init',
      '--left-adapter',
      'jira',
      '--left-url',
      jira.baseUrl,
      '--left-token-env',
      'NOT_SET_ANYWHERE',
      ...rest,
      '--out',
      'unset.yaml',
    ]);
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain('--left-token-env: environment variable NOT_SET_ANYWHERE is not set');
    const pasted = await cli([
      'init',
      '--left-adapter',
      'jira',
      '--left-url',
      jira.baseUrl,
      '--left-token-env',
      'atat3xFfGF0kL9q',
      ...rest,
      '--out',
      'pasted.yaml',
    ]);
    expect(pasted.code).toBe(2);
    expect(pasted.stderr).toContain('--left-token-env: the environment variable is not set');
    expect(pasted.stderr).not.toContain('atat3xFfGF0kL9q');
  });

  it('does not overwrite an existing file without --force', async () => {
    await writeFile(join(dir, 'taken.yaml'), 'keep me\n');
    const result = await cli(['init', ...jiraFlags(), ...adoFlags(), ...pickFlags, '--out', 'taken.yaml', '--yes']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('taken.yaml already exists; pass --force');
    expect(await readFile(join(dir, 'taken.yaml'), 'utf8')).toBe('keep me\n');
  });

  it('pairs every same-named field and value between two Jira sites', async () => {
    const other = await startJiraSimulatorServer({ seed: 'demo' });
    try {
      const otherFlags = [
        '--right-adapter',
        'jira',
        '--right-url',
        other.baseUrl,
        '--right-email',
        other.users[0]!.email,
        '--right-token-env',
        'OTHER_TOKEN',
      ];
      const result = await cli(
        [
          'init',
          ...jiraFlags(),
          ...otherFlags,
          '--left-project',
          'DEMO',
          '--left-type',
          'Story',
          '--right-project',
          'DEMO',
          '--right-type',
          'Story',
          '--out',
          'jira-jira.yaml',
          '--yes',
        ],
        {
          env: { ...env, OTHER_TOKEN: other.users[0]!.apiToken },
        },
      );
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const config = await loadConfig(join(dir, 'jira-jira.yaml'), { env: { ...env, OTHER_TOKEN: 'x' } });
      expect(Object.keys(config.systems)).toEqual(['jira', 'jira-right']);
      const fields = config.mappings[0]!.fields;
      expect(fields.find((f) => f.left === 'status')).toMatchObject({
        right: 'status',
        direction: 'both',
        valueMap: 'status',
      });
      expect(config.valueMaps.priority?.pairs.map((p) => p.left)).toEqual([
        'Highest',
        'High',
        'Medium',
        'Low',
        'Lowest',
      ]);
      // Read-only on both sides: nothing to write, so not proposed.
      expect(fields.some((f) => f.left === 'created')).toBe(false);
    } finally {
      await other.close();
    }
  });

  it('asks on a terminal for what the flags leave out', async () => {
    const answers = [
      'jira',
      jira.baseUrl,
      '',
      '',
      jira.users[0]!.email,
      '',
      'azure-devops',
      ado.baseUrl,
      '',
      'ADO_PAT',
      '',
      'DEMO',
      'Bug',
      'Demo',
      'Bug',
      'y',
      '',
    ];
    const result = await cli(['init', '--out', 'asked.yaml'], {
      answers,
      env: { JIRA_TOKEN: env.JIRA_TOKEN, ADO_PAT: env.ADO_PAT },
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(
      result.questions.some((q) => q.startsWith('environment variable holding the left secret [JIRA_TOKEN]')),
    ).toBe(true);
    const config = await loadConfig(join(dir, 'asked.yaml'), { env });
    expect(config.mappings[0]).toMatchObject({
      name: 'demo-bug',
      left: { project: 'DEMO', type: 'Bug' },
      right: { project: 'Demo', type: 'Bug' },
    });
  });

  it('asks again on a terminal when an answer is wrong, instead of starting over', async () => {
    const answers = [
      'jria',
      'jira',
      'acme.atlassian.net',
      jira.baseUrl,
      'token',
      '',
      'JIRA_TOKEN_TYPO',
      'JIRA_TOKEN',
      jira.users[0]!.email,
      'my jira',
      '',
      'azure-devops',
      ado.baseUrl,
      '',
      'ADO_PAT',
      '',
      'DEMO',
      'Bug',
      'Demo',
      'Bug',
      'y',
      '',
    ];
    const result = await cli(['init', '--out', 'retyped.yaml'], {
      answers,
      env: { JIRA_TOKEN: env.JIRA_TOKEN, ADO_PAT: env.ADO_PAT },
    });
    expect(result.code).toBe(0);
    expect(result.stderr.split('\n').filter(Boolean)).toEqual([
      '"jria" is not a built-in adapter (jira, azure-devops) nor a connector module path (./my-connector.js); please try again',
      '"acme.atlassian.net" is not an http(s) URL; please try again',
      'must be one of apiToken, pat, basic, bearer, oauth, none; please try again',
      expect.stringMatching(
        /^environment variable JIRA_TOKEN_TYPO is not set; export it before running init, or name the variable that holds the secret .*; please try again$/,
      ),
      '"my jira" may hold letters, digits, dot, dash and underscore only; please try again',
    ]);
    const config = await loadConfig(join(dir, 'retyped.yaml'), { env });
    expect(config.systems.jira).toMatchObject({
      adapter: 'jira',
      baseUrl: jira.baseUrl,
      auth: { type: 'apiToken', email: jira.users[0]!.email },
    });
  });

  it('takes a numbered choice or the text itself on a real terminal prompt', async () => {
    const ask = async (typed: string) => {
      const input = new PassThrough();
      const output = new PassThrough();
      let shown = '';
      output.on('data', (chunk: Buffer) => (shown += chunk.toString()));
      const answer = readlinePrompt(input, output)('left entity type (DEMO):', ['Bug', 'Story', 'Task']);
      input.end(`${typed}\n`);
      return { answer: await answer, shown };
    };
    const byNumber = await ask('2');
    expect(byNumber.answer).toBe('Story');
    expect(byNumber.shown).toContain('  3) Task\n');
    expect((await ask(' Task ')).answer).toBe('Task');
  });
});

describe('syncbridge init with people whose e-mail addresses differ', () => {
  let emptyJira: JiraSimulatorServer;
  let emptyAdo: AzureDevOpsSimulatorServer;
  beforeAll(async () => {
    [emptyJira, emptyAdo] = await Promise.all([
      startJiraSimulatorServer({ seed: 'empty' }),
      startAzureDevOpsSimulatorServer({ seed: 'empty' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([emptyJira?.close(), emptyAdo?.close()]);
  });

  const connect = (adapter: 'jira' | 'azure-devops', baseUrl: string, auth: UserRef & { token: string }): Connector =>
    adapter === 'jira'
      ? jiraConnector.create(
          { id: 'jira', adapter, baseUrl, auth: { type: 'apiToken', email: auth.email!, token: auth.token } },
          {},
          { logger: silentLogger },
        )
      : azureDevOpsConnector.create(
          { id: 'ado', adapter, baseUrl, auth: { type: 'pat', token: auth.token } },
          {},
          { logger: silentLogger },
        );

  it('proposes a user map by display name, and the written config carries an assignee both ways', async () => {
    const flags = [
      '--left-adapter',
      'jira',
      '--left-url',
      emptyJira.baseUrl,
      '--left-email',
      emptyJira.users[0]!.email,
      '--left-token-env',
      'JIRA_TOKEN',
      '--right-adapter',
      'azure-devops',
      '--right-url',
      emptyAdo.baseUrl,
      '--right-token-env',
      'ADO_PAT',
    ];
    const people = { JIRA_TOKEN: emptyJira.users[0]!.apiToken, ADO_PAT: emptyAdo.users[0]!.pat };
    const result = await cli(
      ['init', ...flags, ...pickFlags, '--name', 'people', '--out', 'people/syncbridge.yaml', '--yes'],
      { env: people },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('proposed user map: 4 people paired by display name, 0 left without a pair');

    const file = join(dir, 'people', 'syncbridge.yaml');
    const text = await readFile(file, 'utf8');
    expect(text).toContain('# Ana Silva: same display name; e-mails differ (ana@example.com / ana.silva@contoso.com)');
    expect(text).toContain('# Chen Wei: same display name; the left e-mail is hidden, so the account id is used');
    const config = await loadConfig(file, { env: people });
    expect(config.mappings[0]!.users?.valueMap).toBe('people');
    expect(config.valueMaps.people?.pairs).toEqual([
      { left: 'ana@example.com', right: 'ana.silva@contoso.com' },
      { left: '712020:00000003-chen', right: 'chen.wei@contoso.com' },
      { left: 'emil@example.com', right: 'emil.novak@contoso.com' },
      { left: '712020:00000006-farah', right: 'farah@example.com' },
    ]);

    // Ana files a Jira bug for herself; Ben assigns an Azure DevOps bug to Ana.
    const jiraUser = (email: string) => emptyJira.users.find((u) => u.email === email)!;
    const adoUser = (email: string) => emptyAdo.users.find((u) => u.email === email)!;
    const anaInJira = connect('jira', emptyJira.baseUrl, {
      id: 'ana',
      email: 'ana@example.com',
      token: jiraUser('ana@example.com').apiToken,
    });
    const benInAdo = connect('azure-devops', emptyAdo.baseUrl, { id: 'ben', token: adoUser('ben@example.com').pat });
    const origin = { system: 'manual', id: '1' };
    const [filed] = await anaInJira.create([
      {
        project: 'DEMO',
        type: 'Bug',
        fields: { summary: 'Ana files this', assignee: { id: '712020:00000001-ana' } },
        origin,
      },
    ]);
    const [assigned] = await benInAdo.create([
      {
        project: 'Demo',
        type: 'Bug',
        fields: { 'System.Title': 'Ben gives this to Ana', 'System.AssignedTo': { id: 'ana.silva@contoso.com' } },
        origin,
      },
    ]);
    expect(filed?.ok && assigned?.ok).toBe(true);

    expect((await cli(['activate', 'people/syncbridge.yaml'], { env: people })).code).toBe(0);
    const run = await cli(['run', '--once', 'people/syncbridge.yaml'], { env: people });
    expect(run.stdout).toContain('failures 0');

    const botInJira = connect('jira', emptyJira.baseUrl, {
      id: 'bot',
      email: emptyJira.users[0]!.email,
      token: emptyJira.users[0]!.apiToken,
    });
    const botInAdo = connect('azure-devops', emptyAdo.baseUrl, { id: 'bot', token: emptyAdo.users[0]!.pat });
    const [inAdo] = await botInAdo.findByField({
      project: 'Demo',
      type: 'Bug',
      field: 'System.Title',
      values: ['Ana files this'],
      fields: ['System.AssignedTo'],
    });
    expect(inAdo?.fields['System.AssignedTo']).toMatchObject({ id: 'ana.silva@contoso.com' });
    const [inJira] = await botInJira.findByField({
      project: 'DEMO',
      type: 'Bug',
      field: 'summary',
      values: ['Ben gives this to Ana'],
      fields: ['assignee'],
    });
    expect(inJira?.fields.assignee).toMatchObject({ id: '712020:00000001-ana', displayName: 'Ana Silva' });
  });
});

describe('init proposals', () => {
  const field = (
    id: string,
    name: string,
    kind: FieldDescriptor['kind'],
    extra: Partial<FieldDescriptor> = {},
  ): FieldDescriptor => ({ id, name, kind, required: false, ...extra });
  const values = (...names: string[]) => ({ allowedValues: names.map((name) => ({ name })) });

  it('pairs the values that share a name and lists the rest for a person', () => {
    const { fields } = proposeFields(
      { adapter: 'tracker', fields: [field('sev', 'Severity', 'lookup', values('Critical', 'Major', 'minor'))] },
      {
        adapter: 'other',
        fields: [field('severity_level', 'severity-level', 'lookup', values('Minor', 'CRITICAL', 'Cosmetic'))],
      },
    );
    expect(fields).toHaveLength(0); // "Severity" and "severity-level" are different names

    const proposal = proposeFields(
      { adapter: 'tracker', fields: [field('sev', 'Severity', 'lookup', values('Critical', 'Major', 'minor'))] },
      { adapter: 'other', fields: [field('severity', 'severity', 'lookup', values('Minor', 'CRITICAL', 'Cosmetic'))] },
    );
    const [severity] = proposal.fields;
    expect(severity?.enabled).toBe(true);
    expect(severity?.valueMap?.pairs).toEqual([
      { left: 'Critical', right: 'CRITICAL' },
      { left: 'minor', right: 'Minor' },
    ]);
    expect(severity?.valueMap?.unmatched).toEqual({ left: ['Major'], right: ['Cosmetic'] });
  });

  it('pairs people by display name only where their e-mails differ and the name is unambiguous', () => {
    const left: UserRef[] = [
      { id: 'a1', email: 'jose@acme.example', displayName: 'José Núñez' },
      { id: 'a2', email: 'kim@shared.example', displayName: 'Kim Lee' },
      { id: 'a3', email: null, displayName: 'Sam Park' },
      { id: 'a4', email: 'max@acme.example', displayName: 'Max Roe' },
    ];
    const right: UserRef[] = [
      { id: 'jose.nunez@fabrikam.example', email: 'jose.nunez@fabrikam.example', displayName: 'jose  nunez' },
      { id: 'kim@shared.example', email: 'kim@shared.example', displayName: 'Kim Lee' },
      { id: 'sam1@fabrikam.example', email: 'sam1@fabrikam.example', displayName: 'Sam Park' },
      { id: 'sam2@fabrikam.example', email: 'sam2@fabrikam.example', displayName: 'Sam Park' },
    ];
    const map = proposeUserMap(left, right);
    expect(map.pairs.map(({ left, right }) => ({ left, right }))).toEqual([
      { left: 'jose@acme.example', right: 'jose.nunez@fabrikam.example' },
    ]);
    expect(map.unmatched).toEqual([
      'Sam Park (a3): 2 right users share the name',
      'Max Roe (max@acme.example): no right user with this e-mail or name',
    ]);
  });

  it('leaves out fields nobody can write, item references and kinds that do not fit', () => {
    const proposal = proposeFields(
      {
        adapter: 'tracker',
        fields: [
          field('created', 'Created', 'datetime', { writable: false }),
          field('parent', 'Parent', 'reference'),
          field('points', 'Points', 'number'),
          field('notes', 'Notes', 'text'),
        ],
      },
      {
        adapter: 'other',
        fields: [
          field('created_at', 'Created', 'datetime', { writable: false }),
          field('parent_id', 'Parent', 'reference'),
          field('points', 'Points', 'text'),
          field('notes', 'NOTES', 'richText'),
        ],
      },
    );
    expect(proposal.fields.map((f) => `${f.left.id}↔${f.right.id}`)).toEqual(['notes↔notes']);
    expect(proposal.unpaired.left.map((f) => f.id)).toEqual(['parent', 'points']);
  });
});
