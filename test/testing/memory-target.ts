import type { Connector } from 'syncbridge';
import {
  createMemoryConnector,
  createMemoryTracker,
  type ConformanceTarget,
  type MemoryConnector,
  type MemorySystem,
} from 'syncbridge/testing';

/**
 * The conformance target of a memory connector (batches of two so that batching is exercised,
 * changes told to the millisecond), optionally wrapped, as the mutation test wraps it with bugs.
 */
export function memoryTarget(
  name: string,
  wrap: (connector: MemoryConnector, system: MemorySystem) => Connector = (connector) => connector,
): ConformanceTarget {
  return {
    name,
    async setup() {
      const system = createMemoryTracker({ commentsChangeItem: true });
      const connector = createMemoryConnector(system, {
        capabilities: { maxCreateBatch: 2, maxUpdateBatch: 2, maxGetBatch: 2, sincePrecisionMs: 1 },
      });
      return {
        connector: wrap(connector, system),
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
        titleFilter: (word) => `title ~ "${word}"`,
        invalidFilter: 'title ~',
        backlinksOf: async (id) =>
          (system.items.get(id)?.backlinks ?? []).map((b) => ({ url: b.url, text: `${b.key}: ${b.title ?? ''}` })),
        async editAsOtherUser(id, fields) {
          system.edit(id, fields, 'ana');
        },
        webhooks: {
          receive: (handler) => {
            system.webhooks.deliveries.transport = handler;
          },
          settled: () => system.webhooks.deliveries.settled(),
        },
      };
    },
  };
}
