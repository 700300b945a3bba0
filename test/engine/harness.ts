import { createMemoryStateStore, createSyncbridge, type StateStore, type SyncbridgeConfigInput } from 'syncbridge';
import { createMemoryConnector, createMemoryTracker, type MemoryConnectorKnobs } from 'syncbridge/testing';

type FieldsInput = SyncbridgeConfigInput['mappings'][number]['fields'];
type MappingExtras = Partial<Omit<SyncbridgeConfigInput['mappings'][number], 'fields'>>;

/** Jira's first four priorities to Azure DevOps's 1–4. */
export const priorityMap = {
  pairs: [
    { left: 'Highest', right: '1' },
    { left: 'High', right: '2' },
    { left: 'Medium', right: '3' },
    { left: 'Low', right: '4' },
  ],
};

/** Two memory trackers ("jira" on the left, "ado" on the right) and a sync between them, with a controllable clock. */
export async function twoTrackers(
  options: {
    fields?: FieldsInput;
    mapping?: MappingExtras;
    valueMaps?: SyncbridgeConfigInput['valueMaps'];
    store?: StateStore;
    knobs?: { left?: MemoryConnectorKnobs; right?: MemoryConnectorKnobs };
    engine?: SyncbridgeConfigInput['engine'];
    name?: string;
    rightUsers?: Array<{ id: string; email?: string | null; displayName?: string }>;
    rightPriorities?: string[];
    /** Whether the trackers have link fields (`link:Blocks`, `link:parent`, ...). */
    links?: boolean;
  } = {},
) {
  let now = Date.parse('2026-03-01T10:00:00.000Z');
  const clock = () => new Date(now);
  const links = options.links ? { links: true } : {};
  const left = createMemoryTracker({ project: 'JIRA', now: clock, ...links });
  const right = createMemoryTracker({
    project: 'ADO',
    now: clock,
    ...links,
    ...(options.rightPriorities ? { priorities: options.rightPriorities } : {}),
    users: options.rightUsers ?? [
      { id: 'ado-bot', email: 'sync-bot@example.com', displayName: 'Sync Bot' },
      { id: 'ado-ana', email: 'ana@example.com', displayName: 'Ana Silva' },
      { id: 'ado-ben', email: 'ben.okafor@contoso.com', displayName: 'Ben Okafor' },
    ],
  });
  const connectors = {
    left: createMemoryConnector(left, options.knobs?.left),
    right: createMemoryConnector(right, options.knobs?.right),
  };
  const store = options.store ?? createMemoryStateStore();
  const config: SyncbridgeConfigInput = {
    version: 1,
    systems: {
      jira: { adapter: 'memory', baseUrl: 'http://memory.invalid/jira', auth: { type: 'none' } },
      ado: { adapter: 'memory', baseUrl: 'http://memory.invalid/ado', auth: { type: 'none' } },
    },
    valueMaps: options.valueMaps ?? {},
    mappings: [
      {
        name: 'bugs',
        left: { system: 'jira', project: 'JIRA', type: 'Bug', start: 'beginning' },
        right: { system: 'ado', project: 'ADO', type: 'Bug', start: 'beginning' },
        fields: options.fields ?? [
          { left: 'title', right: 'title' },
          { left: 'description', right: 'description' },
        ],
        ...options.mapping,
      } as SyncbridgeConfigInput['mappings'][number],
    ],
    engine: { overlapMs: 60_000, retryBackoffMs: 1000, ...options.engine },
    state: { store: 'memory' },
  };
  const sync = await createSyncbridge({
    config,
    systems: { jira: connectors.left, ado: connectors.right },
    store,
    clock,
    ...(options.name ? { name: options.name } : {}),
  });
  return {
    left,
    right,
    connectors,
    sync,
    store,
    config,
    clock,
    /** Moves the clock forward. */
    advance(ms: number) {
      now += ms;
    },
    /** Items of a tracker, by title. */
    byTitle(system: typeof left, title: string) {
      return [...system.items.values()].filter((i) => i.fields.title === title);
    },
  };
}
