import { AttachmentStore } from './attachments.js';
import { IssueLinkStore } from './issue-links.js';
import { UpdatedIndex } from './updated-index.js';

/** The number of an issue key (`DEMO-12` is 12), as JQL compares and orders keys. */
export function keyNumber(key: string): number {
  return Number(key.split('-')[1] ?? key);
}

/** An Atlassian Document Format node, kept as the client sent it. */
export type AdfNode = { type: string; [key: string]: unknown };

/** A simulated Jira user; `emailVisible: false` mimics Jira Cloud's profile privacy. */
export interface SimUser {
  accountId: string;
  displayName: string;
  email: string;
  emailVisible: boolean;
  /** API token for basic auth (`email:apiToken`), as on Jira Cloud. */
  apiToken: string;
  /** Personal access token sent as bearer, as on Jira Data Center. */
  pat: string;
  /** IANA zone the user's JQL dates are read in and timestamps are rendered in. */
  timeZone: string;
  active: boolean;
  /** `app` for bots and apps, `customer` for Service Management customers. @default 'atlassian' */
  accountType?: 'atlassian' | 'app' | 'customer';
}

/** The user name a user has on Jira Data Center (the local part of the address; Cloud has none). */
export function userName(user: SimUser): string {
  return user.email.split('@')[0] ?? user.accountId;
}

/** A workflow status. */
export interface SimStatus {
  id: string;
  name: string;
  category: 'new' | 'indeterminate' | 'done';
}

/** A workflow transition; `from` empty means it is available from any status. */
export interface SimTransition {
  id: string;
  name: string;
  from: string[];
  to: string;
}

/** Schema of a field as `/rest/api/3/field` describes it. */
export interface SimFieldSchema {
  type: string;
  system?: string;
  custom?: string;
  customId?: number;
  items?: string;
}

/** A field definition (system or custom). */
export interface SimField {
  id: string;
  name: string;
  custom: boolean;
  schema: SimFieldSchema;
  /** Names JQL accepts for it besides its id. */
  clauseNames: string[];
  /** Options of a select custom field. */
  options?: Array<{ id: string; value: string }>;
  /** Whether a create must set it. */
  required?: boolean;
  /** Whether it can be set on create/edit screens. */
  onScreen: boolean;
}

/** One changed field of a changelog entry. */
export interface SimChangeItem {
  field: string;
  fieldtype: 'jira' | 'custom';
  fieldId: string;
  from: string | null;
  fromString: string | null;
  to: string | null;
  toString: string | null;
}

/** A changelog entry (one edit or transition). */
export interface SimChange {
  id: number;
  author: string;
  created: number;
  items: SimChangeItem[];
}

/** A comment. */
export interface SimComment {
  id: string;
  author: string;
  /** Account id of who edited it last; the author until then. */
  updateAuthor?: string;
  body: AdfNode;
  created: number;
  updated: number;
  /** Comment properties (`comment/{id}/properties`), by key; values are JSON. */
  properties?: Record<string, unknown>;
}

/** A remote (web) link of an issue (`RemoteIssueLink`), kept as the client sent it. */
export interface SimRemoteLink {
  id: number;
  globalId?: string | undefined;
  application?: { type?: string | undefined; name?: string | undefined } | undefined;
  relationship?: string | undefined;
  object: { url: string; title: string; summary?: string | undefined; [key: string]: unknown };
}

/** An issue; `fields` hold stored forms (ids for options and priorities, account ids for users, ADF for rich text). */
export interface SimIssue {
  id: string;
  key: string;
  projectId: string;
  issueTypeId: string;
  statusId: string;
  created: number;
  updated: number;
  creator: string;
  reporter: string;
  fields: Record<string, unknown>;
  changelog: SimChange[];
  comments: SimComment[];
  /** Issue properties (`issue/{id}/properties`), by key; values are JSON. */
  properties?: Record<string, unknown>;
  /** Remote links (`issue/{id}/remotelink`). */
  remoteLinks?: SimRemoteLink[];
}

/** An issue that moves itself in the `updated` index whenever its `updated` is set (by a route or by a test). */
class IndexedIssue implements SimIssue {
  readonly id: string;
  key: string;
  projectId: string;
  issueTypeId: string;
  statusId: string;
  created: number;
  creator: string;
  reporter: string;
  fields: Record<string, unknown>;
  changelog: SimChange[];
  comments: SimComment[];
  #updated: number;
  readonly #index: UpdatedIndex;

