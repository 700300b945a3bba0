import { z } from 'zod';
import { isRichText, normalizeRichText, richTextSchema, type RichText } from './rich-text.js';

/** The kinds of field syncbridge understands; each has one value form (see {@link FieldValue}). */
export const fieldKinds = [
  'text',
  'richText',
  'number',
  'boolean',
  'date',
  'datetime',
  'user',
  'lookup',
  'multiLookup',
  'reference',
] as const;

/** A field kind. */
export type FieldKind = (typeof fieldKinds)[number];

/**
 * A person as a field value or author. `id` is the system's own identifier (Jira
 * `accountId`, Azure DevOps `uniqueName`/descriptor); `email` is what user mapping matches on.
 */
export interface UserRef {
  id: string;
  email?: string | null;
  displayName?: string | null;
}

/** zod schema of {@link UserRef}. */
export const userRefSchema = z.object({
  id: z.string().min(1),
  email: z.string().nullish(),
  displayName: z.string().nullish(),
});

/** A link to another item in the same system (parent, epic, ...). */
export interface ItemReference {
  id: string;
  key?: string;
}

/**
 * The value of one field, by kind:
 * `text` string; `richText` {@link RichText}; `number` number; `boolean` boolean;
 * `date` `YYYY-MM-DD`; `datetime` ISO-8601 in UTC; `user` {@link UserRef};
 * `lookup` the value's name; `multiLookup` names; `reference` {@link ItemReference}.
 * `null` means empty.
 */
export type FieldValue = string | number | boolean | RichText | UserRef | ItemReference | string[] | null;

/** zod schema of {@link FieldValue} (structural; the kind is checked by the engine). */
export const fieldValueSchema: z.ZodType<FieldValue> = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.null(),
  z.array(z.string()),
  richTextSchema,
  // Before the user: a union keeps the first match, and a user's schema would drop the reference's key.
  z.strictObject({ id: z.string(), key: z.string() }),
  userRefSchema,
  z.object({ id: z.string(), key: z.string().optional() }),
]) as z.ZodType<FieldValue>;

/** One allowed value of a lookup field. */
export interface AllowedValue {
  /** The value's name, as written in value maps. */
  name: string;
  /** The system's own id for it, if it has one. */
  id?: string;
}

/** What a connector tells about one field of an entity type. */
export interface FieldDescriptor {
  /** The id the connector reads and writes it by (`summary`, `customfield_10010`, `System.Title`). */
  id: string;
  /** The name people see. */
  name: string;
  /** Its kind. */
  kind: FieldKind;
  /** Whether a create must set it. */
  required: boolean;
  /** Whether it can be written at all. @default true */
  writable?: boolean;
  /** Why it cannot be written, when `writable` is false (`Azure DevOps sets it itself`); `activate` shows it. */
  readOnlyReason?: string;
  /** For `lookup` and `multiLookup` fields with a closed set: the allowed values. */
  allowedValues?: AllowedValue[];
  /**
   * A regular expression (JavaScript source) every value must match to be stored; for
   * `multiLookup` fields each element (Jira labels: no white space; Azure DevOps tags: no `;`).
   * The engine never writes a value that does not match: it reports a field warning and
   * leaves the value on the side that has it.
   */
  valuePattern?: string;
  /** Whether the system treats values that differ only in case as one (Azure DevOps tags). @default false */
  caseInsensitive?: boolean;
}

/** zod schema of {@link FieldDescriptor}. */
export const fieldDescriptorSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  kind: z.enum(fieldKinds),
  required: z.boolean(),
  writable: z.boolean().optional(),
  readOnlyReason: z.string().optional(),
  allowedValues: z.array(z.object({ name: z.string(), id: z.string().optional() })).optional(),
  valuePattern: z.string().optional(),
  caseInsensitive: z.boolean().optional(),
});

/** Whether a value counts as empty (null, blank text, empty list, empty document). */
export function isEmptyValue(value: FieldValue | undefined): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.length === 0;
  // Normalized once per document (see `normalizeRichText`): comparing it later takes the same form.
  if (isRichText(value)) return normalizeRichText(value).content.length === 0;
  return false;
}

/** Canonical form of a value for comparison: empties become null, lists are sorted, users compare by id. */
export function canonicalValue(value: FieldValue | undefined): unknown {
  if (isRichText(value)) {
    const normal = normalizeRichText(value);
    return normal.content.length === 0 ? null : normal;
  }
  if (isEmptyValue(value)) return null;
  if (Array.isArray(value)) return [...new Set(value)].sort();
  if (typeof value === 'object' && value !== null && 'id' in value) {
    return 'key' in value || !('email' in value || 'displayName' in value) ? { id: value.id } : { user: value.id };
  }
  if (typeof value === 'string') return value.replace(/\r\n/g, '\n');
  return value;
}

/** Whether two canonical values are the same JSON (key order and undefined members aside), without writing it out. */
function sameJson(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null)
    return typeof x !== 'string' && typeof y !== 'string' && JSON.stringify(x) === JSON.stringify(y);
  if (Array.isArray(x) || Array.isArray(y)) {
    if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!sameJson(x[i], y[i])) return false;
    return true;
  }
  // Compared member by member, with no arrays or closures made: documents are compared for every field written.
  const a = x as Record<string, unknown>;
  const b = y as Record<string, unknown>;
  let members = 0;
  for (const k of Object.keys(a)) {
    if (a[k] === undefined) continue;
    if (b[k] === undefined || !sameJson(a[k], b[k])) return false;
    members++;
  }
  for (const k of Object.keys(b)) if (b[k] !== undefined) members--;
  return members === 0;
}

/** Whether two field values mean the same (see {@link canonicalValue}). */
export function valuesEqual(a: FieldValue | undefined, b: FieldValue | undefined): boolean {
  if (a === b) return true;
  return sameJson(canonicalValue(a), canonicalValue(b));
}

export type { RichText };
