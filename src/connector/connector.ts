import type { FieldDescriptor, FieldValue, UserRef } from '../model/field.js';
import type { Comment, CommentOrigin, OriginRef, WorkItem } from '../model/item.js';
import type { RichText } from '../model/rich-text.js';
import type { SyncbridgeError } from '../errors/syncbridge-error.js';
import type { ConnectionReport } from './diagnostics.js';

/** What kind of system a connector talks to; decides the default polling strategy. */
export type ConnectorCategory = 'alm' | 'plm' | 'test' | 'scm' | 'build';

/**
 * Optional abilities a connector declares; the engine uses batch operations where a
 * system has them and falls back where not. Every member has a safe default
 * (see {@link defaultCapabilities}).
 */
export interface ConnectorCapabilities {
  /** Most items one `create` call takes. @default 1 */
  maxCreateBatch: number;
  /** Most items one `update` call takes. @default 1 */
  maxUpdateBatch: number;
  /** Most ids one `getMany` call takes. @default 1 */
  maxGetBatch: number;
  /** Whether `update` honours `expectedRevision` atomically (else the engine re-reads first). @default false */
  conditionalUpdate: boolean;
  /** Whether the connector lists and adds comments. @default false */
  comments: boolean;
  /**
   * Whether comments written with an `origin` carry it as a stamp a person cannot type, read
   * back as `Comment.origin`. Without it copies are known by the state alone: a copy whose
   * add answer was lost is added again. @default false
   */
  commentStamps: boolean;
  /** Whether the connector has `updateComment` (edits of source comments reach their copies). @default false */
  commentUpdates: boolean;
  /** Whether the connector has `deleteComment` (deletes of source comments reach their copies). @default false */
  commentDeletes: boolean;
  /**
   * How created items carry their {@link OriginRef}. `link`: a link to the origin item (its
   * `OriginRef.url`) that is also the copy's back-link, so the engine writes none after the create. @default 'none'
   */
  originStamp: 'field' | 'label' | 'property' | 'link' | 'none';
  /**
   * Whether the connector has `upsertBacklink` and `removeBacklink`: an item shows a link to its
   * twin in the other system (Jira: a remote link; Azure DevOps: a hyperlink relation). @default false
   */
  backlinks: boolean;
  /**
   * Whether the connector has the {@link ConnectorAttachments} part (`Connector.attachments`):
   * an item's files are listed, downloaded and uploaded as streams. @default false
   */
  attachments: boolean;
  /**
   * Whether uploaded copies carry their {@link AttachmentOrigin} as a stamp, read back as
   * `Attachment.origin` (Azure DevOps: the relation's comment). Without it a copy whose upload
   * answer was lost is found by name, size and the integration user as its author. @default false
   */
  attachmentStamps: boolean;
  /**
   * Whether the connector exposes an item's links as link fields (see {@link linkField}): the
   * parent as `link:parent`, each link type as `link:<type>`; read with the item like any
   * field, written as the exact set of linked ids (the connector adds and removes the
   * difference). @default false
   */
  links: boolean;
  /** Whether `updatedBy` is reliable (else echo detection relies on snapshots alone). @default true */
  updatedBy: boolean;
  /** Coarsest precision of `query`'s `since`, in ms (Jira JQL: a minute); the engine's overlap is at least this. @default 1000 */
  sincePrecisionMs: number;
}

/** The capabilities assumed for anything a connector does not declare. */
export const defaultCapabilities: ConnectorCapabilities = {
  maxCreateBatch: 1,
  maxUpdateBatch: 1,
  maxGetBatch: 1,
  conditionalUpdate: false,
  comments: false,
  commentStamps: false,
  commentUpdates: false,
  commentDeletes: false,
  originStamp: 'none',
  backlinks: false,
  attachments: false,
  attachmentStamps: false,
  links: false,
  updatedBy: true,
  sincePrecisionMs: 1000,
};

