import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createMemoryStateStore,
  createSyncbridge,
  toNodeHandler,
  type StateStore,
  type Syncbridge,
  type SyncbridgeConfigInput,
} from 'syncbridge';
import { createMemoryConnector, createMemoryTracker, type MemorySystem } from 'syncbridge/testing';
import { fakeWebhooks } from './fake-webhooks.js';

/** The webhook secrets of both systems, made afresh per run. */
export const secrets = { jira: randomBytes(16).toString('hex'), ado: randomBytes(16).toString('hex') };

type MappingExtras = Partial<Omit<SyncbridgeConfigInput['mappings'][number], 'fields'>>;

/**
 * Two memory trackers ("jira" left, "ado" right) whose writes make webhook deliveries (see
 * `fakeWebhooks`), a sync between them with a `webhooks` section, and its handler served over
 * real HTTP on 127.0.0.1 through `toNodeHandler`. `open()` makes another integration instance
 * on the same systems and store (a second process, or the same one restarted).
 */
export async function webhookWorld(
  options: {
    mapping?: MappingExtras;
    webhooks?: Partial<NonNullable<SyncbridgeConfigInput['webhooks']>>;
    store?: () => Promise<StateStore>;
  } = {},
) {
  const left = createMemoryTracker({ project: 'JIRA' });
  const right = createMemoryTracker({ project: 'ADO' });
  const hooks = { left: fakeWebhooks(left), right: fakeWebhooks(right) };
  const config: SyncbridgeConfigInput = {
    version: 1,
    systems: {
      jira: { adapter: 'memory', baseUrl: 'http://memory.invalid/jira', auth: { type: 'none' } },
      ado: { adapter: 'memory', baseUrl: 'http://memory.invalid/ado', auth: { type: 'none' } },
    },
    mappings: [
      {
        name: 'bugs',
        left: { system: 'jira', project: 'JIRA', type: 'Bug', start: 'beginning' },
        right: { system: 'ado', project: 'ADO', type: 'Bug', start: 'beginning' },
        fields: [
          { left: 'title', right: 'title' },
          { left: 'priority', right: 'priority' },
        ],
        ...options.mapping,
      } as SyncbridgeConfigInput['mappings'][number],
    ],
    engine: { overlapMs: 60_000, leaseMs: 5000 },
    state: { store: 'memory' },
    webhooks: {
      url: 'https://sync.example.com/webhooks',
      systems: { jira: { secret: secrets.jira }, ado: { secret: secrets.ado } },
      coalesceMs: 0,
      retryAfterMs: 0,
      ...options.webhooks,
    },
  };
  const sharedStore = options.store ? undefined : createMemoryStateStore();
  const servers: Server[] = [];
  const syncs: Syncbridge[] = [];

  /** An integration instance with its own connectors and HTTP server; its URL ends in `/webhooks`. */
  async function open() {
    const connectors = {
      jira: Object.assign(createMemoryConnector(left), { webhooks: hooks.left.webhooks }),
      ado: Object.assign(createMemoryConnector(right), { webhooks: hooks.right.webhooks }),
    };
    const store = options.store ? await options.store() : sharedStore!;
    const sync = await createSyncbridge({ config, systems: connectors, store });
    const server = createServer(toNodeHandler((request) => sync.webhooks.handle(request)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    syncs.push(sync);
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;
    return {
      sync,
      connectors,
      store,
      url: (system: 'jira' | 'ado') => `${base}/${system}`,
      /** Sends every delivery the systems made so far, signed, to this instance. */
      async deliverAll(): Promise<Response[]> {
        const sent: Response[] = [];
        for (const d of hooks.left.take()) sent.push(await hooks.left.send(`${base}/jira`, d, secrets.jira));
        for (const d of hooks.right.take()) sent.push(await hooks.right.send(`${base}/ado`, d, secrets.ado));
        return sent;
      },
      /** Stops serving and closes the integration (its store too, when it opened it). */
      async close() {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await sync.close();
        if (options.store) await store.close();
      },
    };
  }

  const first = await open();
  await first.sync.activate();
  return {
    left,
    right,
    hooks,
    config,
    open,
    ...first,
    /** A person's new bug on a tracker. */
    newBug(system: MemorySystem, title: string, priority = 'High') {
      return system.create(system === left ? 'JIRA' : 'ADO', 'Bug', { title, priority }, system.user('ana'));
    },
    /** Items of a tracker with a title. */
    byTitle(system: MemorySystem, title: string) {
      return [...system.items.values()].filter((i) => i.fields.title === title);
    },
    /** Items of a tracker, as `title/priority`, sorted. */
    titles(system: MemorySystem) {
      return [...system.items.values()].map((i) => `${String(i.fields.title)}/${String(i.fields.priority)}`).sort();
    },
    async closeAll() {
      for (const server of servers)
        if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const sync of syncs) await sync.close().catch(() => undefined);
    },
  };
}
