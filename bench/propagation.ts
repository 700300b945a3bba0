import { randomBytes } from 'node:crypto';
/**
 * How long a person's edit takes to show on the other side: edits by people on both sides of
 * linked Jira and Azure DevOps bugs (simulators over real HTTP with a latency per request),
 * an integration served by `createServer()`, and an observer reading the other side's API
 * until the new title shows. Prints p50 / p95 / max of the delays per mode.
 *
 *   npm run bench:propagation -- [--edits 200] [--latency 50] [--poll 10000] [--gap 100] [--modes polling]
 *
 * Modes: `polling` (the poll alone, every `--poll` ms); `webhooks` (both simulators deliver
 * webhooks to the served intake, registered by `sync.webhooks.register()`; the poll still runs
 * every `--poll` ms as the safety net); `webhooks-drop10` (10 % of deliveries never sent: the
 * poll must catch those). Edits go to distinct pairs while one is in flight, so no edit meets
 * a conflict; `--gap` ms separate them.
 */
import { createServer as createTcpServer } from 'node:net';
import { parseArgs } from 'node:util';
import { createServer, createSyncbridge, memoryStore, silentLogger, type Connector, type Syncbridge } from 'syncbridge';
import { azureDevOpsConnector } from 'syncbridge/azure-devops';
import { jiraConnector } from 'syncbridge/jira';
import { createAzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import { createJiraSimulator } from 'syncbridge/testing/jira';
import { serveHandler, type RunningServer } from 'syncbridge/testing/kit';

const { values: args } = parseArgs({
  options: {
    edits: { type: 'string', default: '200' },
    latency: { type: 'string', default: '50' },
    poll: { type: 'string', default: '10000' },
    gap: { type: 'string', default: '100' },
    pairs: { type: 'string', default: '100' },
    modes: { type: 'string', default: 'polling,webhooks,webhooks-drop10' },
  },
});
const edits = Number(args.edits);
const latencyMs = Number(args.latency);
const pollMs = Number(args.poll);
const gapMs = Number(args.gap);
const pairCount = Number(args.pairs);
const modes = args.modes.split(',').map((m) => m.trim());

interface Pair {
  jiraId: string;
  adoId: string;
}

interface Edit {
  /** The side edited; the delay is until the other side shows it. */
  side: 'jira' | 'ado';
  pair: Pair;
  title: string;
  editedAt: number;
  seenAt?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** A port free on 127.0.0.1 now (the webhooks' URL names it before the server listens). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createTcpServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Simulators over HTTP, seeded with bugs on both sides, and an integration that linked them;
 * with `webhooks`, the simulators deliver to `http://127.0.0.1:<port>/webhooks/<system>`
 * (dropping `dropRate` of the deliveries) and the integration registered its webhooks.
 */
async function setUp(webhooks?: { port: number; dropRate: number }): Promise<{
  sync: Syncbridge;
  servers: RunningServer[];
  people: { jira: Connector; ado: Connector };
  pairs: Pair[];
}> {
  const knobs = { latencyMs };
  const deliveries = webhooks ? { webhooks: { dropRate: webhooks.dropRate } } : {};
  const jira = createJiraSimulator({ seed: 'empty', knobs, ...deliveries });
  const ado = createAzureDevOpsSimulator({ seed: 'empty', knobs, ...deliveries });
  const servers = [
    await serveHandler(jira.handle),
    await serveHandler(ado.handle, { basePath: `/${ado.state.organization}` }),
  ];
  const [jiraUrl, adoUrl] = servers.map((s) => s.baseUrl) as [string, string];
  for (let i = 0; i < pairCount / 2; i++) {
    jira.seed.issue({ project: 'DEMO', type: 'Bug', summary: `Jira bug ${i}` });
    ado.seed.workItem({ project: 'Demo', type: 'Bug', title: `Azure DevOps bug ${i}` });
  }
  const bot = { jira: jira.users[0]!, ado: ado.users[0]! };
  const sync = await createSyncbridge({
    config: {
      version: 1,
      systems: {
        jira: {
          adapter: 'jira',
          baseUrl: jiraUrl,
          auth: { type: 'apiToken', email: bot.jira.email, token: bot.jira.apiToken },
        },
        ado: { adapter: 'azure-devops', baseUrl: adoUrl, auth: { type: 'pat', token: bot.ado.pat } },
      },
      mappings: [
        {
          name: 'bugs',
          left: { system: 'jira', project: 'DEMO', type: 'Bug', start: 'beginning' },
          right: { system: 'ado', project: 'Demo', type: 'Bug', start: 'beginning' },
          fields: [{ left: 'summary', right: 'System.Title' }],
        },
      ],
      // The bench's edits are seconds apart: a short overlap keeps each poll small.
      engine: { overlapMs: 5000 },
      ...(webhooks
        ? {
            webhooks: {
              url: `http://127.0.0.1:${webhooks.port}/webhooks`,
              systems: {
                jira: { secret: randomBytes(16).toString('hex') },
                ado: { secret: randomBytes(16).toString('hex') },
              },
            },
          }
        : {}),
    },
    connectors: [jiraConnector, azureDevOpsConnector],
    store: memoryStore(),
    logger: silentLogger,
  });
  await sync.activate();
  await sync.runOnce();
  if (webhooks) await sync.webhooks.register();
  const pairs = (await sync.links('bugs')).map((l) => ({ jiraId: l.leftId, adoId: l.rightId }));
  const person = { jira: jira.users[1]!, ado: ado.users[1]! };
  const context = { logger: silentLogger };
  const people = {
    jira: jiraConnector.create(
      {
        id: 'jira-person',
        adapter: 'jira',
        baseUrl: jiraUrl,
        auth: { type: 'apiToken', email: person.jira.email, token: person.jira.apiToken },
      },
      {},
      context,
    ),
    ado: azureDevOpsConnector.create(
      { id: 'ado-person', adapter: 'azure-devops', baseUrl: adoUrl, auth: { type: 'pat', token: person.ado.pat } },
      {},
      context,
    ),
  };
  return { sync, servers, people, pairs };
}

/** Reads the other side of pending edits until each shows its title; resolves when none is pending or at `deadline`. */
async function observe(
  people: { jira: Connector; ado: Connector },
  pending: Set<Edit>,
  done: () => boolean,
  deadline: number,
) {
  while (!(done() && pending.size === 0) && Date.now() < deadline) {
    for (const target of ['jira', 'ado'] as const) {
      const waiting = [...pending].filter((e) => e.side !== target);
      if (waiting.length === 0) continue;
      const field = target === 'jira' ? 'summary' : 'System.Title';
      const ids = waiting.map((e) => (target === 'jira' ? e.pair.jiraId : e.pair.adoId));
      const items = new Map((await people[target].getMany(ids, { fields: [field] })).map((i) => [i.id, i]));
      const now = Date.now();
      for (const [n, edit] of waiting.entries())
        if (items.get(ids[n]!)?.fields[field] === edit.title) {
          edit.seenAt = now;
          pending.delete(edit);
        }
    }
    await sleep(20);
  }
}

async function run(mode: string): Promise<void> {
  const dropRate = { polling: undefined, webhooks: 0, 'webhooks-drop10': 0.1 }[mode];
  if (!(mode in { polling: 1, webhooks: 1, 'webhooks-drop10': 1 })) throw new Error(`unknown mode ${mode}`);
  const port = await freePort();
  const { sync, servers, people, pairs } = await setUp(dropRate === undefined ? undefined : { port, dropRate });
  const server = await createServer(sync, { port, host: '127.0.0.1', pollIntervalMs: pollMs, metrics: false });
  await server.listen();
  const all: Edit[] = [];
  const pending = new Set<Edit>();
  let editing = true;
  const observer = observe(people, pending, () => !editing, Date.now() + edits * gapMs + pollMs * 3 + 60_000);
  const busy = new Set<Pair>();
  for (let n = 0; n < edits; n++) {
    const side = n % 2 === 0 ? 'jira' : 'ado';
    const free = pairs.filter((p) => !busy.has(p));
    const pair = free[Math.floor(Math.random() * free.length)]!;
    const title = `edit ${n} on ${side} at ${Date.now()}`;
    await (side === 'jira'
      ? people.jira.update([{ id: pair.jiraId, fields: { summary: title } }])
      : people.ado.update([{ id: pair.adoId, fields: { 'System.Title': title } }]));
    const edit: Edit = { side, pair, title, editedAt: Date.now() };
    all.push(edit);
    pending.add(edit);
    busy.add(pair);
    void (async () => {
      while (pending.has(edit)) await sleep(20);
      busy.delete(pair);
    })();
    await sleep(gapMs);
  }
  editing = false;
  await observer;
  await server.close();
  await sync.close();
  await Promise.all(servers.map((s) => s.close()));
  const delays = all
    .filter((e) => e.seenAt !== undefined)
    .map((e) => (e.seenAt! - e.editedAt) / 1000)
    .sort((a, b) => a - b);
  const missing = all.length - delays.length;
  const f = (s: number) => `${s.toFixed(2)} s`;
  console.log(
    `${mode.padEnd(18)} p50 ${f(percentile(delays, 50))}  p95 ${f(percentile(delays, 95))}  max ${f(delays.at(-1) ?? Number.NaN)}  (${delays.length} of ${all.length} edits arrived${missing ? `, ${missing} never did` : ''})`,
  );
}

console.log(
  `propagation of ${edits} edits by people (half in Jira, half in Azure DevOps) on ${pairCount} linked bugs; simulators over HTTP with ${latencyMs} ms latency per request; poll every ${pollMs} ms; an edit every ${gapMs} ms`,
);
for (const mode of modes) await run(mode);
