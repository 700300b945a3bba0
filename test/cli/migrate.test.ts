import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';
import { postgresTestServer } from '../state/postgres-server.js';

const dir = mkdtempSync(join(tmpdir(), 'syncbridge-migrate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const server = await postgresTestServer();

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env,
    cwd: dir,
    isTty: false,
    stopSignal: new Promise(() => {}),
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

const config = (state: string) => `version: 1
systems:
  jira: { adapter: jira, baseUrl: "https://jira.example.com", auth: { type: pat, token: secret-token-1 } }
  ado: { adapter: azure-devops, baseUrl: "https://dev.azure.com/acme", auth: { type: pat, token: secret-token-2 } }
mappings:
  - name: bugs
    left: { system: jira, project: DEMO, type: Bug }
    right: { system: ado, project: Demo, type: Bug }
    fields: [{ left: summary, right: System.Title }]
state: ${state}
`;

describe('syncbridge migrate', () => {
  it('migrates a SQLite file of an older syncbridge, relative to the config, and then finds it current', async () => {
    mkdirSync(join(dir, 'state'));
    const db = new DatabaseSync(join(dir, 'state', 'old.db'));
    db.exec(readFileSync(new URL('../state/fixtures/state-schema-3.sql', import.meta.url), 'utf8'));
    db.close();
    writeFileSync(join(dir, 'sqlite.yaml'), config('{ store: sqlite, path: state/old.db }'));
    const first = await cli(['migrate', 'sqlite.yaml']);
    expect(first).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/old\.db: applied migrations 4, 5, 6, 7\n$/),
    });
    expect(await cli(['migrate', 'sqlite.yaml'])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('old.db: the schema is current'),
    });
    const status = await cli(['status', 'sqlite.yaml', '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({
      name: 'default',
      pairs: [{ name: 'bugs', links: 1, watermarks: { left: '42' } }],
    });
  });

  it.skipIf(!server.reachable)('leaves a PostgreSQL schema to `migrate` under migrate: false', async () => {
    const schema = server.schema();
    writeFileSync(
      join(dir, 'postgres.yaml'),
      config(`{ store: postgres, url: "\${env:DATABASE_URL}", schema: ${schema}, migrate: false }`),
    );
    const env = { DATABASE_URL: server.url };
    const refused = await cli(['status', 'postgres.yaml'], env);
    expect(refused).toMatchObject({ code: 6, stderr: expect.stringContaining('run `syncbridge migrate`') });
    expect(await cli(['migrate', 'postgres.yaml'], env)).toMatchObject({
      code: 0,
      stdout: `PostgreSQL schema ${schema}: applied migrations 1, 2, 3\n`,
    });
    const status = await cli(['status', 'postgres.yaml'], env);
    expect(status).toMatchObject({ code: 0, stdout: expect.stringContaining('integration default: inactive') });
  });
});
