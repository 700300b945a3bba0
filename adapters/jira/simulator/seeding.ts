import { SyncbridgeError } from 'syncbridge';
import { readFieldInput } from './field-input.js';
import { syncBotAccountId } from './seed.js';
import type { AdfNode, JiraState, SimUser } from './state.js';

/** An issue to stage, in plain values; the simulator stores it as Jira would (ADF, ids, account ids). */
export interface JiraSeedIssue {
  /** Project key, id or name. */
  project: string;
  /** Issue type name (`Bug`, `Story`, `Task`). */
  type: string;
  summary: string;
  /** Plain text: a blank line starts a new paragraph, a line break stays one. Stored as ADF. */
  description?: string;
  /** Priority name (`Highest` … `Lowest`). @default 'Medium' */
  priority?: string;
  labels?: string[];
  /** E-mail, display name or account id of the assignee. */
  assignee?: string;
  /** Who files it (reporter and creator): e-mail, display name or account id. @default 'ana@example.com' */
  reporter?: string;
  /** Status name; the issue is moved there by its reporter, with a changelog entry. @default 'To Do' */
  status?: string;
  /** Comments in plain text, each by the reporter. */
  comments?: string[];
  /**
   * Any other field as the REST API v3 takes it in `fields`, e.g.
   * `{ customfield_10050: { value: 'S2 - Major' }, customfield_10016: 5 }`.
   */
  fields?: Record<string, unknown>;
}

/** Stages data in a Jira simulator the way people would have entered it. */
export interface JiraSeeder {
  /** Creates an issue; a value Jira would refuse throws a `VALIDATION` error naming the field. */
  issue(input: JiraSeedIssue): { id: string; key: string };
}

/** Plain text as an Atlassian document: paragraphs at blank lines, hard breaks at single line breaks. */
function plainTextToAdf(text: string): AdfNode {
  const paragraphs = text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean);
  return {
    type: 'doc',
    version: 1,
    content: paragraphs.map((paragraph) => ({
      type: 'paragraph',
      content: paragraph
        .split('\n')
        .flatMap((line, i) => [
          ...(i > 0 ? [{ type: 'hardBreak' }] : []),
          ...(line ? [{ type: 'text', text: line }] : []),
        ]),
    })),
  };
}

function refused(errors: Record<string, string>): never {
  const list = Object.entries(errors)
    .map(([field, message]) => `${field}: ${message}`)
    .join('; ');
  throw new SyncbridgeError('VALIDATION', `jira simulator: cannot seed the issue: ${list}`, { details: { errors } });
}

function person(state: JiraState, who: string, field: string): SimUser {
  const wanted = who.toLowerCase();
  const user = state.users.find(
    (u) => u.accountId === who || u.email.toLowerCase() === wanted || u.displayName.toLowerCase() === wanted,
  );
  return user ?? refused({ [field]: `no user "${who}"; known: ${state.users.map((u) => u.email).join(', ')}` });
}

/** The seeding API of a Jira simulator's state. */
export function jiraSeeder(state: JiraState): JiraSeeder {
  return {
    issue(input) {
      const project =
        state.project(input.project) ??
        refused({ project: `no project "${input.project}"; known: ${state.projects.map((p) => p.key).join(', ')}` });
      const type =
        state.issueTypes.find(
          (t) => t.name.toLowerCase() === input.type.toLowerCase() && project.issueTypeIds.includes(t.id),
        ) ?? refused({ issuetype: `no issue type "${input.type}" in ${project.key}` });
      const status =
        input.status === undefined
          ? state.statuses.find((s) => s.category === 'new')
          : state.statuses.find((s) => s.name.toLowerCase() === input.status!.toLowerCase());
      if (!status)
        refused({ status: `no status "${input.status}"; known: ${state.statuses.map((s) => s.name).join(', ')}` });
      const reporter =
        input.reporter === undefined
          ? state.users.find((u) => u.accountId !== syncBotAccountId)!
          : person(state, input.reporter, 'reporter');
      const fields: Record<string, unknown> = {
        ...input.fields,
        summary: input.summary,
        ...(input.description === undefined ? {} : { description: plainTextToAdf(input.description) }),
        priority: { name: input.priority ?? 'Medium' },
        labels: input.labels ?? [],
        ...(input.assignee === undefined
          ? {}
          : { assignee: { accountId: person(state, input.assignee, 'assignee').accountId } }),
      };
      const read = readFieldInput(state, fields, undefined, undefined, '3');
      if (Object.keys(read.errors).length > 0) refused(read.errors);
      const created = state.now();
      const initial = state.statuses.find((s) => s.category === 'new') ?? status;
      const issue = state.addIssue({
        projectId: project.id,
        issueTypeId: type.id,
        statusId: initial.id,
        created,
        updated: created,
        creator: reporter.accountId,
        reporter: reporter.accountId,
        fields: read.values,
      });
      if (status.id !== initial.id) {
        issue.statusId = status.id;
        state.recordChange(issue, reporter.accountId, [
          {
            field: 'status',
            fieldtype: 'jira',
            fieldId: 'status',
            from: initial.id,
            fromString: initial.name,
            to: status.id,
            toString: status.name,
          },
        ]);
      }
      for (const text of input.comments ?? []) state.addComment(issue, reporter.accountId, plainTextToAdf(text));
      return { id: issue.id, key: issue.key };
    },
  };
}
