import { createHmac, timingSafeEqual } from 'node:crypto';
import { ignoreNotFound, parseWebhookBody } from 'syncbridge/connector-kit';
import type {
  ConnectorWebhooks,
  WebhookEventKind,
  WebhookItemEvent,
  WebhookSubscription,
  WebhookVerification,
} from 'syncbridge/connector-kit';
import { z } from 'zod';
import type { JiraClient } from './client.js';
import { jqlString } from './query.js';

/** The admin webhook REST resource (Jira administrators only; webhooks registered here can carry a secret). */
const ADMIN_WEBHOOKS = 'rest/webhooks/1.0/webhook';

/** What syncbridge registers for: issue and comment events. */
const jiraEvents: Record<string, WebhookEventKind> = {
  'jira:issue_created': 'created',
  'jira:issue_updated': 'updated',
  'jira:issue_deleted': 'deleted',
  comment_created: 'commented',
  comment_updated: 'commented',
  comment_deleted: 'commented',
};

const userSchema = z.object({
  accountId: z.string().optional(),
  name: z.string().optional(),
  key: z.string().optional(),
});

/** The parts of a Jira webhook body the connector reads; the rest passes untouched. */
const payloadSchema = z.object({
  webhookEvent: z.string().min(1),
  timestamp: z.number().optional(),
  issue_event_type_name: z.string().optional(),
  user: userSchema.nullish(),
  issue: z
    .object({
      id: z.union([z.string(), z.number()]).transform(String),
      key: z.string(),
      fields: z.object({
        project: z.object({ id: z.union([z.string(), z.number()]).transform(String), key: z.string() }),
        issuetype: z.object({ name: z.string() }),
      }),
    })
    .optional(),
  comment: z.object({ author: userSchema.nullish(), updateAuthor: userSchema.nullish() }).nullish(),
});

const adminWebhookSchema = z.object({
  self: z.string(),
  name: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  filters: z.record(z.string(), z.string().nullish()).nullish(),
});
type AdminWebhook = z.infer<typeof adminWebhookSchema>;

const idOf = (webhook: AdminWebhook) => /\/(\d+)\/?$/.exec(webhook.self)?.[1] ?? webhook.self;
const who = (user: z.infer<typeof userSchema> | null | undefined) => user?.accountId ?? user?.name ?? user?.key;

