/**
 * A stateful Azure DevOps simulator (work items, WIQL, JSON Patch, comments) for tests and
 * demos: in process through msw, or over HTTP on 127.0.0.1.
 * @packageDocumentation
 * @module syncbridge/testing/azure-devops
 */
import type { HttpHandler } from 'msw';
import {
  mswHandlers,
  serveHandler,
  withKnobs,
  RequestHooks,
  withHooks,
  type FetchHandler,
  type HookCallback,
  type RequestHook,
  type RequestHookSpec,
  type RunningServer,
  type SimulatorKnobs,
  type WebhookDeliveryKnobs,
} from 'syncbridge/testing/kit';
import { createRouter } from './router.js';
import { attachmentRoutes } from './routes/attachments.js';
import { batchRoutes } from './routes/batch.js';
import { commentRoutes } from './routes/comments.js';
import { graphRoutes } from './routes/graph.js';
import { metaRoutes } from './routes/meta.js';
import { metadataRoutes } from './routes/metadata.js';
import { recycleBinRoutes } from './routes/recycle-bin.js';
import { relationTypeRoutes } from './routes/relation-types.js';
import { wiqlRoutes } from './routes/wiql.js';
import { workItemRoutes } from './routes/work-items.js';
import { updateRoutes } from './routes/updates.js';
import { createSeededState, type AdoSeed } from './seed.js';
import { AdoServiceHooks } from './service-hooks.js';
import { azureDevOpsSeeder, type AzureDevOpsSeeder } from './seeding.js';
import type { AdoSimState, SimLimits } from './state.js';

export {
  startAzureDevOpsSimulatorServer,
  type AzureDevOpsSimulatorServer,
  type AzureDevOpsSimulatorServerOptions,
} from './server.js';
export type {
  AdoSimState,
  SimLimits,
  SimWorkItem,
  SimRelation,
  SimIdentity,
  SimProject,
  SimDeletedWorkItem,
} from './state.js';
export type { AdoSeed } from './seed.js';
export { AdoServiceHooks, type SimSubscription } from './service-hooks.js';
export type { AzureDevOpsSeeder, AzureDevOpsSeedWorkItem } from './seeding.js';

/** Options of {@link createAzureDevOpsSimulator}. */
export interface AzureDevOpsSimulatorOptions {
  /** Starting data. @default 'demo' */
  seed?: AdoSeed;
  /** Number of bugs the demo seed creates. @default 250 */
  workItems?: number;
  /** Latency, faults and rate limit. */
  knobs?: SimulatorKnobs;
  /** Service limits, lowered in tests (e.g. `wiqlMaxResults: 50`). */
  limits?: Partial<SimLimits>;
  /**
   * The path the organization lives at: an organization name as on Azure DevOps Services,
   * or a virtual directory and collection as on Azure DevOps Server (`tfs/DefaultCollection`),
   * which also makes `connectionData` report an on-premises deployment.
   * @default 'demo-org'
   */
  organization?: string;
  /** Knobs of service-hook deliveries (drops, duplicates, reorders, delays). */
  webhooks?: WebhookDeliveryKnobs;
}

/** A user of the simulated organization and the PAT that signs them in. */
export interface AzureDevOpsSimulatorUser {
  email: string;
  displayName: string;
  pat: string;
}

