import {
  isEmptyValue,
  RemoteError,
  SyncbridgeError,
  valuesEqual,
  type Comment,
  type CommentOrigin,
  type FieldDescriptor,
  type FieldValue,
  type OriginRef,
  type RichText,
  type UserRef,
  type WorkItem,
} from 'syncbridge';
import type { BacklinkTarget } from 'syncbridge/connector-kit';
import { MemoryWebhooks } from './memory-webhooks.js';

/** A stored item of a {@link MemorySystem}. */
export interface MemoryItem {
  id: string;
  key: string;
  project: string;
  type: string;
  revision: number;
  /** System-wide change counter at the last change (the revision of an SCM-like system). */
  sequence: number;
  updatedAt: string;
  updatedBy: UserRef | null;
  fields: Record<string, FieldValue>;
  /** When each field last changed (ISO-8601); fields not changed since the create hold the creation time. */
  changedAt: Record<string, string>;
  /** Who last changed each field (user id); fields not changed since the create name its creator. */
  changedBy: Record<string, string>;
  origin?: OriginRef;
  comments: Comment[];
  /** Links to twins (see `Connector.upsertBacklink`), at most one per twin. */
  backlinks?: BacklinkTarget[];
}

/** How a {@link MemorySystem} is built. */
export interface MemorySystemOptions {
  /** Projects with their entity types and fields. */
  projects: Record<string, { name?: string; types: Record<string, FieldDescriptor[]> }>;
  /** People; the first is the integration user unless `integrationUser` names another. */
  users: UserRef[];
  /** Id of the integration user. */
  integrationUser?: string;
  /** Clock for `updatedAt` (tests advance it). @default () => new Date() */
  now?: () => Date;
  /** Hide e-mail addresses from `findUsers` (like Jira Cloud's privacy settings). @default false */
  hideEmails?: boolean;
  /**
   * A new comment moves the item's revision, `updatedAt` and `updatedBy`, as the connector
   * contract asks (Jira and Azure DevOps do). Off by default while engine tests rely on the
   * old behaviour. @default false
   */
  commentsChangeItem?: boolean;
}

/**
 * An in-memory work-item system: projects, types, fields, users, items with revisions,
 * comments and origin stamps. Connectors from {@link createMemoryConnector} act on it as the
 * integration user; tests act on it as people through {@link MemorySystem.edit}.
 */
export class MemorySystem {
  readonly options: MemorySystemOptions;
  readonly items = new Map<string, MemoryItem>();
  readonly integrationUser: UserRef;
  private nextId = 1;
  private changes = 0;
  private commentCount = 0;
  private lastStamp = 0;
  /** Called after every write by anyone (automation hooks in tests). */
  onWrite: ((item: MemoryItem, by: UserRef) => void) | undefined;
  /** Webhook registrations and deliveries of creates, updates, deletes and comments (see {@link MemoryWebhooks}). */
  readonly webhooks = new MemoryWebhooks();

  constructor(options: MemorySystemOptions) {
    this.options = options;
    const user = options.integrationUser
      ? options.users.find((u) => u.id === options.integrationUser)
      : options.users[0];
    if (!user)
      throw new SyncbridgeError('CONFIG_INVALID', 'memory system: the integration user is not among its users');
    this.integrationUser = user;
  }

  /** Current time as an ISO string, strictly increasing so that revisions order. */
  stamp(): string {
    const ms = Math.max((this.options.now ?? (() => new Date()))().getTime(), this.lastStamp + 1);
    this.lastStamp = ms;
    return new Date(ms).toISOString();
  }

  /** The user with an id or e-mail, or throws. */
  user(idOrEmail: string): UserRef {
    const user = this.options.users.find((u) => u.id === idOrEmail || u.email === idOrEmail);
    if (!user) throw new SyncbridgeError('NOT_FOUND', `memory system: no user "${idOrEmail}"`);
    return user;
  }

  /** Field descriptors of a project's type, or throws `NOT_FOUND`. */
  fields(project: string, type: string): FieldDescriptor[] {
    const fields = this.options.projects[project]?.types[type];
    if (!fields)
      throw new RemoteError('NOT_FOUND', `memory system: project "${project}" has no type "${type}"`, { status: 404 });
    return fields;
  }

