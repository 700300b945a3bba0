/**
 * How syncing scales with workers: the initial sync of P pairs × N Jira bugs into empty Azure
 * DevOps projects (each pair between its own two simulators, over real HTTP, with latency),
 * run by 1, 2 and 4 `syncbridge worker` processes sharing one PostgreSQL state and queue.
 * Prints items per second and the ratio to one worker; then the state round trips per page of
 * one pair's initial sync, counted at the PostgreSQL pool. Not a test: it prints figures.
 *
 *   npm run bench:workers -- [--pairs 20] [--items 1000] [--latency 50] [--workers 1,2,4] [--concurrency 2]
 *
 * PostgreSQL: DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test; its schemas are
 * made for the run and dropped after it.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createSyncbridge, loadConfig, postgresStore, type PostgresPool } from 'syncbridge';
import { azureDevOpsConnector } from 'syncbridge/azure-devops';
import { jiraConnector } from 'syncbridge/jira';
import { adoBugs, startFleet, until } from '../test/worker/fleet.js';

const { values: args } = parseArgs({
  options: {
    pairs: { type: 'string', default: '20' },
    items: { type: 'string', default: '1000' },
    latency: { type: 'string', default: '50' },
    workers: { type: 'string', default: '1,2,4' },
    concurrency: { type: 'string', default: '2' },
  },
});
const pairs = Number(args.pairs);
const items = Number(args.items);
const latencyMs = Number(args.latency);
const counts = args.workers.split(',').map(Number);
const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const admin = new pg.Pool({ connectionString: url, max: 2 });
const run = `bench_${randomUUID().replaceAll('-', '').slice(0, 8)}`;
const schemas: string[] = [];
const schema = () => {
  const name = `${run}_${schemas.length}`;
  schemas.push(name);
  return name;
};

/** The initial sync by `workers` processes: seconds from activation until every Azure DevOps project holds every bug. */
async function initialSync(workers: number): Promise<number> {
  const fleet = await startFleet({
    pairs,
    items,
    url,
    stateSchema: schema(),
    queueSchema: schema(),
    latencyMs,
    engine: { intervalMs: 1000, pageSize: 200, leaseMs: 15_000 },
  });
  try {
    const procs = Array.from({ length: workers }, () =>
      fleet.worker(['--concurrency', args.concurrency, '--poll', '0.5', '--log-level', 'warn']),
    );
    await Promise.all(procs.map((w) => w.shows('started')));
    const started = performance.now();
    await fleet.activate();
    await until(async () => {
      for (const pair of fleet.pairs) if ((await adoBugs(pair)).length < items) return false;
      return true;
    });
    const seconds = (performance.now() - started) / 1000;
    for (const w of procs) w.child.kill('SIGTERM');
    await Promise.all(procs.map((w) => w.done));
    return seconds;
  } finally {
    await fleet.close();
  }
}

/** A pool that counts the statements sent (each is one round trip). */
function countingPool(): { pool: PostgresPool; count: () => number; end: () => Promise<void> } {
  const real = new pg.Pool({ connectionString: url, max: 5 });
  let n = 0;
  const pool: PostgresPool = {
    query: (text, values) => {
      n++;
      return real.query(text, values);
    },
    async connect() {
      const client = await real.connect();
      return {
        query: (text: string, values?: unknown[]) => {
          n++;
          return client.query(text, values);
        },
        release: (error?: Error | boolean) => client.release(error),
      };
    },
    end: () => real.end(),
  };
  return { pool, count: () => n, end: () => real.end() };
}

/** State round trips per page of one pair's initial sync, in-process, without latency. */
async function roundTripsPerPage(): Promise<{ trips: number; pages: number }> {
  const fleet = await startFleet({
    pairs: 1,
    items,
    url,
    stateSchema: schema(),
    queueSchema: schema(),
    engine: { pageSize: 200 },
  });
  const counting = countingPool();
  try {
    const config = await loadConfig(fleet.file, { env: { DATABASE_URL: url } });
    const sync = await createSyncbridge({
      config,
      connectors: [jiraConnector, azureDevOpsConnector],
      store: postgresStore({ pool: counting.pool, schema: 'url' in config.state ? config.state.schema : 'syncbridge' }),
    });
    await sync.activate();
    let pages = 0;
    sync.events.on('progress', () => pages++);
    const before = counting.count();
    await sync.runOnce();
    const trips = counting.count() - before;
    await sync.close();
    return { trips, pages };
  } finally {
    await counting.end();
    await fleet.close();
  }
}

try {
  console.log(
    `initial sync of ${pairs} pairs × ${items} items (${pairs * items} items), ${latencyMs} ms per request, ${args.concurrency} passes at once per worker`,
  );
  const results: Array<{ workers: number; seconds: number }> = [];
  for (const workers of counts) {
    const seconds = await initialSync(workers);
    results.push({ workers, seconds });
    const rate = (pairs * items) / seconds;
    const base = results[0]!;
    const ratio = (base.seconds / seconds).toFixed(2);
    console.log(
      `${workers} worker${workers === 1 ? ' ' : 's'}: ${seconds.toFixed(1)} s, ${rate.toFixed(0)} items/s, ${ratio}× one worker`,
    );
  }
  const { trips, pages } = await roundTripsPerPage();
  console.log(
    `state round trips (PostgreSQL): ${trips} for one pair's initial sync of ${items} items in ${pages} pages of up to 200: ${(trips / Math.max(1, pages)).toFixed(1)} per page`,
  );
} finally {
  for (const name of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`).catch(() => undefined);
  await admin.end();
}
