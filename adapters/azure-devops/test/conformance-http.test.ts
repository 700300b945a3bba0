import { describeConnectorConformance } from 'syncbridge/testing';
import { createAzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import { conformanceContext } from './support.js';

describeConnectorConformance({
  name: 'azure-devops (over HTTP)',
  setup: async () => {
    const sim = createAzureDevOpsSimulator({ seed: 'empty' });
    const running = await sim.listen();
    return conformanceContext(sim, running.baseUrl, () => running.close());
  },
});
