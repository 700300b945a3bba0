import type { WebhookDeliveries, WebhookDeliveryKnobs } from 'syncbridge/testing/kit';
import { createAzureDevOpsSimulator, type AzureDevOpsSimulatorUser } from './index.js';
import type { AdoSeed } from './seed.js';

/** Options of {@link startAzureDevOpsSimulatorServer} (the `syncbridge simulate azure-devops` flags). */
export interface AzureDevOpsSimulatorServerOptions {
  /** Port on 127.0.0.1; 0 picks a free one. @default 0 */
  port?: number;
  /** Starting data. @default 'demo' */
  seed?: AdoSeed;
  /** Number of bugs the demo seed creates. @default 250 */
  workItems?: number;
  /** Added to every response, in ms. @default 0 */
  latencyMs?: number;
  /** Share of requests answered with a 503 or a dropped connection. @default 0 */
  faultRate?: number;
  /** Share of requests (0..1) that take effect but whose answer is lost (the connection drops). @default 0 */
  lostResponseRate?: number;
  /** Knobs of webhook deliveries (drops, duplicates, reorders, delays). */
  webhooks?: WebhookDeliveryKnobs;
  /** Organization path; `tfs/DefaultCollection` serves it like an Azure DevOps Server collection. @default 'demo-org' */
  organization?: string;
}

/** A running simulator: `baseUrl` includes the organization (`http://127.0.0.1:PORT/demo-org`). */
export interface AzureDevOpsSimulatorServer {
  /** Root URL including the organization. */
  baseUrl: string;
  /** Everyone who can sign in; the first is the integration user. */
  users: AzureDevOpsSimulatorUser[];
  /** The webhook outbox: its knobs stay mutable; `settled()` awaits the deliveries in flight. */
  deliveries?: WebhookDeliveries;
  /** Stops the server and drops its connections. */
  close(): Promise<void>;
}

/** Starts the Azure DevOps simulator over HTTP, for `syncbridge simulate azure-devops` and over-HTTP tests. */
export async function startAzureDevOpsSimulatorServer(
  options: AzureDevOpsSimulatorServerOptions = {},
): Promise<AzureDevOpsSimulatorServer> {
  const simulator = createAzureDevOpsSimulator({
    seed: options.seed ?? 'demo',
    ...(options.workItems !== undefined ? { workItems: options.workItems } : {}),
    ...(options.webhooks ? { webhooks: options.webhooks } : {}),
    knobs: {
      latencyMs: options.latencyMs ?? 0,
      faultRate: options.faultRate ?? 0,
      lostResponseRate: options.lostResponseRate ?? 0,
    },
    ...(options.organization ? { organization: options.organization } : {}),
  });
  const server = await simulator.listen({ port: options.port ?? 0 });
  return {
    baseUrl: server.baseUrl,
    users: simulator.users,
    deliveries: simulator.webhooks.deliveries,
    close: () => server.close(),
  };
}
