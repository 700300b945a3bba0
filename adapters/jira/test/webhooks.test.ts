import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connector, WebhookRequest } from 'syncbridge/connector-kit';
import { createJiraSimulator, type JiraSimulator } from 'syncbridge/testing/jira';
import type { RunningServer } from 'syncbridge/testing/kit';
import { startWebhookReceiver, type WebhookReceiver } from '../../test-support/webhook-receiver.js';
import { connectTo } from './support.js';

const secret = 'hook-secret-1';
let sim: JiraSimulator;
let server: RunningServer;
let receiver: WebhookReceiver;
let bot: Connector;
let ana: Connector;

beforeEach(async () => {
  sim = createJiraSimulator({ seed: 'demo', issues: 5 });
  server = await sim.listen();
  receiver = await startWebhookReceiver();
  bot = connectTo(server.baseUrl, sim);
  ana = connectTo(server.baseUrl, sim, {}, 'ana@example.com');
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
    scopes: [{ project: 'DEMO', type: 'Bug' }],
  });

async function edit(key: string, summary: string): Promise<string> {
  const id = sim.state.issue(key)?.id ?? '';
  const [result] = await ana.update([{ id, fields: { summary } }]);
  if (!result?.ok) throw result?.error ?? new Error('edit failed');
  await sim.webhooks.deliveries.settled();
  return id;
}

const tampered = (r: WebhookRequest): WebhookRequest => {
  const body = new Uint8Array(r.body);
  body[body.length - 2] = (body[body.length - 2] ?? 0) ^ 1;
  return { ...r, body };
};

