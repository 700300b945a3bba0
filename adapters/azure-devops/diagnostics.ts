import type { Logger, ResolvedSystem, UserRef } from 'syncbridge';
import { apiNotFoundError, diagnoseConnection, type ConnectionReport } from 'syncbridge/connector-kit';
import { z } from 'zod';
import type { AdoMetadata } from './metadata.js';

const connectionDataSchema = z.looseObject({
  deploymentType: z.string().optional(),
  instanceId: z.string().optional(),
});

/**
 * The API stage: the project is one the integration user sees and the type is one of its
 * (enabled) work item types; when not, the error lists what is visible.
 */
async function checkProject(
  metadata: AdoMetadata,
  system: string,
  project: string,
  type: string | undefined,
): Promise<string> {
  const projects = await metadata.projects();
  const found = projects.find((p) => p.name.toLowerCase() === project.toLowerCase() || p.id === project);
  if (!found) throw apiNotFoundError('project', { system, name: project, available: projects.map((p) => p.name) });
  if (!type) return `project ${found.name} is visible`;
  const types = await metadata.types(found.name);
  if (!types.some((t) => t.name.toLowerCase() === type.toLowerCase() || t.id === type))
    throw apiNotFoundError('type', { system, name: type, available: types.map((t) => t.name) });
  return `project ${found.name} is visible and has the work item type ${type}`;
}

/**
 * Staged diagnosis through the core's {@link diagnoseConnection}: config, DNS, TCP, proxy,
 * TLS, then `_apis/connectionData` (HTTP; a bad PAT shows here as 401 or as Azure DevOps'
 * 203 sign-in page), who the PAT signs in as (auth) and, with a project, the project and
 * its work item type (API). A PAT goes as basic auth with an empty user name.
 * @see https://learn.microsoft.com/azure/devops/integrate/get-started/authentication/pats
 */
export function testAdoConnection(
  system: ResolvedSystem,
  logger: Logger,
  metadata: AdoMetadata,
  whoami: () => Promise<UserRef>,
  options: { project?: string | undefined; type?: string | undefined },
): Promise<ConnectionReport> {
  const { project, type } = options;
  return diagnoseConnection({
    system,
    logger,
    patScheme: 'basic',
    httpProbe: {
      path: '_apis/connectionData',
      describe: (body) => {
        const data = connectionDataSchema.safeParse(body);
        if (!data.success) return undefined;
        // `hosted` is Azure DevOps Services; `onPremises` is Azure DevOps Server.
        return { product: 'Azure DevOps', deploymentType: data.data.deploymentType, instanceId: data.data.instanceId };
      },
    },
    whoami: async () => {
      const user = await whoami();
      return { id: user.id, displayName: user.displayName ?? null, email: user.email ?? null };
    },
    ...(project ? { checkProject: () => checkProject(metadata, system.id, project, type) } : {}),
  });
}
