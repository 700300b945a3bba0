import type { Connector } from 'syncbridge';
import {
  createMemoryConnector,
  createMemoryTracker,
  type ConformanceTarget,
  type MemoryConnector,
  type MemoryConnectorKnobs,
  type MemorySystem,
} from 'syncbridge/testing';

/**
 * The conformance target of a memory connector (batches of two so that batching is exercised,
 * changes told to the millisecond, link fields, attachments up to 1 MiB), optionally wrapped, as the
 * mutation test wraps it with bugs, and with other capabilities.
 */
export function memoryTarget(
  name: string,
  wrap: (connector: MemoryConnector, system: MemorySystem) => Connector = (connector) => connector,
  capabilities: MemoryConnectorKnobs['capabilities'] = {},
): ConformanceTarget {
  return {
    name,
    async setup() {
      const system = createMemoryTracker({ commentsChangeItem: true, links: true, maxAttachmentBytes: 1024 * 1024 });
      const connector = createMemoryConnector(system, {
        capabilities: { maxCreateBatch: 2, maxUpdateBatch: 2, maxGetBatch: 2, sincePrecisionMs: 1, ...capabilities },
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
        links: { type: 'Blocks', parentType: 'Epic' },
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
