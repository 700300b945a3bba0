import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadConfig } from 'syncbridge';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const env = {
  JIRA_URL: 'https://acme.atlassian.net',
  JIRA_TOKEN: 'example-token',
  ADO_URL: 'https://dev.azure.com/acme',
  ADO_PAT: 'example-pat',
};

async function validate(file: string) {
  let out = '';
  const io: CliIo = {
    stdout: (t) => (out += t),
    stderr: (t) => (out += t),
    env,
    cwd: root,
    isTty: false,
    stopSignal: Promise.resolve(),
  };
  return { code: await runCli(['validate', file], io), out };
}

describe('examples', () => {
  it('the YAML integration passes syncbridge validate', async () => {
    expect(await validate('examples/jira-azure-devops/syncbridge.yaml')).toMatchObject({
      code: 0,
      out: expect.stringContaining('valid'),
    });
  });

  it('the TypeScript integration passes the same validation and carries its transform', async () => {
    expect((await validate('examples/jira-azure-devops/integration.ts')).code).toBe(0);
    const config = await loadConfig(`${root}examples/jira-azure-devops/integration.ts`, { env });
    const title = config.mappings[0]!.fields[0]!.transform!.leftToRight!('x'.repeat(300), {
      direction: 'leftToRight',
      field: 'summary',
    });
    expect(title).toHaveLength(255);
  });

  it('npm run demo syncs the two simulators and exits 0 with no failures and no echoes', async () => {
    const { stdout } = await promisify(execFile)(`${root}node_modules/.bin/tsx`, ['examples/demo.ts'], {
      cwd: root,
      timeout: 170_000,
    });
    expect(stdout).toMatch(/created \d+ Azure DevOps bugs from Jira and \d+ Jira bugs from Azure DevOps/);
    expect(stdout).toMatch(
      /DEMO-\d+ \(Jira\) shows "\d+: .+" -> http:\/\/127\.0\.0\.1:\d+\/\S+\/_workitems\/edit\/\d+/,
    );
    expect(stdout).toMatch(
      /\d+ \(Azure DevOps\) shows "Synced with DEMO-\d+.*" -> http:\/\/127\.0\.0\.1:\d+\/browse\/DEMO-\d+/,
    );
    expect(stdout).toMatch(/Feature \d+, User Story \d+ \(parent \d+\), Task \d+ \(parent \d+\)/);
    expect(stdout).toMatch(/has it \(70 bytes\) and its description shows it/);
    expect(stdout).toMatch(/failures:\s+0/);
    expect(stdout).toMatch(/writes after the last edit: 0/);
  }, 180_000);
});
