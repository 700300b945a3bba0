import { silentLogger, type Connector, type ResolvedSystem } from 'syncbridge';
import type { ConformanceContext } from 'syncbridge/testing';
import { azureDevOpsConnector, type AzureDevOpsOptions } from 'syncbridge/azure-devops';
import type { AzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';

/** The base URL in-process tests route to the simulator with msw. */
export const mswBaseUrl = 'https://ado.test/demo-org';

/** A connector signed in with the PAT of one of the simulator's users (the integration user by default). */
export function connectTo(
  baseUrl: string,
  sim: AzureDevOpsSimulator,
  options: AzureDevOpsOptions = {},
  email = 'sync-bot@example.com',
  onRequest?: (event: { method: string; url: string }) => void,
  auth: 'pat' | 'bearer' = 'pat',
): Connector {
  const user = sim.users.find((u) => u.email === email);
  if (!user) throw new Error(`no simulator user ${email}`);
  const system: ResolvedSystem = {
    id: 'ado',
    adapter: 'azure-devops',
    baseUrl,
    auth: { type: auth, token: user.pat },
    options: { ...options },
  };
  return azureDevOpsConnector.create(system, options, { logger: silentLogger, ...(onRequest ? { onRequest } : {}) });
}

/** Collects every page of an async iterable. */
export async function pages<T>(iterable: AsyncIterable<T[]>): Promise<T[][]> {
  const out: T[][] = [];
  for await (const page of iterable) out.push(page);
  return out;
}

/** The conformance context for a simulator reached at `baseUrl`: project Demo, type Bug, a person to edit as. */
export function conformanceContext(
  sim: AzureDevOpsSimulator,
  baseUrl: string,
  teardown?: () => Promise<void>,
  auth: 'pat' | 'bearer' = 'pat',
): ConformanceContext {
  const other = connectTo(baseUrl, sim, {}, 'ana.silva@contoso.com', undefined, auth);
  return {
    connector: connectTo(baseUrl, sim, {}, undefined, undefined, auth),
    project: 'Demo',
    type: 'Bug',
    fields: {
      title: 'System.Title',
      richText: 'System.Description',
      lookup: { id: 'Microsoft.VSTS.Common.Priority', values: ['1', '3'] },
      status: { id: 'System.State', values: ['Active', 'Resolved'] },
      multiLookup: 'System.Tags',
      user: { id: 'System.AssignedTo', email: 'chen.wei@contoso.com' },
    },
    // Successor links, and Features as parents of Bugs (any type may parent any other in Azure DevOps).
    links: { type: 'System.LinkTypes.Dependency-Forward', parentType: 'Feature' },
    titleFilter: (word) => `[System.Title] CONTAINS '${word}'`,
    invalidFilter: "[System.State] = 'Closed' AND [System.Stat] = 'Active'",
    // Hyperlinks to twins; a copy's stamp from an origin without a web address is no link a person follows.
    backlinksOf: async (id) =>
      (sim.state.workItems.get(Number(id))?.relations ?? [])
        .filter((r) => r.rel === 'Hyperlink' && !r.url.startsWith('urn:'))
        .map((r) => ({ url: r.url, text: String(r.attributes.comment ?? '') })),
    editAsOtherUser: async (id, fields) => {
      const [result] = await other.update([{ id, fields }]);
      if (!result?.ok) throw result?.error ?? new Error('edit failed');
    },
    webhooks: {
      receive: (handler) => {
        sim.webhooks.deliveries.transport = handler;
      },
      settled: () => sim.webhooks.deliveries.settled(),
    },
    ...(teardown ? { teardown } : {}),
  };
}
