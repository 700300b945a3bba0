import { randomUUID } from 'node:crypto';
import {
  WebhookDeliveries,
  type FetchHandler,
  type WebhookAttempt,
  type WebhookDeliveryKnobs,
  type WebhookRetryDecision,
} from 'syncbridge/testing/kit';
import { z } from 'zod';
import { AdoSimError, badRequest, errorResponse, json } from './errors.js';
import { identityRef } from './render.js';
import { happening, renderEvent, type AdoEventType, type WorkItemHappening } from './service-hook-events.js';
import type { AdoSimState, SimIdentity, SimWorkItem } from './state.js';

/** A service-hook subscription (`Subscription`) of the simulated organization. */
export interface SimSubscription {
  id: string;
  eventType: AdoEventType;
  publisherInputs: Record<string, string>;
  consumerInputs: Record<string, string>;
  status: 'enabled' | 'onProbation' | 'disabledByUser' | 'disabledBySystem';
  probationRetries: number;
  createdBy: string;
  createdDate: string;
  modifiedDate: string;
}

const eventTypes = ['workitem.created', 'workitem.updated', 'workitem.deleted', 'workitem.commented'] as const;

const subscriptionBody = z.object({
  publisherId: z.literal('tfs'),
  eventType: z.enum(eventTypes),
  resourceVersion: z.string().optional(),
  consumerId: z.literal('webHooks'),
  consumerActionId: z.literal('httpRequest'),
  publisherInputs: z.record(z.string(), z.string()).default({}),
  consumerInputs: z.object({ url: z.string().url() }).catchall(z.string()),
  status: z.enum(['enabled', 'onProbation', 'disabledByUser', 'disabledBySystem']).optional(),
});

/** Waits before each retry of a transient failure (408, 502, 503, 504), in s: up to eight retries. */
const transientDelays = [1, 2, 4, 8, 16, 32, 60, 60];
/** Waits of the probation retries of a subscription on probation, in s. */
const probationDelays = [20, 40, 80, 160, 320, 640, 1280, 2560];

const authFailed = () =>
  new AdoSimError(401, 'TF400813: The user is not authorized to access this resource.', 'UnauthorizedRequestException');

/**
 * Service hooks of a simulated Azure DevOps organization: `_apis/hooks/subscriptions`
 * (publisher `tfs`, consumer `webHooks` / `httpRequest`, basic auth and `httpHeaders` from
 * the consumer inputs) and the notifications of work item events to them, retried as the
 * service does (see {@link AdoServiceHooks.policy}). Costs nothing while no subscription exists.
 */
export class AdoServiceHooks {
  /** The subscriptions, in creation order. */
  readonly subscriptions: SimSubscription[] = [];
  /** The outbox: knobs (drop, duplicate, reorder, delay), the attempt log, `settled()`. */
  readonly deliveries: WebhookDeliveries;
  /** `uniqueName`s of who holds "Edit subscriptions": the integration user by default. */
  readonly editors = new Set<string>();
  private notificationId = 0;

  constructor(
    private readonly state: AdoSimState,
    knobs: WebhookDeliveryKnobs = {},
  ) {
    this.deliveries = new WebhookDeliveries((attempt) => this.policy(attempt), knobs);
    // A notification delivered ends the subscription's probation.
    this.deliveries.onAttempt = (attempt) => {
      if (attempt.status === undefined || attempt.status < 200 || attempt.status >= 300) return;
      const subscription = this.subscriptions.find((s) => s.id === attempt.subscriptionId);
      if (subscription?.status !== 'onProbation') return;
      subscription.status = 'enabled';
      subscription.probationRetries = 0;
    };
    const bot = state.identities[0];
    if (bot) this.editors.add(bot.uniqueName);
  }

  /**
   * What the service does after a failed notification: 410 disables the subscription
   * (`disabledBySystem`); 408, 502, 503 and 504 are retried up to eight times (1, 2, 4 … 60 s
   * apart), after which the subscription goes on probation; any other failure puts it on
   * probation at once. On probation the notification is retried on a longer back-off; a
   * success ends the probation, eight failed probation retries disable the subscription.
   * @see https://learn.microsoft.com/en-us/azure/devops/service-hooks/troubleshoot#subscription-failures-and-probation-restricted
   */
  policy(attempt: WebhookAttempt): WebhookRetryDecision {
    const subscription = this.subscriptions.find((s) => s.id === attempt.subscriptionId);
    if (!subscription || subscription.status.startsWith('disabled')) return { retry: false };
    if (attempt.status === 410) {
      subscription.status = 'disabledBySystem';
      return { retry: false };
    }
    const transient = attempt.status !== undefined && [408, 502, 503, 504].includes(attempt.status);
    if (transient && subscription.status === 'enabled' && attempt.retry < transientDelays.length)
      return { retry: true, delayMs: (transientDelays[attempt.retry] as number) * 1000 };
    subscription.status = 'onProbation';
    subscription.probationRetries++;
    if (subscription.probationRetries > probationDelays.length) {
      subscription.status = 'disabledBySystem';
      return { retry: false };
    }
    return { retry: true, delayMs: (probationDelays[subscription.probationRetries - 1] as number) * 1000 };
  }

