import { timingSafeEqual } from 'node:crypto';
import { SyncbridgeError } from 'syncbridge';
import { type HttpClient, ignoreNotFound, jsonObjectSchema, parseWebhookBody } from 'syncbridge/connector-kit';
import type {
  ConnectorWebhooks,
  WebhookEventKind,
  WebhookItemEvent,
  WebhookSubscription,
  WebhookVerification,
} from 'syncbridge/connector-kit';
import { z } from 'zod';
import { listOf, versioned } from './client.js';
import { userFromAdo } from './fields.js';

/** The work item event types syncbridge subscribes to, and what each reports. */
const adoEvents: Record<string, WebhookEventKind> = {
  'workitem.created': 'created',
  'workitem.updated': 'updated',
  'workitem.deleted': 'deleted',
  'workitem.commented': 'commented',
};

/** The header a subscription sends with each notification, naming the registration (subscriptions have no name of their own). */
const NAME_HEADER = 'X-Syncbridge-Registration';
/** The basic-auth user name of the notifications; the password is the registration's secret. */
const USER = 'syncbridge';

const subscriptionSchema = z.object({
  id: z.string(),
  eventType: z.string(),
  publisherId: z.string(),
  status: z.string().optional(),
  publisherInputs: z.record(z.string(), z.string()).nullish(),
  consumerInputs: z.record(z.string(), z.string()).nullish(),
});
type Subscription = z.infer<typeof subscriptionSchema>;

const projectSchema = z.object({ id: z.string(), name: z.string() });

/** The parts of a service-hook event the connector reads. */
const eventSchema = z.object({
  id: z.string().min(1),
  eventType: z.string().min(1),
  publisherId: z.string().optional(),
  createdDate: z.string().optional(),
  resourceContainers: z
    .object({ project: z.object({ id: z.string() }).optional() })
    .passthrough()
    .nullish(),
  resource: z
    .object({
      id: z.number().optional(),
      workItemId: z.number().optional(),
      fields: jsonObjectSchema.optional(),
      revisedBy: z.unknown().optional(),
      revisedDate: z.string().optional(),
      revision: z.object({ id: z.number(), fields: jsonObjectSchema }).optional(),
    })
    .passthrough()
    .nullish(),
});

/** Whether the notification's basic-auth password is `secret`, compared in constant time. */
export function adoCredentialsValid(header: string | null, secret: string): boolean {
  if (!header || !/^basic /i.test(header)) return false;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const given = Buffer.from(decoded.slice(decoded.indexOf(':') + 1), 'utf8');
  const expected = Buffer.from(secret, 'utf8');
  // Compared at the expected length either way, so the time does not tell how much matched.
  const padded = Buffer.alloc(expected.length);
  given.copy(padded, 0, 0, Math.min(given.length, expected.length));
  return timingSafeEqual(padded, expected) && given.length === expected.length;
}

