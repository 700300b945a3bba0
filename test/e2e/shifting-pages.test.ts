/**
 * No update is lost when result pages shift (issue 10, situation 1): people's edits and the
 * engine's own writes land between two pages of a query, over real HTTP, and every test ends
 * by reading both systems whole.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Connector, SyncbridgeConfigInput, WorkItem } from 'syncbridge';
import type { HookRequest } from 'syncbridge/testing';
import { mappedDifferences } from './equality.js';
import { adoPerson, jiraPerson, paragraph } from './people.js';
import { adoFields, jiraFields, startScenario, type Scenario } from './scenario.js';

const twoDaysAgo = () => Date.now() - 2 * 86_400_000;
// Several pages per query, without thousands of bugs.
const smallPages = (config: SyncbridgeConfigInput): SyncbridgeConfigInput => ({
  ...config,
  engine: { ...config.engine, pageSize: 50 },
});
const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;

/** Runs `work` over `items`, ten at a time (people work in parallel; the test waits for all). */
async function inParallel<T, R>(items: T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += 10) out.push(...(await Promise.all(items.slice(i, i + 10).map(work))));
  return out;
}

async function readAll(connector: Connector, project: string, fields: string[]): Promise<WorkItem[]> {
  const out: WorkItem[] = [];
  for await (const page of connector.query({ project, type: 'Bug', fields })) out.push(...page);
  return out;
}

/** Reads both systems whole: every bug exists once on each side, linked, with equal values. */
async function expectMirrored(
  s: Scenario,
  count: number,
): Promise<{ ado: Map<string, WorkItem>; twinOf: Map<string, string> }> {
  const jira = await readAll(s.sync.connectors.jira!, 'DEMO', jiraFields);
  const ado = await readAll(s.sync.connectors.ado!, 'Demo', adoFields);
  expect(new Set(jira.map((i) => i.id)).size).toBe(count);
  expect(new Set(ado.map((i) => i.id)).size).toBe(count);
  const adoById = new Map(ado.map((i) => [i.id, i]));
  const twinOf = new Map<string, string>();
  const differences: string[] = [];
  for (const issue of jira) {
    const twin = adoById.get((await s.linkOf('left', issue.id)).rightId);
    if (!twin) throw new Error(`${issue.key} has no twin in Azure DevOps`);
    twinOf.set(issue.id, twin.id);
    differences.push(...mappedDifferences(issue, twin).map((d) => `${issue.key}: ${d}`));
  }
  expect(differences).toEqual([]);
  expect(new Set(twinOf.values()).size).toBe(count);
  return { ado: adoById, twinOf };
}

/** Files `count` Jira bugs as Ana, last changed two days ago, DEMO-1 oldest. */
async function fileJiraBugs(s: Scenario, count: number): Promise<Array<{ id: string; key: string }>> {
  const ana = jiraPerson(s.jira, 'Ana Silva');
  const bugs = await inParallel(
    Array.from({ length: count }, (_, n) => n + 1),
    (n) =>
      ana.fileBug({
        summary: `Bug ${n}: total is wrong`,
        description: paragraph(`Defect ${n}`, ' in the cart.'),
        priority: 'Medium',
      }),
  );
  const start = twoDaysAgo();
  // Ordered by key, so that DEMO-1 is the oldest whatever order the parallel filings landed in.
  const byKey = [...bugs].sort((a, b) => Number(a.key.split('-')[1]) - Number(b.key.split('-')[1]));
  for (const [n, bug] of byKey.entries()) {
    const issue = s.jira.sim.state.issue(bug.id)!;
    issue.created = start + n * 1000;
    issue.updated = start + n * 1000;
  }
  return byKey;
}

