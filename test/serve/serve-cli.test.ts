import { randomBytes } from 'node:crypto';
/**
 * `syncbridge serve` as its own process (the built bin: `npm run build` first) against both
 * simulators over HTTP, with its state in PostgreSQL: webhooks registered against both
 * simulators (`syncbridge webhooks register`), liveness, readiness (and not ready while a
 * system or the store is unreachable, ready again once it is back), people's edits arriving
 * on the other side through webhook deliveries (the safety-net poll is 10 minutes away),
 * `/metrics` counting them, and a clean stop on SIGTERM. Each system and the database sit
 * behind a TCP relay the test can cut, as a network outage would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createTcpServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadinessReport } from 'syncbridge';
import type { AzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import type { JiraSimulator } from 'syncbridge/testing/jira';
import { runCli } from '../../src/cli/program.js';
import { adoPerson, jiraPerson, paragraph } from '../e2e/people.js';
import { serveAzureDevOps, serveJira, type ServedSimulator } from '../e2e/simulators.js';
import { postgresTestServer } from '../state/postgres-server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'dist/cli/main.js');
const node = join(root, 'node_modules/.bin/node');

/** A TCP relay to a port that can be cut (connections dropped, new ones refused) and restored on the same port. */
interface Relay {
  port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

async function relay(target: { host: string; port: number }): Promise<Relay> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const open = () =>
    new Promise<void>((resolve, reject) => {
      server = createTcpServer((client) => {
        const upstream = connect(target.port, target.host);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as { port: number }).port;
        resolve();
      });
    });
  const cut = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      if (!server) return resolve();
      server.close(() => resolve());
      server = undefined;
    });
  await open();
  return { port, cut, restore: open, close: cut };
}

const pg = await postgresTestServer();
let jira: ServedSimulator<JiraSimulator>;
let ado: ServedSimulator<AzureDevOpsSimulator>;
const relays: Record<'jira' | 'ado' | 'db', Relay> = {} as never;
let dir: string;
let serve: {
  child: ChildProcess;
  url: Promise<string>;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
};

const portOf = (url: string) => Number(new URL(url).port);

/** A port free on 127.0.0.1 now (the webhooks' URL names it before the server starts). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createTcpServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  [jira, ado] = await Promise.all([serveJira(), serveAzureDevOps()]);
  const db = new URL(pg.url);
  relays.jira = await relay({ host: '127.0.0.1', port: portOf(jira.baseUrl) });
  relays.ado = await relay({ host: '127.0.0.1', port: portOf(ado.baseUrl) });
  relays.db = await relay({ host: db.hostname, port: Number(db.port || 5432) });
  const through = (url: string, port: number) => {
    const u = new URL(url);
    u.port = String(port);
    return u.toString().replace(/\/$/, '');
  };
  db.port = String(relays.db.port);
  dir = await mkdtemp(join(tmpdir(), 'syncbridge-serve-'));
  const bot = jira.sim.users[0]!;
  const port = await freePort();
  await writeFile(
    join(dir, 'syncbridge.yaml'),
    `version: 1
systems:
  jira: { adapter: jira, baseUrl: "${through(jira.baseUrl, relays.jira.port)}", auth: { type: apiToken, email: ${bot.email}, token: ${bot.apiToken} } }
  ado: { adapter: azure-devops, baseUrl: "${through(ado.baseUrl, relays.ado.port)}", auth: { type: pat, token: ${ado.sim.users[0]!.pat} } }
mappings:
  - name: bugs
    left: { system: jira, project: DEMO, type: Bug, start: beginning }
    right: { system: ado, project: Demo, type: Bug, start: beginning }
    fields: [{ left: summary, right: System.Title }]
engine: { leaseMs: 2000 }
state: { store: postgres, url: "${db.toString()}", schema: ${pg.schema()} }
serve: { pollIntervalMs: 600000, systemCheckMs: 100 }
webhooks:
  url: http://127.0.0.1:${port}/webhooks
  systems:
    jira: { secret: "\${env:JIRA_WEBHOOK_SECRET}" }
    ado: { secret: "\${env:ADO_WEBHOOK_SECRET}" }
`,
  );
  const env = {
    // Made afresh per run: a secret, not a literal.
    JIRA_WEBHOOK_SECRET: randomBytes(16).toString('hex'),
    ADO_WEBHOOK_SECRET: randomBytes(16).toString('hex'),
  };
  const quiet = {
    stdout: () => {},
    stderr: () => {},
    env,
    cwd: dir,
    isTty: false,
    stopSignal: new Promise<void>(() => {}),
  };
  expect(await runCli(['activate', 'syncbridge.yaml'], quiet)).toBe(0);
  expect(await runCli(['webhooks', 'register', 'syncbridge.yaml'], quiet)).toBe(0);
  expect(jira.sim.webhooks.registered.map((w) => w.url)).toEqual([`http://127.0.0.1:${port}/webhooks/jira`]);
  expect(ado.sim.webhooks.subscriptions.length).toBeGreaterThan(0);

  const child = spawn(
    node,
    [bin, 'serve', 'syncbridge.yaml', '--port', String(port), '--host', '127.0.0.1', '--log-level', 'error'],
    {
      cwd: dir,
      env: { ...process.env, ...env, NODE_OPTIONS: '' },
    },
  );
  let stdout = '';
  let stderr = '';
  const url = new Promise<string>((resolve) => {
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const match = /serving on (http:\/\/\S+)/.exec(stdout);
      if (match) resolve(match[1]!);
    });
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  serve = { child, url, done };
}, 60_000);

afterAll(async () => {
  if (serve?.child.exitCode === null) serve.child.kill('SIGKILL');
  await Promise.all(Object.values(relays).map((r) => r.close()));
  await Promise.all([jira?.close(), ado?.close()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Asks again until `check` holds (the test's timeout bounds the wait). */
