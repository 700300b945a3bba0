import { z } from 'zod';
import { fieldValueSchema, userRefSchema, type FieldValue, type UserRef } from './field.js';
import { richTextSchema, type RichText } from './rich-text.js';

/** One work item as read from a system. */
export interface WorkItem {
  /** The system's stable id (never reused). */
  id: string;
  /** A human key, where the system has one (`DEMO-12`); else the id. */
  key: string;
  /** A value that changes with every change of the item (Jira: updated timestamp + changelog id, ADO: `rev`). */
  revision: string;
  /** When it last changed (ISO-8601, UTC). */
  updatedAt: string;
  /** Who changed it last, when the system can tell. */
  updatedBy: UserRef | null;
  /** Field values by field id; only the fields asked for (plus any the connector always returns). */
  fields: Record<string, FieldValue>;
  /**
   * The origin stamp the item carries, when the engine created it as a copy of another
   * system's item (see `ConnectorCapabilities.originStamp`). Connectors that can read their
   * stamps fill it; with it the engine links a copy whose link was lost instead of copying it back.
   */
  origin?: OriginRef | undefined;
  /**
   * Where the item lives now, when the connector can tell: the names its project goes by (Jira:
   * key, id and name; Azure DevOps: name) and its entity type. An item moved out of a mapping's
   * project or type is no longer synced by it.
   */
  scope?: { projects: string[]; type: string } | undefined;
}

/** zod schema of {@link WorkItem}: connectors validate what they hand to the engine. */
export const workItemSchema = z.object({
  id: z.string().min(1),
  key: z.string().min(1),
  revision: z.string().min(1),
  updatedAt: z.string().datetime({ offset: true }),
  updatedBy: userRefSchema.nullable(),
  fields: z.record(z.string(), fieldValueSchema),
  origin: z.object({ system: z.string().min(1), id: z.string().min(1), key: z.string().optional() }).optional(),
  scope: z.object({ projects: z.array(z.string()), type: z.string() }).optional(),
});

/**
 * Where a synced item came from. Connectors stamp it on the items they create (a field,
 * label, tag or remote link: see `ConnectorCapabilities.originStamp`) so that an
 * interrupted create can be found again instead of repeated.
 */
export interface OriginRef {
  /** Configured id of the source system. */
  system: string;
  /** The source item's id. */
  id: string;
  /** The source item's key, for people. */
  key?: string;
  /** Where a person opens the source item (its system's `webUrl`), for connectors whose stamp is also a link to it. */
  url?: string;
}

/**
 * The stamp a copied comment carries: which comment it copies and which version of it.
 * Connectors keep it where a person cannot write it by typing (Jira: a comment property;
 * Azure DevOps: an attribute in the comment's HTML) and read it back on `listComments`.
 */
export interface CommentOrigin {
  /** Configured id of the system the source comment lives in. */
  system: string;
  /** The source comment's id. */
  commentId: string;
  /** A hash of the source comment's body the copy was written from (tells an edit since). */
  version: string;
}

/** zod schema of {@link CommentOrigin}. */
export const commentOriginSchema = z.object({
  system: z.string().min(1),
  commentId: z.string().min(1),
  version: z.string(),
});

/** A comment on a work item. */
export interface Comment {
  /** The system's id of the comment. */
  id: string;
  /** Id of the item it belongs to. */
  itemId: string;
  /** Who wrote it, when the system tells. */
  author: UserRef | null;
  /** When it was written (ISO-8601, UTC). */
  createdAt: string;
  /** Its content. */
  body: RichText;
  /** The stamp of a copy syncbridge wrote (see {@link CommentOrigin}); absent on a person's comment. */
  origin?: CommentOrigin;
}

/** zod schema of {@link Comment}. */
export const commentSchema = z.object({
  id: z.string().min(1),
  itemId: z.string().min(1),
  author: userRefSchema.nullable(),
  createdAt: z.string().datetime({ offset: true }),
  body: richTextSchema,
  origin: commentOriginSchema.optional(),
});
