import { setupServer } from 'msw/node';
import { afterAll, beforeAll } from 'vitest';
import { describeConnectorConformance } from 'syncbridge/testing';
import { createJiraSimulator } from 'syncbridge/testing/jira';
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
  name: 'jira (in-process, msw)',
  setup: async () => {
    const sim = createJiraSimulator({ seed: 'empty' });
    server.resetHandlers(...sim.mswHandlers(port.baseUrl));
    return conformanceContext(sim, port.baseUrl);
  },
});