/** A stateful in-memory Azure DevOps Services organization (`demo-org`). */
export interface AzureDevOpsSimulator {
  /** The request handler (Fetch API), knobs applied. */
  handle: FetchHandler;
  /** The model; tests may read it (to stage a scenario, use {@link AzureDevOpsSimulator.seed}). */
  state: AdoSimState;
  /**
   * Stages work items in plain values, stored as Azure DevOps would (HTML, identities, revisions):
   * `ado.seed.workItem({ project: 'Demo', type: 'Bug', title: 'Crash', description: 'Steps…', priority: 1, tags: ['sync'] })`.
   */
  seed: AzureDevOpsSeeder;
  /** Mutable latency, fault and rate-limit knobs. */
  knobs: SimulatorKnobs;
  /**
   * Service hooks: the subscriptions (`webhooks.subscriptions`), who may edit them
   * (`webhooks.editors`), and the outbox (`webhooks.deliveries`: knobs, `attempts`,
   * `settled()`, a `transport` to receive notifications in process).
   */
  webhooks: AdoServiceHooks;
  /** Makes the next `n` requests fail with `status`. */
  failNext(n: number, status: number, retryAfterSeconds?: number): void;
  /**
   * Awaits `run` at an exact moment of the matching requests (`before` one acts, or `after`
   * it acted and before its answer leaves), including each sub-request of a `$batch`, e.g.
   * between two `workitemsbatch` reads:
   * `ado.hook({ when: 'after', method: 'POST', path: 'wit/workitemsbatch', nth: 1 }, () => person.edit(...))`.
   */
  hook(spec: RequestHookSpec, run: HookCallback): RequestHook;
  /** Every hook registered; `hooks.clear()` removes them. */
  hooks: RequestHooks;
  /** Everyone who can sign in; the first is the integration user `sync-bot@example.com`. */
  users: AzureDevOpsSimulatorUser[];
  /** Serves it over HTTP on 127.0.0.1; the base URL includes the organization. */
  listen(options?: { port?: number }): Promise<RunningServer>;
  /** msw handlers for in-process tests; `baseUrl` must end with the organization path (`/demo-org`). */
  mswHandlers(baseUrl: string): HttpHandler[];
}

/**
 * Creates an Azure DevOps simulator: projects, work item types with states and fields,
 * identities, work items with revisions and comments, WIQL, JSON Patch with `test`,
 * deletes to the recycle bin (restore, destroy) and comment deletes,
 * `workitemsbatch` (200 ids), `$batch`, the 20,000-result WIQL cap and the service's
 * error bodies.
 */
export function createAzureDevOpsSimulator(options: AzureDevOpsSimulatorOptions = {}): AzureDevOpsSimulator {
  const state = createSeededState(options.seed ?? 'demo', options.limits, options.workItems);
  if (options.organization) state.organization = options.organization.replace(/^\/+|\/+$/g, '');
  let dispatch: FetchHandler = async () => new Response(null, { status: 503 });
  const webhooks = new AdoServiceHooks(state, options.webhooks);
  const router = createRouter(state, [
    ...metaRoutes,
    ...graphRoutes,
    ...metadataRoutes,
    ...wiqlRoutes,
    ...commentRoutes,
    ...workItemRoutes,
    ...updateRoutes,
    ...recycleBinRoutes,
    ...attachmentRoutes,
    ...relationTypeRoutes,
    ...batchRoutes((r) => dispatch(r)),
  ]);
  // Each work item write (also inside a `$batch`) notifies the subscriptions it concerns.
  const inner = webhooks.wrap(router);
  const hooks = new RequestHooks();
  // Sub-requests of a `$batch` pass the same hooks, as separate requests would.
  dispatch = withHooks(inner, hooks);
  const knobbed = withKnobs(inner, options.knobs ?? {}, hooks);
  return {
    handle: knobbed.handle,
    state,
    seed: azureDevOpsSeeder(state),
    knobs: knobbed.knobs,
    webhooks,
    failNext: knobbed.failNext,
    hook: knobbed.hook,
    hooks: knobbed.hooks,
    users: state.identities.map((i) => ({ email: i.uniqueName, displayName: i.displayName, pat: i.pat })),
    listen: async ({ port } = {}) => {
      const server = await serveHandler(knobbed.handle, { port: port ?? 0 });
      return { ...server, baseUrl: `${server.baseUrl}/${state.organization}` };
    },
    mswHandlers: (baseUrl) => {
      const root = baseUrl.replace(/\/+$/, '');
      const suffix = `/${state.organization}`;
      return mswHandlers(
        root.toLowerCase().endsWith(suffix.toLowerCase())
          ? root.slice(0, -suffix.length)
          : root.replace(/\/[^/]+$/, ''),
        knobbed.handle,
      );
    },
  };
}
