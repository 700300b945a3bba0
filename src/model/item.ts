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
}

/** A comment on a work item. */
export interface Comment {
  id: string;
  /** Id of the item it belongs to. */
  itemId: string;
  author: UserRef | null;
  createdAt: string;
  body: RichText;
}

/** zod schema of {@link Comment}. */
export const commentSchema = z.object({
  id: z.string().min(1),
  itemId: z.string().min(1),
  author: userRefSchema.nullable(),
  createdAt: z.string().datetime({ offset: true }),
  body: richTextSchema,
});
