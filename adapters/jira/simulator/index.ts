/**
 * A stateful Jira simulator (Cloud REST v3 and the v2 parts Data Center clients use) for tests
 * and demos: in process through msw, or over HTTP on 127.0.0.1.
 * @packageDocumentation
 * @module syncbridge/testing/jira
 */
import type { HttpHandler } from 'msw';
import {
  mswHandlers,
  serveHandler,
  withKnobs,
  type RequestHooks,
  type FetchHandler,
  type HookCallback,
  type RequestHook,
  type RequestHookSpec,
  type RunningServer,
  type SimulatorKnobs,
  type WebhookDeliveryKnobs,
} from 'syncbridge/testing/kit';
import { createRouter } from './router.js';
import { seedState, syncBotAccountId, type JiraSeed } from './seed.js';
import { jiraSeeder, type JiraSeeder } from './seeding.js';
import { userName, type JiraState } from './state.js';
import { JiraWebhooks } from './webhooks.js';

export { startJiraSimulatorServer, type JiraSimulatorServer, type JiraSimulatorServerOptions } from './server.js';
export { parseJql, type JqlQuery, type JqlClause } from './jql/parser.js';
export { JiraState, type SimIssue, type SimRemoteLink, type SimUser } from './state.js';
export { syncBotAccountId, type JiraSeed } from './seed.js';
export type { JiraSeeder, JiraSeedIssue } from './seeding.js';
export { JiraWebhooks, jiraRetryPolicy, type SimWebhook } from './webhooks.js';

/** Options of {@link createJiraSimulator}. */
export interface JiraSimulatorOptions {
  /** Starting data. @default 'demo' */
  seed?: JiraSeed;
  /** Number of bugs the demo seed creates. @default 300 */
  issues?: number;
  /** Latency, fault rate and rate limit. */
  knobs?: SimulatorKnobs;
  /** Knobs of webhook deliveries (drops, duplicates, reorders, delays). */
  webhooks?: WebhookDeliveryKnobs;
}

/** A demo login: e-mail with API token (Cloud style) and the same user's PAT (Data Center style). */
export interface JiraSimulatorCredentials {
  accountId: string;
  displayName: string;
  email: string;
  /** Data Center user name (basic auth with `apiToken` as the password). */
  username: string;
  apiToken: string;
  pat: string;
  /** Whether the user's profile shows the e-mail address to others. */
  emailVisible: boolean;
}

/** A stateful in-memory Jira. */
export interface JiraSimulator {
  /** The request handler (with knobs applied). */
  handle: FetchHandler;
  /** The data; tests may read it (to stage a scenario, prefer {@link JiraSimulator.seed}). */
  state: JiraState;
  /**
   * Stages issues in plain values, stored as Jira would (ADF descriptions, priority ids,
   * account ids): `jira.seed.issue({ project: 'DEMO', type: 'Bug', summary: 'Crash', description: 'Steps…', priority: 'High', labels: ['sync'] })`.
   */
  seed: JiraSeeder;
  /** Mutable knobs. */
  knobs: SimulatorKnobs;
  /**
   * Webhooks: the registered ones (`webhooks.registered`), site admins who may register them
   * (`webhooks.admins`), and the outbox (`webhooks.deliveries`: knobs, `attempts`, `settled()`,
   * a `transport` to receive deliveries in process).
   */
  webhooks: JiraWebhooks;
  /** Forces the next `n` requests to fail with `status` (and `Retry-After` seconds for 429). */
  failNext(n: number, status: number, retryAfterSeconds?: number): void;
  /**
   * Awaits `run` at an exact moment of the matching requests (`before` one acts, or `after`
   * it acted and before its answer leaves), e.g. between two result pages:
   * `jira.hook({ when: 'after', method: 'POST', path: 'search/jql', nth: 1 }, () => person.edit(...))`.
   * Paths are matched below the host (`search/jql`, `issue/10001`, a RegExp on the whole path).
   */
  hook(spec: RequestHookSpec, run: HookCallback): RequestHook;
  /** Every hook registered; `hooks.clear()` removes them. */
  hooks: RequestHooks;
  /** Every user's credentials; the first is the integration user `sync-bot@example.com`. */
  users: JiraSimulatorCredentials[];
  /** Serves the simulator over HTTP on 127.0.0.1 (port 0: any free port). */
  listen(options?: { port?: number }): Promise<RunningServer>;
  /** msw handlers routing `baseUrl` to the simulator, for in-process tests. */
  mswHandlers(baseUrl: string): HttpHandler[];
}

/**
 * Creates a Jira that behaves like Jira Cloud's REST API v3 (and the parts of v2 Data
 * Center clients use): same paths, JSON shapes, paging, status codes and error bodies.
 */
export function createJiraSimulator(options: JiraSimulatorOptions = {}): JiraSimulator {
  const state = seedState(options.seed ?? 'demo', { issues: options.issues });
  const webhooks = new JiraWebhooks(state, options.webhooks);
  const knobbed = withKnobs(webhooks.wrap(createRouter(state)), options.knobs ?? {});
  const users = state.users.map((u) => ({
    accountId: u.accountId,
    displayName: u.displayName,
    email: u.email,
    username: userName(u),
    apiToken: u.apiToken,
    pat: u.pat,
    emailVisible: u.emailVisible,
  }));
  users.sort((a, b) => Number(b.accountId === syncBotAccountId) - Number(a.accountId === syncBotAccountId));
  return {
    handle: knobbed.handle,
    state,
    seed: jiraSeeder(state),
    knobs: knobbed.knobs,
    webhooks,
    failNext: knobbed.failNext,
    hook: knobbed.hook,
    hooks: knobbed.hooks,
    users,
    listen: (listenOptions = {}) => serveHandler(knobbed.handle, { port: listenOptions.port ?? 0 }),
    mswHandlers: (baseUrl) => mswHandlers(baseUrl, knobbed.handle),
  };
}
