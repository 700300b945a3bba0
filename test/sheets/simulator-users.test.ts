import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from 'syncbridge';
import { startJiraSimulatorServer, type JiraSimulatorServer } from 'syncbridge/testing/jira';
import { startAzureDevOpsSimulatorServer, type AzureDevOpsSimulatorServer } from 'syncbridge/testing/azure-devops';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';
import { editWorkbook, sheetRows } from './fixtures.js';

let jira: JiraSimulatorServer;
let ado: AzureDevOpsSimulatorServer;
let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  [jira, ado] = await Promise.all([
    startJiraSimulatorServer({ seed: 'empty' }),
    startAzureDevOpsSimulatorServer({ seed: 'empty' }),
  ]);
  dir = await mkdtemp(join(tmpdir(), 'syncbridge-sheet-users-'));
  env = { JIRA_TOKEN: jira.users[0]!.apiToken, ADO_PAT: ado.users[0]!.pat };
});

afterAll(async () => {
  await Promise.all([jira?.close(), ado?.close()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const config = () => `version: 1
systems:
  jira:
    adapter: jira
    baseUrl: ${jira.baseUrl}
    auth: { type: apiToken, email: ${jira.users[0]!.email}, token: "\${env:JIRA_TOKEN}" }
  ado:
    adapter: azure-devops
    baseUrl: ${ado.baseUrl}
    auth: { type: pat, token: "\${env:ADO_PAT}" }
valueMaps:
  people:
    pairs: []
mappings:
  - name: bugs
    left: { system: jira, project: DEMO, type: Bug }
    right: { system: ado, project: Demo, type: Bug }
    fields:
      - { left: summary, right: System.Title }
      - { left: assignee, right: System.AssignedTo, onUnmatchedUser: skipField }
    users: { valueMap: people }
state: { store: memory }
`;

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env,
    cwd: dir,
    isTty: false,
    stopSignal: new Promise(() => {}),
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

const gap = 'unmapped: fill the empty cell or leave the row as it is';

describe('a user map sheet for the Jira and Azure DevOps simulators', () => {
  it('lists the people e-mail cannot match, offers every Azure DevOps user, and checks what a person fills in', async () => {
    await writeFile(join(dir, 'syncbridge.yaml'), config(), 'utf8');
    const exported = await cli(['value-map', 'export', 'syncbridge.yaml', '--out', 'maps.xlsx']);
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    expect(exported.stdout).not.toContain('does not list users');
    const file = join(dir, 'maps.xlsx');

    // Ben, Dana and the bot have the same address on both sides; Chen and Farah hide theirs in Jira.
    expect((await sheetRows(file, 'Users')).slice(1)).toEqual([
      ['ana@example.com', '', '', gap],
      ['712020:00000003-chen', '', '', gap],
      ['emil@example.com', '', '', gap],
      ['712020:00000006-farah', '', '', gap],
    ]);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(file);
    const range = (workbook.getWorksheet('Users')!.getCell('B2').dataValidation.formulae![0] as string).match(
      /^Lists!\$([A-Z]+)\$2:\$\1\$(\d+)$/,
    );
    const lists = workbook.getWorksheet('Lists')!;
    const offered = Array.from({ length: Number(range![2]) - 1 }, (_, i) => lists.getCell(`${range![1]}${i + 2}`).text);
    expect(offered).toEqual(ado.users.map((u) => u.email));

    await editWorkbook(file, (wb) => {
      const users = wb.getWorksheet('Users')!;
      users.getCell('B2').value = 'ana.silva@contoso.com';
      users.getCell('B3').value = 'chen.wei@contoso.com';
      users.getCell('B4').value = 'emil@contoso.com';
    });
    const refused = await cli(['value-map', 'import', 'syncbridge.yaml', 'maps.xlsx']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('"emil@contoso.com" is not a user of "ado user"');
    expect(await readFile(join(dir, 'syncbridge.yaml'), 'utf8')).toBe(config());

    await editWorkbook(file, (wb) => {
      wb.getWorksheet('Users')!.getCell('B4').value = 'emil.novak@contoso.com';
    });
    const imported = await cli(['value-map', 'import', 'syncbridge.yaml', 'maps.xlsx']);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    const updated = await loadConfig(join(dir, 'syncbridge.yaml'), { env });
    expect(updated.valueMaps.people?.pairs).toEqual([
      { left: 'ana@example.com', right: 'ana.silva@contoso.com' },
      { left: '712020:00000003-chen', right: 'chen.wei@contoso.com' },
      { left: 'emil@example.com', right: 'emil.novak@contoso.com' },
    ]);
  });
});
