import { describeConnectorConformance } from 'syncbridge/testing';
import { createJiraSimulator } from 'syncbridge/testing/jira';
import { conformanceContext } from './support.js';

describeConnectorConformance({
  name: 'jira (over HTTP)',
  setup: async () => {
    const sim = createJiraSimulator({ seed: 'empty' });
    const running = await sim.listen();
    return conformanceContext(sim, running.baseUrl, { teardown: () => running.close() });
  },
});
