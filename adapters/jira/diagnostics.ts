import { isSyncbridgeError, type Logger, type ResolvedSystem } from 'syncbridge';
import { apiNotFoundError, diagnoseConnection, type ConnectionReport } from 'syncbridge/connector-kit';
import { z } from 'zod';
import type { JiraClient } from './client.js';
import { listEntityTypes, listProjects } from './discovery.js';
import { userRef } from './fields.js';
import { jiraUserSchema, serverInfoSchema } from './schemas.js';

/** What the API stage found out about the users of a project, attached to the report as details. */
interface EmailVisibility {
  assignableUsers: number;
  hiddenEmails: number;
}

/** The project (by key, id or name) or an `API_PROJECT_NOT_FOUND` error listing the visible keys. */
async function findProject(
  client: JiraClient,
  system: string,
  wanted: string,
): Promise<{ id: string; key: string; name: string }> {
  try {
    const project = await client.http.request({
      path: client.api(`project/${encodeURIComponent(wanted)}`),
      schema: z.looseObject({ id: z.string(), key: z.string(), name: z.string() }),
    });
    return project;
  } catch (error) {
    // Jira answers 404 both for a missing project and for one the user may not browse.
    if (!isSyncbridgeError(error) || error.code !== 'NOT_FOUND') throw error;
  }
  const visible = await listProjects(client);
  const lower = wanted.toLowerCase();
  const byName = visible.find((p) => p.name.toLowerCase() === lower || p.key.toLowerCase() === lower);
  if (byName) return byName;
  throw apiNotFoundError('project', { system, name: wanted, available: visible.map((p) => p.key) });
}

/**
 * The API stage: the project is visible, the type is one of its issue types, and whether
 * Jira shows the assignable users' e-mail addresses. Jira Cloud hides the addresses of
 * users who chose so; matching them by e-mail then fails and the user value map has to
 * name account ids (or display names) instead, so the report warns about it.
 * @see https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-user-search/#api-rest-api-3-user-assignable-search-get
 */
async function checkProject(
  client: JiraClient,
  system: string,
  wanted: string,
  type: string | undefined,
  found: (facts: EmailVisibility) => void,
): Promise<string> {
  const project = await findProject(client, system, wanted);
  let typeLine = '';
  if (type) {
    const types = await listEntityTypes(client, project.key);
    const lower = type.toLowerCase();
    if (!types.some((t) => t.name.toLowerCase() === lower || t.id === type))
      throw apiNotFoundError('type', { system, name: type, available: types.map((t) => t.name) });
    typeLine = ` with issue type ${type}`;
  }
  const users = await client.http.request({
    path: client.api('user/assignable/search'),
    query: { project: project.key, maxResults: 50 },
    schema: z.array(jiraUserSchema),
  });
  const hidden = users.filter((u) => !u.emailAddress).length;
  found({ assignableUsers: users.length, hiddenEmails: hidden });
  const emails =
    hidden > 0
      ? `warning: ${hidden} of ${users.length} assignable users hide their e-mail address, so matching them by e-mail will fail: map them by account id or display name in the user value map`
      : 'assignable users show their e-mail addresses';
  return `project ${project.key} (${project.name}) is visible${typeLine}; ${emails}`;
}

/**
 * Staged diagnosis through the core's {@link diagnoseConnection}: config, DNS, TCP, proxy,
 * TLS, then `serverInfo` (HTTP), `myself` (auth) and, with a project, the project, its
 * issue type and the visibility of users' e-mail addresses (API).
 * @see https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-server-info/#api-rest-api-3-serverinfo-get
 */
export async function testJiraConnection(
  client: JiraClient,
  system: ResolvedSystem,
  logger: Logger,
  options: { project?: string | undefined; type?: string | undefined },
): Promise<ConnectionReport> {
  let emails: EmailVisibility | undefined;
  const { project, type } = options;
  const report = await diagnoseConnection({
    system,
    logger,
    patScheme: 'bearer',
    httpProbe: {
      path: client.api('serverInfo'),
      describe: (body) => {
        const info = serverInfoSchema.safeParse(body);
        if (!info.success) return undefined;
        return {
          product: 'Jira',
          version: info.data.version,
          deploymentType: info.data.deploymentType,
          title: info.data.serverTitle,
          apiVersion: client.version,
        };
      },
    },
    whoami: async () =>
      userRef(await client.http.request({ path: client.api('myself'), schema: jiraUserSchema })) ?? {
        id: 'unknown',
        displayName: null,
        email: null,
      },
    ...(project
      ? { checkProject: () => checkProject(client, system.id, project, type, (facts) => (emails = facts)) }
      : {}),
  });
  const api = report.stages.find((s) => s.stage === 'api' && s.ok);
  if (api && emails) api.details = { ...api.details, ...emails };
  return report;
}
