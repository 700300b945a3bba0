import { createHmac, randomUUID } from 'node:crypto';
import {
  WebhookDeliveries,
  type FetchHandler,
  type WebhookAttempt,
  type WebhookDeliveryKnobs,
  type WebhookRetryDecision,
} from 'syncbridge/testing/kit';
import { z } from 'zod';
import { HttpFailure, fail, json, jiraError, noContent, readBody } from './http.js';
import { matches } from './jql/evaluate.js';
import { parseJql, type JqlQuery } from './jql/parser.js';
import type { RenderContext } from './render.js';
import { authenticate } from './router.js';
import { syncBotAccountId } from './seed.js';
import type { JiraState, SimUser } from './state.js';
import { happeningsBetween, renderHappening, type Deletions, type IssueHappening } from './webhook-events.js';

/** A webhook registered on the simulated site: an admin webhook (with a secret) or an app's dynamic webhook. */
export interface SimWebhook {
  id: number;
  kind: 'admin' | 'dynamic';
  name: string;
  url: string;
  events: string[];
  /** JQL limiting the issue events delivered. */
  jql?: string | undefined;
  /** The HMAC secret of `X-Hub-Signature` (admin webhooks). */
  secret?: string | undefined;
  excludeBody: boolean;
  enabled: boolean;
  /** Account id of who registered it last. */
  owner: string;
  lastUpdated: number;
  /** Dynamic webhooks expire after 30 days unless refreshed. */
  expirationDate?: number | undefined;
  query?: JqlQuery | undefined;
}

const events = [
  'jira:issue_created',
  'jira:issue_updated',
  'jira:issue_deleted',
  'comment_created',
  'comment_updated',
  'comment_deleted',
  'issue_property_set',
  'issue_property_deleted',
] as const;

const adminBody = z.object({
  name: z.string().min(1),
  url: z.string().url(),
  events: z.array(z.string()).min(1),
  filters: z.record(z.string(), z.string()).optional(),
  excludeBody: z.boolean().optional(),
  secret: z.string().optional(),
  enabled: z.boolean().optional(),
});

const dynamicBody = z.object({
  url: z.string().url(),
  webhooks: z.array(
    z.object({
      events: z.array(z.enum(events)).min(1),
      jqlFilter: z.string(),
      fieldIdsFilter: z.array(z.string()).optional(),
      issuePropertyKeysFilter: z.array(z.string()).optional(),
    }),
  ),
});

const THIRTY_DAYS = 30 * 24 * 3600 * 1000;

/**
 * Jira Cloud's retry policy: a delivery answered with 408, 409, 425, 429 or a 5xx, or whose
 * connection failed or timed out, is sent again, up to 5 times, within about 30 minutes,
 * with `X-Atlassian-Webhook-Retry` counting the retries; other answers are not retried.
 * @see https://developer.atlassian.com/cloud/jira/platform/webhooks/#retry-policy
 */
export function jiraRetryPolicy(attempt: WebhookAttempt): WebhookRetryDecision {
  const status = attempt.status;
  const retriable = status === undefined || [408, 409, 425, 429].includes(status) || status >= 500;
  if (!retriable || attempt.retry >= 5) return { retry: false };
  // Delays grow from 30 s to 8 min (about 15 minutes in all).
  return { retry: true, delayMs: 30_000 * 2 ** attempt.retry };
}

/**
 * The webhooks of a simulated Jira site: the admin REST resource `/rest/webhooks/1.0/webhook`
 * (site admins; HMAC-signed with the webhook's secret), the apps' dynamic webhooks
 * `/rest/api/3/webhook` (Connect and OAuth 2.0 apps only, unsigned here), and the deliveries
 * of issue and comment events to them. Costs nothing while no webhook is registered.
 */
export class JiraWebhooks {
  /** Registered webhooks, admin and dynamic. */
  readonly registered: SimWebhook[] = [];
  /** The outbox: knobs (drop, duplicate, reorder, delay), the attempt log, `settled()`. */
  readonly deliveries: WebhookDeliveries;
  /** Account ids of site administrators (who may manage admin webhooks): the integration user by default. */
  readonly admins = new Set<string>([syncBotAccountId]);
  private nextId = 1;
  private cursor = 0;

  constructor(
    private readonly state: JiraState,
    knobs: WebhookDeliveryKnobs = {},
  ) {
    this.deliveries = new WebhookDeliveries(jiraRetryPolicy, knobs);
  }