/** Identity of a connector. */
export interface ConnectorInfo {
  /** Adapter kind, e.g. `jira`, `azure-devops`, `memory`. */
  kind: string;
  /** The kind of system. */
  category: ConnectorCategory;
  /** Declared abilities. */
  capabilities: ConnectorCapabilities;
}

/** A project (Jira project, Azure DevOps team project, repository, ...). */
export interface ProjectInfo {
  id: string;
  key: string;
  name: string;
}

/** An entity type within a project (Bug, Story, Task, ...). */
export interface EntityTypeInfo {
  id: string;
  name: string;
}

/**
 * Where polling resumes. `timestamp` for ALM/PLM/test systems (ISO-8601, UTC);
 * `revision` for SCM/build systems (changeset or build number, compared numerically).
 */
export type Watermark = { kind: 'timestamp'; value: string } | { kind: 'revision'; value: string };

/** A request for the items of one project and type that changed since a point. */
export interface QueryRequest {
  /** Project id or key. */
  project: string;
  /** Entity type name. */
  type: string;
  /** A filter in the system's own language (JQL, WIQL), combined with the window by AND. */
  filter?: string | undefined;
  /** Only items changed at or after this point (inclusive). Absent: all items. */
  since?: Watermark | undefined;
  /**
   * Items whose last change is the integration user's own (the connector's credentials) and
   * was made before `before` may be left out, except those listed in `except`: the engine
   * recorded those writes as synced, so re-reading them in the poll's overlap (`since` reaches
   * back before `before`) finds nothing new. A person's change is always in the result,
   * whoever changed the item before. Given only to connectors with `conditionalUpdate` (see
   * the engine's `poll`); optional: a connector that ignores it returns those items, which
   * the engine then finds already synced.
   */
  ownChanges?: { before: Watermark; except: string[] } | undefined;
  /** Field ids to return (connectors ask their API only for these). */
  fields: string[];
  /** Preferred page size; the connector may use less. */
  pageSize?: number | undefined;
  /** Aborts the iteration. */
  signal?: AbortSignal | undefined;
}

/** The filter of one side of a mapping, as {@link Connector.checkFilter} checks it. */
export interface FilterCheck {
  /** Project id or key. */
  project: string;
  /** Entity type name. */
  type: string;
  /** The filter in the system's own language (JQL, WIQL). */
  filter: string;
}

/** A new item to create. */
export interface CreateRequest {
  project: string;
  type: string;
  fields: Record<string, FieldValue>;
  /** Where it comes from; the connector stamps it on the item (see `originStamp`). */
  origin: OriginRef;
  /** Fields the result should carry besides those written (a connector that reads the item back after creating reads these too). */
  returnFields?: string[] | undefined;
}

/** A change to an existing item: only the fields given are written. */
export interface UpdateRequest {
  id: string;
  fields: Record<string, FieldValue>;
  /** The revision the change was computed against; a mismatch fails with `REVISION_MISMATCH`. */
  expectedRevision?: string | undefined;
  /**
   * Fields the result should carry besides those written: the engine compares them with what
   * it read before, so that a change somebody made just before the write is not taken as synced.
   */
  returnFields?: string[] | undefined;
}

/**
 * The outcome of one item of a batch write, in request order. A create that made the
 * item but failed afterwards (a workflow transition refused, say) fails with `created`
 * set, so the engine links that item instead of creating it again.
 */
export type WriteResult =
  | {
      ok: true;
      item: WorkItem;
      /**
       * Fields the system did not take although the rest of the write went through (Jira: a
       * status no workflow transition reaches), by field id, with the system's reason. The
       * engine records a field-level failure for each and keeps syncing the other fields.
       */
      refused?: Record<string, string>;
    }
  | { ok: false; error: SyncbridgeError; created?: { id: string; key: string } };

/** One found item together with the origin it was stamped with. */
export interface OriginMatch {
  origin: OriginRef;
  item: WorkItem;
}

