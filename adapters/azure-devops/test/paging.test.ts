import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAzureDevOpsSimulator, type AzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import { connectTo, mswBaseUrl, pages } from './support.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

function start(limits: Parameters<typeof createAzureDevOpsSimulator>[0] = {}) {
  const sim = createAzureDevOpsSimulator({ seed: 'demo', ...limits });
  server.resetHandlers(...sim.mswHandlers(mswBaseUrl));
  const reader = connectTo(mswBaseUrl, sim);
  const person = connectTo(mswBaseUrl, sim, {}, 'ana.silva@contoso.com');
  const rename = async (id: string, title: string) => {
    const [result] = await person.update([{ id, fields: { 'System.Title': title } }]);
    if (!result?.ok) throw result?.error ?? new Error('edit failed');
  };
  const read = async () =>
    (await pages(reader.query({ project: 'Demo', type: 'Bug', fields: ['System.Title'], pageSize: 20 }))).flat();
  return { sim, rename, read };
}

const bugIds = (sim: AzureDevOpsSimulator) =>
  [...sim.state.workItems.values()]
    .filter((w) => w.fields['System.WorkItemType'] === 'Bug')
    .sort(
      (a, b) =>
        Date.parse(String(a.fields['System.ChangedDate'])) - Date.parse(String(b.fields['System.ChangedDate'])) ||
        a.id - b.id,
    )
    .map((w) => String(w.id));
const batchIds = async (response: Response | undefined) =>
  ((await response!.json()) as { value: Array<{ id: number }> }).value.map((w) => String(w.id));

describe('reading Azure DevOps work items while they change', () => {
  it('reads every item once when items already read, and items not read yet, are edited between two batches', async () => {
    const { sim, rename, read } = start();
    const before = bugIds(sim);
    const unread = before.slice(-3);
    const between = sim.hook(
      { when: 'after', method: 'POST', path: 'wit/workitemsbatch', nth: 1 },
      async ({ response }) => {
        for (const id of (await batchIds(response)).slice(0, 3)) await rename(id, `edited after it was read ${id}`);
        for (const id of unread) await rename(id, `edited before it was read ${id}`);
      },
    );
    const items = await read();
    expect(between.calls).toBe(1);
    expect(items.map((i) => i.id).sort()).toEqual([...before].sort());
    // WIQL answers every id at once; each batch reads the items as they are now.
    for (const id of unread)
      expect(items.find((i) => i.id === id)?.fields['System.Title']).toBe(`edited before it was read ${id}`);
  });

  it('reads every item when edits move items between the ChangedDate windows of a capped WIQL result', async () => {
    const { sim, rename, read } = start({ limits: { wiqlMaxResults: 50 } });
    const before = bugIds(sim);
    // Older windows are queried first: edits move items of windows not queried yet to the newest one.
    const later = [before[60], before[120], before[180]].filter((id): id is string => id !== undefined);
    const between = sim.hook(
      { when: 'after', method: 'POST', path: 'wit/workitemsbatch', nth: 1 },
      async ({ response }) => {
        for (const id of [...(await batchIds(response)).slice(0, 3), ...later]) await rename(id, `moved ${id}`);
      },
    );
    const items = await read();
    expect(between.calls).toBe(1);
    expect([...new Set(items.map((i) => i.id))].sort()).toEqual([...before].sort());
    for (const id of later)
      expect(items.filter((i) => i.id === id).map((i) => i.fields['System.Title'])).toContain(`moved ${id}`);
  });
});
