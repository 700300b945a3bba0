import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { UserRef } from 'syncbridge';
import type { ConnectorWebhooks, WebhookItemEvent, WebhookSubscription } from 'syncbridge/connector-kit';
import type { MemoryItem, MemorySystem } from 'syncbridge/testing';
import { z } from 'zod';

/** A delivery the fake system made, waiting for the test to send it (or drop it). */
export interface FakeDelivery {
  id: string;
  body: string;
}

const payloadSchema = z.object({
  event: z.enum(['created', 'updated', 'deleted', 'commented']),
  project: z.object({ id: z.string(), key: z.string() }),
  type: z.string(),
  itemId: z.string(),
  itemKey: z.string(),
  at: z.string(),
  by: z.string(),
});

const sign = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/**
 * Webhooks for a memory system, shaped like Jira's (an HMAC-SHA256 `x-hub-signature` over the raw
 * body, a delivery id header that stays the same on a redelivery): every write by anyone,
 * the integration user included, makes a delivery into `outbox`; the test sends, repeats or
 * drops them. Registrations are kept by name, as a real system keeps them.
 */
export function fakeWebhooks(system: MemorySystem) {
  const subscriptions = new Map<string, WebhookSubscription & { secret: string }>();
  const outbox: FakeDelivery[] = [];
  const deliveryOf = (item: MemoryItem, by: UserRef, event: WebhookItemEvent['event']): FakeDelivery => ({
    id: randomUUID(),
    body: JSON.stringify({
      event,
      project: { id: item.project, key: item.project },
      type: item.type,
      itemId: item.id,
      itemKey: item.key,
      at: item.updatedAt,
      by: by.id,
    }),
  });
  system.onWrite = (item, by) => outbox.push(deliveryOf(item, by, item.revision === 1 ? 'created' : 'updated'));
  const webhooks: ConnectorWebhooks = {
    async verify(request, secret) {
      const given = request.headers.get('x-hub-signature') ?? '';
      const body = Buffer.from(request.body);
      const wanted = Buffer.from(sign(secret, body.toString('utf8')));
      if (given.length !== wanted.length || !timingSafeEqual(Buffer.from(given), wanted))
        return {
          ok: false,
          status: 401,
          reason: given ? 'the signature does not match' : 'the delivery is not signed',
        };
      const deliveryId = request.headers.get('x-delivery-id');
      let parsed: z.infer<typeof payloadSchema>;
      try {
        parsed = payloadSchema.parse(JSON.parse(body.toString('utf8')));
      } catch {
        return { ok: false, status: 400, reason: 'not a delivery of this system' };
      }
      if (!deliveryId) return { ok: false, status: 400, reason: 'no delivery id' };
      return { ok: true, deliveryId, events: [parsed] };
    },
    async register(request) {
      const existing = [...subscriptions.values()].find((s) => s.name === request.name);
      const id = existing?.id ?? String(subscriptions.size + 1);
      subscriptions.set(id, {
        id,
        name: request.name,
        url: request.url,
        secret: request.secret,
        events: ['created', 'updated', 'deleted', 'commented'],
        projects: [...new Set(request.scopes.map((s) => s.project))],
      });
      return [...subscriptions.values()].filter((s) => s.name === request.name).map(({ secret: _secret, ...s }) => s);
    },
    async list() {
      return [...subscriptions.values()].map(({ secret: _secret, ...s }) => s);
    },
    async unregister(id) {
      subscriptions.delete(id);
    },
  };
  return {
    webhooks,
    outbox,
    subscriptions,
    /** Takes the deliveries made so far out of the outbox. */
    take(): FakeDelivery[] {
      return outbox.splice(0);
    },
    /** Sends a delivery to a URL as the system would (signed with `secret`), or as an attacker would (`signature: false` or another secret). */
    async send(
      url: string,
      delivery: FakeDelivery,
      secret: string | false,
      extra: { body?: string } = {},
    ): Promise<Response> {
      const body = extra.body ?? delivery.body;
      return fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-delivery-id': delivery.id,
          ...(secret === false ? {} : { 'x-hub-signature': sign(secret, body) }),
        },
        body,
      });
    },
  };
}