  constructor(
    input: Omit<SimIssue, 'id' | 'key' | 'changelog' | 'comments'> & {
      changelog?: SimChange[];
      comments?: SimComment[];
    },
    id: string,
    key: string,
    index: UpdatedIndex,
  ) {
    this.id = id;
    this.key = key;
    this.projectId = input.projectId;
    this.issueTypeId = input.issueTypeId;
    this.statusId = input.statusId;
    this.created = input.created;
    this.creator = input.creator;
    this.reporter = input.reporter;
    this.fields = input.fields;
    this.changelog = input.changelog ?? [];
    this.comments = input.comments ?? [];
    this.#updated = input.updated;
    this.#index = index;
  }

  get updated(): number {
    return this.#updated;
  }

  set updated(at: number) {
    this.#updated = at;
    this.#index.touch(this);
  }
}

/** A project with its issue types. */
export interface SimProject {
  id: string;
  key: string;
  name: string;
  issueTypeIds: string[];
}

/** The whole in-memory Jira. Routes read and change it; tests may inspect it. */
export class JiraState {
  readonly users: SimUser[] = [];
  readonly projects: SimProject[] = [];
  readonly issueTypes: Array<{
    id: string;
    name: string;
    description: string;
    /** 1 for Epic, 0 (the default) for standard types, -1 for sub-task types. */
    hierarchyLevel?: number;
  }> = [];
  readonly statuses: SimStatus[] = [];
  readonly transitions: SimTransition[] = [];
  readonly priorities: Array<{ id: string; name: string }> = [];
  readonly fields: SimField[] = [];
  readonly issues = new Map<string, SimIssue>();
  private readonly byKey = new Map<string, SimIssue>();
  /** Last issue number used per project: Jira never hands out a deleted issue's key again. */
  private readonly lastNumber = new Map<string, number>();
  private nextIssueId = 10000;
  private nextChangeId = 100000;
  private nextCommentId = 50000;
  private readonly commentIssues = new Map<string, SimIssue>();
  private lastStamp = 0;
  /** Requests handled (after auth), for counting calls in tests. */
  requestCount = 0;
  private readonly byUpdated = new UpdatedIndex((issue) => this.issues.get(issue.id) === issue);
  /** Issues by the number of their key (a key never changes), for searches paged `ORDER BY key` with `key >`. */
  private readonly byKeyNumber = new UpdatedIndex(
    (issue) => this.issues.get(issue.id) === issue,
    (issue) => keyNumber(issue.key),
  );
  private fieldsByName = new Map<string, SimField>();
  private fieldsIndexed = -1;
  /**
   * Issue properties JQL can search (`issue.property[key].path`), by property key with the
   * indexed paths. Jira indexes a property only when an app's descriptor declares it (a Connect
   * `jiraEntityProperties` or Forge `jira:entityProperty` module); this simulated site has the
   * app that indexes syncbridge's origin stamp. Remove the entry to simulate a site without it.
   */
  readonly indexedProperties = new Map<string, string[]>([['syncbridge.origin', ['ref']]]);
  private nextRemoteLinkId = 10000;
  /** Attached files (`issue/{id}/attachments`); set `attachments.uploadLimit` to test files over the limit. */
  readonly attachments = new AttachmentStore();
  /** Issue links and their types (`issueLink`, `issueLinkType`). */
  readonly links = new IssueLinkStore();

  /** The next remote link id. */
  remoteLinkId(): number {
    return this.nextRemoteLinkId++;
  }

  /** Current time in ms; strictly increasing so that every change has its own `updated`. */
  now(): number {
    this.lastStamp = Math.max(Date.now(), this.lastStamp + 1);
    return this.lastStamp;
  }

  /** Issues with `updated` at or after `from` (ms), oldest first, ties by id: how searches by `updated` read. */
  /** A number that changes whenever an issue is added, deleted or updated (any change moves `updated`). */
  get version(): number {
    return this.byUpdated.changes;
  }

  issuesUpdatedFrom(from: number): Iterable<SimIssue> {
    return this.byUpdated.from(from);
  }

  /** Issues whose key's number is at or above `from`, lowest first, ties by id: how searches by key read. */
  issuesFromKeyNumber(from: number): Iterable<SimIssue> {
    return this.byKeyNumber.from(from);
  }

  /** Finds an issue by id or key. */
  issue(idOrKey: string): SimIssue | undefined {
    return this.issues.get(idOrKey) ?? this.byKey.get(idOrKey.toUpperCase());
  }