async function until<T>(read: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const metrics = async () => (await fetch(`${await serve.url}/metrics`)).text();

const readyz = async () => {
  const answer = await fetch(`${await serve.url}/readyz`);
  return { status: answer.status, report: (await answer.json()) as ReadinessReport };
};

/** The value of one sample of the exposition text, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(match[3]);
  }
  return undefined;
}

/** Azure DevOps bugs' titles by id, read as a person through the API. */
async function adoTitles(): Promise<Map<string, string>> {
  const reader = adoPerson(ado, 'ana.silva@contoso.com').connector;
  const out = new Map<string, string>();
  for await (const page of reader.query({ project: 'Demo', type: 'Bug', fields: ['System.Title'] }))
    for (const item of page) out.set(item.id, String(item.fields['System.Title']));
  return out;
}

describe.skipIf(!pg.reachable)('syncbridge serve, as its own process', () => {
  let bug: { id: string; key: string };
  let copyId: string;

  it('is live, becomes ready, and makes its first poll at once', { timeout: 60_000 }, async () => {
    const url = await serve.url;
    const live = await fetch(`${url}/healthz`);
    expect(live.status).toBe(200);
    const { report } = await until(readyz, (r) => r.status === 200);
    expect(report).toMatchObject({
      ready: true,
      store: { ok: true },
      systems: { jira: { ok: true }, ado: { ok: true } },
    });
    // The first poll ends; the next is ten minutes away, so what arrives from now on comes by webhook.
    await until(metrics, (t) => sample(t, 'syncbridge_passes_total', { kind: 'run', outcome: 'completed' }) === 1);
  });

  it("carries people's edits to the other side by webhook, and /metrics counts them", {
    timeout: 60_000,
  }, async () => {
    const ana = jiraPerson(jira, 'Ana Silva');
    bug = await ana.fileBug({
      summary: 'Export to PDF cuts the last page',
      description: paragraph('Seen', ' in 4.2'),
      priority: 'High',
    });
    const titles = await until(adoTitles, (t) => [...t.values()].includes('Export to PDF cuts the last page'));
    copyId = [...titles].find(([, title]) => title === 'Export to PDF cuts the last page')![0];

    await adoPerson(ado, 'ana.silva@contoso.com').edit(copyId, { 'System.Title': 'Export to PDF drops the last page' });
    await until(
      async () => (await ana.connector.getMany([bug.id], { fields: ['summary'] }))[0]?.fields.summary,
      (summary) => summary === 'Export to PDF drops the last page',
    );

    const text = await until(
      metrics,
      // Counted once the pass that wrote it ended.
      (t) =>
        sample(t, 'syncbridge_items_synced_total', { pair: 'bugs', side: 'left', action: 'update' }) === 1 &&
        (sample(t, 'syncbridge_passes_total', { kind: 'syncItems', outcome: 'completed' }) ?? 0) >= 2,
    );
    // Both came by webhook: synced item by item (two passes at least), no poll since the first.
    expect(sample(text, 'syncbridge_passes_total', { kind: 'syncItems', outcome: 'completed' })).toBeGreaterThanOrEqual(
      2,
    );
    expect(sample(text, 'syncbridge_passes_total', { kind: 'run', outcome: 'completed' })).toBe(1);
    expect(sample(text, 'syncbridge_webhook_queue_depth')).toBe(0);
    expect(sample(text, 'syncbridge_last_poll_completed_timestamp_seconds')).toBeGreaterThan(0);
    expect(sample(text, 'syncbridge_items_synced_total', { pair: 'bugs', side: 'right', action: 'create' })).toBe(1);
    expect(sample(text, 'syncbridge_propagation_delay_seconds_count', { pair: 'bugs', side: 'right' })).toBe(1);
    expect(sample(text, 'syncbridge_propagation_delay_seconds_count', { pair: 'bugs', side: 'left' })).toBe(1);
    expect(sample(text, 'syncbridge_http_requests_total', { system: 'jira', method: 'PUT', status: '200' })).toBe(1);
    expect(
      sample(text, 'syncbridge_http_requests_total', { system: 'ado', method: 'GET', status: '200' }),
    ).toBeGreaterThan(0);
    expect(sample(text, 'syncbridge_http_request_duration_seconds_count', { system: 'ado' })).toBeGreaterThan(0);
    expect(sample(text, 'syncbridge_failures_queued', { pair: 'bugs' })).toBe(0);
  });

  it('is not ready while a system is unreachable, and ready again once it is back; liveness holds', {
    timeout: 60_000,
  }, async () => {
    await relays.ado.cut();
    const down = await until(readyz, (r) => r.status === 503);
    expect(down.report.ready).toBe(false);
    expect(down.report.systems.ado).toMatchObject({ ok: false, message: expect.any(String) });
    expect(down.report.systems.jira?.ok).toBe(true);
    expect(JSON.stringify(down.report)).not.toContain(ado.sim.users[0]!.pat);
    expect((await fetch(`${await serve.url}/healthz`)).status).toBe(200);
    await relays.ado.restore();
    await until(readyz, (r) => r.status === 200);
  });

  it('is not ready while the state store is unreachable, and ready again once it is back', {
    timeout: 60_000,
  }, async () => {
    await relays.db.cut();
    const down = await until(readyz, (r) => r.status === 503);
    expect(down.report.store).toMatchObject({ ok: false, message: expect.any(String) });
    await relays.db.restore();
    await until(readyz, (r) => r.status === 200);
  });

  it('stops on SIGTERM: says so and exits 0; both systems hold the edits', { timeout: 60_000 }, async () => {
    serve.child.kill('SIGTERM');
    const { code, stdout } = await serve.done;
    expect(stdout).toContain('stopped');
    expect(code).toBe(0);
    const [jiraBug] = await jiraPerson(jira, 'Ana Silva').connector.getMany([bug.id], { fields: ['summary'] });
    expect(jiraBug?.fields.summary).toBe('Export to PDF drops the last page');
    expect((await adoTitles()).get(copyId)).toBe('Export to PDF drops the last page');
    expect([...(await adoTitles()).values()]).toEqual(['Export to PDF drops the last page']);
  });
});
