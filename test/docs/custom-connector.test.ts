/**
 * Proves the custom-connector guide: the Ticketbox connector of
 * `examples/custom-connector/` passes the shared conformance suite against its simulator
 * over HTTP, and syncs with a memory tracker through the engine.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createSyncbridge, createMemoryStateStore, silentLogger, type ResolvedSystem } from 'syncbridge';
import {
  createMemoryConnector,
  createMemoryTracker,
  describeConnectorConformance,
  type RunningServer,
} from 'syncbridge/testing';
import { ticketboxConnector, ticketboxOptionsSchema } from '../../examples/custom-connector/ticketbox-connector.js';
import { createTicketboxSimulator } from '../../examples/custom-connector/ticketbox-simulator.js';

const system = (baseUrl: string, token: string): ResolvedSystem => ({
  id: 'ticketbox',
  adapter: 'ticketbox',
  baseUrl,
  auth: { type: 'bearer', token },
});
const connect = (baseUrl: string, token: string) =>
  ticketboxConnector.create(system(baseUrl, token), ticketboxOptionsSchema.parse({}), { logger: silentLogger });

describeConnectorConformance({
  name: 'ticketbox (custom connector example)',
  async setup() {
    const simulator = createTicketboxSimulator();
    const server = await simulator.listen();
    const [bot, ana] = simulator.users;
    // A person's edits go through the same API with their own token.
    const asAna = connect(server.baseUrl, ana!.token);
    return {
      connector: connect(server.baseUrl, bot!.token),
      project: 'OPS',
      type: 'Ticket',
      fields: {
        title: 'title',
        lookup: { id: 'priority', values: ['Urgent', 'Someday'] },
        multiLookup: 'tags',
        user: { id: 'owner', email: 'ana@example.com' },
      },
      async editAsOtherUser(id, fields) {
        const [result] = await asAna.update([{ id, fields }]);
        if (!result?.ok) throw result?.error ?? new Error('no result');
      },
      teardown: () => server.close(),
    };
  },
});

describe('the Ticketbox connector in an integration', () => {
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.close();
  });

  it('copies a bug from a memory tracker to Ticketbox and a reply back', async () => {
    const simulator = createTicketboxSimulator();
    server = await simulator.listen();
    const tracker = createMemoryTracker({ priorities: ['High', 'Low'] });
    const sync = await createSyncbridge({
      config: {
        version: 1,
        systems: {
          tracker: { adapter: 'memory', baseUrl: 'http://memory.invalid', auth: { type: 'none' } },
          ticketbox: {
            adapter: 'ticketbox',
            baseUrl: server.baseUrl,
            auth: { type: 'bearer', token: simulator.users[0]!.token },
          },
        },
        valueMaps: {
          priority: {
            pairs: [
              { left: 'High', right: 'Urgent' },
              { left: 'Low', right: 'Someday' },
            ],
          },
        },
        mappings: [
          {
            name: 'bugs',
            left: { system: 'tracker', project: 'P', type: 'Bug', start: 'beginning' },
            right: { system: 'ticketbox', project: 'OPS', type: 'Ticket', start: 'beginning' },
            fields: [
              { left: 'title', right: 'title' },
              { left: 'priority', right: 'priority', valueMap: 'priority' },
              { left: 'assignee', right: 'owner' },
            ],
          },
        ],
        state: { store: 'memory' },
      },
      connectors: [ticketboxConnector],
      systems: { tracker: createMemoryConnector(tracker) },
      store: createMemoryStateStore(),
    });
    const bug = tracker.create(
      'P',
      'Bug',
      { title: 'Login fails', priority: 'High', assignee: { id: 'ana' } },
      tracker.user('ben'),
    );
    await sync.activate();

    const first = await sync.runOnce();
    expect(first.created.right).toBe(1);
    const ticketbox = connect(server.baseUrl, simulator.users[1]!.token);
    const [created] = await ticketbox.findByOrigin({
      project: 'OPS',
      type: 'Ticket',
      origins: [{ system: 'tracker', id: bug.id }],
      fields: ['title', 'priority', 'owner'],
    });
    expect(created?.item.fields).toMatchObject({
      title: 'Login fails',
      priority: 'Urgent',
      owner: { email: 'ana@example.com' },
    });

    await ticketbox.update([{ id: created!.item.id, fields: { priority: 'Someday' } }]);
    const second = await sync.runOnce();
    expect(second.updated.left).toBe(1);
    expect(tracker.items.get(bug.id)?.fields.priority).toBe('Low');
    await sync.close();
  });
});
