import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Connector } from 'syncbridge';
import { createJiraSimulator, type JiraSimulator } from 'syncbridge/testing/jira';
import { connectTo } from './support.js';

const baseUrl = 'https://times.atlassian.test';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const iso = (ms: number | undefined) => new Date(ms ?? NaN).toISOString();

/** When the simulator last recorded a change of `field` on an issue, or its creation. */
function lastChange(sim: JiraSimulator, id: string, field: string): string {
  const issue = sim.state.issue(id);
  const changes = issue?.changelog.filter((c) => c.items.some((i) => i.fieldId === field)) ?? [];
  return iso(changes.at(-1)?.created ?? issue?.created);
}

async function scenario(apiVersion: '2' | '3') {
  const sim = createJiraSimulator({ seed: 'empty' });
  server.use(...sim.mswHandlers(baseUrl));
  const calls: string[] = [];
  const login = apiVersion === '2' ? 'pat' : 'apiToken';
  const bot = connectTo(
    baseUrl,
    sim,
    { apiVersion },
    undefined,
    (e) => calls.push(`${e.method} ${new URL(e.url).pathname.split(`/rest/api/${apiVersion}/`)[1]}`),
    login,
  );
  const ana: Connector = connectTo(baseUrl, sim, { apiVersion }, 'ana@example.com', undefined, login);
  const made = await bot.create(
    [1, 2, 3].map((n) => ({
      project: 'DEMO',
      type: 'Bug',
      fields: { summary: `issue ${n}`, labels: ['ui'] },
      origin: { system: 'ado', id: String(n) },
    })),
  );
  const [a, b, c] = made.map((r) => (r.ok ? r.item.id : ''));
  await ana.update([{ id: a!, fields: { summary: 'renamed by Ana', customfield_10050: 'S2 - Major' } }]);
  await bot.update([{ id: b!, fields: { status: 'In Progress', labels: ['ui', 'backend'] } }]);
  await ana.update([{ id: a!, fields: { priority: 'High' } }]);
  calls.length = 0;
  const fields = ['summary', 'priority', 'status', 'labels', 'customfield_10050', 'description'];
  const times = await bot.fieldChangeTimes!([a!, b!, c!, 'DEMO-99'], fields);
  const expected = Object.fromEntries(
    [a!, b!, c!].map((id) => [id, Object.fromEntries(fields.map((f) => [f, lastChange(sim, id, f)]))]),
  );
  return { sim, times, expected, ids: [a!, b!, c!], calls };
}

describe('when each field of a Jira issue last changed', () => {
  it('reads Cloud changelogs in bulk, filtered to the fields asked for, with the creation for fields never changed', async () => {
    const {
      sim,
      times,
      expected,
      ids: [a, b, c],
      calls,
    } = await scenario('3');
    expect(times).toEqual(expected);
    // The changes really differ: Ana's two edits, the bot's transition, and creation for the rest.
    expect(times[a!]!.summary).not.toBe(times[a!]!.priority);
    expect(times[a!]!.customfield_10050).toBe(times[a!]!.summary);
    expect(times[b!]!.status).not.toBe(iso(sim.state.issue(b!)?.created));
    expect(new Set(Object.values(times[c!]!))).toEqual(new Set([iso(sim.state.issue(c!)?.created)]));
    expect(times['DEMO-99']).toBeUndefined();
    expect(calls).toEqual(['POST issue/bulkfetch', 'POST changelog/bulkfetch']);
  });

  it('maps Data Center changelogs, which name fields (custom ones by their name) without ids', async () => {
    const { times, expected, calls } = await scenario('2');
    expect(times).toEqual(expected);
    expect(calls).toEqual(['POST search']);
  });
});