  /** Wraps the organization's router: serves the subscriptions resource and notifies of what requests changed. */
  wrap(inner: FetchHandler): FetchHandler {
    return async (request) => {
      const url = new URL(request.url);
      const hooks = /^(.*?)\/_apis\/hooks\/subscriptions(?:\/([^/]+))?\/?$/i.exec(url.pathname);
      if (hooks) return this.route(request, `${url.origin}/${this.state.organization}`, hooks[2]);
      if (this.subscriptions.length === 0 || request.method === 'GET') return inner(request);
      const target = /\/_apis\/wit\/workitems\/([^/]+)(\/comments(?:\/[^/]+)?)?\/?$/i.exec(url.pathname);
      if (!target) return inner(request);
      const id = Number(target[1]);
      const before = Number.isInteger(id) ? this.state.workItems.get(id) : undefined;
      const fromRev = before?.rev ?? 0;
      const comments = before?.comments.length ?? 0;
      const response = await inner(request);
      if (response.status >= 400) return response;
      const by = this.actor(request)?.uniqueName ?? '';
      const orgUrl = `${url.origin}/${this.state.organization}`;
      const events: WorkItemHappening[] = [];
      if (target[1]?.startsWith('$')) {
        const created = (await response
          .clone()
          .json()
          .catch(() => undefined)) as { id?: number } | undefined;
        const item = created?.id !== undefined ? this.state.workItems.get(created.id) : undefined;
        if (item) events.push(happening('workitem.created', item, by));
      } else if (before && request.method === 'DELETE' && !target[2]) {
        if (!this.state.workItems.has(before.id)) events.push(happening('workitem.deleted', before, by));
      } else if (before) {
        for (let rev = fromRev + 1; rev <= before.rev; rev++)
          events.push(happening('workitem.updated', before, by, { fromRev: rev - 1, rev }));
        if (before.comments.length > comments) events.push(happening('workitem.commented', before, by));
      }
      for (const event of events) this.notify(orgUrl, event);
      return response;
    };
  }

  private actor(request: Request): SimIdentity | undefined {
    const header = request.headers.get('authorization') ?? '';
    const token = /^basic /i.test(header)
      ? Buffer.from(header.slice(6).trim(), 'base64')
          .toString('utf8')
          .replace(/^[^:]*:/, '')
      : /^bearer /i.test(header)
        ? header.slice(7).trim()
        : undefined;
    return token ? this.state.identities.find((i) => i.pat === token) : undefined;
  }

  /** A subscription as the service answers it; secrets among the consumer inputs are masked. */
  private render(orgUrl: string, s: SimSubscription): Record<string, unknown> {
    const creator = this.state.identities.find((i) => i.uniqueName === s.createdBy);
    const masked = Object.fromEntries(
      Object.entries(s.consumerInputs).map(([k, v]) => [k, k === 'basicAuthPassword' ? '********' : v]),
    );
    return {
      id: s.id,
      url: `${orgUrl}/_apis/hooks/subscriptions/${s.id}`,
      status: s.status,
      publisherId: 'tfs',
      eventType: s.eventType,
      subscriber: null,
      resourceVersion: '1.0',
      eventDescription: s.publisherInputs.projectId ? `Project ${s.publisherInputs.projectId}` : 'Any project',
      consumerId: 'webHooks',
      consumerActionId: 'httpRequest',
      actionDescription: `To host ${new URL(s.consumerInputs.url ?? 'http://invalid').host}`,
      probationRetries: s.probationRetries,
      createdBy: identityRef(orgUrl, creator, s.createdBy),
      createdDate: s.createdDate,
      modifiedBy: identityRef(orgUrl, creator, s.createdBy),
      modifiedDate: s.modifiedDate,
      publisherInputs: { ...s.publisherInputs, tfsSubscriptionId: s.id, hostId: this.state.organization },
      consumerInputs: masked,
    };
  }