/**
 * The twin a back-link points to: the linked item in the other system. A connector keys its
 * link by `system` and `id` (never by key or URL, which change), so writing it again updates
 * the one link instead of adding a second.
 */
export interface BacklinkTarget {
  /** Configured id of the twin's system. */
  system: string;
  /** The twin's id. */
  id: string;
  /** The twin's key (`DEMO-12`), shown to people; it changes when a Jira issue moves project. */
  key: string;
  /** The twin's title, when known. */
  title?: string | undefined;
  /** Where a person opens the twin (see `Connector.webUrl`). */
  url: string;
  /** The twin system's kind (`jira`, `azure-devops`), shown as the link's application. */
  kind: string;
}

/** Options of `upsertBacklink`. */
export interface BacklinkWriteOptions {
  /**
   * The item's revision the engine last agreed on. A connector whose back-link write moves the
   * revision (Azure DevOps) makes the write conditional on it and reports the new revision, so
   * the engine does not take its own back-link for a change of the item.
   */
  expectedRevision?: string | undefined;
}

/** The outcome of a back-link write. */
export interface BacklinkWriteResult {
  /** Whether anything was written (false: the link was already as wanted). */
  changed: boolean;
  /**
   * The item's revision and update time after the write, when the write moved them and was made
   * on `expectedRevision` (nobody changed the item in between).
   */
  revision?: { revision: string; updatedAt: string } | undefined;
}

/**
 * The field id under which a connector with `capabilities.links` exposes an item's links:
 * `link:parent` (kind `reference`: the parent item, or null; Jira's parent field and sub-task
 * parents, Azure DevOps' `System.LinkTypes.Hierarchy-Reverse`) and `link:<type>` (kind
 * `multiLookup`: the ids of the items this item links to by that type, in the type's direction:
 * a Jira link type's name or outward/inward description, an Azure DevOps relation reference
 * name such as `System.LinkTypes.Dependency-Forward`). `listFields` lists them.
 */
export function linkField(type: string): string {
  return `link:${type}`;
}

/**
 * The order of the ids in a link field's value and in {@link ATTACHMENT_IDS_FIELD}: as numbers
 * where they are numbers (`9` before `10`), else as text.
 */
