import type { FieldDescriptor, UserRef } from 'syncbridge';
import { linkField, PARENT_FIELD } from 'syncbridge/connector-kit';
import { memoryLinkTypes, type MemoryLinkType } from './memory-links.js';
import { MemorySystem } from './memory-system.js';

/**
 * The link fields of a memory system's items: `link:parent` (a reference) and `link:<name>` for
 * each name of each link type (a list of item ids), both ends of `Blocks` / `is blocked by` by default.
 */
export function memoryLinkFields(types: MemoryLinkType[] = memoryLinkTypes): FieldDescriptor[] {
  return [
    { id: PARENT_FIELD, name: 'Parent', kind: 'reference', required: false },
    ...types
      .flatMap((t) => (t.reverse === undefined ? [t.name] : [t.name, t.reverse]))
      .map(
        (name): FieldDescriptor => ({
          id: linkField(name),
          name: `Link: ${name}`,
          kind: 'multiLookup',
          required: false,
        }),
      ),
  ];
}

/**
 * Fields of a typical bug in a memory system: title, description, priority, status, labels,
 * assignee; with `links`, the link fields too (see {@link memoryLinkFields}).
 */
export function memoryBugFields(
  options: { priorities?: string[]; statuses?: string[]; links?: boolean } = {},
): FieldDescriptor[] {
  const names = (values: string[]) => values.map((name) => ({ name }));
  return [
    { id: 'title', name: 'Title', kind: 'text', required: true },
    { id: 'description', name: 'Description', kind: 'richText', required: false },
    {
      id: 'priority',
      name: 'Priority',
      kind: 'lookup',
      required: false,
      allowedValues: names(options.priorities ?? ['Highest', 'High', 'Medium', 'Low', 'Lowest']),
    },
    {
      id: 'status',
      name: 'Status',
      kind: 'lookup',
      required: false,
      allowedValues: names(options.statuses ?? ['To Do', 'In Progress', 'Done']),
    },
    { id: 'labels', name: 'Labels', kind: 'multiLookup', required: false },
    { id: 'assignee', name: 'Assignee', kind: 'user', required: false },
    { id: 'ref', name: 'External reference', kind: 'text', required: false },
    ...(options.links ? memoryLinkFields() : []),
  ];
}

/** Fields of an epic, the parent type of a tracker with links: title, description and the link fields. */
function memoryEpicFields(): FieldDescriptor[] {
  return [
    { id: 'title', name: 'Title', kind: 'text', required: true },
    { id: 'description', name: 'Description', kind: 'richText', required: false },
    ...memoryLinkFields(),
  ];
}

/**
 * A memory system with one project (`P`) of bugs and a few users, the first being `sync-bot`.
 * With `links`, bugs and epics (their parent type) have link fields (see {@link memoryLinkFields}).
 */
export function createMemoryTracker(
  options: {
    project?: string;
    users?: UserRef[];
    priorities?: string[];
    statuses?: string[];
    now?: () => Date;
    hideEmails?: boolean;
    commentsChangeItem?: boolean;
    links?: boolean;
    maxAttachmentBytes?: number;
  } = {},
): MemorySystem {
  const types = { Bug: memoryBugFields(options), ...(options.links ? { Epic: memoryEpicFields() } : {}) };
  return new MemorySystem({
    projects: { [options.project ?? 'P']: { types } },
    users: options.users ?? [
      { id: 'sync-bot', email: 'sync-bot@example.com', displayName: 'Sync Bot' },
      { id: 'ana', email: 'ana@example.com', displayName: 'Ana Silva' },
      { id: 'ben', email: 'ben@example.com', displayName: 'Ben Okafor' },
    ],
    ...(options.now ? { now: options.now } : {}),
    ...(options.hideEmails ? { hideEmails: true } : {}),
    ...(options.commentsChangeItem ? { commentsChangeItem: true } : {}),
    ...(options.maxAttachmentBytes === undefined ? {} : { maxAttachmentBytes: options.maxAttachmentBytes }),
  });
}