const nameOf = (s: Subscription) => {
  const headers = s.consumerInputs?.httpHeaders ?? '';
  const line = headers.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${NAME_HEADER.toLowerCase()}:`));
  return line?.slice(NAME_HEADER.length + 1).trim();
};

/**
 * Azure DevOps service hooks as webhooks: one web-hook subscription (publisher `tfs`,
 * consumer `webHooks` / `httpRequest`) per project and event type (work item created,
 * updated, deleted, commented), limited to the work item type when the project's scopes name
 * one, authenticated by basic auth whose password is the registration's secret. Managing
 * subscriptions needs the "Edit subscriptions" permission (Project Collection
 * Administrators have it); reading them, "View subscriptions".
 * @see https://learn.microsoft.com/en-us/azure/devops/service-hooks/services/webhooks
 */
export function adoWebhooks(http: HttpClient): ConnectorWebhooks {
  const subscriptions = async () =>
    (
      await http.request(
        versioned({
          path: '_apis/hooks/subscriptions',
          query: { publisherId: 'tfs' },
          schema: listOf(subscriptionSchema),
        }),
      )
    ).value.filter((s) => s.publisherId === 'tfs' && s.eventType in adoEvents);
  const projects = async () =>
    (await http.request(versioned({ path: '_apis/projects', query: { $top: 1000 }, schema: listOf(projectSchema) })))
      .value;
  const toSubscription = (s: Subscription, names: Map<string, string>): WebhookSubscription => {
    const projectId = s.publisherInputs?.projectId;
    return {
      id: s.id,
      name: nameOf(s) ?? '',
      url: s.consumerInputs?.url ?? '',
      events: [adoEvents[s.eventType] as WebhookEventKind],
      projects: projectId ? [names.get(projectId) ?? projectId] : [],
    };
  };
  const remove = async (id: string): Promise<void> => {
    await ignoreNotFound(
      http.request(versioned({ method: 'DELETE', path: `_apis/hooks/subscriptions/${encodeURIComponent(id)}` })),
    );
  };
  return {
    async verify(request, secret): Promise<WebhookVerification> {
      const authorization = request.headers.get('authorization');
      if (!authorization) return { ok: false, status: 401, reason: 'no credentials (no Authorization header)' };
      if (!adoCredentialsValid(authorization, secret))
        return { ok: false, status: 401, reason: 'the basic-auth credentials do not match the secret' };
      const parsed = parseWebhookBody(request.body, eventSchema, 'an Azure DevOps service-hook event');
      if (!parsed.ok) return parsed;
      const event = parsed.payload;
      const kind = adoEvents[event.eventType];
      const resource = event.resource;
      const fields = resource?.revision?.fields ?? resource?.fields ?? {};
      const itemId = resource?.workItemId ?? resource?.revision?.id ?? resource?.id;
      const project = fields['System.TeamProject'];
      const type = fields['System.WorkItemType'];
      const events: WebhookItemEvent[] = [];
      if (kind && itemId !== undefined && typeof project === 'string' && typeof type === 'string') {
        const changed = fields['System.ChangedDate'];
        const at = typeof changed === 'string' ? changed : (resource?.revisedDate ?? event.createdDate);
        const by = userFromAdo(fields['System.ChangedBy'] ?? resource?.revisedBy)?.id;
        events.push({
          event: kind,
          project: { id: event.resourceContainers?.project?.id ?? project, key: project },
          type,
          itemId: String(itemId),
          itemKey: String(itemId),
          at: at ? new Date(at).toISOString() : undefined,
          by,
        });
      } else if (kind) {
        return {
          ok: false,
          status: 400,
          reason: `a ${event.eventType} event without its work item's id, project and type`,
        };
      }
      return { ok: true, deliveryId: event.id, events };
    },

    async register(request) {
      if (request.name.includes('\n'))
        throw new SyncbridgeError('CONFIG_INVALID', 'Azure DevOps: a webhook registration name must be one line');
      const all = await projects();
      const byName = new Map(all.map((p) => [p.name.toLowerCase(), p]));
      const wanted = new Map<string, { projectId: string; types: Set<string> }>();
      for (const scope of request.scopes) {
        const project = byName.get(scope.project.toLowerCase()) ?? all.find((p) => p.id === scope.project);
        if (!project)
          throw new SyncbridgeError('NOT_FOUND', `Azure DevOps: no project "${scope.project}" to subscribe to`);
        const entry = wanted.get(project.id) ?? { projectId: project.id, types: new Set<string>() };
        entry.types.add(scope.type);
        wanted.set(project.id, entry);
      }
      const mine = (await subscriptions()).filter((s) => nameOf(s) === request.name);
      const inForce: Subscription[] = [];
      for (const { projectId, types } of wanted.values()) {
        for (const eventType of Object.keys(adoEvents)) {
          const body = {
            publisherId: 'tfs',
            eventType,
            resourceVersion: '1.0',
            consumerId: 'webHooks',
            consumerActionId: 'httpRequest',
            // Registering again also re-enables a subscription the service disabled or put on probation.
            status: 'enabled',
            // One type: the service filters; several: every type of the project comes, and the intake ignores the others.
            publisherInputs: { projectId, ...(types.size === 1 ? { workItemType: [...types][0] as string } : {}) },
            consumerInputs: {
              url: request.url,
              basicAuthUsername: USER,
              basicAuthPassword: request.secret,
              httpHeaders: `${NAME_HEADER}: ${request.name}`,
              resourceDetailsToSend: 'all',
              messagesToSend: 'none',
              detailedMessagesToSend: 'none',
            },
          };
          const index = mine.findIndex((s) => s.eventType === eventType && s.publisherInputs?.projectId === projectId);
          const kept = index >= 0 ? mine.splice(index, 1)[0] : undefined;
          const saved = await http.request(
            versioned({
              method: kept ? 'PUT' : 'POST',
              path: kept ? `_apis/hooks/subscriptions/${encodeURIComponent(kept.id)}` : '_apis/hooks/subscriptions',
              json: body,
              schema: subscriptionSchema,
              idempotent: Boolean(kept),
            }),
          );
          inForce.push(saved);
        }
      }
      // Doubles and subscriptions for projects no longer in the mapping.
      for (const extra of mine) await remove(extra.id);
      const names = new Map(all.map((p) => [p.id, p.name]));
      return inForce.map((s) => toSubscription(s, names));
    },

    async list() {
      const names = new Map((await projects()).map((p) => [p.id, p.name]));
      return (await subscriptions()).map((s) => toSubscription(s, names));
    },

    unregister: remove,
  };
}