export function compareLinkIds(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** The field of an item's parent (see {@link linkField}). */
export const PARENT_FIELD = 'link:parent';

/** Which link type a link field names (`link:Blocks` → `Blocks`), or undefined for another field. */
export function linkTypeOf(field: string): string | undefined {
  return field.startsWith('link:') ? field.slice(5) : undefined;
}

/**
 * The field under which a connector with `capabilities.attachments` returns, when asked for it,
 * the ids of an item's attachments (`string[]`, sorted as link fields sort ids) with the item itself (Jira: its
 * `attachment` field; Azure DevOps: its `AttachedFile` relations), at no extra request: the
 * engine lists and copies files only for items with a file it has not copied yet.
 */
export const ATTACHMENT_IDS_FIELD = 'attachment:ids';

/**
 * The stamp an uploaded copy of an attachment carries (connectors with
 * `capabilities.attachmentStamps`): which attachment of which system it copies.
 */
export interface AttachmentOrigin {
  /** Configured id of the system the source attachment lives in. */
  system: string;
  /** The source attachment's id. */
  attachmentId: string;
}

/** A file attached to an item. */
export interface Attachment {
  /** The system's id of the attachment (Jira: the attachment id; Azure DevOps: its GUID). */
  id: string;
  /** The file name people see (any Unicode). */
  name: string;
  /** Size in bytes. */
  size: number;
  /** MIME type (`application/octet-stream` when the system does not tell). */
  mimeType: string;
  /** When it was attached (ISO-8601, UTC). */
  createdAt: string;
  /** Who attached it, when the system tells. */
  author: UserRef | null;
  /** Where its content is: what rich text refers to when it shows the file inline. */
  url: string;
  /** The stamp of a copy syncbridge uploaded (connectors with `attachmentStamps`); absent on a person's file. */
  origin?: AttachmentOrigin | undefined;
}

/** A file to attach. */
export interface AttachmentUpload {
  /** The file name (any Unicode). */
  name: string;
  /** Size in bytes (sent as the body's length; the connector checks it against the system's limit). */
  size: number;
  /** MIME type. */
  mimeType: string;
  /**
   * Opens the content afresh. Called once per attempt: a request that may be repeated opens a
   * new stream and never replays one already read in part.
   */
  open(): Promise<ReadableStream<Uint8Array>>;
  /** The stamp the copy carries (connectors with `attachmentStamps`). */
  origin?: AttachmentOrigin | undefined;
}

/**
 * Attachments of items: an optional part of a {@link Connector}, declared by
 * `capabilities.attachments`. Content travels as streams: no method holds a whole file in memory.
 */
export interface ConnectorAttachments {
  /** The largest file the system takes, in bytes (Jira: the site's upload limit; Azure DevOps: 60 MB), when known. */
  maxBytes(): Promise<number | undefined>;
  /** An item's attachments, oldest first. */
  list(itemId: string): Promise<Attachment[]>;
  /** The content of an attachment, as a stream to read once. */
  download(itemId: string, attachment: Attachment): Promise<ReadableStream<Uint8Array>>;
  /**
   * Attaches a file to an item as the integration user (the item's revision moves). A file over
   * the system's limit fails with `ATTACHMENT_TOO_LARGE` before anything is sent. An upload whose
   * answer was lost is not repeated: the engine looks for the copy before uploading again.
   */
  upload(itemId: string, file: AttachmentUpload): Promise<Attachment>;
  /** Removes an attachment from an item; one already gone is not an error. */
  remove(itemId: string, attachmentId: string): Promise<void>;
  /**
   * Points the pictures the item's rich-text `fields` show at no file (text written before its
   * files were attached) at the item's files of their names, changing nothing else of the text as
   * the system stores it (so an edit somebody made meanwhile, in a form the core's rich text does
   * not hold, stays whole); a picture of a file the item lacks stays as it is. Optional: a system
   * whose rich text names files itself (Jira Data Center's `!name.png!`) needs none.
   */
  pointPictures?(itemId: string, fields: string[]): Promise<void>;
}

/** Options of a comment write. */
export interface CommentWriteOptions {
  /** The stamp a copy carries (see {@link CommentOrigin}). */
  origin?: CommentOrigin;
}

/** What a webhook delivery reports of an item. */
export type WebhookEventKind = 'created' | 'updated' | 'deleted' | 'commented';

/** One item a verified webhook delivery names. */
export interface WebhookItemEvent {
  event: WebhookEventKind;
  /** The item's project, by id and key (a mapping may name either). */
  project: { id: string; key: string };
  /** The item's entity type name (Bug, Story, ...). */
  type: string;
  itemId: string;
  itemKey: string;
  /** When the system says the change happened (ISO-8601, UTC), when the payload tells. */
  at?: string | undefined;
  /** Who made the change (the id `UserRef.id` would carry), when the payload tells. */
  by?: string | undefined;
}

/** A webhook delivery as it arrived: the raw body, so that a signature over it can be checked. */
export interface WebhookRequest {
  method: string;
  url: string;
  headers: Headers;
  body: Uint8Array;
}

/** The outcome of {@link ConnectorWebhooks.verify}. */
export type WebhookVerification =
  | {
      ok: true;
      /** The system's id of this delivery or event, the same on a redelivery (Jira `X-Atlassian-Webhook-Identifier`, Azure DevOps event `id`). */
      deliveryId: string;
      /** The items it names; empty for events that concern no work item. */
      events: WebhookItemEvent[];
    }
  | {
      ok: false;
      /** 401: unsigned or wrongly signed / bad credentials; 400: not a delivery this connector understands. */
      status: 400 | 401;
      /** For logs; never contains the secret. */
      reason: string;
    };

/** A webhook registration (Jira webhook, Azure DevOps service-hook subscription) as the system holds it. */
export interface WebhookSubscription {
  /** The system's id of the registration. */
  id: string;
  /** The name syncbridge gave it (registrations without one are not syncbridge's). */
  name: string;
  /** Where deliveries go. */
  url: string;
  events: WebhookEventKind[];
  /** Projects it is scoped to (empty: the whole site or organization). */
  projects: string[];
  /** The filter it is scoped by, where the system supports one (Jira JQL). */
  filter?: string | undefined;
}

/** What {@link ConnectorWebhooks.register} is asked to register. */
export interface WebhookRegistrationRequest {
  /** A name that marks the registrations as syncbridge's and as this integration's (idempotence). */
  name: string;
  /** Where deliveries go. */
  url: string;
  /** Jira: the HMAC secret of `X-Hub-Signature`; Azure DevOps: the basic-auth password of the subscription. */
  secret: string;
  /** Projects and entity types whose items are to be delivered. */
  scopes: Array<{ project: string; type: string; filter?: string | undefined }>;
}

/**
 * Webhooks of a system: verifying deliveries and managing registrations. An optional part of
 * a {@link Connector}.
 */
export interface ConnectorWebhooks {
  /** Checks a delivery's signature or credentials in constant time against `secret`, then parses and validates it. Never throws for a bad delivery. */
  verify(request: WebhookRequest, secret: string): Promise<WebhookVerification>;
  /** Registers what `request` asks for, idempotently: registrations of the same name are updated or kept, never doubled. Returns the registrations in force. */
  register(request: WebhookRegistrationRequest): Promise<WebhookSubscription[]>;
  /** The registrations the integration user can see. */
  list(): Promise<WebhookSubscription[]>;
  /** Removes a registration; one already gone is not an error. */
  unregister(id: string): Promise<void>;
}

/**
 * The contract every adapter and every user-written connector implements. Methods
 * that read return validated, system-neutral values; methods that write take batches
 * no larger than the declared capabilities and report per item.
 */
export interface Connector {
  /** Kind, category and capabilities. */
  readonly info: ConnectorInfo;
  /** Runs a staged diagnosis (network, TLS, HTTP, auth, API) and reports each stage. */
  testConnection(options?: { project?: string; type?: string }): Promise<ConnectionReport>;
  /** The user the connector acts as (the integration user). */
  whoami(): Promise<UserRef>;
  /** Projects visible to the integration user. */
  listProjects(): Promise<ProjectInfo[]>;
  /** Entity types of a project. */
  listEntityTypes(project: string): Promise<EntityTypeInfo[]>;
  /** Fields of an entity type, with kinds and allowed values. */
  listFields(project: string, type: string): Promise<FieldDescriptor[]>;
  /** Users with this e-mail address (empty when none, or when the system hides addresses). */
  findUsers(query: { email: string }): Promise<UserRef[]>;
  /** All users the integration user can see, as pages (for user-map templates). Optional. */
  listUsers?(): AsyncIterable<UserRef[]>;
  /** Items changed since a point, oldest change first, as a stream of pages. */
  query(request: QueryRequest): AsyncIterable<WorkItem[]>;
  /**
   * Asks the system whether it accepts a filter for a project and type, as `query` would send
   * it, reading as little as it can (Jira: a search for one id; Azure DevOps: WIQL with `$top=1`).
   * Resolves with the system's messages about a filter it refuses, empty when it accepts it;
   * throws on anything else (no connection, no permission). Optional: without it `activate`
   * cannot check filters, and a broken one fails the first run.
   */
  checkFilter?(request: FilterCheck): Promise<string[]>;
  /** Items by id (at most `maxGetBatch` ids); missing ids are left out. */
  getMany(ids: string[], options: { fields: string[] }): Promise<WorkItem[]>;
  /** Creates items (at most `maxCreateBatch`). */
  create(items: CreateRequest[]): Promise<WriteResult[]>;
  /** Updates items (at most `maxUpdateBatch`). */
  update(items: UpdateRequest[]): Promise<WriteResult[]>;
  /**
   * When each of the given fields of these items last changed (ISO-8601, UTC), by item id
   * then field id; fields never changed since the item was created report its creation.
   * Optional: `newestWins` uses it to compare the two sides' changes of one field; without
   * it the items' `updatedAt` are compared. Called only for fields in conflict.
   */
  fieldChangeTimes?(ids: string[], fields: string[]): Promise<Record<string, Record<string, string>>>;
  /**
   * Deletes an item (Azure DevOps: to the recycle bin). Optional: a mapping whose
   * `onSourceDelete` is `delete` needs it on the target side, else the pair is unlinked.
   */
  deleteItem?(id: string): Promise<void>;
  /** Items this connector created with any of these origins (see `originStamp`). */
  findByOrigin(request: {
    project: string;
    type: string;
    origins: OriginRef[];
    fields: string[];
  }): Promise<OriginMatch[]>;
  /** Items whose field equals one of the values (for linking existing items). */
  findByField(request: {
    project: string;
    type: string;
    field: string;
    values: string[];
    fields: string[];
  }): Promise<WorkItem[]>;
  /** Comments of an item, oldest first. Requires `capabilities.comments`. */
  listComments(itemId: string): Promise<Comment[]>;
  /**
   * Adds a comment as the integration user; the item's `revision` and `updatedAt` must move, as
   * for any change, so that polling finds the comment. Requires `capabilities.comments`. With an
   * `origin`, the comment carries it as a stamp a person cannot type, and `listComments`
   * reports it back as `Comment.origin`.
   */
  addComment(itemId: string, body: RichText, options?: CommentWriteOptions): Promise<Comment>;
  /** Replaces a comment's body (and its stamp, given an `origin`). Requires `capabilities.commentUpdates`. */
  updateComment?(itemId: string, commentId: string, body: RichText, options?: CommentWriteOptions): Promise<Comment>;
  /** Deletes a comment; one already gone is not an error. Requires `capabilities.commentDeletes`. */
  deleteComment?(itemId: string, commentId: string): Promise<void>;
  /**
   * Where a person opens an item in the system's web UI (Jira: `/browse/KEY`; Azure DevOps:
   * `/_workitems/edit/ID`). Optional: the twin of an item of a connector without it gets no back-link.
   */
  webUrl?(item: { id: string; key: string }): string;
  /** The field holding an item's title (Jira `summary`), used to title back-links. Optional. */
  readonly titleField?: string | undefined;
  /**
   * Shows a link to the item's twin on the item, keyed by the twin's system and id, so that a
   * second write (a retry after a lost answer, a key change) updates it and never adds another.
   * Requires `capabilities.backlinks`.
   */
  upsertBacklink?(itemId: string, twin: BacklinkTarget, options?: BacklinkWriteOptions): Promise<BacklinkWriteResult>;
  /** Removes the link to a twin (one already gone is not an error). Requires `capabilities.backlinks`. */
  removeBacklink?(itemId: string, twin: Pick<BacklinkTarget, 'system' | 'id'>): Promise<void>;
  /** The newest change in a project and type (the default polling start), or null when it has no items. */
  latestChange(project: string, type: string): Promise<Watermark | null>;
  /** Files attached to items. Requires `capabilities.attachments`. */
  readonly attachments?: ConnectorAttachments | undefined;
  /** Webhook deliveries and registrations. Optional: without it the item is synced by polling alone. */
  readonly webhooks?: ConnectorWebhooks | undefined;
  /** Releases sockets and timers. */
  close?(): Promise<void>;
}
