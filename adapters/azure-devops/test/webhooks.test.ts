import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connector } from 'syncbridge/connector-kit';
import { createAzureDevOpsSimulator, type AzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import type { RunningServer } from 'syncbridge/testing/kit';
import { startWebhookReceiver, type WebhookReceiver } from '../../test-support/webhook-receiver.js';
import { connectTo } from './support.js';

const secret = 'hook-secret-2';
let sim: AzureDevOpsSimulator;
let server: RunningServer;
let receiver: WebhookReceiver;
let bot: Connector;
let ana: Connector;

beforeEach(async () => {
  sim = createAzureDevOpsSimulator({ seed: 'demo', workItems: 5 });
  server = await sim.listen();
  receiver = await startWebhookReceiver();
  bot = connectTo(server.baseUrl, sim);
  ana = connectTo(server.baseUrl, sim, {}, 'ana.silva@contoso.com');
});

afterEach(async () => {
  await sim.webhooks.deliveries.settled();
  await receiver.close();
  await server.close();
});

const register = () =>
  bot.webhooks?.register({
    name: 'syncbridge:test',
    url: receiver.url,
    secret,
    scopes: [{ project: 'Demo', type: 'Bug' }],
  });

const firstBug = () =>
  String([...sim.state.workItems.values()].find((w) => w.fields['System.WorkItemType'] === 'Bug')?.id);

async function edit(id: string, title: string): Promise<void> {
  const [result] = await ana.update([{ id, fields: { 'System.Title': title } }]);
  if (!result?.ok) throw result?.error ?? new Error('edit failed');
  await sim.webhooks.deliveries.settled();
}

describe('Azure DevOps service hooks over HTTP', () => {
  it('keeps one subscription per project and event type however often it registers, lists them and removes them', async () => {
    const first = (await register()) ?? [];
    const second = (await register()) ?? [];
    expect(first.map((s) => s.events[0]).sort()).toEqual(['commented', 'created', 'deleted', 'updated']);
    expect(second.map((s) => s.id).sort()).toEqual(first.map((s) => s.id).sort());
    expect(sim.webhooks.subscriptions).toHaveLength(4);
    expect(sim.webhooks.subscriptions[0]).toMatchObject({
      publisherInputs: { workItemType: 'Bug' },
      consumerInputs: { url: receiver.url, basicAuthUsername: 'syncbridge', basicAuthPassword: secret },
    });
    const listed = (await bot.webhooks?.list()) ?? [];
    expect(listed).toHaveLength(4);
    expect(listed.every((s) => s.name === 'syncbridge:test' && s.projects[0] === 'Demo')).toBe(true);
    // Ana lacks "Edit subscriptions".
    await expect(
      ana.webhooks?.register({ name: 'x', url: receiver.url, secret, scopes: [{ project: 'Demo', type: 'Bug' }] }),
    ).rejects.toMatchObject({ code: 'PERMISSION' });
    for (const s of listed) await bot.webhooks?.unregister(s.id);
    await bot.webhooks?.unregister(listed[0]?.id ?? '');
    expect(await bot.webhooks?.list()).toEqual([]);
  });

  it("notifies of a person's edit with basic auth; verify names the item, wrong or missing credentials are a 401", async () => {
    await register();
    const id = firstBug();
    await edit(id, 'Edited by Ana');
    expect(receiver.received).toHaveLength(1);
    const delivery = receiver.received[0] as (typeof receiver.received)[number];
    expect(delivery.json).toMatchObject({
      eventType: 'workitem.updated',
      publisherId: 'tfs',
      resource: {
        workItemId: Number(id),
        fields: { 'System.Title': { newValue: 'Edited by Ana' } },
        revision: { id: Number(id), fields: { 'System.Title': 'Edited by Ana', 'System.TeamProject': 'Demo' } },
      },
      resourceContainers: { project: { id: sim.state.projects[0]?.id } },
    });
    expect(await bot.webhooks?.verify(delivery, secret)).toMatchObject({
      ok: true,
      deliveryId: delivery.json.id,
      events: [
        {
          event: 'updated',
          project: { id: sim.state.projects[0]?.id, key: 'Demo' },
          type: 'Bug',
          itemId: id,
          itemKey: id,
          by: 'ana.silva@contoso.com',
        },
      ],
    });
    expect(await bot.webhooks?.verify(delivery, 'wrong-secret')).toMatchObject({ ok: false, status: 401 });
    const bare = new Headers(delivery.headers);
    bare.delete('authorization');
    expect(await bot.webhooks?.verify({ ...delivery, headers: bare }, secret)).toMatchObject({
      ok: false,
      status: 401,
    });
    const garbage = { ...delivery, body: new TextEncoder().encode('{"eventType":') };
    expect(await bot.webhooks?.verify(garbage, secret)).toMatchObject({ ok: false, status: 400 });
  });

  it('notifies of creates, comments and deletes of its type only', async () => {
    await register();
    const created = await ana.create([
      { project: 'Demo', type: 'Task', fields: { 'System.Title': 'a task' }, origin: { system: 'o', id: '1' } },
      { project: 'Demo', type: 'Bug', fields: { 'System.Title': 'a bug' }, origin: { system: 'o', id: '2' } },
    ]);
    const bug = created[1];
    if (!bug?.ok) throw new Error('create failed');
    await ana.addComment(bug.item.id, {
      type: 'doc',
      content: [{ type: 'paragraph', content: [{ type: 'text', text: 'hi' }] }],
    });
    await ana.deleteItem?.(bug.item.id);
    await sim.webhooks.deliveries.settled();
    const kinds: string[] = [];
    for (const r of receiver.received) {
      const v = await bot.webhooks?.verify(r, secret);
      if (v?.ok) for (const e of v.events) kinds.push(`${e.event} ${e.type} ${e.itemId === bug.item.id}`);
    }
    // Notifications travel concurrently, as the service's do: compared without their order.
    expect(kinds.filter((k) => !k.startsWith('updated')).sort()).toEqual([
      'commented Bug true',
      'created Bug true',
      'deleted Bug true',
    ]);
    expect(kinds.some((k) => k.includes('Task'))).toBe(false);
  });

  it('drops, duplicates and reorders notifications as its knobs say', async () => {
    await register();
    const id = firstBug();
    const knobs = sim.webhooks.deliveries.knobs;
    knobs.dropRate = 1;
    await edit(id, 'dropped');
    expect(receiver.received).toHaveLength(0);
    knobs.dropRate = 0;
    knobs.duplicateRate = 1;
    await edit(id, 'twice');
    expect(receiver.received.map((r) => r.json.id)).toEqual([
      receiver.received[0]?.json.id,
      receiver.received[0]?.json.id,
    ]);
    knobs.duplicateRate = 0;
    knobs.reorderRate = 1;
    await ana.update([{ id, fields: { 'System.Title': 'first edit' } }]);
    knobs.reorderRate = 0;
    await ana.update([{ id, fields: { 'System.Title': 'second edit' } }]);
    await sim.webhooks.deliveries.settled();
    const titles = receiver.received
      .slice(2)
      .map(
        (r) => (r.json.resource as { revision: { fields: Record<string, unknown> } }).revision.fields['System.Title'],
      );
    expect(titles).toEqual(['second edit', 'first edit']);
  });

  it('retries transient failures, puts a failing subscription on probation and disables it on 410', async () => {
    await register();
    const id = firstBug();
    receiver.answer = (n) => (n <= 2 ? 503 : 200);
    await edit(id, 'retried');
    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.received.map((r) => r.json.id)).size).toBe(1);
    const updated = () => sim.webhooks.subscriptions.find((s) => s.eventType === 'workitem.updated');
    expect(updated()?.status).toBe('enabled');

    // A 400 is an enduring failure: probation, a retry later, and a success ends it.
    const seen: string[] = [];
    receiver.answer = (n) => {
      seen.push(`${updated()?.status}/${updated()?.probationRetries}`);
      return n === 4 ? 400 : 200;
    };
    await edit(id, 'probation');
    expect(seen).toEqual(['enabled/0', 'onProbation/1']);
    expect(updated()).toMatchObject({ status: 'enabled', probationRetries: 0 });
    expect(receiver.received).toHaveLength(5);

    receiver.answer = () => 410;
    await edit(id, 'gone');
    expect(updated()?.status).toBe('disabledBySystem');
    const before = receiver.received.length;
    await edit(id, 'not sent');
    expect(receiver.received).toHaveLength(before);
  });
});
