import { z } from 'zod';
import { AdoSimError, badRequest } from './errors.js';
import type { SimRelation, SimWorkItem } from './state.js';

const operations = ['add', 'remove', 'replace', 'move', 'copy', 'test'] as const;

/** One JSON Patch operation as the service accepts it: `op` by name or by its enum number (the .NET and node clients send `0` for add). */
const patchOperationSchema = z.object({
  op: z.preprocess(
    (op) => (typeof op === 'number' ? operations[op] : typeof op === 'string' ? op.toLowerCase() : op),
    z.enum(operations),
  ),
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
  return m
    ? decodeURIComponent(m[1] as string)
        .replace(/~1/g, '/')
        .replace(/~0/g, '~')
    : undefined;
}

function sameValue(actual: unknown, expected: unknown): boolean {
  if (actual === expected) return true;
  if (actual === undefined || actual === null) return expected === null || expected === undefined;
  return String(actual) === String(expected);
}

const relationSchema = z.object({
  rel: z.string().min(1),
  url: z.string().min(1),
  attributes: z.record(z.string(), z.unknown()).nullish(),
});

/** What a JSON Patch document changes: fields (`null` clears one), and the relations when it touched them. */
export interface PatchChanges {
  fields: Record<string, unknown>;
  /** The item's relations after the patch; absent when the patch touched none. */
  relations?: SimRelation[];
}

/**
 * Applies relation operations: `add /relations/-` appends (a second relation of the same kind
 * and URL is refused, as the service does), `remove /relations/{index}` removes, `replace
 * /relations/{index}/attributes` replaces the attributes (a relation's URL cannot change).
 */
function patchRelation(relations: SimRelation[], op: { op: string; path: string; value?: unknown }): void {
  const at = /^\/relations\/(-|\d+)(\/attributes)?$/.exec(op.path);
  if (!at) throw badRequest(`VS403352: The path '${op.path}' is not supported.`, 'PatchOperationFailedException');
  const index = at[1] === '-' ? -1 : Number(at[1]);
  if (index >= relations.length)
    throw badRequest(`VS403354: The relation at index ${index} does not exist.`, 'PatchOperationFailedException');
  if (op.op === 'add' && index === -1 && !at[2]) {
    const parsed = relationSchema.safeParse(op.value);
    if (!parsed.success) throw badRequest('VS402324: A relation needs rel and url.', 'PatchOperationFailedException');
    const { rel, url, attributes } = parsed.data;
    if (relations.some((r) => r.rel === rel && r.url.toLowerCase() === url.toLowerCase()))
      throw badRequest(`TF201035: The ${rel} relation to ${url} already exists.`, 'WorkItemLinkAlreadyExistsException');
    relations.push({ rel, url, attributes: attributes ?? {} });
  } else if (op.op === 'remove' && index >= 0 && !at[2]) relations.splice(index, 1);
  else if ((op.op === 'replace' || op.op === 'add') && index >= 0 && at[2])
    (relations[index] as SimRelation).attributes = z.record(z.string(), z.unknown()).parse(op.value ?? {});
  else
    throw badRequest(`VS403352: The path '${op.path}' is not supported for ${op.op}.`, 'PatchOperationFailedException');
}

/**
 * Turns a JSON Patch document into field and relation changes, running its `test` operations
 * against the item first: a failed test answers 412 like the service
 * (`TestPatchOperationFailedException`, VS403351), which is how optimistic concurrency on
 * `/rev` works. Paths other than `/rev`, `/id`, `/fields/*` and `/relations/*` are refused.
 */
export function applyPatch(item: SimWorkItem | undefined, body: unknown): PatchChanges {
  const parsed = patchDocumentSchema.safeParse(body);
  if (!parsed.success)
    throw badRequest(
      'VS402323: The request body must be a JSON Patch document (an array of {op, path, value}).',
      'PatchOperationFailedException',
    );
  if (parsed.data.length === 0)
    throw badRequest('VS403357: The JSON Patch document is empty.', 'PatchOperationFailedException');
  const changes: Record<string, unknown> = {};
  let relations: SimRelation[] | undefined;
  const current = (path: string): unknown => {
    if (path === '/rev') return item?.rev;
    if (path === '/id') return item?.id;
    const field = fieldOfPath(path);
    if (field === undefined)
      throw badRequest(`VS403352: The path '${path}' is not supported.`, 'PatchOperationFailedException');
    return field in changes ? changes[field] : item?.fields[field];
  };
  for (const op of parsed.data) {
    if (op.op === 'test') {
      const actual = current(op.path);
      if (!sameValue(actual, op.value)) {
        throw new AdoSimError(
          412,
          `VS403351: Test Operation for path ${op.path} failed, value ${String(actual)} was not equal to test value ${String(op.value)}.`,
          'TestPatchOperationFailedException',
        );
      }
      continue;
    }
    if (op.path.startsWith('/relations/')) {
      relations ??= (item?.relations ?? []).map((r) => ({ ...r }));
      patchRelation(relations, op);
      continue;
    }
    const target = fieldOfPath(op.path);
    if (target === undefined)
      throw badRequest(
        `VS403352: The path '${op.path}' is not supported for ${op.op}.`,
        'PatchOperationFailedException',
      );
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
        if (!op.from)
          throw badRequest(`VS403353: The ${op.op} operation needs 'from'.`, 'PatchOperationFailedException');
        changes[target] = current(op.from) ?? null;
        const source = fieldOfPath(op.from);
        if (op.op === 'move' && source) changes[source] = null;
        break;
      }
    }
  }
  return relations ? { fields: changes, relations } : { fields: changes };
}
