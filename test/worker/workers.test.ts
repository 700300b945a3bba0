import { createQueue } from 'syncbridge';
import { afterEach, describe, expect, it } from 'vitest';
import { adoPerson, jiraPerson } from '../e2e/people.js';
import { postgresTestServer } from '../state/postgres-server.js';
import { adoBugs, jiraBugs, sortedTitles, startFleet, until, type WorkerProcess } from './fleet.js';

const server = await postgresTestServer();

let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

async function fleet(options: Omit<Parameters<typeof startFleet>[0], 'url' | 'stateSchema' | 'queueSchema'>) {
  const stateSchema = server.schema();
  const f = await startFleet({ ...options, url: server.url, stateSchema, queueSchema: server.schema() });
  cleanup.push(() => f.close());
  return {
    ...f,
    /** The process id of the worker holding a pair's lease now, from the state store. */
    async holder(pair: string): Promise<number | undefined> {
      const { rows } = await server.pool.query(
        `SELECT owner FROM "${stateSchema}".leases WHERE key = $1 AND expires_at > now()`,
        [pair],
      );
      const pid = /\bpid (\d+) /.exec(String(rows[0]?.owner ?? ''))?.[1];
      return pid === undefined ? undefined : Number(pid);
    },
  };
}

function started(w: WorkerProcess): WorkerProcess {
  cleanup.push(async () => {
    if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await w.done;
  });
  return w;
}

/** The passes a worker finished, from its log: pair and whether it created anything. */
const passes = (w: WorkerProcess) =>
  w
    .logs()
    .filter((l) => l.msg === 'pass done')
    .map((l) => ({
      pair: l.pair as string,
      created: Object.values(l.created as Record<string, number>).reduce((a, b) => a + b, 0),
    }));

/** Both sides of every pair hold the same bugs, each once. */
async function expectInSync(pairs: Awaited<ReturnType<typeof fleet>>['pairs'], items: number) {
  for (const pair of pairs) {
    const jira = await jiraBugs(pair);
    const ado = await adoBugs(pair);
    expect(jira).toHaveLength(items);
    expect(sortedTitles(ado)).toEqual(sortedTitles(jira));
    expect(new Set(ado.map((b) => b.title)).size).toBe(items);
  }
}

