import type { FieldValue } from 'syncbridge';
import type { AttachmentUrl } from 'syncbridge/connector-kit';
import { valueToAdo, type FieldMeta } from './fields.js';

/** One JSON Patch operation as Azure DevOps takes it. */
export interface PatchOperation {
  op: 'add' | 'remove' | 'replace' | 'test';
  path: string;
  value?: unknown;
}

/** The JSON Patch path of a field. */
export function fieldPath(referenceName: string): string {
  return `/fields/${referenceName.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

/** A JSON Patch document, and the fields whose values could not be put in it (by reference name, with why). */
export interface BuiltPatch {
  ops: PatchOperation[];
  refused: Record<string, string>;
}

/**
 * Builds the JSON Patch document of a create or update: a `test` of `/rev` first when an
 * expected revision is given (a concurrent edit then fails with 412 instead of being
 * overwritten), then one `add` per field (which sets or replaces; `''` clears). A value the
 * field cannot take (one outside its allowed values, say) is left out and named in `refused`.
 */
export function buildPatch(
  fields: Record<string, FieldValue>,
  meta: Map<string, FieldMeta>,
  options: {
    expectedRevision?: string | undefined;
    tags?: string | undefined;
    attachmentUrl?: AttachmentUrl | undefined;
  } = {},
): BuiltPatch {
  const ops: PatchOperation[] = [];
  const refused: Record<string, string> = {};
  if (options.expectedRevision !== undefined)
    ops.push({ op: 'test', path: '/rev', value: Number(options.expectedRevision) });
  for (const [id, value] of Object.entries(fields)) {
    if (id === 'System.Tags') continue;
    const m = meta.get(id) ?? {
      referenceName: id,
      name: id,
      type: 'string',
      kind: 'text' as const,
      required: false,
      writable: true,
      allowedValues: [],
    };
    try {
      ops.push({ op: 'add', path: fieldPath(id), value: valueToAdo(m, value, options.attachmentUrl) });
    } catch (error) {
      refused[id] = error instanceof Error ? error.message : String(error);
    }
  }
  if (options.tags !== undefined) ops.push({ op: 'add', path: fieldPath('System.Tags'), value: options.tags });
  return { ops, refused };
}
