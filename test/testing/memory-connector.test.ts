import { createMemoryConnector, createMemoryTracker, describeConnectorConformance } from 'syncbridge/testing';

describeConnectorConformance({
  name: 'memory',
  async setup() {
    const system = createMemoryTracker();
    return {
      connector: createMemoryConnector(system, { capabilities: { maxCreateBatch: 2, maxGetBatch: 2 } }),
      project: 'P',
      type: 'Bug',
      fields: {
        title: 'title',
        richText: 'description',
        lookup: { id: 'priority', values: ['High', 'Low'] },
        status: { id: 'status', values: ['In Progress', 'Done'] },
        multiLookup: 'labels',
        user: { id: 'assignee', email: 'ana@example.com' },
      },
      async editAsOtherUser(id, fields) {
        system.edit(id, fields, 'ana');
      },
    };
  },
});
