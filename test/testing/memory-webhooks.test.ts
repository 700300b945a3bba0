import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createMemoryConnector,
  createMemoryTracker,
  type MemoryConnector,
  type MemorySystem,
} from 'syncbridge/testing';
import { startWebhookReceiver, type WebhookReceiver } from '../../adapters/test-support/webhook-receiver.js';

let system: MemorySystem;
let connector: MemoryConnector;
let receiver: WebhookReceiver;

beforeEach(async () => {
  system = createMemoryTracker({ commentsChangeItem: true });
  connector = createMemoryConnector(system);
  receiver = await startWebhookReceiver();
});

afterEach(async () => {
  await system.webhooks.deliveries.settled();
  await receiver.close();
});

describe('memory system webhooks', () => {
  it("posts a person's edit, signed, to a registered URL over HTTP; verify names the item or answers 401", async () => {
    const [registered] =
      (await connector.webhooks?.register({
        name: 'tests',
        url: receiver.url,
        secret: 'shh',
        scopes: [{ project: 'P', type: 'Bug' }],
      })) ?? [];
    const item = system.create('P', 'Bug', { title: 'one' }, system.user('ana'));
    system.edit(item.id, { title: 'two' }, 'ana');
    await system.webhooks.deliveries.settled();
    expect(receiver.received.map((r) => r.json.event)).toEqual(['created', 'updated']);
    const verified = await connector.webhooks?.verify(
      receiver.received[1] as (typeof receiver.received)[number],
      'shh',
    );
    expect(verified).toMatchObject({
      ok: true,
      events: [{ event: 'updated', project: { key: 'P' }, type: 'Bug', itemId: item.id, itemKey: item.key, by: 'ana' }],
    });
    expect(
      await connector.webhooks?.verify(receiver.received[1] as (typeof receiver.received)[number], 'nope'),
    ).toMatchObject({
      ok: false,
      status: 401,
    });
    await connector.webhooks?.unregister(registered?.id ?? '');
    system.edit(item.id, { title: 'three' }, 'ana');
    await system.webhooks.deliveries.settled();
    expect(receiver.received).toHaveLength(2);
  });

  it('delivers to an in-process callback and retries a 503', async () => {
    await connector.webhooks?.register({
      name: 't',
      url: 'http://in-process.invalid/hook',
      secret: 's',
      scopes: [{ project: 'P', type: 'Bug' }],
    });
    const statuses = [503, 200];
    const got: string[] = [];
    system.webhooks.deliveries.transport = async (request) => {
      got.push(((await request.json()) as { event: string }).event);
      return new Response(null, { status: statuses.shift() ?? 200 });
    };
    const item = system.create('P', 'Bug', { title: 'one' }, system.user('ana'));
    system.comment(item.id, { type: 'doc', content: [] }, system.user('ana'));
    await system.webhooks.deliveries.settled();
    expect(got.sort()).toEqual(['commented', 'created', 'created']);
  });
});
