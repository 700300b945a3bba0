import { setupServer } from 'msw/node';
import { afterAll, beforeAll } from 'vitest';
import { describeConnectorConformance } from 'syncbridge/testing';
import { createAzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import { conformanceContext, mswBaseUrl } from './support.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

describeConnectorConformance({
  name: 'azure-devops (in-process, msw)',
  setup: async () => {
    const sim = createAzureDevOpsSimulator({ seed: 'empty' });
    server.resetHandlers(...sim.mswHandlers(mswBaseUrl));
    return conformanceContext(sim, mswBaseUrl);
  },
});