describe('pages that shift while the engine reads them', { timeout: 120_000 }, () => {
  let s: Scenario | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it('syncs three issues a person edits between two pages of a 250-issue initial sync', async () => {
    s = await startScenario();
    const scenario = s;
    await fileJiraBugs(scenario, 250);
    const bot = scenario.jira.sim.users[0]!;
    const ana = jiraPerson(scenario.jira, 'Ana Silva');
    const enginePage = (r: HookRequest) =>
      r.headers.get('authorization') === basic(bot.email, bot.apiToken) &&
      /order by updated/i.test(String((r.body as { jql?: string }).jql));
    const renamed = ['DEMO-101', 'DEMO-102', 'DEMO-103'];
    const onPage: string[] = [];
    // Activation reads a first page too (looking for copies to relink): the hook counts the pass's pages only.
    await scenario.connect(smallPages);
    await scenario.sync.activate();
    // Page 3 holds DEMO-101..150; once it is produced, Ana renames three of them.
    const between = scenario.jira.sim.hook(
      { when: 'after', method: 'POST', path: 'search/jql', where: enginePage, nth: 3 },
      async ({ response }) => {
        onPage.push(...((await response!.json()) as { issues: Array<{ key: string }> }).issues.map((i) => i.key));
        for (const key of renamed)
          await ana.edit(scenario.jira.sim.state.issue(key)!.id, { summary: `${key} renamed between pages` });
      },
    );
    const first = await scenario.runOnce();
    expect(between.calls).toBe(1);
    expect(onPage).toEqual(expect.arrayContaining(renamed));
    expect(first.summary).toMatchObject({ created: { right: 250 }, failed: 0 });
    await scenario.runOnce();
    const { ado, twinOf } = await expectMirrored(scenario, 250);
    for (const key of renamed)
      expect(ado.get(twinOf.get(scenario.jira.sim.state.issue(key)!.id)!)?.fields['System.Title']).toBe(
        `${key} renamed between pages`,
      );
  });

  it('catches up after downtime: 250 Jira renames and 100 priority changes on their twins, the engine writing to Jira as it reads', async () => {
    s = await startScenario();
    const scenario = s;
    const bugs = await fileJiraBugs(scenario, 250);
    // The first sync runs right after the bugs were filed (two days ago); the engine's clock says so.
    let engineTime: number | undefined = twoDaysAgo() + 300_000;
    // Without a Jira filter there is one query per pass (with one, a second query follows linked items).
    await scenario.connect(
      (config) => {
        const small = smallPages(config);
        const [mapping] = small.mappings;
        return { ...small, mappings: [{ ...mapping!, left: { ...mapping!.left, filter: undefined } }] };
      },
      { clock: () => new Date(engineTime ?? Date.now()) },
    );
    await scenario.sync.activate();
    expect((await scenario.runOnce()).summary).toMatchObject({ created: { right: 250 }, failed: 0 });
    engineTime = undefined;
    // An hour of downtime: people keep working on both sides.
    const ana = jiraPerson(scenario.jira, 'Ana Silva');
    const ben = adoPerson(scenario.ado, 'ben@example.com');
    await inParallel(bugs, (bug) => ana.edit(bug.id, { summary: `${bug.key} renamed during the downtime` }));
    // The renames spread over the hour, DEMO-1 first: older than any overlap the engine re-reads.
    const hourAgo = Date.now() - 3_600_000;
    for (const [n, bug] of bugs.entries()) {
      const issue = scenario.jira.sim.state.issue(bug.id)!;
      issue.updated = hourAgo + n * 14_000;
      issue.changelog.at(-1)!.created = issue.updated;
    }
    // Twins of DEMO-1..50 and DEMO-151..200: the engine writes their priority to Jira as it reads
    // their page, moving them to the end of the order. The other renames (twins unchanged) can
    // reach Azure DevOps only through the Jira query whose pages those writes shift.
    const reprioritised = bugs.filter((_, n) => n < 50 || (n >= 150 && n < 200));
    await inParallel(reprioritised, async (bug) =>
      ben.edit((await scenario.linkOf('left', bug.id)).rightId, { 'Microsoft.VSTS.Common.Priority': '1' }),
    );
    const writesToJira = scenario.jira.log.length;
    await scenario.runOnce();
    // The engine's own writes to Jira happened while it caught up.
    expect(scenario.jira.writesBy('sync-bot@example.com', writesToJira).length).toBeGreaterThanOrEqual(100);
    await scenario.runOnce();
    const { ado, twinOf } = await expectMirrored(scenario, 250);
    for (const bug of bugs)
      expect(ado.get(twinOf.get(bug.id)!)?.fields['System.Title']).toBe(`${bug.key} renamed during the downtime`);
    for (const bug of reprioritised) expect((await scenario.jiraItem(bug.id)).fields.priority).toBe('Highest');
  });

  it('syncs Azure DevOps bugs a person edits between two batches of a 250-bug initial sync', async () => {
    s = await startScenario();
    const scenario = s;
    const ben = adoPerson(scenario.ado, 'ben@example.com');
    const filed = (
      await inParallel(
        Array.from({ length: 250 }, (_, n) => n + 1),
        (n) =>
          ben.fileBug({
            title: `ADO bug ${n}: export times out`,
            description: paragraph(`Export ${n}`, ' fails.'),
            priority: 2,
          }),
      )
    )
      .map((b) => b.id)
      .sort((a, b) => Number(a) - Number(b));
    const botPat = scenario.ado.sim.users[0]!.pat;
    const edited: string[] = [];
    const notYetRead = filed.slice(-3);
    // After the engine's second batch read: three bugs it has read and three it has not are renamed.
    const between = scenario.ado.sim.hook(
      {
        when: 'after',
        method: 'POST',
        path: 'wit/workitemsbatch',
        where: (r) => r.headers.get('authorization') === basic('', botPat),
        nth: 2,
      },
      async ({ response }) => {
        const read = ((await response!.json()) as { value: Array<{ id: number }> }).value.map((w) => String(w.id));
        for (const id of [...read.slice(0, 3), ...notYetRead]) {
          await ben.edit(id, { 'System.Title': `ADO bug ${id} renamed between batches` });
          edited.push(id);
        }
      },
    );
    await scenario.connect(smallPages);
    await scenario.sync.activate();
    expect((await scenario.runOnce()).summary).toMatchObject({ created: { left: 250 }, failed: 0 });
    expect(between.calls).toBe(1);
    await scenario.runOnce();
    const { ado } = await expectMirrored(scenario, 250);
    expect(edited).toHaveLength(6);
    for (const id of edited) expect(ado.get(id)?.fields['System.Title']).toBe(`ADO bug ${id} renamed between batches`);
  });
});
