import { SyncbridgeError, type FieldDescriptor, type FieldKind, type FieldValue, type UserRef } from 'syncbridge';
import { isRichText, richTextFromPlain, type AttachmentUrl } from 'syncbridge/connector-kit';
import { z } from 'zod';
import { identityRefSchema, listOf } from './client.js';
import { htmlToRichText, richTextToHtml } from './rich-text.js';

/** A field of the organization as `GET {project}/_apis/wit/fields` reports it. */
const adoFieldSchema = z.object({
  referenceName: z.string(),
  name: z.string(),
  type: z.string(),
  readOnly: z.boolean().optional(),
});

/** A field of a work item type with its allowed values (`workitemtypes/{type}/fields?$expand=allowedValues`). */
const typeFieldSchema = z.object({
  referenceName: z.string(),
  name: z.string(),
  alwaysRequired: z.boolean().optional(),
  allowedValues: z.array(z.union([z.string(), z.number()])).nullish(),
});

/** The list responses of both. */
export const adoFieldListSchema = listOf(adoFieldSchema);
export const typeFieldListSchema = listOf(typeFieldSchema);

/** What the connector knows about one field of one work item type. */
export interface FieldMeta {
  referenceName: string;
  name: string;
  /** The service's data type (`string`, `integer`, `html`, `identity`, `treePath`, ...). */
  type: string;
  kind: FieldKind;
  required: boolean;
  writable: boolean;
  /** Why it cannot be written, when `writable` is false. */
  readOnlyReason?: string;
  allowedValues: string[];
}

/** Fields the service sets itself. */
const serviceManaged = new Set([
  'System.Id',
  'System.Rev',
  'System.CreatedDate',
  'System.CreatedBy',
  'System.ChangedDate',
  'System.ChangedBy',
  'System.TeamProject',
  'System.WorkItemType',
  'System.CommentCount',
  'System.Reason',
  'System.AuthorizedDate',
  'System.RevisedDate',
  'System.Watermark',
]);

/** The core kind of an Azure DevOps field. */
export function kindOf(referenceName: string, type: string, allowedValues: readonly unknown[]): FieldKind | undefined {
  if (referenceName === 'System.Tags') return 'multiLookup';
  switch (type) {
    case 'history':
      return undefined;
    case 'identity':
      return 'user';
    case 'html':
      return 'richText';
  }
  if (allowedValues.length > 0) return 'lookup';
  switch (type) {
    case 'integer':
    case 'double':
      return 'number';
    case 'dateTime':
      return 'datetime';
    case 'boolean':
      return 'boolean';
    default:
      return 'text';
  }
}

/** Joins the organization's field catalog with a type's fields. */
export function buildFieldMeta(
  catalog: z.infer<typeof adoFieldSchema>[],
  typeFields: z.infer<typeof typeFieldSchema>[],
): Map<string, FieldMeta> {
  const byRef = new Map(catalog.map((f) => [f.referenceName, f]));
  const out = new Map<string, FieldMeta>();
  for (const tf of typeFields) {
    const field = byRef.get(tf.referenceName);
    const allowed = (tf.allowedValues ?? []).map(String);
    const kind = kindOf(tf.referenceName, field?.type ?? 'string', allowed);
    if (!kind) continue;
    out.set(tf.referenceName, {
      referenceName: tf.referenceName,
      name: tf.name,
      type: field?.type ?? 'string',
      kind,
      required: tf.alwaysRequired === true && !serviceManaged.has(tf.referenceName),
      writable: !(field?.readOnly ?? false) && !serviceManaged.has(tf.referenceName),
      ...(serviceManaged.has(tf.referenceName)
        ? { readOnlyReason: 'Azure DevOps sets it itself' }
        : field?.readOnly
          ? { readOnlyReason: 'a read-only field of Azure DevOps' }
          : {}),
      allowedValues: allowed,
    });
  }
  return out;
}

/**
 * What one tag may be: `;` separates tags in `System.Tags` and `,` does too when the service
 * splits a value, and white space around a tag is dropped; so a tag holding either separator,
 * or starting or ending with white space, would not read back as written.
 */
export const tagPattern = '^[^;,\\s](?:[^;,]*[^;,\\s])?$';

