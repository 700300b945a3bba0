import { copyFile, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzureDevOpsSimulatorServer, type AzureDevOpsSimulatorServer } from 'syncbridge/testing/azure-devops';
import { createJiraSimulator, startJiraSimulatorServer, type JiraSimulatorServer } from 'syncbridge/testing/jira';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';

let jira: JiraSimulatorServer;
let ado: AzureDevOpsSimulatorServer;
let dir: string;
let env: NodeJS.ProcessEnv;
const example = fileURLToPath(new URL('../../examples/jira-azure-devops/syncbridge.yaml', import.meta.url));

beforeAll(async () => {
  [jira, ado] = await Promise.all([
    startJiraSimulatorServer({ seed: 'demo' }),
    startAzureDevOpsSimulatorServer({ seed: 'demo' }),
  ]);
  dir = await mkdtemp(join(tmpdir(), 'syncbridge-cli-'));
  await copyFile(example, join(dir, 'syncbridge.yaml'));
  env = {
    JIRA_URL: jira.baseUrl,
    JIRA_TOKEN: jira.users[0]!.apiToken,
    ADO_URL: ado.baseUrl,
    ADO_PAT: ado.users[0]!.pat,
  };
});

afterAll(async () => {
  await Promise.all([jira?.close(), ado?.close()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/**
 * Runs the CLI in-process. Once stdout matches `stopWhen`, `meanwhile` runs (if given), then
 * the stop signal (Ctrl-C) is sent.
 */
async function cli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; stopWhen?: RegExp; meanwhile?: (stdout: string) => Promise<void> } = {},
) {
  let stdout = '';
  let stderr = '';
  let stop = () => {};
  let stopping = false;
  const stopSignal = new Promise<void>((resolve) => (stop = resolve));
  const io: CliIo = {
    stdout: (t) => {
      stdout += t;
      if (stopping || !options.stopWhen?.test(stdout)) return;
      stopping = true;
      void (options.meanwhile?.(stdout) ?? Promise.resolve()).finally(stop);
    },
    stderr: (t) => (stderr += t),
    env: options.env ?? env,
    cwd: dir,
    isTty: false,
    stopSignal,
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

describe('syncbridge CLI', () => {
  it('validates a good config and lists every problem of a broken one with exit code 3', async () => {
    expect(await cli(['validate'])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('valid (2 systems, 4 mappings, 11 field mappings)'),
    });
    await writeFile(
      join(dir, 'broken.yaml'),
      'version: 1\nsystems:\n  jira: { adapter: jira, baseUrl: nope, auth: { type: pat, token: "${env:NOT_SET}" } }\nmappings:\n  - name: bugs\n    left: { system: jira, project: P, type: Bug }\n    right: { system: ado, project: P, type: Bug }\n    fields: [{ left: a, right: b, direction: up }]\n',
    );
    const broken = await cli(['validate', 'broken.yaml']);
    expect(broken.code).toBe(3);
    expect(broken.stderr).toContain('broken.yaml: 4 problems in configuration');
    for (const path of [
      'systems.jira.baseUrl',
      'systems.jira.auth.token',
      'mappings[0].fields[0].direction',
      'mappings[0].right.system',
    ])
      expect(broken.stderr).toContain(`- ${path}:`);
  });

  it('diagnoses connections stage by stage, and fails with exit code 4 on bad credentials without printing them', async () => {
    const ok = await cli(['test-connection']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('Connection test of "jira" passed');
    expect(ok.stdout).toContain('Connection test of "ado" passed');
    const bad = await cli(['test-connection', '--system', 'jira'], {
      env: { ...env, JIRA_TOKEN: 'wrong-token-123456' },
    });
    expect(bad.code).toBe(4);
    expect(bad.stdout).toMatch(/FAILED at the (auth|http) stage/);
    expect(bad.stdout + bad.stderr).not.toContain('wrong-token-123456');
    // A token whose value is a plain word must not replace that word in the explanation.
    const word = await cli(['test-connection', '--system', 'jira'], { env: { ...env, JIRA_TOKEN: 'token' } });
    expect(word.code).toBe(4);
    expect(word.stdout).toContain('create a new token for the integration user');
    expect(word.stdout).not.toContain('***');
  });

  it('discovers projects, types and fields as tables', async () => {
    expect((await cli(['discover', '--system', 'jira'])).stdout).toMatch(/KEY\s+NAME[\s\S]*DEMO\s+Demo/);
    expect((await cli(['discover', '--system', 'ado', '--project', 'Demo'])).stdout).toContain('Bug');
    const fields = await cli(['discover', '--system', 'jira', '--project', 'DEMO', '--type', 'Bug']);
    expect(fields.stdout).toMatch(/priority\s+Priority\s+lookup\s+.*Highest, High, Medium, Low, Lowest/);
  });

  it('previews with dry-run, refuses to run while inactive, then runs, reports status and retries', async () => {
    const dry = await cli(['dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/\d+ writes planned; nothing was written/);
    expect(await cli(['run', '--once'])).toMatchObject({
      code: 5,
      stderr: expect.stringContaining('INTEGRATION_INACTIVE'),
    });
    expect((await cli(['activate'])).stdout).toContain('integration activated');
    const run = await cli(['run', '--once']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/created \d+ \(left \d+, right \d+\)/);
    const status = await cli(['status']);
    expect(status.stdout).toContain('integration default: active');
    expect(status.stdout).toMatch(/bugs\s+\d+\s+20\d\d-/);
    const json = JSON.parse((await cli(['status', '--json'])).stdout) as {
      pairs: Array<{ name: string; links: number }>;
    };
    expect(json.pairs.find((p) => p.name === 'bugs')!.links).toBeGreaterThan(100);
    // Right after a sync every linked pair corresponds through the mapping: nothing to reconcile.
    // Only the one-way status differs where a bug was filed in Azure DevOps: its state stays as
    // filed while its Jira twin starts the workflow; a reconcile would make the state follow Jira.
    const planned = JSON.parse((await cli(['reconcile', '--dry-run', '--json'])).stdout) as {
      writes: Array<{ side: string; fields: Record<string, unknown> }>;
    };
    expect(planned.writes.filter((w) => w.side !== 'right' || Object.keys(w.fields).join() !== 'System.State')).toEqual(
      [],
    );
    expect(await cli(['reconcile', '--dry-run', '--strategy', 'targetEmpty'])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('0 items would be changed; nothing was written'),
    });
    expect(await cli(['reconcile', '--field', 'summary=sideways'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--field takes field=strategy'),
    });
    expect((await cli(['retry'])).stdout).toBe('no queued failures to retry\n');
    expect(await cli(['discard', '--item', 'NOPE-1'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no queued failure of item "NOPE-1"'),
    });
    // A copy of the folder (config and state) runs as it is: where the state lives is no configuration change.
    const copy = await mkdtemp(join(tmpdir(), 'syncbridge-cli-copy-'));
    await cp(dir, copy, { recursive: true });
    const copied = join(copy, 'syncbridge.yaml');
    expect(await cli(['run', '--once', copied])).toMatchObject({ code: 0, stderr: '' });
    await writeFile(copied, (await readFile(copied, 'utf8')).replace('conflicts: newestWins', 'conflicts: leftWins'));
    expect(await cli(['run', '--once', copied])).toMatchObject({
      code: 5,
      stderr: expect.stringContaining('while it was active: mappings[0].conflicts changed. To apply the change'),
    });
    expect((await cli(['status', copied])).stdout).toContain(
      'integration default: active, but the configuration changed since activation, so runs are refused: mappings[0].conflicts changed',
    );
    await rm(copy, { recursive: true, force: true });
    expect((await cli(['deactivate'])).stdout).toContain('integration deactivated');
  }, 120_000);

  it('serves a simulator and prints its base URL and credentials as one JSON line', async () => {
    const out = await cli(['simulate', 'azure-devops', '--seed', 'empty', '--json'], { stopWhen: /\n/ });
    expect(out.code).toBe(0);
    const line = JSON.parse(out.stdout.trim()) as { baseUrl: string; users: Array<{ email: string; pat: string }> };
    expect(line.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/demo-org$/);
    expect(line.users[0]).toMatchObject({ email: 'sync-bot@example.com', pat: expect.any(String) });
    expect((await cli(['simulate', 'gitlab'])).code).toBe(2);
    const busy = await cli(['simulate', 'jira', '--port', new URL(jira.baseUrl).port]);
    expect(busy).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(`port ${new URL(jira.baseUrl).port} on 127.0.0.1 is in use`),
    });
  });

  it.each(['jira', 'azure-devops'])('prints the same %s credentials whatever the seed', async (system) => {
    const users = async (seed: string) =>
      (
        JSON.parse((await cli(['simulate', system, '--seed', seed, '--json'], { stopWhen: /\n/ })).stdout) as {
          users: unknown[];
        }
      ).users;
    const demo = await users('demo');
    expect(demo).toHaveLength(7);
    expect(await users('empty')).toEqual(demo);
  });

  it('seeds as many bugs as --items asks for', async () => {
    const found: Record<string, number> = {};
    for (const system of ['jira', 'azure-devops'] as const) {
      const out = await cli(['simulate', system, '--items', '7', '--json'], {
        stopWhen: /\n/,
        meanwhile: async (stdout) => {
          const { baseUrl, users } = JSON.parse(stdout.trim()) as {
            baseUrl: string;
            users: Array<{ email: string; apiToken?: string; pat?: string }>;
          };
          const bot = users[0]!;
          if (system === 'jira') {
            const headers = {
              authorization: `Basic ${Buffer.from(`${bot.email}:${bot.apiToken}`).toString('base64')}`,
              'content-type': 'application/json',
            };
            const page = (await (
              await fetch(`${baseUrl}/rest/api/3/search/jql`, {
                method: 'POST',
                headers,
                body: JSON.stringify({ jql: 'project = DEMO', maxResults: 100 }),
              })
            ).json()) as { issues: unknown[] };
            found.jira = page.issues.length;
          } else {
            const headers = {
              authorization: `Basic ${Buffer.from(`:${bot.pat}`).toString('base64')}`,
              'content-type': 'application/json',
            };
            const wiql = `${baseUrl}/Demo/_apis/wit/wiql?api-version=7.1`;
            const result = (await (
              await fetch(wiql, {
                method: 'POST',
                headers,
                body: JSON.stringify({
                  query: 'SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project',
                }),
              })
            ).json()) as { workItems: unknown[] };
            found.ado = result.workItems.length;
          }
        },
      });
      expect(out.code).toBe(0);
    }
    expect(found).toEqual({ jira: 7, ado: 7 });
    expect(await cli(['simulate', 'jira', '--items', '2.5'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('expected a whole number'),
    });
  });

  it('serves a simulator that acts on requests but loses the answers, with --lost-response-rate', async () => {
    let outcome: unknown;
    const out = await cli(['simulate', 'jira', '--seed', 'empty', '--lost-response-rate', '1', '--json'], {
      stopWhen: /\n/,
      meanwhile: async (stdout) => {
        const { baseUrl, users } = JSON.parse(stdout.trim()) as {
          baseUrl: string;
          users: Array<{ email: string; apiToken: string }>;
        };
        const authorization = `Basic ${Buffer.from(`${users[0]!.email}:${users[0]!.apiToken}`).toString('base64')}`;
        outcome = await fetch(`${baseUrl}/rest/api/3/myself`, { headers: { authorization } }).catch(
          (error: unknown) => error,
        );
      },
    });
    expect(out.code).toBe(0);
    expect(outcome).toBeInstanceOf(TypeError); // fetch failed: the connection dropped instead of an answer
    expect((await cli(['simulate', 'jira', '--lost-response-rate', '2'])).code).toBe(2);
  });

  it('exports value maps to a workbook and imports them back, refusing a bad sheet with its row and column', async () => {
    const exported = await cli(['value-map', 'export', 'syncbridge.yaml', '--out', 'maps.xlsx']);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/priority: \d+ rows/);
    expect(exported.stdout).toContain('maps.xlsx');
    expect(await cli(['value-map', 'import', 'syncbridge.yaml', 'maps.xlsx', '--dry-run'])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('no changes'),
    });

    expect((await cli(['value-map', 'export', 'syncbridge.yaml', '--out', 'maps.csv', '--offline'])).code).toBe(0);
    await writeFile(
      join(dir, 'maps.priority.csv'),
      'jira: priority,ado: Microsoft.VSTS.Common.Priority,Preferred,Note\nHighest,1,,\nHigh,,,\n',
    );
    const bad = await cli(['value-map', 'import', 'syncbridge.yaml', 'maps.csv', '--offline']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/priority.*row 3.*column B/s);
  });

  it('prints its version', async () => {
    const { version } = JSON.parse(
      await readFile(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8'),
    ) as { version: string };
    expect(await cli(['--version'])).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it('prints JSON log lines on stderr down to the --log-level of run', async () => {
    const flaky = createJiraSimulator({ seed: 'demo', issues: 3 });
    const served = await flaky.listen();
    try {
      const bot = flaky.users[0]!;
      const config = `version: 1
systems:
  jira: { adapter: jira, baseUrl: "${served.baseUrl}", auth: { type: apiToken, email: ${bot.email}, token: ${bot.apiToken} } }
  ado: { adapter: azure-devops, baseUrl: "${ado.baseUrl}", auth: { type: pat, token: ${ado.users[0]!.pat} } }
mappings:
  - { name: bugs, left: { system: jira, project: DEMO, type: Bug }, right: { system: ado, project: Demo, type: Bug }, fields: [{ left: summary, right: System.Title }] }
state: { store: sqlite, path: logs.db }
`;
      await writeFile(join(dir, 'logs.yaml'), config);
      expect((await cli(['activate', 'logs.yaml'])).code).toBe(0);
      flaky.failNext(1, 503);
      const debug = await cli(['run', '--once', '--log-level', 'debug', 'logs.yaml']);
      const lines = debug.stderr
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines).toContainEqual(
        expect.objectContaining({ level: 'debug', msg: 'retrying request', system: 'jira', reason: 'TRANSIENT' }),
      );
      flaky.failNext(1, 503);
      expect((await cli(['run', '--once', '--log-level', 'warn', 'logs.yaml'])).stderr).toBe('');
      expect((await cli(['run', '--once', '--log-level', 'loud', 'logs.yaml'])).code).toBe(2);
    } finally {
      await served.close();
    }
  });

  it('answers usage errors with exit code 2', async () => {
    expect((await cli(['frobnicate'])).code).toBe(2);
    expect((await cli(['retry', '--take', 'middle'])).code).toBe(2);
    expect(await cli(['test-connection', '--system', 'gitlab'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unknown system "gitlab"; defined: jira, ado'),
    });
  });

  it('exits 7 when a system refuses what was asked for', async () => {
    const missing = await cli(['discover', '--system', 'jira', '--project', 'NOPE']);
    expect(missing.code).toBe(7);
    expect(missing.stderr).toContain('NOPE');
  });
});