  private check(
    project: string,
    type: string,
    fields: Record<string, FieldValue>,
    creating: boolean,
  ): Record<string, FieldValue> {
    const descriptors = this.fields(project, type);
    const errors: Record<string, string> = {};
    const out: Record<string, FieldValue> = {};
    for (const [id, value] of Object.entries(fields)) {
      const field = descriptors.find((f) => f.id === id);
      if (!field) {
        errors[id] = `Field '${id}' does not exist on ${type}.`;
        continue;
      }
      const values = Array.isArray(value) ? value : [value];
      const pattern =
        field.valuePattern === undefined || isEmptyValue(value) ? undefined : new RegExp(field.valuePattern, 'u');
      const unmatched = pattern && values.find((v) => typeof v !== 'string' || !pattern.test(v));
      if (field.writable === false) errors[id] = `Field '${field.name}' is read-only.`;
      else if (unmatched !== undefined && unmatched !== false)
        errors[id] =
          `'${String(unmatched)}' is not a valid value of ${field.name} (must match /${field.valuePattern}/).`;
      else if (field.allowedValues && !isEmptyValue(value)) {
        const bad = values.find((v) => typeof v !== 'string' || !field.allowedValues!.some((a) => a.name === v));
        if (bad !== undefined)
          errors[id] =
            `'${String(bad)}' is not an allowed value of ${field.name}; allowed: ${field.allowedValues.map((a) => a.name).join(', ')}.`;
      } else if (field.kind === 'user' && value !== null && typeof value === 'object' && 'id' in value) {
        const known = this.options.users.find((u) => u.id === value.id);
        if (!known) errors[id] = `User '${value.id}' does not exist.`;
        else {
          out[id] = { ...known };
          continue;
        }
      }
      out[id] = field.caseInsensitive && Array.isArray(value) ? dedupeIgnoringCase(value) : value;
    }
    if (creating) {
      for (const field of descriptors)
        if (field.required && isEmptyValue(out[field.id])) errors[field.id] = `${field.name} is required.`;
    }
    if (Object.keys(errors).length > 0) {
      throw new RemoteError(
        'VALIDATION',
        `memory system: ${Object.entries(errors)
          .map(([f, m]) => `${f}: ${m}`)
          .join('; ')}`,
        { status: 400, fieldErrors: errors },
      );
    }
    return out;
  }

  /** Creates an item as a user. */
  create(
    project: string,
    type: string,
    fields: Record<string, FieldValue>,
    by: UserRef,
    origin?: OriginRef,
  ): MemoryItem {
    const checked = this.check(project, type, fields, true);
    const id = String(this.nextId++);
    const at = this.stamp();
    const ids = this.fields(project, type).map((f) => f.id);
    const changedAt = Object.fromEntries(ids.map((f) => [f, at]));
    const changedBy = Object.fromEntries(ids.map((f) => [f, by.id]));
    const item: MemoryItem = {
      id,
      key: `${project}-${id}`,
      project,
      type,
      revision: 1,
      sequence: ++this.changes,
      updatedAt: at,
      updatedBy: by,
      fields: checked,
      changedAt,
      changedBy,
      comments: [],
      ...(origin ? { origin } : {}),
    };
    this.items.set(id, item);
    this.onWrite?.(item, by);
    this.webhooks.emit('created', item, by, at);
    return item;
  }

  /** Changes fields of an item as a user; `expectedRevision` makes it conditional. */
  update(id: string, fields: Record<string, FieldValue>, by: UserRef, expectedRevision?: string): MemoryItem {
    const item = this.items.get(id);
    if (!item) throw new RemoteError('NOT_FOUND', `memory system: item ${id} does not exist`, { status: 404 });
    if (expectedRevision !== undefined && expectedRevision !== String(item.revision)) {
      throw new RemoteError(
        'REVISION_MISMATCH',
        `memory system: item ${item.key} is at revision ${item.revision}, not ${expectedRevision}`,
        { status: 412 },
      );
    }
    const checked = this.check(item.project, item.type, fields, false);
    const at = this.stamp();
    // Like a change history: a write of the value a field already has is no change of that field.
    for (const [field, value] of Object.entries(checked)) {
      if (valuesEqual(value, item.fields[field])) continue;
      item.changedAt[field] = at;
      item.changedBy[field] = by.id;
    }
    Object.assign(item.fields, checked);
    item.revision++;
    item.sequence = ++this.changes;
    item.updatedAt = at;
    item.updatedBy = by;
    this.onWrite?.(item, by);
    this.webhooks.emit('updated', item, by, at);
    return item;
  }

