import {
  createMemoryStateStore,
  createSyncbridge,
  type ConflictPolicy,
  type FieldDescriptor,
  type FieldValue,
  type StateStore,
  type Syncbridge,
} from 'syncbridge';
import { createMemoryConnector, MemorySystem, type MemoryConnector } from 'syncbridge/testing';

/** A side of the pair. */
export type Side = 'left' | 'right';

/** The name of the one entity pair. */
export const PAIR = 'bugs';
/** Priorities of each side; the right side has no counterpart of `Lowest`, so writing it there is refused. */
export const PRIORITIES: Record<Side, string[]> = {
  left: ['Highest', 'High', 'Medium', 'Low', 'Lowest'],
  right: ['1', '2', '3', '4'],
};
/** Labels people pick from; `two words` cannot exist on the left (labels have no white space). */
export const LABELS: Record<Side, string[]> = { left: ['a', 'b', 'c'], right: ['a', 'b', 'c', 'two words'] };
/** Mapped field ids of each side. */
export const FIELDS: Record<Side, { title: string; priority: string; labels: string; ref: string }> = {
  left: { title: 'title', priority: 'priority', labels: 'labels', ref: 'ref' },
  right: { title: 'title', priority: 'priority', labels: 'tags', ref: 'ref' },
};

/** A place a value lives in, in the left side's terms: a single-value field, or one label's presence. */
export type Slot = 'title' | 'priority' | 'ref' | `label:${string}`;
/** Every slot of an item. */
export const SLOTS: Slot[] = ['title', 'priority', 'ref', ...LABELS.right.map((l) => `label:${l}` as Slot)];
/** A slot's value: text, a left priority, or a label's presence. */
export type SlotValue = string | boolean | null;

const other = (side: Side): Side => (side === 'left' ? 'right' : 'left');
export { other as otherSide };

function descriptors(side: Side): FieldDescriptor[] {
  const f = FIELDS[side];
  return [
    { id: f.title, name: 'Title', kind: 'text', required: true },
    {
      id: f.priority,
      name: 'Priority',
      kind: 'lookup',
      required: false,
      allowedValues: PRIORITIES[side].map((name) => ({ name })),
    },
    {
      id: f.labels,
      name: side === 'left' ? 'Labels' : 'Tags',
      kind: 'multiLookup',
      required: false,
      ...(side === 'left' ? { valuePattern: '^\\S+$' } : {}),
    },
    { id: f.ref, name: 'Reference', kind: 'text', required: false },
  ];
}

/** A slot's value in an item's (or a snapshot's) fields of a side. */
export function readSlot(side: Side, fields: Record<string, FieldValue>, slot: Slot): SlotValue {
  const f = FIELDS[side];
  if (slot.startsWith('label:')) {
    const list = fields[f.labels];
    return Array.isArray(list) && list.includes(slot.slice('label:'.length));
  }
  const value = fields[f[slot as 'title' | 'priority' | 'ref']];
  if (value === null || value === undefined || value === '') return null;
  if (slot === 'priority' && side === 'right') return PRIORITIES.left[Number(value) - 1] ?? `unknown ${String(value)}`;
  return String(value);
}

/** The field of a side a slot lives in. */
export function slotField(side: Side, slot: Slot): string {
  return FIELDS[side][slot.startsWith('label:') ? 'labels' : (slot as 'title' | 'priority' | 'ref')];
}

/** Whether a slot value can exist on a side (the refused and the pattern-breaking values cannot). */
export function representable(side: Side, slot: Slot, value: SlotValue): boolean {
  if (side === 'right' && slot === 'priority') return value !== 'Lowest';
  if (side === 'left' && slot.startsWith('label:'))
    return value === false || /^\S+$/u.test(slot.slice('label:'.length));
  return true;
}

/** Two memory systems, a sync between them with one conflict policy, and a clock that never stands still. */
export async function createWorld(policy: ConflictPolicy) {
  let now = Date.parse('2026-03-01T10:00:00.000Z');
  // Every reading moves the clock, so no two changes on either side share a time.
  const clock = () => {
    now += 1;
    return new Date(now);
  };
  const users: Record<Side, Array<{ id: string; email: string }>> = {
    left: [
      { id: 'jira-bot', email: 'bot@example.com' },
      { id: 'ana', email: 'ana@example.com' },
    ],
    right: [
      { id: 'ado-bot', email: 'bot@example.com' },
      { id: 'ben', email: 'ben@example.com' },
    ],
  };
  const rightFields = descriptors('right');
  // The right side still has priority 5 when the integration is activated (activate refuses a
  // value map into values the target does not allow); it is retired right after, so Lowest → 5 is
  // refused at every write from then on, as after an administrator removed it.
  const rightPriority = rightFields.find((f) => f.id === FIELDS.right.priority)!;
  rightPriority.allowedValues = [...PRIORITIES.right, '5'].map((name) => ({ name }));
  const systems: Record<Side, MemorySystem> = {
    left: new MemorySystem({
      projects: { JIRA: { types: { Bug: descriptors('left') } } },
      users: users.left,
      now: clock,
    }),
    right: new MemorySystem({ projects: { ADO: { types: { Bug: rightFields } } }, users: users.right, now: clock }),
  };
  const connectors: Record<Side, MemoryConnector> = {
    left: createMemoryConnector(systems.left, { capabilities: { maxUpdateBatch: 2, maxGetBatch: 3 } }),
    right: createMemoryConnector(systems.right, { capabilities: { maxCreateBatch: 2 } }),
  };
  const store: StateStore = createMemoryStateStore();
  const sync: Syncbridge = await createSyncbridge({
    config: {
      version: 1,
      systems: {
        jira: { adapter: 'memory', baseUrl: 'http://memory.invalid/jira', auth: { type: 'none' } },
        ado: { adapter: 'memory', baseUrl: 'http://memory.invalid/ado', auth: { type: 'none' } },
      },
      valueMaps: { priority: { pairs: PRIORITIES.left.map((left, i) => ({ left, right: String(i + 1) })) } },
      mappings: [
        {
          name: PAIR,
          left: { system: 'jira', project: 'JIRA', type: 'Bug', start: 'beginning' },
          right: { system: 'ado', project: 'ADO', type: 'Bug', start: 'beginning' },
          conflicts: policy,
          fields: [
            { left: FIELDS.left.title, right: FIELDS.right.title },
            { left: FIELDS.left.priority, right: FIELDS.right.priority, valueMap: 'priority' },
            { left: FIELDS.left.labels, right: FIELDS.right.labels },
            { left: FIELDS.left.ref, right: FIELDS.right.ref, direction: 'leftToRight' },
          ],
        },
      ],
      engine: { overlapMs: 60_000, retryBackoffMs: 1000, maxAttempts: 3, pageSize: 2 },
      state: { store: 'memory' },
    },
    systems: { jira: connectors.left, ado: connectors.right },
    store,
    clock,
  });
  await sync.activate();
  rightPriority.allowedValues = PRIORITIES.right.map((name) => ({ name }));
  return {
    systems,
    connectors,
    store,
    sync,
    policy,
    /** A person of each side (not the integration user). */
    person: { left: 'ana', right: 'ben' } as Record<Side, string>,
    /** Moves the clock forward. */
    advance(ms: number) {
      now += ms;
    },
  };
}

/** What {@link createWorld} returns. */
export type World = Awaited<ReturnType<typeof createWorld>>;
