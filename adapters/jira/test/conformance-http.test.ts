import { describeConnectorConformance } from 'syncbridge/testing';
import { createJiraSimulator } from 'syncbridge/testing/jira';
import { connectTo } from './support.js';

describeConnectorConformance({
  name: 'jira (over HTTP)',
  setup: async () => {
    const sim = createJiraSimulator({ seed: 'empty' });
    const running = await sim.listen();
    const other = connectTo(running.baseUrl, sim, {}, 'alice@example.com');
    return {
      connector: connectTo(running.baseUrl, sim),
      project: 'DEMO',
      type: 'Bug',
      fields: { title: 'summary', richText: 'description', lookup: { id: 'priority', values: ['High', 'Low'] }, status: { id: 'status', values: ['In Progress', 'In Review'] }, multiLookup: 'labels', user: { id: 'assignee', email: 'alice@example.com' } },
      editAsOtherUser: async (id, fields) => {
        const [result] = await other.update([{ id, fields }]);
        if (!result?.ok) throw result?.error ?? new Error('edit failed');
      },
      teardown: () => running.close(),
    };
  },
});