  /** Finds a project by id, key or name. */
  project(idOrKey: string): SimProject | undefined {
    const wanted = idOrKey.toLowerCase();
    return this.projects.find(
      (p) => p.id === idOrKey || p.key.toLowerCase() === wanted || p.name.toLowerCase() === wanted,
    );
  }

  /** Finds a user by account id. */
  user(accountId: string): SimUser | undefined {
    return this.users.find((u) => u.accountId === accountId);
  }

  /** Finds a user by Data Center user name (or key, which the simulator keeps equal to it). */
  userByName(name: string): SimUser | undefined {
    const wanted = name.toLowerCase();
    return this.users.find((u) => userName(u).toLowerCase() === wanted);
  }

  /** Finds a field by id, clause name or name. */
  field(name: string): SimField | undefined {
    // Searches look fields up per issue: by name through a map, built again when fields are added.
    if (this.fieldsIndexed !== this.fields.length) {
      this.fieldsByName = new Map();
      // The first field answering to a name wins, as with a search through the list.
      for (const f of this.fields) {
        for (const n of [f.id, ...f.clauseNames, f.name])
          if (!this.fieldsByName.has(n.toLowerCase())) this.fieldsByName.set(n.toLowerCase(), f);
      }
      this.fieldsIndexed = this.fields.length;
    }
    return this.fieldsByName.get(name.toLowerCase());
  }

  /** Stores a new issue with the next id and key of its project. */
  addIssue(
    input: Omit<SimIssue, 'id' | 'key' | 'changelog' | 'comments'> & {
      changelog?: SimChange[];
      comments?: SimComment[];
    },
  ): SimIssue {
    const project = this.projects.find((p) => p.id === input.projectId);
    if (!project) throw new Error(`unknown project ${input.projectId}`);
    const id = String(this.nextIssueId++);
    const number = (this.lastNumber.get(project.id) ?? 0) + 1;
    this.lastNumber.set(project.id, number);
    const issue = new IndexedIssue(input, id, `${project.key}-${number}`, this.byUpdated);
    this.issues.set(id, issue);
    this.byUpdated.touch(issue);
    this.byKeyNumber.touch(issue);
    this.byKey.set(issue.key, issue);
    for (const comment of issue.comments) this.commentIssues.set(comment.id, issue);
    return issue;
  }

  /** Deletes an issue for good (Jira has no recycle bin): it is gone from reads, searches and changelogs. */
  deleteIssue(issue: SimIssue): void {
    this.issues.delete(issue.id);
    this.byKey.delete(issue.key);
    this.byUpdated.touch(issue);
    this.byKeyNumber.touch(issue);
  }

  /** Deletes a comment and bumps the issue's `updated`, as adding one does; false when the issue has no such comment. */
  deleteComment(issue: SimIssue, commentId: string, at = this.now()): boolean {
    const index = issue.comments.findIndex((c) => c.id === commentId);
    if (index < 0) return false;
    issue.comments.splice(index, 1);
    this.commentIssues.delete(commentId);
    issue.updated = Math.max(issue.updated, at);
    return true;
  }

  /** A comment by id, with its issue (as `comment/{id}/properties` finds it). */
  comment(commentId: string): { issue: SimIssue; comment: SimComment } | undefined {
    const issue = this.commentIssues.get(commentId);
    const comment = issue && this.issues.has(issue.id) ? issue.comments.find((c) => c.id === commentId) : undefined;
    return issue && comment ? { issue, comment } : undefined;
  }

  /** Records a change on an issue and bumps its `updated`. */
  recordChange(issue: SimIssue, author: string, items: SimChangeItem[], at = this.now()): void {
    if (items.length === 0) return;
    issue.changelog.push({ id: this.nextChangeId++, author, created: at, items });
    issue.updated = at;
  }

  /** Adds a comment and bumps the issue's `updated` (as Jira does). */
  addComment(issue: SimIssue, author: string, body: AdfNode, at = this.now()): SimComment {
    const comment: SimComment = { id: String(this.nextCommentId++), author, body, created: at, updated: at };
    issue.comments.push(comment);
    this.commentIssues.set(comment.id, issue);
    issue.updated = Math.max(issue.updated, at);
    return comment;
  }

  /** Transitions available to an issue in its current status. */
  transitionsFor(issue: SimIssue): SimTransition[] {
    return this.transitions.filter(
      (t) => (t.from.length === 0 || t.from.includes(issue.statusId)) && t.to !== issue.statusId,
    );
  }

  /** Status by id. */
  status(id: string): SimStatus | undefined {
    return this.statuses.find((s) => s.id === id);
  }
}
