import type { WebhookDeliveries, WebhookDeliveryKnobs } from 'syncbridge/testing/kit';
import { createJiraSimulator, type JiraSimulatorCredentials } from './index.js';
import type { JiraSeed } from './seed.js';

/** Options of {@link startJiraSimulatorServer} (what `syncbridge simulate jira` takes). */
export interface JiraSimulatorServerOptions {
  /** Port on 127.0.0.1; 0 picks a free one. @default 0 */
  port?: number;
  /** Starting data. @default 'demo' */
  seed?: JiraSeed;
  /** Number of bugs the demo seed creates. @default 300 */
  issues?: number;
  /** Added to every response, in ms. @default 0 */
  latencyMs?: number;
  /** Share of requests (0..1) answered with a 503 or a dropped connection. @default 0 */
  faultRate?: number;
  /** Share of requests (0..1) that take effect but whose answer is lost (the connection drops). @default 0 */
  lostResponseRate?: number;
  /** Knobs of webhook deliveries (drops, duplicates, reorders, delays). */
  webhooks?: WebhookDeliveryKnobs;
}

/** A running simulator server. */
export interface JiraSimulatorServer {
  /** `http://127.0.0.1:PORT`: the Jira base URL to configure. */
  baseUrl: string;
  /** Demo logins (the first is the integration user). */
  users: JiraSimulatorCredentials[];
  /** The webhook outbox: its knobs stay mutable; `settled()` awaits the deliveries in flight. */
  deliveries?: WebhookDeliveries;
  /** Stops the server. */
  close(): Promise<void>;
}

/** Starts a Jira simulator over HTTP; the entry point of `syncbridge simulate jira`. */
export async function startJiraSimulatorServer(options: JiraSimulatorServerOptions = {}): Promise<JiraSimulatorServer> {
  const simulator = createJiraSimulator({
    seed: options.seed ?? 'demo',
    ...(options.issues !== undefined ? { issues: options.issues } : {}),
    ...(options.webhooks ? { webhooks: options.webhooks } : {}),
    knobs: {
      latencyMs: options.latencyMs ?? 0,
      faultRate: options.faultRate ?? 0,
      lostResponseRate: options.lostResponseRate ?? 0,
    },
  });
  const server = await simulator.listen({ port: options.port ?? 0 });
  return {
    baseUrl: server.baseUrl,
    users: simulator.users,
    deliveries: simulator.webhooks.deliveries,
    close: () => server.close(),
  };
}