describe('Jira webhooks over HTTP', () => {
  it('registers one admin webhook however often it is asked, lists it and removes it', async () => {
    const [first] = (await register()) ?? [];
    const [second] = (await register()) ?? [];
    expect(second?.id).toBe(first?.id);
    const listed = (await bot.webhooks?.list()) ?? [];
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ name: 'syncbridge:test', url: receiver.url, projects: ['DEMO'] });
    expect(listed[0]?.events.sort()).toEqual(['commented', 'created', 'deleted', 'updated']);
    expect(listed[0]?.filter).toBe('project = "DEMO" AND issuetype = "Bug"');
    // Ana is no Jira administrator: the admin resource refuses her.
    await expect(ana.webhooks?.list()).rejects.toMatchObject({ code: 'PERMISSION' });
    await bot.webhooks?.unregister(listed[0]?.id ?? '');
    await bot.webhooks?.unregister(listed[0]?.id ?? '');
    expect(await bot.webhooks?.list()).toEqual([]);
  });

  it("delivers a person's edit signed with the secret; verify names the item, a wrong secret or no signature is a 401", async () => {
    await register();
    const id = await edit('DEMO-1', 'Edited by Ana');
    expect(receiver.received).toHaveLength(1);
    const delivery = receiver.received[0] as (typeof receiver.received)[number];
    expect(delivery.json).toMatchObject({
      webhookEvent: 'jira:issue_updated',
      issue_event_type_name: 'issue_updated',
      issue: { id, key: 'DEMO-1', fields: { summary: 'Edited by Ana' } },
      changelog: { items: [{ field: 'summary', toString: 'Edited by Ana' }] },
    });
    expect(delivery.headers.get('x-hub-signature')).toMatch(/^sha256=[0-9a-f]{64}$/);
    const verified = await bot.webhooks?.verify(delivery, secret);
    const anaId = sim.users.find((u) => u.email === 'ana@example.com')?.accountId;
    expect(verified).toMatchObject({
      ok: true,
      deliveryId: delivery.headers.get('x-atlassian-webhook-identifier'),
      events: [{ event: 'updated', project: { key: 'DEMO' }, type: 'Bug', itemId: id, itemKey: 'DEMO-1', by: anaId }],
    });
    expect(await bot.webhooks?.verify(delivery, 'wrong-secret')).toMatchObject({ ok: false, status: 401 });
    const unsigned = new Headers(delivery.headers);
    unsigned.delete('x-hub-signature');
    expect(await bot.webhooks?.verify({ ...delivery, headers: unsigned }, secret)).toMatchObject({
      ok: false,
      status: 401,
    });
    expect(await bot.webhooks?.verify(tampered(delivery), secret)).toMatchObject({ ok: false, status: 401 });
  });

  it('answers 400 to a correctly signed body that is no Jira webhook', async () => {
    const { createHmac } = await import('node:crypto');
    const body = new TextEncoder().encode('{"hello":');
    const headers = new Headers({
      'x-hub-signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    });
    expect(await bot.webhooks?.verify({ method: 'POST', url: receiver.url, headers, body }, secret)).toMatchObject({
      ok: false,
      status: 400,
    });
  });

  it('delivers creates, comments and deletes, and nothing outside the JQL scope', async () => {
    await bot.webhooks?.register({
      name: 'syncbridge:test',
      url: receiver.url,
      secret,
      scopes: [{ project: 'DEMO', type: 'Bug', filter: 'labels = hot' }],
    });
    const [cold, hot] = await ana.create([
      { project: 'DEMO', type: 'Bug', fields: { summary: 'cold one' }, origin: { system: 'other', id: '1' } },
      {
        project: 'DEMO',
        type: 'Bug',
        fields: { summary: 'hot one', labels: ['hot'] },
        origin: { system: 'other', id: '2' },
      },
    ]);
    if (!cold?.ok || !hot?.ok) throw new Error('create failed');
    await ana.addComment(hot.item.id, {
      type: 'doc',
      content: [{ type: 'paragraph', content: [{ type: 'text', text: 'a comment' }] }],
    });
    await ana.deleteItem?.(hot.item.id);
    await sim.webhooks.deliveries.settled();
    const seen = receiver.received.map((r) => [r.json.webhookEvent, (r.json.issue as { key?: string }).key]);
    expect(seen).toEqual([
      ['jira:issue_created', hot.item.key],
      ['comment_created', hot.item.key],
      ['jira:issue_updated', hot.item.key],
      ['jira:issue_deleted', hot.item.key],
    ]);
    const kinds = [];
    for (const r of receiver.received) {
      const v = await bot.webhooks?.verify(r, secret);
      if (v?.ok) kinds.push(...v.events.map((e) => e.event));
    }
    expect(kinds).toEqual(['created', 'commented', 'commented', 'deleted']);
  });

  it('drops, duplicates, reorders and delays deliveries as its knobs say', async () => {
    await register();
    const knobs = sim.webhooks.deliveries.knobs;
    knobs.dropRate = 1;
    await edit('DEMO-1', 'dropped');
    expect(receiver.received).toHaveLength(0);
    expect(sim.webhooks.deliveries.attempts.at(-1)?.note).toBe('dropped');

    knobs.dropRate = 0;
    knobs.duplicateRate = 1;
    await edit('DEMO-1', 'twice');
    expect(receiver.received).toHaveLength(2);
    const ids = receiver.received.map((r) => r.headers.get('x-atlassian-webhook-identifier'));
    expect(ids[0]).toBe(ids[1]);

    knobs.duplicateRate = 0;
    knobs.reorderRate = 1;
    knobs.delayMs = 20;
    const id = sim.state.issue('DEMO-1')?.id ?? '';
    await ana.update([{ id, fields: { summary: 'first edit' } }]);
    knobs.reorderRate = 0;
    await ana.update([{ id, fields: { summary: 'second edit' } }]);
    await sim.webhooks.deliveries.settled();
    const summaries = receiver.received
      .slice(2)
      .map((r) => (r.json.issue as { fields: { summary: string } }).fields.summary);
    expect(summaries).toEqual(['second edit', 'first edit']);
  });

  it('retries a delivery the receiver fails with a 5xx, counting retries in X-Atlassian-Webhook-Retry, and not a 400', async () => {
    await register();
    receiver.answer = (n) => (n <= 2 ? 503 : 200);
    await edit('DEMO-2', 'retried');
    expect(receiver.received).toHaveLength(3);
    expect(receiver.received.map((r) => r.headers.get('x-atlassian-webhook-retry'))).toEqual([null, '1', '2']);
    const ids = new Set(receiver.received.map((r) => r.headers.get('x-atlassian-webhook-identifier')));
    expect(ids.size).toBe(1);

    receiver.answer = () => 400;
    await edit('DEMO-2', 'refused');
    expect(receiver.received).toHaveLength(4);

    receiver.answer = () => 500;
    await edit('DEMO-2', 'always failing');
    // The first attempt and five retries, then Jira gives up.
    expect(receiver.received).toHaveLength(10);
  });

  it('keeps the dynamic webhook resource to apps: a 403 for a token user, an unsigned registration for an app', async () => {
    const user = sim.users[0];
    const basic = `Basic ${Buffer.from(`${user?.email}:${user?.apiToken}`).toString('base64')}`;
    const refused = await fetch(`${server.baseUrl}/rest/api/3/webhook`, { headers: { authorization: basic } });
    expect(refused.status).toBe(403);
    sim.state.users.push({
      accountId: '557058:app-1',
      displayName: 'Sync app',
      email: 'app@example.com',
      emailVisible: false,
      apiToken: 'app-token',
      pat: 'app-pat',
      timeZone: 'UTC',
      active: true,
      accountType: 'app',
    });
    const app = { authorization: 'Bearer app-pat', 'content-type': 'application/json' };
    const created = await fetch(`${server.baseUrl}/rest/api/3/webhook`, {
      method: 'POST',
      headers: app,
      body: JSON.stringify({
        url: receiver.url,
        webhooks: [
          { events: ['jira:issue_updated'], jqlFilter: 'project = DEMO' },
          { events: ['jira:issue_updated'], jqlFilter: 'project = ((' },
        ],
      }),
    });
    const result = (await created.json()) as { webhookRegistrationResult: Array<Record<string, unknown>> };
    expect(result.webhookRegistrationResult[0]).toEqual({ createdWebhookId: expect.any(Number) });
    expect(result.webhookRegistrationResult[1]).toHaveProperty('errors');
    await edit('DEMO-1', 'the app sees it');
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]?.headers.get('x-hub-signature')).toBeNull();
    const listed = await fetch(`${server.baseUrl}/rest/api/3/webhook`, { headers: app });
    expect(((await listed.json()) as { values: unknown[] }).values).toHaveLength(1);
  });

  it('retries a delivery whose connection fails, then gives up after five retries', async () => {
    const gone = await startWebhookReceiver();
    await gone.close();
    await bot.webhooks?.register({ name: 'gone', url: gone.url, secret, scopes: [{ project: 'DEMO', type: 'Bug' }] });
    await edit('DEMO-3', 'nobody listens');
    const attempts = sim.webhooks.deliveries.attempts.filter((a) => a.url === gone.url);
    expect(attempts.map((a) => a.retry)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(attempts.every((a) => a.status === undefined && typeof a.error === 'string')).toBe(true);
  });
});
