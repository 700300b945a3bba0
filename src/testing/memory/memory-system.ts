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
import {
  ATTACHMENT_IDS_FIELD,
  linkField,
  linkTypeOf,
  PARENT_FIELD,
  type AttachmentOrigin,
  type BacklinkTarget,
} from 'syncbridge/connector-kit';
import {
  MemoryLinkStore,
  memoryLinkTypes,
  sortLinkIds,
  type MemoryLinkChange,
  type MemoryLinkType,
} from './memory-links.js';
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
  /** Files attached, oldest first. */
  attachments: MemoryAttachment[];
  /** The parent item's id (read as the `link:parent` field); typed links live in {@link MemorySystem.links}. */
  parent?: string;
}

/** A file attached to a {@link MemoryItem}, its content kept in memory. */
export interface MemoryAttachment {
  id: string;
  name: string;
  size: number;
  mimeType: string;
  createdAt: string;
  author: UserRef;
  content: Uint8Array;
  /** The stamp of a copy (kept as given; the connector reports it only with `attachmentStamps`). */
  origin?: AttachmentOrigin;
}

/** A file a person or the connector attaches (see {@link MemorySystem.attach}). */
export interface MemoryFile {
  name: string;
  /** Text is stored as its UTF-8 bytes. */
  content: Uint8Array | string;
  /** @default 'application/octet-stream' */
  mimeType?: string;
  origin?: AttachmentOrigin;
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
  /** Name in attachment URLs (`memory://<name>/attachments/<id>`). @default 'memory' */
  name?: string;
  /**
   * Link types the link fields of the projects' types may name (`link:<name>`, `link:<reverse>`).
   * @default {@link memoryLinkTypes}: `Blocks` / `is blocked by`, and `Relates`
   */
  linkTypes?: MemoryLinkType[];
  /** The largest attachment taken, in bytes; a larger one is refused with 413. @default 10 MiB */
  maxAttachmentBytes?: number;
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
  private attachmentCount = 0;
  /** Typed links between items, each stored once (see {@link MemoryLinkStore}). */
  readonly links: MemoryLinkStore;
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
    this.links = new MemoryLinkStore(options.linkTypes ?? memoryLinkTypes);
  }

  /** The largest attachment taken, in bytes. */
  get maxAttachmentBytes(): number {
    return this.options.maxAttachmentBytes ?? 10 * 1024 * 1024;
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
    if (Object.keys(errors).length > 0) throw refused(errors);
    return out;
  }

  /** Creates an item as a user (its typed links too: see {@link MemorySystem.createLinked}). */
  create(
    project: string,
    type: string,
    fields: Record<string, FieldValue>,
    by: UserRef,
    origin?: OriginRef,
  ): MemoryItem {
    const { item, linkFailure } = this.createLinked(project, type, fields, by, origin);
    if (linkFailure) throw linkFailure;
    return item;
  }

  /**
   * Creates an item as a user. Its parent is part of the create; its typed links are added
   * once it exists, as Jira does: a link the system refuses (an item that does not exist)
   * leaves the item created, without its links, and comes back as `linkFailure`.
   */
  createLinked(
    project: string,
    type: string,
    fields: Record<string, FieldValue>,
    by: UserRef,
    origin?: OriginRef,
  ): { item: MemoryItem; linkFailure?: SyncbridgeError } {
    const { plain, parent, typed } = splitLinks(this.check(project, type, fields, true));
    const wantedParent = this.checkLinks(undefined, parent === undefined ? {} : { [PARENT_FIELD]: parent });
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
      fields: plain,
      changedAt,
      changedBy,
      comments: [],
      attachments: [],
      ...(wantedParent.parent ? { parent: wantedParent.parent } : {}),
      ...(origin ? { origin } : {}),
    };
    this.items.set(id, item);
    let linkFailure: SyncbridgeError | undefined;
    let others: MemoryLinkChange[] = wantedParent.parent ? [{ id: wantedParent.parent }] : [];
    try {
      others = [...others, ...this.applyLinks(item, this.checkLinks(item.id, typed), by, at)];
    } catch (error) {
      if (!(error instanceof SyncbridgeError)) throw error;
      linkFailure = error;
    }
    this.onWrite?.(item, by);
    this.webhooks.emit('created', item, by, at);
    this.touchOthers(others, by, at);
    return linkFailure ? { item, linkFailure } : { item };
  }

  /**
   * Changes fields of an item as a user; `expectedRevision` makes it conditional. Link fields
   * are written as the exact wanted links: the item and each item at the other end of a link
   * added or removed (a parent gained or lost a child) change, as a field change does.
   */
  update(id: string, fields: Record<string, FieldValue>, by: UserRef, expectedRevision?: string): MemoryItem {
    const item = this.item(id);
    if (expectedRevision !== undefined && expectedRevision !== String(item.revision)) {
      throw new RemoteError(
        'REVISION_MISMATCH',
        `memory system: item ${item.key} is at revision ${item.revision}, not ${expectedRevision}`,
        { status: 412 },
      );
    }
    const { plain, parent, typed } = splitLinks(this.check(item.project, item.type, fields, false));
    const links = this.checkLinks(item.id, {
      ...typed,
      ...(parent === undefined ? {} : { [PARENT_FIELD]: parent }),
    });
    const at = this.stamp();
    // Like a change history: a write of the value a field already has is no change of that field.
    for (const [field, value] of Object.entries(plain)) {
      if (!valuesEqual(value, item.fields[field])) markChanged(item, field, by, at);
    }
    Object.assign(item.fields, plain);
    const others = this.applyLinks(item, links, by, at);
    // Links written as they already are send nothing (the contract's "nothing when equal"): no change.
    const linksOnly = Object.keys(fields).length > 0 && Object.keys(plain).length === 0;
    if (linksOnly && others.length === 0) return item;
    this.touch(item, by, at);
    this.touchOthers(others, by, at);
    return item;
  }

  /** Deletes an item (by anyone, the integration user unless `by` says who): it is gone from every read, and so are its links. */
  remove(id: string, by: UserRef = this.integrationUser): void {
    const item = this.items.get(id);
    if (!item || !this.items.delete(id))
      throw new RemoteError('NOT_FOUND', `memory system: item ${id} does not exist`, { status: 404 });
    this.links.forget(id);
    for (const child of this.items.values()) if (child.parent === id) delete child.parent;
    if (this.webhooks.registrations.length > 0) this.webhooks.emit('deleted', item, by, this.stamp());
  }

  /** A person (not the integration user) edits an item. */
  edit(id: string, fields: Record<string, FieldValue>, as: string): MemoryItem {
    return this.update(id, fields, this.user(as));
  }

  /** A person links an item to another by a type name (`Blocks`, `is blocked by`), keeping its other links of that type. */
  addLink(id: string, type: string, targetId: string, as: string): MemoryItem {
    return this.edit(id, { [linkField(type)]: [...this.links.linked(id, type), targetId] }, as);
  }

  /** A person removes one link of an item. */
  removeLink(id: string, type: string, targetId: string, as: string): MemoryItem {
    return this.edit(id, { [linkField(type)]: this.links.linked(id, type).filter((t) => t !== targetId) }, as);
  }

  /** A person attaches a file to an item. */
  attachAs(itemId: string, file: MemoryFile, as: string): MemoryAttachment {
    return this.attach(itemId, file, this.user(as));
  }

  /**
   * Attaches a file as a user: the item changes (revision, `updatedAt`, `updatedBy`) as in Jira
   * and Azure DevOps. A file over {@link MemorySystem.maxAttachmentBytes} is refused with 413.
   */
  attach(itemId: string, file: MemoryFile, by: UserRef): MemoryAttachment {
    const item = this.item(itemId);
    const content = typeof file.content === 'string' ? new TextEncoder().encode(file.content) : file.content;
    const limit = this.maxAttachmentBytes;
    if (content.byteLength > limit)
      throw new RemoteError(
        'ATTACHMENT_TOO_LARGE',
        `memory system: "${file.name}" has ${content.byteLength} bytes, more than the limit of ${limit}`,
        { status: 413, details: { file: file.name, size: content.byteLength, limit } },
      );
    const at = this.stamp();
    const attachment: MemoryAttachment = {
      id: `att-${++this.attachmentCount}`,
      name: file.name,
      size: content.byteLength,
      mimeType: file.mimeType ?? 'application/octet-stream',
      createdAt: at,
      author: by,
      content: content.slice(),
      ...(file.origin ? { origin: { ...file.origin } } : {}),
    };
    item.attachments.push(attachment);
    this.touch(item, by, at);
    return attachment;
  }

  /** Removes an attachment as a user (the item changes); whether it was there. An item that does not exist is `NOT_FOUND`. */
  detach(itemId: string, attachmentId: string, by: UserRef = this.integrationUser): boolean {
    const item = this.item(itemId);
    const index = item.attachments.findIndex((a) => a.id === attachmentId);
    if (index < 0) return false;
    item.attachments.splice(index, 1);
    this.touch(item, by, this.stamp());
    return true;
  }

  /** A person removes an attachment. */
  detachAs(itemId: string, attachmentId: string, as: string): boolean {
    return this.detach(itemId, attachmentId, this.user(as));
  }

  /** Where an attachment's content is, as rich text would refer to it. */
  attachmentUrl(attachmentId: string): string {
    return `memory://${this.options.name ?? 'memory'}/attachments/${encodeURIComponent(attachmentId)}`;
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
    const item = this.item(itemId);
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
    // As in Jira and Azure DevOps: polling finds a new comment by the item's updatedAt.
    if (this.options.commentsChangeItem) this.touch(item, by, comment.createdAt, false);
    return comment;
  }

  /** Replaces a comment's body (and its stamp, given one), as its author or the integration user. */
  editComment(itemId: string, commentId: string, body: RichText, origin?: CommentOrigin): Comment {
    const comment = this.item(itemId).comments.find((c) => c.id === commentId);
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
    const item = this.item(itemId);
    item.comments = item.comments.filter((c) => c.id !== commentId);
  }

  /** The item with an id, or throws `NOT_FOUND` (a 404, as the systems answer). */
  item(itemId: string): MemoryItem {
    const item = this.items.get(itemId);
    if (!item) throw new RemoteError('NOT_FOUND', `memory system: item ${itemId} does not exist`, { status: 404 });
    return item;
  }

  /** An item changed at `at` by a user: its revision and sequence move, hooks and (when `announce`) webhooks hear of it. */
  private touch(item: MemoryItem, by: UserRef, at: string, announce = true): void {
    item.revision++;
    item.sequence = ++this.changes;
    item.updatedAt = at;
    item.updatedBy = by;
    this.onWrite?.(item, by);
    if (announce) this.webhooks.emit('updated', item, by, at);
  }

  /** The items at the other ends of changed links change too, once each, with the link fields that changed there. */
  private touchOthers(changes: MemoryLinkChange[], by: UserRef, at: string): void {
    for (const id of new Set(changes.map((c) => c.id))) {
      const item = this.items.get(id);
      if (!item) continue;
      for (const { field } of changes.filter((c) => c.id === id && c.field !== undefined))
        markChanged(item, field!, by, at);
      this.touch(item, by, at);
    }
  }

  /**
   * Checks link field values before anything is written: a parent is an existing item other
   * than the item itself and none of its descendants; typed links name existing items of a
   * declared type. Refused values fail with `VALIDATION` naming each field, as `check` does.
   */
  private checkLinks(itemId: string | undefined, links: Record<string, FieldValue>): CheckedLinks {
    const errors: Record<string, string> = {};
    const out: CheckedLinks = { typed: {} };
    const missing = (id: string) => !this.items.has(id);
    for (const [field, value] of Object.entries(links)) {
      if (field === PARENT_FIELD) {
        const parent = value === null ? null : parentId(value);
        if (parent === undefined) errors[field] = `${JSON.stringify(value)} is not an item reference ({ id }) or null.`;
        else if (parent !== null && missing(parent)) errors[field] = `Item ${parent} does not exist.`;
        else if (parent !== null && itemId !== undefined && this.ancestry(parent).includes(itemId))
          errors[field] = `Item ${parent} cannot be the parent of ${itemId}: that makes a cycle.`;
        else out.parent = parent;
        continue;
      }
      const type = linkTypeOf(field)!;
      const ids = value === null ? [] : value;
      if (!this.links.has(type)) errors[field] = `No link type is named '${type}'.`;
      else if (!Array.isArray(ids)) errors[field] = `${JSON.stringify(value)} is not a list of item ids.`;
      else if (itemId !== undefined && ids.includes(itemId)) errors[field] = `Item ${itemId} cannot link to itself.`;
      else if (ids.some(missing)) errors[field] = `Item ${ids.find(missing)} does not exist.`;
      else out.typed[field] = sortLinkIds(ids);
    }
    if (Object.keys(errors).length > 0) throw refused(errors);
    return out;
  }

  /** An item and its ancestors, nearest first. */
  private ancestry(id: string): string[] {
    const chain: string[] = [];
    for (let at: string | undefined = id; at !== undefined && !chain.includes(at); at = this.items.get(at)?.parent)
      chain.push(at);
    return chain;
  }

  /** Writes checked link values; returns the other ends that changed. */
  private applyLinks(item: MemoryItem, links: CheckedLinks, by: UserRef, at: string): MemoryLinkChange[] {
    const others: MemoryLinkChange[] = [];
    if (links.parent !== undefined && (links.parent ?? undefined) !== item.parent) {
      for (const id of [item.parent, links.parent]) if (id) others.push({ id });
      if (links.parent) item.parent = links.parent;
      else delete item.parent;
      markChanged(item, PARENT_FIELD, by, at);
    }
    for (const [field, wanted] of Object.entries(links.typed)) {
      const changes = this.links.set(item.id, linkTypeOf(field)!, wanted);
      if (changes.length > 0) markChanged(item, field, by, at);
      others.push(...changes);
    }
    return others;
  }

  /** A link field's value as a read returns it: the parent as `{ id, key }` or null, a type's linked ids sorted. */
  private linkValue(item: MemoryItem, field: string): FieldValue {
    if (field !== PARENT_FIELD) return this.links.linked(item.id, linkTypeOf(field)!);
    const parent = item.parent === undefined ? undefined : this.items.get(item.parent);
    return parent ? { id: parent.id, key: parent.key } : null;
  }

  /** A read of an item as a connector returns it: the fields asked for, or every field of its type (empty ones as null). */
  view(item: MemoryItem, fields?: readonly string[]): WorkItem {
    const known = this.fields(item.project, item.type).map((d) => d.id);
    const value = (f: string): FieldValue => {
      if (f === ATTACHMENT_IDS_FIELD) return sortLinkIds(item.attachments.map((a) => a.id));
      return linkTypeOf(f) === undefined ? structuredClone(item.fields[f] ?? null) : this.linkValue(item, f);
    };
    const picked = Object.fromEntries(
      (fields ?? known)
        .filter((f) => f in item.fields || known.includes(f) || f === ATTACHMENT_IDS_FIELD)
        .map((f) => [f, value(f)]),
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

/** The 400 a write with refused field values gets, naming each field with its message. */
function refused(errors: Record<string, string>): RemoteError {
  const text = Object.entries(errors)
    .map(([f, m]) => `${f}: ${m}`)
    .join('; ');
  return new RemoteError('VALIDATION', `memory system: ${text}`, { status: 400, fieldErrors: errors });
}

/** Link field values as {@link MemorySystem} checked them: the parent's id (null: none) and each type's wanted ids. */
interface CheckedLinks {
  parent?: string | null;
  typed: Record<string, string[]>;
}

/** Splits written fields into plain ones, the parent and typed link fields. */
function splitLinks(fields: Record<string, FieldValue>): {
  plain: Record<string, FieldValue>;
  parent: FieldValue | undefined;
  typed: Record<string, FieldValue>;
} {
  const plain: Record<string, FieldValue> = {};
  const typed: Record<string, FieldValue> = {};
  for (const [field, value] of Object.entries(fields)) {
    if (field === PARENT_FIELD) continue;
    (linkTypeOf(field) === undefined ? plain : typed)[field] = value;
  }
  return { plain, parent: fields[PARENT_FIELD], typed };
}

/** The id of a written parent reference (`{ id }`; a key beside it is ignored), or undefined for anything else. */
function parentId(value: FieldValue): string | undefined {
  return typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    'id' in value &&
    typeof value.id === 'string'
    ? value.id
    : undefined;
}

function markChanged(item: MemoryItem, field: string, by: UserRef, at: string): void {
  item.changedAt[field] = at;
  item.changedBy[field] = by.id;
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