  /** Deletes an item (by anyone, the integration user unless `by` says who): it is gone from every read. */
  remove(id: string, by: UserRef = this.integrationUser): void {
    const item = this.items.get(id);
    if (!item || !this.items.delete(id))
      throw new RemoteError('NOT_FOUND', `memory system: item ${id} does not exist`, { status: 404 });
    if (this.webhooks.registrations.length > 0) this.webhooks.emit('deleted', item, by, this.stamp());
  }

  /** A person (not the integration user) edits an item. */
  edit(id: string, fields: Record<string, FieldValue>, as: string): MemoryItem {
    return this.update(id, fields, this.user(as));
  }

  /**
   * Sets the back-link to a twin (one per twin system and id), or removes it; whether anything
   * changed. An item that does not exist is `NOT_FOUND`, except for a removal.
   */
  backlink(itemId: string, twin: BacklinkTarget | Pick<BacklinkTarget, 'system' | 'id'>, remove = false): boolean {
    const item = this.items.get(itemId);
    if (!item) {
      if (remove) return false;
      throw new SyncbridgeError('NOT_FOUND', `memory: item ${itemId} does not exist`);
    }
    const others = (item.backlinks ?? []).filter((b) => !(b.system === twin.system && b.id === twin.id));
    const before = JSON.stringify(item.backlinks ?? []);
    item.backlinks = remove ? others : [...others, structuredClone(twin as BacklinkTarget)];
    return JSON.stringify(item.backlinks) !== before;
  }

  /** Adds a comment as a user; the integration user's copies carry an `origin` stamp (with `commentsChangeItem`, a change of the item as well). */
  comment(itemId: string, body: RichText, by: UserRef, origin?: CommentOrigin): Comment {
    const item = this.commented(itemId);
    const comment: Comment = {
      id: `${itemId}-c${++this.commentCount}`,
      itemId,
      author: by,
      createdAt: this.stamp(),
      body,
      ...(origin ? { origin } : {}),
    };
    item.comments.push(comment);
    this.webhooks.emit('commented', item, by, comment.createdAt);
    if (this.options.commentsChangeItem) {
      // As in Jira and Azure DevOps: polling finds a new comment by the item's updatedAt.
      item.revision++;
      item.sequence = ++this.changes;
      item.updatedAt = comment.createdAt;
      item.updatedBy = by;
      this.onWrite?.(item, by);
    }
    return comment;
  }

  /** Replaces a comment's body (and its stamp, given one), as its author or the integration user. */
  editComment(itemId: string, commentId: string, body: RichText, origin?: CommentOrigin): Comment {
    const comment = this.commented(itemId).comments.find((c) => c.id === commentId);
    if (!comment)
      throw new RemoteError('NOT_FOUND', `memory system: comment ${commentId} does not exist on ${itemId}`, {
        status: 404,
      });
    comment.body = body;
    if (origin) comment.origin = origin;
    return comment;
  }

  /** Deletes a comment; one already gone is not an error. */
  deleteComment(itemId: string, commentId: string): void {
    const item = this.commented(itemId);
    item.comments = item.comments.filter((c) => c.id !== commentId);
  }

  private commented(itemId: string): MemoryItem {
    const item = this.items.get(itemId);
    if (!item) throw new RemoteError('NOT_FOUND', `memory system: item ${itemId} does not exist`, { status: 404 });
    return item;
  }

  /** A read of an item as a connector returns it: the fields asked for, or every field of its type (empty ones as null). */
  view(item: MemoryItem, fields?: readonly string[]): WorkItem {
    const known = this.fields(item.project, item.type).map((d) => d.id);
    const picked = Object.fromEntries(
      (fields ?? known)
        .filter((f) => f in item.fields || known.includes(f))
        .map((f) => [f, structuredClone(item.fields[f] ?? null)]),
    );
    return {
      id: item.id,
      key: item.key,
      revision: String(item.revision),
      updatedAt: item.updatedAt,
      updatedBy: item.updatedBy,
      fields: picked,
      ...(item.origin ? { origin: { ...item.origin } } : {}),
      scope: { projects: [item.project], type: item.type },
    };
  }
}

/** Values that differ only in case count once; the first spelling is kept (Azure DevOps tags). */
function dedupeIgnoringCase(values: string[]): string[] {
  const seen = new Set<string>();
  return values.filter((v) => {
    const folded = v.toLowerCase();
    if (seen.has(folded)) return false;
    seen.add(folded);
    return true;
  });
}
