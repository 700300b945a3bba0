import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from 'syncbridge';
import { formatConnectionReport } from 'syncbridge/connector-kit';
import type { RunningServer } from 'syncbridge/testing';
import { azureDevOpsConnector } from 'syncbridge/azure-devops';
import { createAzureDevOpsSimulator, type AzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import { failedStage } from '../../test-support/diagnostics.js';
import { connectTo } from './support.js';

let sim: AzureDevOpsSimulator;
let running: RunningServer;
beforeAll(async () => {
  sim = createAzureDevOpsSimulator({ seed: 'empty' });
  running = await sim.listen();
});
afterAll(() => running.close());

describe('testing the connection to Azure DevOps', () => {
  it('passes every stage and names the user, the deployment and the project', async () => {
    const report = await connectTo(running.baseUrl, sim).testConnection({ project: 'Demo', type: 'Bug' });
    expect(report.stages.map((s) => [s.stage, s.ok])).toEqual([
      ['config', true],
      ['dns', true],
      ['tcp', true],
      ['http', true],
      ['auth', true],
      ['api', true],
    ]);
    expect(report.ok).toBe(true);
    expect(report.user).toMatchObject({ id: 'sync-bot@example.com', email: 'sync-bot@example.com' });
    expect(report.server).toMatchObject({ product: 'Azure DevOps', deploymentType: 'hosted' });
    expect(formatConnectionReport(report)).toContain('project Demo is visible and has the work item type Bug');
  });

  it('names the projects it can see when the configured one does not exist', async () => {
    const stage = failedStage(await connectTo(running.baseUrl, sim).testConnection({ project: 'Dmeo', type: 'Bug' }));
    expect([stage?.stage, stage?.code]).toEqual(['api', 'API_PROJECT_NOT_FOUND']);
    expect(stage?.message).toContain('"Dmeo"');
    expect(stage?.message).toContain('visible: Demo');
  });

  it('names the work item types of the project when the configured type does not exist', async () => {
    const stage = failedStage(
      await connectTo(running.baseUrl, sim).testConnection({ project: 'Demo', type: 'Defect' }),
    );
    expect([stage?.stage, stage?.code]).toEqual(['api', 'API_TYPE_NOT_FOUND']);
    expect(stage?.message).toContain('"Defect"');
    expect(stage?.message).toMatch(/visible: .*Bug/);
  });

  it('reports a wrong PAT as AUTH without printing it', async () => {
    const system = {
      id: 'ado',
      adapter: 'azure-devops',
      baseUrl: running.baseUrl,
      auth: { type: 'pat' as const, token: 'not-a-real-pat-123' },
    };
    const report = await azureDevOpsConnector
      .create(system, {}, { logger: silentLogger })
      .testConnection({ project: 'Demo' });
    const stage = failedStage(report);
    expect([stage?.stage, stage?.code]).toEqual(['http', 'AUTH']);
    const printed = `${JSON.stringify(report)}\n${formatConnectionReport(report)}`;
    expect(printed).not.toContain('not-a-real-pat-123');
    expect(printed).not.toContain(Buffer.from(':not-a-real-pat-123').toString('base64'));
  });
});
