import { afterAll, describe, expect, it } from 'vitest';
import { createAzureDevOpsSimulator, type AzureDevOpsSimulatorServer } from 'syncbridge/testing/azure-devops';
import { connectTo } from './support.js';

describe('Azure DevOps discovery', () => {
  let server: AzureDevOpsSimulatorServer | undefined;
  afterAll(async () => server?.close());

  it('offers the project’s area and iteration paths as the allowed values of those fields', async () => {
    const sim = createAzureDevOpsSimulator({ seed: 'empty' });
    const running = await sim.listen();
    server = { baseUrl: running.baseUrl, users: sim.users, close: () => running.close() };
    const connector = connectTo(running.baseUrl, sim);
    const fields = await connector.listFields('Demo', 'Bug');
    const byId = new Map(fields.map((f) => [f.id, f]));
    expect(byId.get('System.AreaPath')).toMatchObject({
      kind: 'lookup',
      allowedValues: [{ name: 'Demo' }, { name: 'Demo\\Web' }, { name: 'Demo\\Mobile' }, { name: 'Demo\\Platform' }],
    });
    expect(byId.get('System.IterationPath')?.allowedValues?.map((v) => v.name)).toEqual([
      'Demo',
      'Demo\\Sprint 1',
      'Demo\\Sprint 2',
      'Demo\\Sprint 3',
    ]);
    expect(byId.get('System.State')?.allowedValues?.map((v) => v.name)).toEqual([
      'New',
      'Active',
      'Resolved',
      'Closed',
    ]);
  });
});