/** The field descriptors `listFields` returns (tags: the pattern above, compared without case). */
export function toDescriptors(meta: Map<string, FieldMeta>): FieldDescriptor[] {
  return [...meta.values()].map((m) => ({
    id: m.referenceName,
    name: m.name,
    kind: m.kind,
    required: m.required,
    writable: m.writable,
    ...(m.readOnlyReason ? { readOnlyReason: m.readOnlyReason } : {}),
    ...(m.allowedValues.length ? { allowedValues: m.allowedValues.map((name) => ({ name })) } : {}),
    ...(m.referenceName === 'System.Tags' ? { valuePattern: tagPattern, caseInsensitive: true } : {}),
  }));
}

/** An identity value (an `IdentityRef`, or the older `Name <mail>` string) as a user. */
export function userFromAdo(value: unknown): UserRef | null {
  if (typeof value === 'string') {
    const m = /^(.*?)\s*<([^>]+)>\s*$/.exec(value);
    const id = m ? (m[2] as string) : value;
    return { id, email: id.includes('@') ? id : null, displayName: m ? (m[1] as string) : value };
  }
  const parsed = identityRefSchema.safeParse(value);
  if (!parsed.success) return null;
  const id = parsed.data.uniqueName ?? parsed.data.id;
  if (!id) return null;
  return { id, email: id.includes('@') ? id : null, displayName: parsed.data.displayName ?? null };
}

/** Splits a `"a; b"` tags value, leaving out tags `hidden` says to. */
export function splitTags(value: unknown, hidden: (tag: string) => boolean = () => false): string[] {
  if (typeof value !== 'string') return [];
  return value
    .split(';')
    .map((t) => t.trim())
    .filter((t) => t.length > 0 && !hidden(t));
}

/** Converts a value read from Azure DevOps to the core's form for its kind. */
export function valueFromAdo(
  meta: FieldMeta | undefined,
  value: unknown,
  hiddenTag: (tag: string) => boolean,
): FieldValue {
  if (value === undefined || value === null || value === '') return meta?.kind === 'multiLookup' ? [] : null;
  switch (meta?.kind) {
    case 'user':
      return userFromAdo(value);
    case 'multiLookup':
      return splitTags(value, hiddenTag);
    case 'richText':
      return htmlToRichText(String(value));
    case 'lookup':
    case 'text':
      return String(value);
    case 'number':
      return Number(value);
    case 'boolean':
      return value === true || value === 'true' || value === 'True';
    case 'datetime':
      return new Date(String(value)).toISOString();
    default:
      return typeof value === 'object' ? userFromAdo(value) : (value as FieldValue);
  }
}

/** The service's explanation of a value outside a field's list (rule `LimitedToValues`, TF401320). */
export function notSupported(fieldName: string, value: unknown): string {
  return `The field '${fieldName}' contains the value '${String(value)}' that is not in the list of supported values`;
}

/** Converts a core value to what a JSON Patch `add` sends; `''` clears a field; images in rich text point where `attachmentUrl` says. */
export function valueToAdo(meta: FieldMeta, value: FieldValue, attachmentUrl?: AttachmentUrl): unknown {
  if (value === null) return '';
  const wrong = () =>
    new SyncbridgeError(
      'VALIDATION',
      `Field ${meta.referenceName} (${meta.kind}) cannot take the value ${JSON.stringify(value).slice(0, 80)}`,
      { details: { field: meta.referenceName } },
    );
  switch (meta.kind) {
    case 'user':
      if (typeof value !== 'object' || Array.isArray(value) || !('id' in value)) throw wrong();
      return value.id;
    case 'multiLookup':
      if (!Array.isArray(value)) throw wrong();
      return value.join('; ');
    case 'richText':
      if (typeof value === 'string') return richTextToHtml(richTextFromPlain(value));
      if (!isRichText(value)) throw wrong();
      return richTextToHtml(value, attachmentUrl);
    case 'lookup': {
      if (typeof value !== 'string' && typeof value !== 'number') throw wrong();
      const allowed = meta.allowedValues.find((a) => a.toLowerCase() === String(value).toLowerCase());
      if (meta.allowedValues.length && !allowed) {
        throw new SyncbridgeError(
          'VALIDATION',
          `${notSupported(meta.name, value)}; allowed: ${meta.allowedValues.join(', ')}`,
          { details: { field: meta.referenceName, allowed: meta.allowedValues } },
        );
      }
      return meta.type === 'integer' || meta.type === 'double' ? Number(value) : (allowed ?? String(value));
    }
    default:
      if (typeof value === 'object') throw wrong();
      return value;
  }
}