describe.skipIf(!server.reachable)('syncbridge worker', () => {
  it('spreads the pairs of an integration across two workers, each pair synced once', { timeout: 90_000 }, async () => {
    const f = await fleet({ pairs: 4, items: 12, latencyMs: 15 });
    const a = started(f.worker(['--concurrency', '1', '--poll', '0.5']));
    const b = started(f.worker(['--concurrency', '1', '--poll', '0.5']));
    await Promise.all([a.shows('started'), b.shows('started')]);
    // Both are polling before there is work: the integration becomes active only now.
    await f.activate();
    await until(async () => {
      for (const pair of f.pairs) if ((await adoBugs(pair)).length < 12) return false;
      return true;
    });
    await until(() => passes(a).length + passes(b).length >= 8);
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    expect((await a.done).code).toBe(130);
    expect((await b.done).code).toBe(130);
    const creating = (w: WorkerProcess) =>
      new Set(
        passes(w)
          .filter((p) => p.created > 0)
          .map((p) => p.pair),
      );
    // Each worker created items, in different pairs, and all four pairs were created.
    expect(creating(a).size).toBeGreaterThan(0);
    expect(creating(b).size).toBeGreaterThan(0);
    expect([...creating(a)].filter((p) => creating(b).has(p))).toEqual([]);
    expect(new Set([...creating(a), ...creating(b)])).toEqual(new Set(['p1', 'p2', 'p3', 'p4']));
    await expectInSync(f.pairs, 12);
  });

  it('on SIGTERM finishes the batch, hands the pass to the other worker at once and exits 130', {
    timeout: 90_000,
  }, async () => {
    // A lease of a minute: a takeover that waited for it would not finish within the test's timeout.
    // Enough pages that the pass is still under way when the signal comes, however fast the machine.
    const f = await fleet({ pairs: 1, items: 120, latencyMs: 40, engine: { leaseMs: 60_000 } });
    const [pair] = f.pairs;
    const workers = [f.worker(['--poll', '0.5', '--shutdown-timeout', '20000']), f.worker(['--poll', '0.5'])].map(
      started,
    );
    await Promise.all(workers.map((w) => w.shows('started')));
    await f.activate();
    await until(async () => (await adoBugs(pair!)).length >= 10);
    // The worker in the middle of a pass now: the one holding the pair's lease (the other may
    // have run a pass before with nothing to do, or be waiting for the lease).
    let holding: WorkerProcess | undefined;
    await until(async () => {
      const pid = await f.holder(pair!.name);
      holding = workers.find((w) => w.child.pid === pid);
      return holding !== undefined;
    });
    const a = holding!;
    const b = workers.find((w) => w !== a)!;
    a.child.kill('SIGTERM');
    const signalledAt = Date.now();
    const exit = await a.done;
    console.info(`SIGTERM: exit after ${Date.now() - signalledAt} ms`);
    expect(exit.code).toBe(130);
    expect(a.stderr()).toMatch(/worker \w+ stopped\n/);
    // A stopped at a batch boundary, and B went on from there without waiting for the lease.
    expect(passes(a).filter((p) => p.created > 0)).toHaveLength(1);
    expect((await adoBugs(pair!)).length).toBeLessThan(120);
    await until(async () => (await adoBugs(pair!)).length >= 120);
    await until(() => passes(b).some((p) => p.created > 0));
    expect(b.logs().filter((l) => String(l.msg).includes('busy'))).toEqual([]);
    const takeover = b.logs().find((l) => l.msg === 'pass started' && Date.parse(String(l.time)) > signalledAt);
    console.info(`SIGTERM takeover: ${Date.parse(String(takeover?.time)) - signalledAt} ms after the signal`);
    b.child.kill('SIGTERM');
    expect((await b.done).code).toBe(130);
    await expectInSync(f.pairs, 120);
  });

  it('gives the pair of a worker killed with kill -9 to another: no duplicate, no lost edit', {
    timeout: 90_000,
  }, async () => {
    const f = await fleet({ pairs: 1, items: 24, latencyMs: 10 });
    const [pair] = f.pairs;
    const workers = [f.worker(['--poll', '0.5']), f.worker(['--poll', '0.5'])].map(started);
    await Promise.all(workers.map((w) => w.shows('started')));
    await f.activate();
    await until(async () => (await adoBugs(pair!)).length >= 6);
    const a = workers.find((w) => w.logs().some((l) => l.msg === 'pass started'))!;
    const b = workers.find((w) => w !== a)!;
    a.child.kill('SIGKILL');
    await a.done;
    const killedAt = Date.now();
    // Meanwhile people edit both sides: a Jira bug already copied, and the copy of another in Azure DevOps.
    const jiraSide = await jiraBugs(pair!);
    const adoSide = await adoBugs(pair!);
    const copied = jiraSide.filter((j) => adoSide.some((a) => a.title === j.summary));
    await jiraPerson(pair!.jira, 'Ana Silva').edit(copied[0]!.id, { summary: 'p1 bug edited in Jira' });
    const adoCopy = adoSide.find((x) => x.title === copied[1]!.summary)!;
    await adoPerson(pair!.ado, 'ben@example.com').edit(adoCopy.id, { 'System.Title': 'p1 bug edited in Azure DevOps' });
    await until(async () => {
      const [jira, ado] = await Promise.all([jiraBugs(pair!), adoBugs(pair!)]);
      return (
        ado.length >= 24 &&
        ado.some((x) => x.title === 'p1 bug edited in Jira') &&
        jira.some((x) => x.summary === 'p1 bug edited in Azure DevOps')
      );
    });
    b.child.kill('SIGTERM');
    expect((await b.done).code).toBe(130);
    const takeover = b.logs().find((l) => l.msg === 'pass started' && Date.parse(String(l.time)) > killedAt);
    console.info(`kill -9 takeover: ${Date.parse(String(takeover?.time)) - killedAt} ms`);
    await expectInSync(f.pairs, 24);
    const titles = (await adoBugs(pair!)).map((x) => x.title);
    expect(titles).toContain('p1 bug edited in Jira');
    expect(titles).toContain('p1 bug edited in Azure DevOps');
    expect(titles).not.toContain(copied[0]!.summary);
    expect(titles).not.toContain(copied[1]!.summary);
  });

  it('syncs single items queued from elsewhere (a webhook receiver) between passes', { timeout: 90_000 }, async () => {
    // Passes an hour apart: only the item job can carry the edit over.
    const f = await fleet({ pairs: 1, items: 5, engine: { intervalMs: 3_600_000 } });
    await f.activate();
    const [pair] = f.pairs;
    const w = started(f.worker(['--poll', '0.5']));
    await until(() => passes(w).length > 0);
    expect(await adoBugs(pair!)).toHaveLength(5);
    const [first, second] = await jiraBugs(pair!);
    const ana = jiraPerson(pair!.jira, 'Ana Silva');
    await ana.edit(first!.id, { summary: 'p1 first, edited' });
    await ana.edit(second!.id, { summary: 'p1 second, edited' });
    const queue = await createQueue({ connectionString: server.url, schema: f.queueSchema });
    cleanup.push(() => queue.close());
    // The integration's key is the config file's base name; an item queued twice waits once.
    const added = await queue.enqueueItems({
      integration: 'fleet',
      pair: 'p1',
      side: 'left',
      ids: [first!.id, second!.id, first!.id],
    });
    expect(added).toBe(2);
    await until(async () => (await adoBugs(pair!)).filter((b) => b.title.endsWith(', edited')).length === 2);
    w.child.kill('SIGTERM');
    expect((await w.done).code).toBe(130);
    // One pass only: the items went through the item jobs.
    expect(passes(w)).toHaveLength(1);
    await expectInSync(f.pairs, 5);
  });
});
