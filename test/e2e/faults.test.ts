import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Syncbridge } from 'syncbridge';
import { richTextToPlain } from 'syncbridge/connector-kit';
import { seededRandom } from 'syncbridge/testing';
import { mappedDifferences } from './equality.js';
import { adoPerson, jiraPerson, paragraph } from './people.js';
import { adoFields, BOT, jiraFields, startScenario, type Scenario } from './scenario.js';

/**
 * The network between the integration and both systems fails: requests fail before they act
 * (503 or a dropped connection) and answers get lost after the system acted, which is what
 * tempts a client to create twice. The engine runs pass after pass; whatever it retries,
 * each bug must exist once on each side, each comment once, no edit may be lost, and every
 * pair must end equal.
 */
describe('Jira ↔ Azure DevOps over a faulty network', () => {
  let s: Scenario;
  let sync: Syncbridge;
  let ana: ReturnType<typeof jiraPerson>;
  let ben: ReturnType<typeof adoPerson>;
  const jiraBugs: Array<{ id: string; key: string }> = [];
  const adoBugs: Array<{ id: string; key: string }> = [];

  const fileBugs = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const n = jiraBugs.length + 1;
      jiraBugs.push(
        await ana.fileBug({
          summary: `Jira bug ${n}`,
          description: paragraph(`Defect ${n}: `, 'wrong total.'),
          priority: 'Medium',
          labels: ['backend'],
        }),
      );
      adoBugs.push(
        await ben.fileBug({
          title: `ADO bug ${n}`,
          description: paragraph(`Export ${n}`, ' times out.'),
          priority: 2,
          tags: ['performance'],
        }),
      );
    }
  };
  const faults = (on: boolean, seed = 0) => {
    for (const sim of [s.jira.sim, s.ado.sim]) {
      Object.assign(
        sim.knobs,
        on
          ? { faultRate: 0.15, lostResponseRate: 0.15, random: seededRandom(seed + (sim === s.jira.sim ? 1 : 2)) }
          : { faultRate: 0, lostResponseRate: 0 },
      );
    }
  };
  /** Runs passes until one ends with nothing failed or pending; returns how many it took. */
  const settle = async (limit = 30) => {
    for (let pass = 1; pass <= limit; pass++) {
      try {
        const summary = await sync.runOnce();
        const [pair] = (await sync.status()).pairs;
        if (summary.failed === 0 && pair!.failures.length === 0 && pair!.pendingCreates === 0) return pass;
      } catch {
        // A pass that failed as a whole (a query that kept failing) is simply run again, as `run` does.
      }
    }
    throw new Error(
      `not settled after ${limit} passes: ${JSON.stringify((await sync.status()).pairs[0]!.failures.map((f) => `${f.itemKey} ${f.code} ${f.message}`))}`,
    );
  };
  const lostBotWrites = () => [...s.jira.writesBy(BOT), ...s.ado.writesBy(BOT)].filter((w) => w.status === 0);

  beforeAll(async () => {
    s = await startScenario();
    ana = jiraPerson(s.jira, 'Ana Silva');
    ben = adoPerson(s.ado, 'ben@example.com');
    await fileBugs(8);
    // Failed items are retried on every pass, as often as it takes; failed requests without long waits.
    const retry = { minTimeoutMs: 5, maxTimeoutMs: 50 };
    sync = await s.connect((config) => ({
      ...config,
      systems: Object.fromEntries(Object.entries(config.systems).map(([id, system]) => [id, { ...system, retry }])),
      engine: { ...config.engine, maxAttempts: 1000 },
    }));
    await sync.activate();
  });

  afterAll(async () => {
    await s?.close();
  });

  it('does not create again when the answer to a bulk create is lost', async () => {
    // The creates' answers, not those of the back-links written when the first copies are linked.
    s.jira.sim.hook({ when: 'before', method: 'POST', path: 'issue/bulk', once: true }, () =>
      s.jira.loseNextWriteAnswer(),
    );
    s.ado.sim.hook({ when: 'before', method: 'POST', path: 'wit/$batch', once: true }, () =>
      s.ado.loseNextWriteAnswer(),
    );
    const first = await s.runOnce();
    expect(first.summary.failed).toBe(16);
    expect(lostBotWrites().map((w) => w.path)).toEqual(['/rest/api/3/issue/bulk', '/demo-org/_apis/wit/$batch']);
    expect(await settle(3)).toBe(1);
    expect(s.jira.sim.state.issues.size).toBe(16);
    expect(s.ado.sim.state.workItems.size).toBe(16);
    expect(await sync.store.listLinks('bugs')).toHaveLength(16);
  });

  it('keeps every bug, edit and comment exactly once through rounds of random faults', async () => {
    for (let round = 1; round <= 5; round++) {
      await fileBugs(2);
      for (const [i, bug] of jiraBugs.slice(round * 2 - 2, round * 2).entries()) {
        await ana.edit(bug.id, {
          summary: `Jira bug ${round * 2 - 1 + i}, edited in round ${round}`,
          priority: 'High',
        });
        await ana.comment(bug.id, `Jira comment of round ${round}`);
      }
      for (const [i, bug] of adoBugs.slice(round * 2 - 2, round * 2).entries()) {
        await ben.edit(bug.id, {
          'System.Title': `ADO bug ${round * 2 - 1 + i}, edited in round ${round}`,
          'System.Tags': ['performance', `round-${round}`],
        });
        await ben.comment(bug.id, `ADO comment of round ${round}`);
      }
      faults(true, round * 10);
      await settle();
      faults(false);
    }
    // The faults really hit the integration's writes: connections dropped before or after the write took effect.
    expect(lostBotWrites().length).toBeGreaterThan(5);

    const quiet = await s.runOnce();
    expect(quiet.writes).toEqual({ jira: [], ado: [] });
    expect(s.jira.sim.state.issues.size).toBe(2 * jiraBugs.length);
    expect(s.ado.sim.state.workItems.size).toBe(2 * adoBugs.length);
    const links = await sync.store.listLinks('bugs');
    expect(links).toHaveLength(2 * jiraBugs.length);

    const left = new Map(
      (
        await sync.connectors.jira!.getMany(
          links.map((l) => l.leftId),
          { fields: jiraFields },
        )
      ).map((i) => [i.id, i]),
    );
    const right = new Map(
      (
        await sync.connectors.ado!.getMany(
          links.map((l) => l.rightId),
          { fields: adoFields },
        )
      ).map((i) => [i.id, i]),
    );
    expect(
      links.flatMap((l) =>
        mappedDifferences(left.get(l.leftId)!, right.get(l.rightId)!).map((d) => `${l.leftKey} ↔ ${l.rightKey} ${d}`),
      ),
    ).toEqual([]);
    expect([...left.values()].filter((i) => / edited in round \d$/.test(String(i.fields.summary)))).toHaveLength(20);

    for (const link of links) {
      const bodies = [
        ...(await sync.connectors.jira!.listComments(link.leftId)),
        ...(await sync.connectors.ado!.listComments(link.rightId)),
      ].map((c) => richTextToPlain(c.body));
      const said = bodies.map((b) => /(?:Jira|ADO) comment of round \d/.exec(b)?.[0]).filter((t) => t !== undefined);
      // Each comment stands twice in all: the original on one side and its one copy on the other.
      expect(said.length, `${link.leftKey} ↔ ${link.rightKey}: ${JSON.stringify(bodies)}`).toBe(new Set(said).size * 2);
    }
  });
});
