import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { UserRef } from 'syncbridge';
import type {
  ConnectorWebhooks,
  WebhookEventKind,
  WebhookRegistrationRequest,
  WebhookSubscription,
  WebhookVerification,
} from 'syncbridge/connector-kit';
import { z } from 'zod';
import { parseWebhookBody } from 'syncbridge/connector-kit';
import { WebhookDeliveries, type WebhookAttempt, type WebhookRetryDecision } from '../webhook-deliveries.js';
import type { MemoryItem } from './memory-system.js';

/** The header carrying a memory system's delivery signature: `sha256=<HMAC of the body under the secret>`. */
export const MEMORY_SIGNATURE_HEADER = 'x-memory-signature';

/** A webhook registered on a memory system. */
export interface MemoryWebhookRegistration {
  id: string;
  name: string;
  url: string;
  secret: string;
  scopes: Array<{ project: string; type: string }>;
}

const payloadSchema = z.object({
  id: z.string().min(1),
  event: z.enum(['created', 'updated', 'deleted', 'commented']),
  project: z.string(),
  type: z.string(),
  itemId: z.string(),
  itemKey: z.string(),
  at: z.string(),
  by: z.string().optional(),
});

/** Retries a failed delivery (5xx, 429 or no connection) up to three times. */
function memoryRetryPolicy(attempt: WebhookAttempt): WebhookRetryDecision {
  const status = attempt.status;
  const retriable = status === undefined || status === 429 || status >= 500;
  return retriable && attempt.retry < 3 ? { retry: true, delayMs: 1000 * 2 ** attempt.retry } : { retry: false };
}

const sign = (secret: string, body: string | Uint8Array) => createHmac('sha256', secret).update(body).digest();

/**
 * The webhooks of a {@link MemorySystem}: registrations, and a signed JSON delivery of each
 * create, update, delete and comment (by anyone) to the registrations whose scopes hold the
 * item. Deliveries go through {@link MemoryWebhooks.deliveries}: replace its `transport` to
 * receive them in process instead of over HTTP. Costs nothing while nothing is registered.
 */
export class MemoryWebhooks {
  readonly registrations: MemoryWebhookRegistration[] = [];
  /** The outbox: knobs (drop, duplicate, reorder, delay), the attempt log, `settled()`, `transport`. */
  readonly deliveries = new WebhookDeliveries(memoryRetryPolicy);

  /** Delivers an event of an item to the registrations that hold it. */
  emit(event: WebhookEventKind, item: MemoryItem, by: UserRef, at: string): void {
    if (this.registrations.length === 0) return;
    const id = randomUUID();
    const body = JSON.stringify({
      id,
      event,
      project: item.project,
      type: item.type,
      itemId: item.id,
      itemKey: item.key,
      at,
      by: by.id,
    });
    for (const r of this.registrations) {
      if (!r.scopes.some((s) => s.project === item.project && s.type === item.type)) continue;
      this.deliveries.enqueue({
        id,
        subscriptionId: r.id,
        url: r.url,
        body,
        headers: {
          'content-type': 'application/json',
          [MEMORY_SIGNATURE_HEADER]: `sha256=${sign(r.secret, body).toString('hex')}`,
        },
      });
    }
  }

  /** The connector part: verify, register (one registration per name), list, unregister. */
  connectorPart(): ConnectorWebhooks {
    const toSubscription = (r: MemoryWebhookRegistration): WebhookSubscription => ({
      id: r.id,
      name: r.name,
      url: r.url,
      events: ['created', 'updated', 'deleted', 'commented'],
      projects: [...new Set(r.scopes.map((s) => s.project))],
    });
    return {
      verify: async (request, secret): Promise<WebhookVerification> => {
        const header = request.headers.get(MEMORY_SIGNATURE_HEADER);
        if (!header) return { ok: false, status: 401, reason: `unsigned delivery (no ${MEMORY_SIGNATURE_HEADER})` };
        const given = Buffer.from(header.replace(/^sha256=/, ''), 'hex');
        const expected = sign(secret, request.body);
        if (given.length !== expected.length || !timingSafeEqual(given, expected))
          return { ok: false, status: 401, reason: 'the signature does not match the body under the secret' };
        const parsed = parseWebhookBody(request.body, payloadSchema, 'a memory system webhook');
        if (!parsed.ok) return parsed;
        const p = parsed.payload;
        return {
          ok: true,
          deliveryId: p.id,
          events: [
            {
              event: p.event,
              project: { id: p.project, key: p.project },
              type: p.type,
              itemId: p.itemId,
              itemKey: p.itemKey,
              at: p.at,
              by: p.by,
            },
          ],
        };
      },
      register: async (request: WebhookRegistrationRequest) => {
        const scopes = request.scopes.map((s) => ({ project: s.project, type: s.type }));
        const [kept, ...doubles] = this.registrations.filter((r) => r.name === request.name);
        for (const d of doubles) this.registrations.splice(this.registrations.indexOf(d), 1);
        if (kept) Object.assign(kept, { url: request.url, secret: request.secret, scopes });
        else
          this.registrations.push({
            id: randomUUID(),
            name: request.name,
            url: request.url,
            secret: request.secret,
            scopes,
          });
        return this.registrations.filter((r) => r.name === request.name).map(toSubscription);
      },
      list: async () => this.registrations.map(toSubscription),
      unregister: async (id) => {
        const index = this.registrations.findIndex((r) => r.id === id);
        if (index >= 0) this.registrations.splice(index, 1);
      },
    };
  }
}
