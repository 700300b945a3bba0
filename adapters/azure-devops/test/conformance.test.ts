import { setupServer } from 'msw/node';
import { afterAll, beforeAll } from 'vitest';
import { describeConnectorConformance } from 'syncbridge/testing';
import { createAzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import { reachablePort, type ReachablePort } from '../../test-support/reachable-port.js';
import { conformanceContext } from './support.js';

const server = setupServer();
let port: ReachablePort;
beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'error' });
  port = await reachablePort();
});
afterAll(async () => {
  server.close();
  await port.close();
});

describeConnectorConformance({
  name: 'azure-devops (in-process, msw)',
  setup: async () => {
    const sim = createAzureDevOpsSimulator({ seed: 'empty' });
    const baseUrl = `${port.baseUrl}/demo-org`;
    server.resetHandlers(...sim.mswHandlers(baseUrl));
    return conformanceContext(sim, baseUrl);
  },
});
