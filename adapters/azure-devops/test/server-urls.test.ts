import { describe, expect, it } from 'vitest';
import { describeConnectorConformance } from 'syncbridge/testing';
import { createAzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import { conformanceContext, connectTo } from './support.js';

// Azure DevOps Server serves a collection below a virtual directory, and is often reached with a bearer token.
describeConnectorConformance({
  name: 'azure-devops server (collection URL /tfs/DefaultCollection, bearer auth)',
  setup: async () => {
    const sim = createAzureDevOpsSimulator({ seed: 'empty', organization: 'tfs/DefaultCollection' });
    const running = await sim.listen();
    if (!running.baseUrl.endsWith('/tfs/DefaultCollection'))
      throw new Error(`unexpected simulator URL ${running.baseUrl}`);
    return conformanceContext(sim, running.baseUrl, () => running.close(), 'bearer');
  },
});

describe('testing the connection to an Azure DevOps Server collection', () => {
  it('passes every stage with a bearer token and reports an on-premises deployment', async () => {
    const sim = createAzureDevOpsSimulator({ seed: 'empty', organization: 'tfs/DefaultCollection' });
    const running = await sim.listen();
    try {
      const report = await connectTo(running.baseUrl, sim, {}, undefined, undefined, 'bearer').testConnection({
        project: 'Demo',
        type: 'Bug',
      });
      expect(report.ok).toBe(true);
      expect(report.server).toMatchObject({ deploymentType: 'onPremises' });
      expect(report.user?.email).toBe('sync-bot@example.com');
      const wrongCollection = await connectTo(
        running.baseUrl.replace('DefaultCollection', 'OtherCollection'),
        sim,
        {},
        undefined,
        undefined,
        'bearer',
      ).testConnection();
      expect(wrongCollection.stages.at(-1)).toMatchObject({ stage: 'http', ok: false, code: 'HTTP_NOT_FOUND' });
    } finally {
      await running.close();
    }
  });
});
