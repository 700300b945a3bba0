import { isSyncbridgeError, type ConnectionReport, type StageResult } from 'syncbridge';
import type { JiraClient } from './client.js';
import { jiraUserSchema, serverInfoSchema } from './schemas.js';
import { z } from 'zod';

async function stage(stages: StageResult[], name: StageResult['stage'], run: () => Promise<Omit<StageResult, 'stage' | 'ok' | 'durationMs'>>): Promise<boolean> {
  const started = performance.now();
  try {
    const result = await run();
    stages.push({ stage: name, ok: true, durationMs: Math.round(performance.now() - started), ...result });
    return true;
  } catch (error) {
    const code = isSyncbridgeError(error) ? error.code : 'NETWORK';
    const fix = code === 'AUTH' ? 'Check the e-mail and API token (Cloud) or the personal access token (Data Center).' : code === 'PERMISSION' ? 'Give the integration user Browse Projects permission.' : undefined;
    stages.push({ stage: name, ok: false, code, message: (error as Error).message, durationMs: Math.round(performance.now() - started), ...(fix ? { fix } : {}) });
    return false;
  }
}

/**
 * Staged diagnosis: `serverInfo` (HTTP and API), `myself` (auth), then, with a project,
 * whether the project is visible and whether Jira shows its users' e-mail addresses.
 * Jira Cloud hides addresses of users who chose so; user mapping by e-mail then fails for
 * them and the user value map has to name account ids (or display names) instead.
 * @see https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-myself/#api-rest-api-3-myself-get
 */
export async function testJiraConnection(client: JiraClient, system: string, options: { project?: string; type?: string }): Promise<ConnectionReport> {
  const stages: StageResult[] = [];
  const report: ConnectionReport = { ok: false, system, stages };
  const http = await stage(stages, 'http', async () => {
    const info = await client.http.request({ path: client.api('serverInfo'), schema: serverInfoSchema });
    report.server = { version: info.version, deploymentType: info.deploymentType, title: info.serverTitle };
    return { message: `Jira ${info.deploymentType ?? ''} ${info.version ?? ''} answered`.replace(/\s+/g, ' '), details: report.server };
  });
  if (!http) return report;
  const auth = await stage(stages, 'auth', async () => {
    const me = await client.http.request({ path: client.api('myself'), schema: jiraUserSchema });
    report.user = { id: me.accountId ?? me.name ?? 'unknown', displayName: me.displayName ?? null, email: me.emailAddress ?? null };
    return { message: `Logged in as ${me.displayName ?? me.accountId}`, details: { timeZone: me.timeZone } };
  });
  if (!auth) return report;
  if (options.project) {
    const project = options.project;
    const api = await stage(stages, 'api', async () => {
      const users = await client.http.request({ path: client.api('user/assignable/search'), query: { project, maxResults: 50 }, schema: z.array(jiraUserSchema) });
      const hidden = users.filter((u) => !u.emailAddress).length;
      const message = hidden > 0
        ? `Project ${project} is visible; ${hidden} of ${users.length} assignable users hide their e-mail address, so matching them by e-mail will fail: map them by account id or display name in the user value map`
        : `Project ${project} is visible; assignable users show their e-mail addresses`;
      return { message, details: { assignableUsers: users.length, hiddenEmails: hidden } };
    });
    if (!api) return report;
  }
  report.ok = true;
  return report;
}
