import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HookRequest } from 'syncbridge/testing';
import { createJiraSimulator } from 'syncbridge/testing/jira';
import { earliestReading, windowEnd } from '../query.js';
import { syncBotAccountId } from '../simulator/seed.js';
import { connectTo, pages } from './support.js';

const baseUrl = 'https://shifting.atlassian.test';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const fields = ['summary', 'priority'];
// The reader's query pages (a person's read-back after an edit searches too, on Data Center).
const isQueryPage = (request: HookRequest) =>
  /order by/i.test(String((request.body as { jql?: string } | undefined)?.jql));

describe.each(['3', '2'] as const)('reading a Jira result that changes between pages (REST v%s)', (apiVersion) => {
  function start(issues: number) {
    const sim = createJiraSimulator({ seed: 'demo', issues });
    server.use(...sim.mswHandlers(baseUrl));
    const searches: string[] = [];
    const login = apiVersion === '2' ? 'pat' : 'apiToken';
    const reader = connectTo(
      baseUrl,
      sim,
      { apiVersion },
      undefined,
      (e) => void (/\/search(\/jql)?$/.test(new URL(e.url).pathname) && searches.push(e.url)),
      login,
    );
    const person = connectTo(baseUrl, sim, { apiVersion }, 'ana@example.com', undefined, login);
    const edit = async (id: string, summary: string) => {
      const [result] = await person.update([{ id, fields: { summary } }]);
      if (!result?.ok) throw result?.error ?? new Error('edit failed');
    };
    const read = async () => (await pages(reader.query({ project: 'DEMO', type: 'Bug', fields, pageSize: 10 }))).flat();
    const allIds = () => [...sim.state.issues.keys()].sort();
    return { sim, searches, edit, read, allIds };
  }

  const pageIds = async (response: Response | undefined) =>
    ((await response!.json()) as { issues: Array<{ id: string }> }).issues.map((i) => i.id);

  it('returns every issue when three already read are edited between two pages', async () => {
    const { sim, edit, read, allIds } = start(80);
    const before = allIds();
    const edited: string[] = [];
    const between = sim.hook(
      { when: 'after', method: 'POST', path: /\/search(\/jql)?$/, where: isQueryPage, nth: 1 },
      async ({ response }) => {
        for (const id of (await pageIds(response)).slice(0, 3)) {
          await edit(id, `edited between pages ${id}`);
          edited.push(id);
        }
      },
    );
    const items = await read();
    expect(between.calls).toBe(1);
    expect(edited).toHaveLength(3);
    expect([...new Set(items.map((i) => i.id))].sort()).toEqual(before);
  });

  it("returns every issue when the reader's own writes land after every page", async () => {
    const { sim, searches, edit, read, allIds } = start(100);
    const before = allIds();
    const hook = sim.hook(
      { when: 'after', method: 'POST', path: /\/search(\/jql)?$/, where: isQueryPage },
      async ({ response }) => {
        const [first] = await pageIds(response);
        if (first) await edit(first, `written by the engine ${first}`);
      },
    );
    const items = await read();
    expect(hook.calls).toBeGreaterThan(10);
    expect([...new Set(items.map((i) => i.id))].sort()).toEqual(before);
    expect(searches.length).toBeLessThanOrEqual(hook.calls + 1);
  });

  it('returns an issue edited before it was read at its new version', async () => {
    const { sim, edit, read, allIds } = start(40);
    const newest = allIds()
      .map((id) => sim.state.issue(id)!)
      .sort((a, b) => b.updated - a.updated)[0]!;
    sim.hook({ when: 'after', method: 'POST', path: /\/search(\/jql)?$/, where: isQueryPage, nth: 1 }, () =>
      edit(newest.id, 'renamed before it was read'),
    );
    const items = await read();
    expect(items.filter((i) => i.id === newest.id).map((i) => i.fields.summary)).toEqual([
      'renamed before it was read',
    ]);
    expect(new Set(items.map((i) => i.id)).size).toBe(40);
  });

  it('returns every issue of a minute that holds many pages, edits between pages included', async () => {
    const { sim, searches, edit, read, allIds } = start(150);
    // A bulk import: every issue changed within the same minute, far more than a page.
    const minute = Math.floor(Date.now() / 60_000) * 60_000 - 3 * 60_000;
    for (const [n, issue] of [...sim.state.issues.values()].entries()) issue.updated = minute + 100 + n * 7;
    const before = allIds();
    const hooks = [3, 13].map((nth) =>
      sim.hook(
        { when: 'after', method: 'POST', path: /\/search(\/jql)?$/, where: isQueryPage, nth },
        async ({ response }) => {
          for (const id of (await pageIds(response)).slice(0, 3)) await edit(id, `edited in a crowded minute ${id}`);
        },
      ),
    );
    const byKey = sim.hook(
      {
        when: 'before',
        method: 'POST',
        path: /\/search(\/jql)?$/,
        where: (r) => /key > "DEMO-\d+"[\s\S]*ORDER BY key ASC$/.test(String((r.body as { jql?: string }).jql)),
      },
      () => undefined,
    );
    const items = await read();
    expect(hooks.map((h) => h.calls)).toEqual([1, 1]);
    expect(byKey.calls).toBeGreaterThan(1);
    expect([...new Set(items.map((i) => i.id))].sort()).toEqual(before);
    // Paged by key within the minute once 100 ids are left out: a few requests more than 15 pages.
    expect(searches.length).toBeLessThanOrEqual(18);
  });

  it('does not return an issue that stops matching, and keeps the pages of the rest', async () => {
    const { sim, read, allIds } = start(60);
    const before = allIds();
    const returned = new Set<string>();
    let gone = '';
    sim.hook(
      { when: 'after', method: 'POST', path: /\/search(\/jql)?$/, where: isQueryPage },
      async ({ response, match }) => {
        for (const id of await pageIds(response)) returned.add(id);
        if (match !== 2) return;
        // An unread bug becomes a task: it leaves the result, which shifts back by one.
        gone = before.find((id) => !returned.has(id)) ?? '';
        sim.state.issue(gone)!.issueTypeId = '10003';
      },
    );
    const items = await read();
    expect(gone).not.toBe('');
    expect([...new Set(items.map((i) => i.id))].sort()).toEqual(before.filter((id) => id !== gone));
  });

  it('returns every issue across a DST change, where one wall-clock hour happens twice', async () => {
    const { sim, edit, read, allIds } = start(150);
    sim.state.user(syncBotAccountId)!.timeZone = 'America/New_York';
    // 2025-11-02 01:00-02:00 happens twice in New York (05:00-07:00 UTC); 30 issues share 01:40 EDT.
    const start0 = Date.parse('2025-11-02T05:00:00.000Z');
    for (const [n, issue] of [...sim.state.issues.values()].entries())
      issue.updated = n < 120 ? start0 + n * 60_000 + 500 : Date.parse('2025-11-02T05:40:00.000Z') + n * 10;
    const before = allIds();
    for (const nth of [2, 9]) {
      sim.hook(
        { when: 'after', method: 'POST', path: /\/search(\/jql)?$/, where: isQueryPage, nth },
        async ({ response }) => {
          for (const id of (await pageIds(response)).slice(0, 3)) await edit(id, `edited across DST ${id}`);
        },
      );
    }
    const items = await read();
    expect([...new Set(items.map((i) => i.id))].sort()).toEqual(before);
  });
});

describe('the end of a JQL window holding one minute', () => {
  it('is the next minute, or an hour later when DST makes it ambiguous and Jira could read it too early', () => {
    expect(windowEnd('2025-06-01T12:30:59.999Z', 'America/New_York')).toBe('2025/06/01 08:31');
    // 01:30 EDT: both readings of 01:31 are at or after the end of the minute.
    expect(windowEnd('2025-11-02T05:30:20.000Z', 'America/New_York')).toBe('2025/11/02 01:31');
    // 01:30 EST: 01:31 could be read as 01:31 EDT, an hour too early.
    expect(windowEnd('2025-11-02T06:30:20.000Z', 'America/New_York')).toBe('2025/11/02 02:31');
    expect(earliestReading('2025/11/02 01:31', 'America/New_York')).toBe(Date.parse('2025-11-02T05:31:00.000Z'));
  });
});