/** Whether `header` (`sha256=<hex>`) is the HMAC-SHA256 of `body` under `secret`, compared in constant time. */
export function jiraSignatureValid(header: string, body: Uint8Array, secret: string): boolean {
  const [method, hex = ''] = header.split('=', 2);
  if (method?.toLowerCase() !== 'sha256' || !/^[0-9a-f]+$/i.test(hex)) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  const given = Buffer.from(hex, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The JQL of one registration: each scope's project, type and filter, any of them. */
function scopeJql(scopes: Array<{ project: string; type: string; filter?: string | undefined }>): string {
  const one = (s: { project: string; type: string; filter?: string | undefined }) => {
    const filter = s.filter?.replace(/(^|\s+)order\s+by\s+[\s\S]*$/i, '').trim();
    const clauses = [`project = ${jqlString(s.project)}`, `issuetype = ${jqlString(s.type)}`];
    return (filter ? [...clauses, `(${filter})`] : clauses).join(' AND ');
  };
  return scopes.length === 1
    ? one(scopes[0] as (typeof scopes)[number])
    : scopes.map((s) => `(${one(s)})`).join(' OR ');
}

/** `project = "X"` clauses of a registration's JQL: the projects it is scoped to. */
function projectsOf(jql: string): string[] {
  return [...new Set([...jql.matchAll(/\bproject\s*=\s*"?([^"\s)]+)"?/gi)].map((m) => m[1] as string))];
}

function toSubscription(webhook: AdminWebhook): WebhookSubscription {
  const filter = webhook.filters?.['issue-related-events-section'] ?? undefined;
  return {
    id: idOf(webhook),
    name: webhook.name,
    url: webhook.url,
    events: [...new Set(webhook.events.map((e) => jiraEvents[e]).filter((e) => e !== undefined))],
    projects: filter ? projectsOf(filter) : [],
    ...(filter ? { filter } : {}),
  };
}

/**
 * Jira webhooks through the admin webhook resource `/rest/webhooks/1.0/webhook`: one webhook
 * per integration (its name), for issue created/updated/deleted and comment events, scoped by
 * the JQL of the mapping's projects, types and filters, signed with a secret (`X-Hub-Signature:
 * sha256=<HMAC of the body>`). Managing admin webhooks needs a Jira administrator; the
 * dynamic `/rest/api/3/webhook` resource is open to Connect and OAuth 2.0 apps only and
 * signs nothing a secret could check, so a token-authenticated integration cannot use it.
 * @see https://developer.atlassian.com/cloud/jira/platform/webhooks/
 */
export function jiraWebhooks(client: JiraClient): ConnectorWebhooks {
  const { http } = client;
  const list = () => http.request({ path: ADMIN_WEBHOOKS, schema: z.array(adminWebhookSchema) });
  const remove = async (id: string): Promise<void> => {
    await ignoreNotFound(http.request({ method: 'DELETE', path: `${ADMIN_WEBHOOKS}/${encodeURIComponent(id)}` }));
  };
  return {
    async verify(request, secret): Promise<WebhookVerification> {
      const signature = request.headers.get('x-hub-signature');
      if (!signature) return { ok: false, status: 401, reason: 'unsigned delivery (no X-Hub-Signature header)' };
      if (!jiraSignatureValid(signature, request.body, secret))
        return { ok: false, status: 401, reason: 'X-Hub-Signature does not match the body under the secret' };
      const parsed = parseWebhookBody(request.body, payloadSchema, 'a Jira webhook');
      if (!parsed.ok) return parsed;
      const payload = parsed.payload;
      const kind = jiraEvents[payload.webhookEvent];
      const events: WebhookItemEvent[] = [];
      if (kind && payload.issue) {
        const by = who(payload.user) ?? who(payload.comment?.updateAuthor) ?? who(payload.comment?.author);
        events.push({
          event: payload.issue_event_type_name === 'issue_commented' ? 'commented' : kind,
          project: { id: payload.issue.fields.project.id, key: payload.issue.fields.project.key },
          type: payload.issue.fields.issuetype.name,
          itemId: payload.issue.id,
          itemKey: payload.issue.key,
          at: payload.timestamp !== undefined ? new Date(payload.timestamp).toISOString() : undefined,
          by,
        });
      }
      const deliveryId =
        request.headers.get('x-atlassian-webhook-identifier') ??
        `${payload.webhookEvent}:${payload.timestamp ?? ''}:${payload.issue?.id ?? ''}`;
      return { ok: true, deliveryId, events };
    },

    async register(request) {
      const body = {
        name: request.name,
        url: request.url,
        events: Object.keys(jiraEvents),
        filters: { 'issue-related-events-section': scopeJql(request.scopes) },
        excludeBody: false,
        secret: request.secret,
      };
      const [kept, ...doubles] = (await list()).filter((w) => w.name === request.name);
      // The secret is never shown back, so a kept webhook is written again: same name, current settings.
      const saved = kept
        ? await http.request({
            method: 'PUT',
            path: `${ADMIN_WEBHOOKS}/${encodeURIComponent(idOf(kept))}`,
            json: body,
            schema: adminWebhookSchema,
          })
        : await http.request({ method: 'POST', path: ADMIN_WEBHOOKS, json: body, schema: adminWebhookSchema });
      for (const double of doubles) await remove(idOf(double));
      return [toSubscription(saved)];
    },

    async list() {
      return (await list()).map(toSubscription);
    },

    unregister: remove,
  };
}
