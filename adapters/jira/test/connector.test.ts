import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger, type ResolvedSystem, type WorkItem } from 'syncbridge';
import { jiraConnector } from 'syncbridge/jira';
import { createJiraSimulator, type JiraSimulator } from 'syncbridge/testing/jira';
import { syncBotAccountId } from '../simulator/seed.js';
import { connectTo, pages } from './support.js';

const baseUrl = 'https://acme.atlassian.test';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function start(options: Parameters<typeof createJiraSimulator>[0] = {}) {
  const sim = createJiraSimulator(options);
  server.use(...sim.mswHandlers(baseUrl));
  return { sim, connector: connectTo(baseUrl, sim) };
}

/** A connector that records each HTTP attempt as `METHOD path`. */
function countedConnector(sim: JiraSimulator) {
  const calls: string[] = [];
  const connector = connectTo(baseUrl, sim, {}, 'sync-bot@example.com', (e) =>
    calls.push(`${e.method} ${new URL(e.url).pathname.replace('/rest/api/3/', '')}`),
  );
  return { calls, connector };
}

describe('reading Jira issues', () => {
  it('pages through all 300 demo bugs oldest change first, with who changed each', async () => {
    const { connector } = start();
    const result = await pages(
      connector.query({ project: 'DEMO', type: 'Bug', fields: ['summary', 'priority', 'labels'] }),
    );
    expect(result.length).toBe(3);
    const items = result.flat();
    expect(items).toHaveLength(300);
    const times = items.map((i) => Date.parse(i.updatedAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(items.every((i) => i.updatedBy !== null && i.updatedBy.id !== syncBotAccountId)).toBe(true);
  });

  it('combines a filter written with OR and parentheses with the project and type', async () => {
    const { sim, connector } = start();
    const items = (
      await pages(
        connector.query({
          project: 'DEMO',
          type: 'Bug',
          filter: 'priority = Highest OR labels in (security, customer) ORDER BY key',
          fields: ['priority', 'labels'],
        }),
      )
    ).flat();
    const expected = [...sim.state.issues.values()].filter(
      (i) =>
        i.fields.priority === '1' || (i.fields.labels as string[]).some((l) => l === 'security' || l === 'customer'),
    );
    expect(items.length).toBe(expected.length);
    expect(
      items.every(
        (i) =>
          i.fields.priority === 'Highest' ||
          (i.fields.labels as string[]).some((l) => l === 'security' || l === 'customer'),
      ),
    ).toBe(true);
    // A filter that is only an order selects everything; the connector keeps its own order.
    expect(
      (
        await pages(
          connector.query({ project: 'DEMO', type: 'Bug', filter: 'ORDER BY created DESC', fields: ['priority'] }),
        )
      ).flat(),
    ).toHaveLength(sim.state.issues.size);
  });

  it('loses no update across a DST change when the integration user lives in New York', async () => {
    const { sim, connector } = start({ seed: 'empty' });
    const bot = sim.state.user(syncBotAccountId);
    if (bot) bot.timeZone = 'America/New_York';
    // 2025-11-02 01:30 happens twice in New York; `since` is in the first (EDT) pass.
    const since = '2025-11-02T05:30:20.500Z';
    const stamps = [
      '2025-11-02T05:30:05.000Z',
      '2025-11-02T05:30:20.500Z',
      '2025-11-02T05:30:59.999Z',
      '2025-11-02T05:45:00.000Z',
      '2025-11-02T06:10:00.000Z',
      '2025-11-02T06:30:10.000Z',
    ];
    const created = await connector.create(
      stamps.map((_, n) => ({
        project: 'DEMO',
        type: 'Bug',
        fields: { summary: `tz ${n}` },
        origin: { system: 'test', id: `tz-${n}` },
      })),
    );
    created.forEach((result, n) => {
      const issue = result.ok ? sim.state.issue(result.item.id) : undefined;
      if (issue) issue.updated = Date.parse(stamps[n] as string);
    });
    const items = (
      await pages(
        connector.query({
          project: 'DEMO',
          type: 'Bug',
          fields: ['summary'],
          since: { kind: 'timestamp', value: since },
        }),
      )
    ).flat();
    expect(items.map((i) => i.fields.summary)).toEqual(['tz 1', 'tz 2', 'tz 3', 'tz 4', 'tz 5']);
  });

  it('tells the newest change for the polling start', async () => {
    const { sim, connector } = start();
    const newest = Math.max(...[...sim.state.issues.values()].map((i) => i.updated));
    expect(await connector.latestChange('DEMO', 'Bug')).toEqual({
      kind: 'timestamp',
      value: new Date(newest).toISOString(),
    });
  });
});

describe('writing Jira issues', () => {
  it('creates 120 issues in three bulk calls of at most 50', async () => {
    const sim = createJiraSimulator({ seed: 'empty' });
    server.use(...sim.mswHandlers(baseUrl));
    const { calls, connector } = countedConnector(sim);
    const results = await connector.create(
      Array.from({ length: 120 }, (_, n) => ({
        project: 'DEMO',
        type: 'Bug',
        fields: { summary: `bulk ${n}` },
        origin: { system: 'ado', id: String(n) },
      })),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(calls.filter((c) => c === 'POST issue/bulk')).toHaveLength(3);
    expect(sim.state.issues.size).toBe(120);
  });

  it('names the field Jira rejects', async () => {
    const { connector } = start({ seed: 'empty' });
    const [result] = await connector.create([
      {
        project: 'DEMO',
        type: 'Bug',
        fields: { summary: 'bad severity', customfield_10050: 'S9 - Unknown' },
        origin: { system: 'ado', id: '1' },
      },
    ]);
    expect(result?.ok).toBe(false);
    if (result && !result.ok) {
      expect(result.error.code).toBe('VALIDATION');
      expect(result.error.message).toContain("customfield_10050: Option value 'S9 - Unknown' is not valid");
    }
  });

  it('explains that no transition leads from To Do straight to Done', async () => {
    const { connector } = start({ seed: 'empty' });
    const [created] = await connector.create([
      { project: 'DEMO', type: 'Bug', fields: { summary: 'skip review' }, origin: { system: 'ado', id: '2' } },
    ]);
    const item = (created as { item: WorkItem }).item;
    const [result] = await connector.update([{ id: item.id, fields: { status: 'Done' } }]);
    expect(result?.ok).toBe(true);
    if (result?.ok) {
      expect(result.refused?.status).toMatch(/cannot move to status 'Done' from 'To Do'.*reachable: In Progress/);
      expect(result.item.fields.status).toBe('To Do');
    }
  });

  it('still names the issues it made when reading them back fails, so a retry does not file them again', async () => {
    const sim = createJiraSimulator({ seed: 'empty' });
    server.use(...sim.mswHandlers(baseUrl));
    // The read-back right after the bulk create is refused.
    const connector = connectTo(baseUrl, sim, {}, 'sync-bot@example.com', (e) => {
      if (e.method === 'POST' && e.url.endsWith('/issue/bulk')) sim.failNext(1, 403);
    });
    const results = await connector.create(
      [1, 2].map((n) => ({
        project: 'DEMO',
        type: 'Bug',
        fields: { summary: `made ${n}` },
        origin: { system: 'ado', id: String(n) },
      })),
    );
    expect(sim.state.issues.size).toBe(2);
    const keys = [...sim.state.issues.values()].map((i) => i.key);
    expect(results.map((r) => (r.ok ? undefined : r.created?.key))).toEqual(keys);
    expect(results.map((r) => (r.ok ? undefined : r.error.code))).toEqual(['PERMISSION', 'PERMISSION']);
  });
});

describe('talking to a busy Jira', () => {
  it('waits as long as Retry-After says after a 429 and then succeeds', async () => {
    const sim = createJiraSimulator({ seed: 'empty' });
    server.use(...sim.mswHandlers(baseUrl));
    const { calls, connector } = countedConnector(sim);
    sim.failNext(1, 429, 1);
    const me = await connector.whoami();
    expect(me.email).toBe('sync-bot@example.com');
    expect(calls).toEqual(['GET myself', 'GET myself']);
  });

  it('retries as often and as soon as the system’s retry settings say', async () => {
    const sim = createJiraSimulator({ seed: 'empty' });
    server.use(...sim.mswHandlers(baseUrl));
    const calls: number[] = [];
    const bot = sim.users[0]!;
    const system: ResolvedSystem = {
      id: 'jira',
      adapter: 'jira',
      baseUrl,
      auth: { type: 'apiToken', email: bot.email, token: bot.apiToken },
      retry: { retries: 1, minTimeoutMs: 0 },
    };
    const connector = jiraConnector.create(
      system,
      {},
      { logger: silentLogger, onRequest: () => calls.push(Date.now()) },
    );
    sim.failNext(3, 503);
    await expect(connector.whoami()).rejects.toMatchObject({ code: 'TRANSIENT', status: 503 });
    expect(calls).toHaveLength(2);
  });

  it('finds users whose e-mail Jira Cloud hides', async () => {
    const { connector } = start();
    const [chen] = await connector.findUsers({ email: 'chen@example.com' });
    expect(chen).toMatchObject({ id: '712020:00000003-chen', displayName: 'Chen Wei' });
  });

  it('syncs 1,000 issues initially in 12 HTTP calls', async () => {
    const sim = createJiraSimulator({ seed: 'demo', issues: 1000 });
    server.use(...sim.mswHandlers(baseUrl));
    const { calls, connector } = countedConnector(sim);
    const fields = [
      'summary',
      'description',
      'priority',
      'status',
      'assignee',
      'labels',
      'customfield_10050',
      'customfield_10016',
    ];
    const items = (await pages(connector.query({ project: 'DEMO', type: 'Bug', fields }))).flat();
    expect(items).toHaveLength(1000);
    // GET field and GET myself (the zone the next page's JQL bound is written in) once, then
    // one search per page of 100, which carries the changelog. The engine has asked for
    // myself already (whoami), so an initial sync costs it 11.
    expect(calls).toHaveLength(12);
  });
});