  /** Wraps the site's router: serves the webhook resources and delivers what requests changed. */
  wrap(inner: FetchHandler): FetchHandler {
    return async (request) => {
      const url = new URL(request.url);
      const admin = /^(.*?)\/rest\/webhooks\/1\.0\/webhook(?:\/(\d+))?\/?$/.exec(url.pathname);
      if (admin) return this.guard(() => this.adminRoute(request, url, admin[2]));
      const dynamic = /^(.*?)\/rest\/api\/(?:2|3)\/webhook(?:\/(refresh|failed))?\/?$/.exec(url.pathname);
      if (dynamic) return this.guard(() => this.dynamicRoute(request, dynamic[2]));
      if (this.registered.length === 0 || request.method === 'GET') return inner(request);
      const deletions = this.deletions(request, url);
      const response = await inner(request);
      if (response.status < 400) this.deliver(url, deletions);
      return response;
    };
  }

  private async guard(route: () => Promise<Response>): Promise<Response> {
    try {
      return await route();
    } catch (error) {
      if (error instanceof HttpFailure) return error.response;
      throw error;
    }
  }

  private user(request: Request): SimUser {
    const user = authenticate(this.state, request.headers.get('authorization'));
    if (!user) fail(401, ['You are not authenticated. Authentication required to perform this operation.']);
    return user;
  }

  private register(webhook: Omit<SimWebhook, 'id' | 'query'>): SimWebhook {
    if (this.registered.length === 0) this.cursor = this.state.now();
    const stored = { ...webhook, id: this.nextId++, query: this.parse(webhook.jql) };
    this.registered.push(stored);
    return stored;
  }

  private parse(jql: string | undefined): JqlQuery | undefined {
    if (!jql) return undefined;
    try {
      return parseJql(jql);
    } catch (error) {
      return fail(400, [`Invalid JQL filter: ${(error as Error).message}`]);
    }
  }

  /** An admin webhook as `GET /rest/webhooks/1.0/webhook` shows it (the secret is never shown). */
  private renderAdmin(url: URL, webhook: SimWebhook): Record<string, unknown> {
    const base = url.pathname.replace(/\/rest\/webhooks\/1\.0\/webhook.*$/, '');
    const owner = this.state.user(webhook.owner);
    return {
      self: `${url.origin}${base}/rest/webhooks/1.0/webhook/${webhook.id}`,
      name: webhook.name,
      url: webhook.url,
      events: webhook.events,
      filters: { 'issue-related-events-section': webhook.jql ?? '' },
      excludeBody: webhook.excludeBody,
      enabled: webhook.enabled,
      lastUpdatedUser: webhook.owner,
      lastUpdatedDisplayName: owner?.displayName ?? '',
      lastUpdated: webhook.lastUpdated,
    };
  }

  /** `GET|POST /rest/webhooks/1.0/webhook`, `GET|PUT|DELETE /rest/webhooks/1.0/webhook/{id}`: site admins only. */
  private async adminRoute(request: Request, url: URL, idText: string | undefined): Promise<Response> {
    const user = this.user(request);
    if (!this.admins.has(user.accountId))
      fail(403, ['You do not have the permission to manage webhooks: Jira administrators only.']);
    const admins = this.registered.filter((w) => w.kind === 'admin');
    const found = idText === undefined ? undefined : admins.find((w) => w.id === Number(idText));
    if (idText !== undefined && !found) fail(404, [`Webhook ${idText} not found.`]);
    const read = async () => {
      const body = await readBody(request, adminBody);
      return {
        kind: 'admin' as const,
        name: body.name,
        url: body.url,
        events: body.events,
        jql: body.filters?.['issue-related-events-section'] || undefined,
        secret: body.secret || undefined,
        excludeBody: body.excludeBody ?? false,
        enabled: body.enabled ?? true,
        owner: user.accountId,
        lastUpdated: Date.now(),
      };
    };
    switch (request.method) {
      case 'GET':
        return json(found ? this.renderAdmin(url, found) : admins.map((w) => this.renderAdmin(url, w)));
      case 'POST':
        if (found) return fail(405, ['Method not allowed.']);
        return json(this.renderAdmin(url, this.register(await read())), 201);
      case 'PUT': {
        if (!found) return fail(405, ['Method not allowed.']);
        const next = await read();
        Object.assign(found, next, { query: this.parse(next.jql) });
        return json(this.renderAdmin(url, found));
      }
      case 'DELETE':
        if (!found) return fail(405, ['Method not allowed.']);
        this.registered.splice(this.registered.indexOf(found), 1);
        return noContent();
    }
    return fail(405, ['Method not allowed.']);
  }

