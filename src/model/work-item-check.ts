import type { FieldValue } from './field.js';
import { type WorkItem, workItemSchema } from './item.js';

/*
 * A hand-written check of field values in the exact shape `fieldValueSchema` hands back: every
 * member known, none `undefined`. Such a value parses to an equal one, so it can be kept as it
 * is; anything else (a wrong value, an unknown member zod would drop) goes through the schema.
 * Connectors read thousands of items a page, most of them with a description: walking a
 * document by hand costs a fraction of what the schema's unions cost.
 */

type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether an object has exactly `count` members, none `undefined`. */
function membersAre(o: Obj, count: number): boolean {
  let n = 0;
  for (const key in o) {
    if (o[key] === undefined) return false;
    n++;
  }
  return n === count;
}

const optional = (o: Obj, key: string): number => (key in o ? 1 : 0);

const plainMarks = new Set(['strong', 'em', 'code', 'strike', 'underline']);

function isMark(m: unknown): boolean {
  if (!isObject(m)) return false;
  if (m.type === 'link') return typeof m.href === 'string' && membersAre(m, 2);
  return plainMarks.has(m.type as string) && membersAre(m, 1);
}

function isInline(n: unknown): boolean {
  if (!isObject(n)) return false;
  switch (n.type) {
    case 'text':
      return (
        typeof n.text === 'string' &&
        (!('marks' in n) || (Array.isArray(n.marks) && n.marks.every(isMark))) &&
        membersAre(n, 2 + optional(n, 'marks'))
      );
    case 'hardBreak':
      return membersAre(n, 1);
    case 'mention':
      return typeof n.id === 'string' && typeof n.text === 'string' && membersAre(n, 3);
    case 'image':
      return 'attachment' in n
        ? typeof n.attachment === 'string' && membersAre(n, 2)
        : typeof n.src === 'string' &&
            (!('alt' in n) || typeof n.alt === 'string') &&
            membersAre(n, 2 + optional(n, 'alt'));
    default:
      return false;
  }
}

const isList = (v: unknown, each: (x: unknown) => boolean): boolean => Array.isArray(v) && v.every(each);
const isBlocks = (v: unknown): boolean => isList(v, isBlock);

function isCell(c: unknown): boolean {
  return (
    isObject(c) &&
    (!('header' in c) || typeof c.header === 'boolean') &&
    isBlocks(c.content) &&
    membersAre(c, 1 + optional(c, 'header'))
  );
}

function isBlock(b: unknown): boolean {
  if (!isObject(b)) return false;
  switch (b.type) {
    case 'paragraph':
    case 'blockquote':
      return (b.type === 'paragraph' ? isList(b.content, isInline) : isBlocks(b.content)) && membersAre(b, 2);
    case 'heading':
      return (
        typeof b.level === 'number' &&
        Number.isInteger(b.level) &&
        b.level >= 1 &&
        b.level <= 6 &&
        isList(b.content, isInline) &&
        membersAre(b, 3)
      );
    case 'bulletList':
      return isList(b.items, isBlocks) && membersAre(b, 2);
    case 'orderedList':
      return (
        (!('start' in b) || (Number.isSafeInteger(b.start) && (b.start as number) >= 0)) &&
        isList(b.items, isBlocks) &&
        membersAre(b, 2 + optional(b, 'start'))
      );
    case 'codeBlock':
      return (
        typeof b.text === 'string' &&
        (!('language' in b) || typeof b.language === 'string') &&
        membersAre(b, 2 + optional(b, 'language'))
      );
    case 'rule':
      return membersAre(b, 1);
    case 'table':
      return (
        isList(b.rows, (row) => isObject(row) && isList(row.cells, isCell) && membersAre(row, 1)) && membersAre(b, 2)
      );
    default:
      return false;
  }
}

const nullableString = (v: unknown): boolean => v === null || typeof v === 'string';

/** A person's members besides its id: `email` and `displayName`, each a string or `null`, and no other. */
const isPersonRest = (o: Obj): boolean =>
  (!('email' in o) || nullableString(o.email)) &&
  (!('displayName' in o) || nullableString(o.displayName)) &&
  membersAre(o, 1 + optional(o, 'email') + optional(o, 'displayName'));

/** Whether a value is a {@link FieldValue} that `fieldValueSchema` hands back unchanged. */
function isCleanFieldValue(v: unknown): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v);
    case 'object': {
      if (v === null) return true;
      if (Array.isArray(v)) return v.every((x) => typeof x === 'string');
      const o = v as Obj;
      if (o.type === 'doc') return isBlocks(o.content) && membersAre(o, 2);
      if (typeof o.id !== 'string') return false;
      // A reference: `{ id, key }`; a person: `{ id, email?, displayName? }` (an id, as the schema's union tries the person first).
      if ('key' in o) return typeof o.key === 'string' && membersAre(o, 2);
      return (o.id !== '' || membersAre(o, 1)) && isPersonRest(o);
    }
    default:
      return false;
  }
}

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v !== '';
const updatedAtSchema = workItemSchema.shape.updatedAt;

/** `userRefSchema`: `{ id, email?, displayName? }` with a non-empty id. */
const isCleanUser = (u: unknown): boolean => isObject(u) && nonEmpty(u.id) && isPersonRest(u);

const isCleanOrigin = (o: unknown): boolean =>
  isObject(o) &&
  nonEmpty(o.system) &&
  nonEmpty(o.id) &&
  (!('key' in o) || typeof o.key === 'string') &&
  membersAre(o, 2 + optional(o, 'key'));

const isCleanScope = (s: unknown): boolean =>
  isObject(s) && isList(s.projects, (p) => typeof p === 'string') && typeof s.type === 'string' && membersAre(s, 2);

/** Whether an item's members other than its fields are what the schema hands back unchanged (it drops others: so does {@link parseWorkItem}). */
function isCleanShell(item: Obj): boolean {
  return (
    nonEmpty(item.id) &&
    nonEmpty(item.key) &&
    nonEmpty(item.revision) &&
    typeof item.updatedAt === 'string' &&
    updatedAtSchema.safeParse(item.updatedAt).success &&
    (item.updatedBy === null || isCleanUser(item.updatedBy)) &&
    (!('origin' in item) || isCleanOrigin(item.origin)) &&
    (!('scope' in item) || isCleanScope(item.scope))
  );
}

/**
 * `workItemSchema.safeParse(candidate)`, for connectors handing many items to the engine: the
 * same outcome (the same data, or the same problem), but a candidate already in shape is checked
 * by hand and handed back with its members as they are, which costs a fraction of the schema's
 * unions on rich text.
 */
export function parseWorkItem(candidate: unknown): ReturnType<typeof workItemSchema.safeParse> {
  if (!isObject(candidate) || !isObject(candidate.fields) || !isCleanShell(candidate))
    return workItemSchema.safeParse(candidate);
  const { fields } = candidate;
  for (const key in fields) if (!isCleanFieldValue(fields[key])) return workItemSchema.safeParse(candidate);
  const { id, key, revision, updatedAt, updatedBy, origin, scope } = candidate;
  const data = { id, key, revision, updatedAt, updatedBy, fields, ...('origin' in candidate ? { origin } : {}) };
  return { success: true, data: ('scope' in candidate ? { ...data, scope } : data) as WorkItem };
}
