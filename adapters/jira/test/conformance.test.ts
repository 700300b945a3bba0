import { setupServer } from 'msw/node';
import { afterAll, beforeAll } from 'vitest';
import { describeConnectorConformance, type ConformanceContext } from 'syncbridge/testing';
import { createJiraSimulator, type JiraSimulator } from 'syncbridge/testing/jira';
import { connectTo } from './support.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

function context(sim: JiraSimulator, baseUrl: string, teardown?: () => Promise<void>): ConformanceContext {
  const other = connectTo(baseUrl, sim, {}, 'alice@example.com');
  return {
    connector: connectTo(baseUrl, sim),
    project: 'DEMO',
    type: 'Bug',
    fields: { title: 'summary', richText: 'description', lookup: { id: 'priority', values: ['High', 'Low'] }, status: { id: 'status', values: ['In Progress', 'In Review'] }, multiLookup: 'labels', user: { id: 'assignee', email: 'alice@example.com' } },
    editAsOtherUser: async (id, fields) => {
      const [result] = await other.update([{ id, fields }]);
      if (!result?.ok) throw result?.error ?? new Error('edit failed');
    },
    ...(teardown ? { teardown } : {}),
  };
}

describeConnectorConformance({
  name: 'jira (in-process, msw)',
  setup: async () => {
    const sim = createJiraSimulator({ seed: 'empty' });
    server.resetHandlers(...sim.mswHandlers('https://jira.test'));
    return context(sim, 'https://jira.test');
  },
});