  /**
   * `GET|POST|DELETE /rest/api/3/webhook`, `PUT .../webhook/refresh`, `GET .../webhook/failed`:
   * "Only Connect and OAuth 2.0 apps can use this operation" (a 403 for anyone else).
   */
  private async dynamicRoute(request: Request, sub: string | undefined): Promise<Response> {
    const user = this.user(request);
    if (user.accountType !== 'app') return jiraError(403, ['Only Connect and OAuth 2.0 apps can use this operation.']);
    const mine = this.registered.filter((w) => w.kind === 'dynamic' && w.owner === user.accountId);
    if (sub === 'failed') return json({ values: [], maxResults: 100 });
    if (sub === 'refresh' && request.method === 'PUT') {
      const body = await readBody(request, z.object({ webhookIds: z.array(z.number()) }));
      const expirationDate = Date.now() + THIRTY_DAYS;
      for (const w of mine) if (body.webhookIds.includes(w.id)) w.expirationDate = expirationDate;
      return json({ expirationDate });
    }
    if (request.method === 'GET') {
      const values = mine.map((w) => ({
        id: w.id,
        jqlFilter: w.jql ?? '',
        events: w.events,
        expirationDate: w.expirationDate,
      }));
      return json({ maxResults: 100, startAt: 0, total: values.length, isLast: true, values });
    }
    if (request.method === 'DELETE') {
      const body = await readBody(request, z.object({ webhookIds: z.array(z.number()) }));
      for (const w of mine) if (body.webhookIds.includes(w.id)) this.registered.splice(this.registered.indexOf(w), 1);
      return new Response(null, { status: 202 });
    }
    if (request.method !== 'POST') return jiraError(405, ['Method not allowed.']);
    const body = await readBody(request, dynamicBody);
    const webhookRegistrationResult = body.webhooks.map((spec) => {
      try {
        const w = this.register({
          kind: 'dynamic',
          name: '',
          url: body.url,
          events: spec.events,
          jql: spec.jqlFilter,
          excludeBody: false,
          enabled: true,
          owner: user.accountId,
          lastUpdated: Date.now(),
          expirationDate: Date.now() + THIRTY_DAYS,
        });
        return { createdWebhookId: w.id };
      } catch {
        return { errors: [`Invalid JQL: ${spec.jqlFilter}`] };
      }
    });
    return json({ webhookRegistrationResult });
  }

  /** What a delete request is about to remove, kept so that its event can still render it. */
  private deletions(request: Request, url: URL): Deletions | undefined {
    if (request.method !== 'DELETE') return undefined;
    const match = /\/rest\/api\/(?:2|3)\/issue\/([^/]+)(?:\/comment\/([^/]+))?\/?$/.exec(url.pathname);
    if (!match) return undefined;
    const issue = this.state.issue(decodeURIComponent(match[1] ?? ''));
    if (!issue) return undefined;
    const by = authenticate(this.state, request.headers.get('authorization'))?.accountId ?? '';
    if (match[2] === undefined) return { issue, by };
    const comment = issue.comments.find((c) => c.id === match[2]);
    return comment ? { comment: { issue, comment }, by } : undefined;
  }

  private deliver(url: URL, deletions: Deletions | undefined): void {
    const until = this.state.now();
    const happenings = happeningsBetween(this.state, this.cursor, until, deletions);
    this.cursor = until;
    const prefix = url.pathname.replace(/\/rest\/.*$/, '');
    for (const happening of happenings)
      for (const webhook of this.registered) this.send(url, prefix, webhook, happening);
  }

  private send(url: URL, prefix: string, webhook: SimWebhook, happening: IssueHappening): void {
    if (!webhook.enabled || !webhook.events.includes(happening.event)) return;
    if (webhook.expirationDate !== undefined && webhook.expirationDate < Date.now()) return;
    const viewer = this.state.user(webhook.owner);
    if (!viewer) return;
    const context = { state: this.state, user: viewer, now: Date.now() };
    if (webhook.query?.where && !matches(webhook.query.where, happening.issue, context)) return;
    const render: RenderContext = { state: this.state, baseUrl: `${url.origin}${prefix}`, version: '3', viewer };
    const payload = webhook.excludeBody
      ? { timestamp: happening.at, webhookEvent: happening.event }
      : renderHappening(render, happening);
    const body = JSON.stringify(payload);
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'Atlassian Webhook HTTP Client',
      'x-atlassian-webhook-identifier': randomUUID(),
      'x-atlassian-webhook-flow': 'Primary',
    };
    if (webhook.secret)
      headers['x-hub-signature'] = `sha256=${createHmac('sha256', webhook.secret).update(body).digest('hex')}`;
    this.deliveries.enqueue({
      id: headers['x-atlassian-webhook-identifier'] as string,
      subscriptionId: String(webhook.id),
      url: webhook.url,
      headers,
      body,
      retryHeaders: (retry) => ({ 'x-atlassian-webhook-retry': String(retry) }),
    });
  }
}
