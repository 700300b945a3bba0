import type { FieldDescriptor, UserRef } from 'syncbridge';
import { MemorySystem } from './memory-system.js';

/** Fields of a typical bug in a memory system: title, description, priority, status, labels, assignee. */
export function memoryBugFields(options: { priorities?: string[]; statuses?: string[] } = {}): FieldDescriptor[] {
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
  ];
}

/** A memory system with one project (`P`) of bugs and a few users, the first being `sync-bot`. */
export function createMemoryTracker(
  options: {
    project?: string;
    users?: UserRef[];
    priorities?: string[];
    statuses?: string[];
    now?: () => Date;
    hideEmails?: boolean;
    commentsChangeItem?: boolean;
  } = {},
): MemorySystem {
  return new MemorySystem({
    projects: { [options.project ?? 'P']: { types: { Bug: memoryBugFields(options) } } },
    users: options.users ?? [
      { id: 'sync-bot', email: 'sync-bot@example.com', displayName: 'Sync Bot' },
      { id: 'ana', email: 'ana@example.com', displayName: 'Ana Silva' },
      { id: 'ben', email: 'ben@example.com', displayName: 'Ben Okafor' },
    ],
    ...(options.now ? { now: options.now } : {}),
    ...(options.hideEmails ? { hideEmails: true } : {}),
    ...(options.commentsChangeItem ? { commentsChangeItem: true } : {}),
  });
}
