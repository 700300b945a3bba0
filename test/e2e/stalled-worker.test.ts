import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isSyncbridgeError, type Connector, type SyncbridgeConfigInput } from 'syncbridge';
import { postgresTestServer } from '../state/postgres-server.js';
import { integrationConfig } from './integration.js';
import { paragraph } from './people.js';
import { BOT, startWithPeople, type Scenario } from './scenario.js';
import { isWrite } from './simulators.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const server = await postgresTestServer();

/** Titles of every bug of a project, read through its API, sorted. */
async function titles(connector: Connector, project: string, field: string): Promise<string[]> {
  const out: string[] = [];
  for await (const page of connector.query({ project, type: 'Bug', fields: [field] }))
    out.push(...page.map((i) => String(i.fields[field])));
  return out.sort();
}

/** `syncbridge run` in a child process (through tsx, from the sources), as a cron job or a worker runs it. */
function runInChild(configFile: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'run', configFile], {
    cwd: root,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stderr })),
  );
  return { child, done };
}

const stores: Array<{ name: string; supported: boolean; state: (dir: string) => SyncbridgeConfigInput['state'] }> = [
  { name: 'SQLite', supported: true, state: (dir) => ({ store: 'sqlite', path: join(dir, 'state.db') }) },
  {
    name: 'PostgreSQL',
    supported: server.reachable,
    state: () => ({ store: 'postgres', url: server.url, schema: server.schema() }),
  },
];

let s: Scenario | undefined;
let dir: string | undefined;
afterEach(async () => {
  await s?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a worker stalled past its lease (a paused process) while another takes its pair over', () => {
  for (const target of stores) {
    it.skipIf(!target.supported)(
      `writes nothing after it resumes, and the pair ends with no duplicate and every edit: ${target.name}`,
      { timeout: 120_000 },
      async () => {
        const people = await startWithPeople();
        s = people.s;
        const { ana, ben } = people;
        dir = mkdtempSync(join(tmpdir(), 'syncbridge-stalled-'));
        const jiraBugs: Array<{ id: string; key: string }> = [];
        for (let n = 1; n <= 9; n++)
          jiraBugs.push(
            await ana.fileBug({
              summary: `Jira bug ${n}`,
              description: paragraph(`${n}`, ' fails.'),
              priority: 'High',
            }),
          );
        for (let n = 1; n <= 2; n++)
          await ben.fileBug({ title: `ADO bug ${n}`, description: paragraph(`${n}`, ' fails.'), priority: 2 });
        const state = target.state(dir);
        const adjust = (config: SyncbridgeConfigInput): SyncbridgeConfigInput => ({
          ...config,
          engine: { ...config.engine, pageSize: 3, leaseMs: 1000 },
          state,
        });
        const sync = await s.connect(adjust);
        await sync.activate();
        const configFile = join(dir, 'syncbridge.yaml'); // JSON is YAML
        writeFileSync(configFile, JSON.stringify(adjust(integrationConfig(s.jira, s.ado, ''))));

        // Worker 1 runs a pass; it is paused (SIGSTOP) as its third write to Azure DevOps arrives.
        const worker1 = runInChild(configFile);
        const paused = new Promise<void>((resolve) =>
          s!.ado.sim.hook(
            { when: 'before', path: /./, where: (r) => isWrite(r) && s!.ado.userOf(r.headers) === BOT, nth: 3 },
            () => {
              worker1.child.kill('SIGSTOP');
              resolve();
            },
          ),
        );
        await Promise.race([
          paused,
          worker1.done.then(({ code, stderr }) => {
            throw new Error(`worker 1 ended (${code}) before its third write: ${stderr}`);
          }),
        ]);

        // Ana edits a bug meanwhile; once worker 1's lease lapses, this process takes the pair over.
        await ana.edit(jiraBugs[0]!.id, { summary: 'Jira bug 1, edited during the stall' });
        for (;;) {
          try {
            await sync.runOnce();
            break;
          } catch (error) {
            if (!isSyncbridgeError(error) || error.code !== 'INTEGRATION_BUSY') throw error;
            await new Promise((r) => setTimeout(r, 200));
          }
        }
        const copyOf2 = (await s.linkOf('left', jiraBugs[1]!.id)).rightId;
        await ben.edit(copyOf2, { 'System.Title': 'Jira bug 2, edited in Azure DevOps after the takeover' });
        await sync.runOnce();

        // Worker 1 resumes: it notices its lost lease before any further write, and says so.
        const stateBefore = JSON.stringify({
          links: await sync.store.listLinks('bugs'),
          failures: await sync.store.listFailures(),
          intents: await sync.store.listIntents('bugs'),
        });
        const from = { jira: s.jira.log.length, ado: s.ado.log.length };
        worker1.child.kill('SIGCONT');
        const { code, stderr } = await worker1.done;
        expect(code).toBe(5);
        expect(stderr).toContain('LEASE_LOST');
        expect(stderr).toContain('lost the lease of a pair while syncing it');
        expect(s.jira.writesBy(BOT, from.jira)).toEqual([]);
        expect(s.ado.writesBy(BOT, from.ado)).toEqual([]);
        expect(
          JSON.stringify({
            links: await sync.store.listLinks('bugs'),
            failures: await sync.store.listFailures(),
            intents: await sync.store.listIntents('bugs'),
          }),
        ).toBe(stateBefore);

        // Both systems: every bug exactly once on each side, both edits present on both.
        await sync.runOnce();
        const expected = [
          'ADO bug 1',
          'ADO bug 2',
          'Jira bug 1, edited during the stall',
          'Jira bug 2, edited in Azure DevOps after the takeover',
          ...[3, 4, 5, 6, 7, 8, 9].map((n) => `Jira bug ${n}`),
        ].sort();
        expect(await titles(sync.connectors.jira!, 'DEMO', 'summary')).toEqual(expected);
        expect(await titles(sync.connectors.ado!, 'Demo', 'System.Title')).toEqual(expected);
        expect((await sync.store.listFailures()).map((f) => f.code)).toEqual([]);
      },
    );
  }
});
