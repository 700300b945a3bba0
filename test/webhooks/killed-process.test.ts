/**
 * A process killed (SIGKILL) after it acknowledged deliveries and before it synced them: the
 * items are in the SQLite inbox, and the next process syncs them. Against both simulators
 * over real HTTP; both systems' final state is read through their APIs.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createSyncbridge, type Syncbridge, type SyncbridgeConfigInput, type WorkItem } from 'syncbridge';
import { azureDevOpsConnector } from 'syncbridge/azure-devops';
import { jiraConnector } from 'syncbridge/jira';
import { integrationConfig } from '../e2e/integration.js';
import { adoPerson, jiraPerson, paragraph } from '../e2e/people.js';
import { secrets } from './world.js';
import { serveAzureDevOps, serveJira } from '../e2e/simulators.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(join(tmpdir(), 'syncbridge-webhooks-kill-'));
const closing: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const close of closing.reverse()) await close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

describe('a process killed between acknowledging deliveries and syncing them', () => {
  it('loses nothing: the next process syncs what the inbox holds', async () => {
    const [jira, ado] = await Promise.all([serveJira(), serveAzureDevOps()]);
    closing.push(
      () => jira.close(),
      () => ado.close(),
    );
    const webhooks = (url: string): NonNullable<SyncbridgeConfigInput['webhooks']> => ({
      url,
      systems: {
        jira: { secret: secrets.jira },
        ado: { secret: secrets.ado },
      },
      coalesceMs: 0,
    });
    const base = integrationConfig(jira, ado, join(dir, 'state.db'));

    const child = spawn(process.execPath, ['--import', 'tsx', 'test/webhooks/fixtures/intake-process.ts'], {
      cwd: root,
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        SYNCBRIDGE_CONFIG: JSON.stringify({ ...base, webhooks: webhooks('http://unused.invalid') }),
      },
    });
    const exited = new Promise<NodeJS.Signals | null>((done) => child.on('exit', (_code, signal) => done(signal)));
    closing.push(async () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'));
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const childUrl = await new Promise<string>((done, fail) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) done((JSON.parse(line) as { url: string }).url);
      });
      child.on('exit', () => fail(new Error(`the intake process ended: ${stderr}`)));
    });

    // This process registers the webhooks to the child, as an operator would, and activates.
    const first: Syncbridge = await createSyncbridge({
      config: { ...base, webhooks: webhooks(childUrl) },
      connectors: [jiraConnector, azureDevOpsConnector],
    });
    closing.push(() => first.close());
    await first.activate();
    await first.webhooks.register();

    const ana = jiraPerson(jira, 'Ana Silva');
    const ben = adoPerson(ado, 'ben@example.com');
    await ana.fileBug({
      summary: 'Export loses accents',
      description: paragraph('Steps:', ' export'),
      priority: 'High',
    });
    await ben.fileBug({ title: 'Printing crops the footer', description: paragraph('Seen', ' on A4'), priority: 2 });
    await Promise.all([jira.sim.webhooks.deliveries.settled(), ado.sim.webhooks.deliveries.settled()]);
    const acknowledged = [...jira.sim.webhooks.deliveries.attempts, ...ado.sim.webhooks.deliveries.attempts].filter(
      (a) => a.status === 200,
    );
    expect(acknowledged.length).toBeGreaterThanOrEqual(2);

    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    // The next process (here: this one, on the same state file) finds the items in the inbox.
    expect((await first.webhooks.depth()).entries).toBeGreaterThanOrEqual(2);
    expect(await first.webhooks.processInbox()).toMatchObject({ synced: 2, syncs: 2, deferred: 0 });
    expect(await first.webhooks.depth()).toEqual({ entries: 0 });

    const titles = async (connector: typeof ana.connector, project: string, field: string) => {
      const found: WorkItem[] = [];
      for await (const page of connector.query({ project, type: 'Bug', fields: [field] })) found.push(...page);
      return found.map((i) => i.fields[field]).sort();
    };
    const both = ['Export loses accents', 'Printing crops the footer'];
    expect(await titles(ana.connector, 'DEMO', 'summary')).toEqual(both);
    expect(await titles(ben.connector, 'Demo', 'System.Title')).toEqual(both);
  });
});
