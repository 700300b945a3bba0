import { z } from 'zod';
import { AdoSimError, badRequest } from './errors.js';
import type { SimWorkItem } from './state.js';

const operations = ['add', 'remove', 'replace', 'move', 'copy', 'test'] as const;

/** One JSON Patch operation as the service accepts it: `op` by name or by its enum number (the .NET and node clients send `0` for add). */
const patchOperationSchema = z.object({
  op: z.preprocess((op) => (typeof op === 'number' ? operations[op] : typeof op === 'string' ? op.toLowerCase() : op), z.enum(operations)),
  path: z.string(),
  from: z.string().nullish(),
  value: z.unknown().optional(),
});

/** A JSON Patch document. */
const patchDocumentSchema = z.array(patchOperationSchema);

/** A JSON Patch document. */
export type PatchDocument = z.infer<typeof patchDocumentSchema>;

function fieldOfPath(path: string): string | undefined {
  const m = /^\/fields\/(.+)$/.exec(path);
  return m ? decodeURIComponent(m[1] as string).replace(/~1/g, '/').replace(/~0/g, '~') : undefined;
}

function sameValue(actual: unknown, expected: unknown): boolean {
  if (actual === expected) return true;
  if (actual === undefined || actual === null) return expected === null || expected === undefined;
  return String(actual) === String(expected);
}

/**
 * Turns a JSON Patch document into field changes (`null` clears a field), running its
 * `test` operations against the item first: a failed test answers 412 like the service
 * (`TestPatchOperationFailedException`, VS403351), which is how optimistic concurrency on
 * `/rev` works. Paths other than `/rev`, `/id` and `/fields/*` are refused.
 */
export function applyPatch(item: SimWorkItem | undefined, body: unknown): Record<string, unknown> {
  const parsed = patchDocumentSchema.safeParse(body);
  if (!parsed.success) throw badRequest('VS402323: The request body must be a JSON Patch document (an array of {op, path, value}).', 'PatchOperationFailedException');
  if (parsed.data.length === 0) throw badRequest('VS403357: The JSON Patch document is empty.', 'PatchOperationFailedException');
  const changes: Record<string, unknown> = {};
  const current = (path: string): unknown => {
    if (path === '/rev') return item?.rev;
    if (path === '/id') return item?.id;
    const field = fieldOfPath(path);
    if (field === undefined) throw badRequest(`VS403352: The path '${path}' is not supported.`, 'PatchOperationFailedException');
    return field in changes ? changes[field] : item?.fields[field];
  };
  for (const op of parsed.data) {
    if (op.op === 'test') {
      const actual = current(op.path);
      if (!sameValue(actual, op.value)) {
        throw new AdoSimError(412, `VS403351: Test Operation for path ${op.path} failed, value ${String(actual)} was not equal to test value ${String(op.value)}.`, 'TestPatchOperationFailedException');
      }
      continue;
    }
    const target = fieldOfPath(op.path);
    if (target === undefined) throw badRequest(`VS403352: The path '${op.path}' is not supported for ${op.op}.`, 'PatchOperationFailedException');
    switch (op.op) {
      case 'add':
      case 'replace':
        changes[target] = op.value ?? null;
        break;
      case 'remove':
        changes[target] = null;
        break;
      case 'copy':
      case 'move': {
        if (!op.from) throw badRequest(`VS403353: The ${op.op} operation needs 'from'.`, 'PatchOperationFailedException');
        changes[target] = current(op.from) ?? null;
        const source = fieldOfPath(op.from);
        if (op.op === 'move' && source) changes[source] = null;
        break;
      }
    }
  }
  return changes;
}
