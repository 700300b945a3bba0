import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger, type ResolvedSystem } from 'syncbridge';
import { formatConnectionReport } from 'syncbridge/connector-kit';
import type { RunningServer } from 'syncbridge/testing';
import { jiraConnector } from 'syncbridge/jira';
import { createJiraSimulator, type JiraSimulator } from 'syncbridge/testing/jira';
import { failedStage } from '../../test-support/diagnostics.js';
import { connectTo } from './support.js';

let sim: JiraSimulator;
let running: RunningServer;
beforeAll(async () => {
  sim = createJiraSimulator({ seed: 'demo', issues: 5 });
  running = await sim.listen();
});
afterAll(() => running.close());

describe('testing the connection to Jira Cloud', () => {
  it('passes every stage, names the user and server, and warns about hidden e-mail addresses', async () => {
    const report = await connectTo(running.baseUrl, sim).testConnection({ project: 'DEMO', type: 'Bug' });
    expect(report.stages.map((s) => [s.stage, s.ok])).toEqual([
      ['config', true],
      ['dns', true],
      ['tcp', true],
      ['http', true],
      ['auth', true],
      ['api', true],
    ]);
    expect(report.user).toMatchObject({ displayName: 'Sync Bot', email: 'sync-bot@example.com' });
    expect(report.server).toMatchObject({ product: 'Jira', deploymentType: 'Cloud', apiVersion: '3' });
    const api = report.stages.find((s) => s.stage === 'api');
    expect(api?.message).toMatch(
      /project DEMO \(Demo\) is visible with issue type Bug; warning: 2 of 7 assignable users hide their e-mail address/,
    );
    expect(api?.details).toMatchObject({ assignableUsers: 7, hiddenEmails: 2 });
  });

  it('names the projects it can see when the configured one does not exist', async () => {
    const stage = failedStage(await connectTo(running.baseUrl, sim).testConnection({ project: 'DMEO', type: 'Bug' }));
    expect([stage?.stage, stage?.code]).toEqual(['api', 'API_PROJECT_NOT_FOUND']);
    expect(stage?.message).toContain('"DMEO"');
    expect(stage?.message).toContain('visible: DEMO');
  });

  it('names the issue types of the project when the configured type does not exist', async () => {
    const stage = failedStage(
      await connectTo(running.baseUrl, sim).testConnection({ project: 'DEMO', type: 'Defect' }),
    );
    expect([stage?.stage, stage?.code]).toEqual(['api', 'API_TYPE_NOT_FOUND']);
    expect(stage?.message).toContain('visible: Bug, Story, Task');
  });

  it('reports a wrong API token as AUTH without printing it', async () => {
    const system: ResolvedSystem = {
      id: 'jira',
      adapter: 'jira',
      baseUrl: running.baseUrl,
      auth: { type: 'apiToken', email: 'sync-bot@example.com', token: 'wrong-token-4711' },
    };
    const report = await jiraConnector.create(system, {}, { logger: silentLogger }).testConnection({ project: 'DEMO' });
    const stage = failedStage(report);
    expect([stage?.stage, stage?.code]).toEqual(['http', 'AUTH']);
    expect(`${JSON.stringify(report)}\n${formatConnectionReport(report)}`).not.toContain('wrong-token-4711');
  });
});

describe('testing the connection to Jira Data Center (REST v2)', () => {
  const dataCenter = (auth: ResolvedSystem['auth']) =>
    jiraConnector.create(
      { id: 'jira-dc', adapter: 'jira', baseUrl: running.baseUrl, auth, options: { apiVersion: '2' } },
      { apiVersion: '2' },
      { logger: silentLogger },
    );

  it('signs in with a personal access token as bearer and shows the server version', async () => {
    const report = await dataCenter({ type: 'pat', token: sim.users[0]!.pat }).testConnection({
      project: 'DEMO',
      type: 'Bug',
    });
    expect(report.ok).toBe(true);
    expect(report.server).toMatchObject({ deploymentType: 'Server', version: '9.12.0', apiVersion: '2' });
    expect(report.user?.displayName).toBe('Sync Bot');
  });

  it('reports a revoked personal access token as AUTH', async () => {
    const report = await dataCenter({ type: 'pat', token: 'revoked-pat-0815' }).testConnection();
    const stage = failedStage(report);
    expect([stage?.stage, stage?.code]).toEqual(['http', 'AUTH']);
    expect(JSON.stringify(report)).not.toContain('revoked-pat-0815');
  });

  it('names the visible projects for a wrong project key', async () => {
    const stage = failedStage(
      await dataCenter({
        type: 'basic',
        username: sim.users[0]!.email,
        password: sim.users[0]!.apiToken,
      }).testConnection({ project: 'NOPE' }),
    );
    expect([stage?.stage, stage?.code]).toEqual(['api', 'API_PROJECT_NOT_FOUND']);
    expect(stage?.message).toContain('visible: DEMO');
  });
});
