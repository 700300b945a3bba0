import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Connector, WorkItem } from 'syncbridge';
import type { WriteResult } from 'syncbridge/connector-kit';
import { createAzureDevOpsSimulator, type AzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import { connectTo, mswBaseUrl } from './support.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

let sim: AzureDevOpsSimulator;
let bot: Connector;
let ana: Connector;
const calls: string[] = [];
beforeEach(() => {
  sim = createAzureDevOpsSimulator({ seed: 'empty' });
  server.resetHandlers(...sim.mswHandlers(mswBaseUrl));
  calls.length = 0;
  bot = connectTo(mswBaseUrl, sim, {}, undefined, (e) =>
    calls.push(`${e.method} ${new URL(e.url).pathname.replace('/demo-org/', '')}`),
  );
  ana = connectTo(mswBaseUrl, sim, {}, 'ana.silva@contoso.com');
});

const ok = (r: WriteResult | undefined): WorkItem => {
  if (!r?.ok) throw r?.error ?? new Error('no result');
  return r.item;
};

/** When the simulator's revisions last changed `field` of an item, or its creation. */
function lastChange(id: string, field: string): string {
  const revisions = sim.state.workItems.get(Number(id))?.revisions ?? [];
  const changed = revisions.filter(
    (r, i) => i > 0 && JSON.stringify(r.fields[field]) !== JSON.stringify(revisions[i - 1]?.fields[field]),
  );
  return new Date(
    String(changed.at(-1)?.fields['System.ChangedDate'] ?? revisions[0]?.fields['System.CreatedDate']),
  ).toISOString();
}

const fields = ['System.Title', 'System.State', 'System.Tags', 'Microsoft.VSTS.Common.Priority', 'System.Description'];

describe('when each field of an Azure DevOps work item last changed', () => {
  it('reads each item’s updates once, and reports the creation for fields never changed', async () => {
    const [a, b, c] = (
      await bot.create(
        ['a', 'b', 'c'].map((t) => ({
          project: 'Demo',
          type: 'Bug',
          fields: { 'System.Title': t, 'System.Tags': ['ui'] },
          origin: { system: 'jira', id: t },
        })),
      )
    ).map(ok);
    ok((await ana.update([{ id: a!.id, fields: { 'System.Title': 'a by Ana' } }]))[0]);
    ok((await bot.update([{ id: b!.id, fields: { 'System.State': 'Active', 'System.Tags': ['ui', 'backend'] } }]))[0]);
    ok((await ana.update([{ id: a!.id, fields: { 'Microsoft.VSTS.Common.Priority': '1' } }]))[0]);
    calls.length = 0;
    const times = await bot.fieldChangeTimes!([a!.id, b!.id, c!.id, '999'], fields);
    expect(times).toEqual(
      Object.fromEntries(
        [a!, b!, c!].map((item) => [item.id, Object.fromEntries(fields.map((f) => [f, lastChange(item.id, f)]))]),
      ),
    );
    expect(times[a!.id]!['System.Title']).not.toBe(times[a!.id]!['Microsoft.VSTS.Common.Priority']);
    expect(times[b!.id]!['System.State']).toBe(times[b!.id]!['System.Tags']);
    expect(times[b!.id]!['System.State']).not.toBe(times[b!.id]!['System.Title']);
    expect(new Set(Object.values(times[c!.id]!)).size).toBe(1);
    expect(calls.sort()).toEqual(
      [a, b, c]
        .map((i) => `GET _apis/wit/workItems/${i!.id}/updates`)
        .concat('GET _apis/wit/workItems/999/updates')
        .sort(),
    );
  });

  it('pages through a history longer than one page of updates', async () => {
    const item = ok(
      (
        await bot.create([
          { project: 'Demo', type: 'Bug', fields: { 'System.Title': 'busy' }, origin: { system: 'jira', id: 'busy' } },
        ])
      )[0],
    );
    // $batch calls of 50 edits of the same item (the declared most) make 200 revisions quickly.
    for (let n = 0; n < 200; n += 50)
      (
        await ana.update(
          Array.from({ length: 50 }, (_, k) => ({ id: item.id, fields: { 'System.Title': `busy ${n + k}` } })),
        )
      ).forEach(ok);
    expect(sim.state.workItems.get(Number(item.id))?.rev).toBe(201);
    ok((await ana.update([{ id: item.id, fields: { 'System.State': 'Active' } }]))[0]);
    calls.length = 0;
    const times = await bot.fieldChangeTimes!([item.id], ['System.Title', 'System.State']);
    expect(times[item.id]).toEqual({
      'System.Title': lastChange(item.id, 'System.Title'),
      'System.State': lastChange(item.id, 'System.State'),
    });
    expect(times[item.id]!['System.State']! > times[item.id]!['System.Title']!).toBe(true);
    expect(calls).toHaveLength(2);
  });
});