  /** `GET|POST _apis/hooks/subscriptions`, `GET|PUT|DELETE _apis/hooks/subscriptions/{id}`. */
  private async route(request: Request, orgUrl: string, id: string | undefined): Promise<Response> {
    try {
      const actor = this.actor(request);
      if (!actor) throw authFailed();
      const found = id === undefined ? undefined : this.subscriptions.find((s) => s.id === id);
      if (id !== undefined && !found)
        throw new AdoSimError(404, `Subscription ${id} does not exist.`, 'SubscriptionNotFoundException');
      if (request.method === 'GET')
        return found
          ? json(this.render(orgUrl, found))
          : json({
              count: this.subscriptions.length,
              value: this.subscriptions.map((s) => this.render(orgUrl, s)),
            });
      if (!this.editors.has(actor.uniqueName))
        throw new AdoSimError(
          403,
          `TF400813: ${actor.uniqueName} does not have the Edit subscriptions permission.`,
          'UnauthorizedRequestException',
        );
      if (request.method === 'DELETE' && found) {
        this.subscriptions.splice(this.subscriptions.indexOf(found), 1);
        return new Response(null, { status: 204 });
      }
      if ((request.method === 'POST' && !found) || (request.method === 'PUT' && found)) {
        let raw: unknown;
        try {
          raw = JSON.parse(await request.text());
        } catch {
          throw badRequest('VS402323: The request body is not valid JSON.');
        }
        const parsed = subscriptionBody.safeParse(raw);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw badRequest(`Invalid subscription: ${issue?.path.join('.')}: ${issue?.message}`);
        }
        const now = new Date().toISOString();
        const body = parsed.data;
        // The service keeps the stored password when an update sends the masked one back.
        const consumerInputs = { ...body.consumerInputs };
        if (found && consumerInputs.basicAuthPassword === '********')
          consumerInputs.basicAuthPassword = found.consumerInputs.basicAuthPassword ?? '';
        const stored: SimSubscription = {
          id: found?.id ?? randomUUID(),
          eventType: body.eventType,
          publisherInputs: body.publisherInputs,
          consumerInputs,
          status: body.status ?? 'enabled',
          probationRetries: 0,
          createdBy: found?.createdBy ?? actor.uniqueName,
          createdDate: found?.createdDate ?? now,
          modifiedDate: now,
        };
        if (found) this.subscriptions[this.subscriptions.indexOf(found)] = stored;
        else this.subscriptions.push(stored);
        return json(this.render(orgUrl, stored));
      }
      return json({ message: `The requested resource does not support http method '${request.method}'.` }, 405);
    } catch (error) {
      if (error instanceof AdoSimError) return errorResponse(error);
      throw error;
    }
  }

  private matches(s: SimSubscription, event: WorkItemHappening): boolean {
    if (s.eventType !== event.eventType || s.status.startsWith('disabled')) return false;
    const item: SimWorkItem = event.item;
    const project = this.state.projects.find((p) => p.name === item.fields['System.TeamProject']);
    const inputs = s.publisherInputs;
    if (inputs.projectId && inputs.projectId !== project?.id) return false;
    if (
      inputs.workItemType &&
      inputs.workItemType.toLowerCase() !== String(item.fields['System.WorkItemType']).toLowerCase()
    )
      return false;
    if (inputs.areaPath) {
      const area = String(item.fields['System.AreaPath'] ?? '').toLowerCase();
      const wanted = inputs.areaPath.toLowerCase();
      if (area !== wanted && !area.startsWith(`${wanted}\\`)) return false;
    }
    return true;
  }

  private notify(orgUrl: string, event: WorkItemHappening): void {
    for (const s of this.subscriptions) {
      if (!this.matches(s, event)) continue;
      const body = JSON.stringify(renderEvent(this.state, orgUrl, event, s.id, ++this.notificationId));
      const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
      const user = s.consumerInputs.basicAuthUsername;
      const password = s.consumerInputs.basicAuthPassword;
      if (user !== undefined || password !== undefined)
        headers.authorization = `Basic ${Buffer.from(`${user ?? ''}:${password ?? ''}`).toString('base64')}`;
      // `httpHeaders`: one `Name: value` per line.
      for (const line of (s.consumerInputs.httpHeaders ?? '').split(/\r?\n/)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      this.deliveries.enqueue({ id: event.id, subscriptionId: s.id, url: s.consumerInputs.url ?? '', headers, body });
    }
  }
}
