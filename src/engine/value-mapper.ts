import type { FieldMappingConfig } from '../config/schema.js';
import { compareLinkIds } from '../connector/connector.js';
import { SyncbridgeError } from '../errors/syncbridge-error.js';
import {
  isEmptyValue,
  type FieldDescriptor,
  type FieldValue,
  type ItemReference,
  type UserRef,
} from '../model/field.js';
import { isRichText, richTextFromPlain, richTextToPlain } from '../model/rich-text.js';
import type { Direction, ValueMap } from '../model/value-map.js';
import type { Side } from '../state/state-store.js';
import type { Twin } from './link-fields.js';
import type { UserResolver } from './users.js';

/** A field mapping with its value map resolved. */
export interface CompiledField {
  /** Position in the config (`fields[i]`), for messages. */
  index: number;
  config: FieldMappingConfig;
  valueMap: ValueMap | undefined;
  /** For a link field (`links[i]`, `parent`): where it is configured, and what a link to an item not synced yet does. */
  link?: { path: string; onMissingTarget: 'wait' | 'fail' } | undefined;
}

/** Whether a field mapping carries values in a direction. */
export function flows(field: CompiledField, direction: Direction): boolean {
  return field.config.direction === 'both' || field.config.direction === direction;
}

/**
 * The outcome of mapping one value: a value to write, or leave the target field alone. A link
 * field's value names items by id; `pending` lists the source's ids that have no twin yet, left
 * out of `value` (a parent without a twin maps to null: not a value to write).
 */
export type MappedValue = { write: true; value: FieldValue; pending?: string[] } | { write: false; reason: string };

/** Finds the twin, on the target side, of an item the source side names by id. */
export type TwinLookup = (sourceId: string) => Promise<Twin | undefined>;

const isReference = (v: FieldValue): v is ItemReference =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && 'id' in v && 'key' in v;

/** A link field's value with each item replaced by its twin, and the items that have none yet. */
async function translateLinks(value: FieldValue, twins: TwinLookup): Promise<{ value: FieldValue; pending: string[] }> {
  const pending: string[] = [];
  const twin = async (id: string) => {
    const found = await twins(id);
    if (!found) pending.push(id);
    return found;
  };
  if (Array.isArray(value)) {
    const out: string[] = [];
    for (const id of value) {
      const found = await twin(id);
      if (found) out.push(found.id);
    }
    return { value: out.sort(compareLinkIds), pending };
  }
  if (isReference(value)) {
    const found = await twin(value.id);
    return { value: found ? { id: found.id, key: found.key } : null, pending };
  }
  return { value, pending };
}

const isUser = (v: FieldValue): v is UserRef =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && 'id' in v && !('key' in v) && !isRichText(v);

function convertKind(value: FieldValue, target: FieldDescriptor | undefined): FieldValue {
  if (value === null || !target) return value;
  if (target.kind === 'text' && isRichText(value)) return richTextToPlain(value);
  if (target.kind === 'richText' && typeof value === 'string') return richTextFromPlain(value);
  if (target.kind === 'number' && typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)))
    return Number(value);
  if ((target.kind === 'text' || target.kind === 'lookup') && typeof value === 'number') return String(value);
  if (target.kind === 'multiLookup' && typeof value === 'string')
    return value
      .split(/[;,]/)
      .map((s) => s.trim())
      .filter(Boolean);
  if (target.kind === 'lookup' && Array.isArray(value)) return value[0] ?? null;
  // A datetime written to a date field keeps its UTC day; a date becomes midnight UTC.
  if (target.kind === 'date' && typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value))
    return new Date(value).toISOString().slice(0, 10);
  if (target.kind === 'datetime' && typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value))
    return `${value}T00:00:00.000Z`;
  return value;
}

/** Context of a value's mapping, as {@link mapValue} takes it. */
interface MapContext {
  users: UserResolver;
  targetField: FieldDescriptor | undefined;
  mappingName: string;
  /** For a link field: the twins of the items it names. */
  twins?: TwinLookup | undefined;
}

/** The field in messages: where it is configured. */
const where = (field: CompiledField, context: MapContext) =>
  `mappings[${context.mappingName}].fields[${field.index}] (${field.config.left} ↔ ${field.config.right})`;

/** A field's default for the target side; for a user field, the user it names there. */
async function defaultValue(field: CompiledField, target: Side, context: MapContext): Promise<MappedValue> {
  const fallback = field.config.default?.[target];
  if (context.targetField?.kind !== 'user' || (typeof fallback !== 'string' && !isUser(fallback ?? null)))
    return { write: true, value: fallback ?? null };
  const reference = typeof fallback === 'string' ? fallback : ((fallback as UserRef).email ?? (fallback as UserRef).id);
  const user = await context.users.reference(reference, target);
  if (!user)
    throw new SyncbridgeError(
      'USER_UNMATCHED',
      `${where(field, context)}: the default user "${reference}" does not exist on the ${target} side`,
      { details: { field: field.config[target] } },
    );
  return { write: true, value: user };
}

/**
 * Maps one source value to the target side: users (value map, then e-mail), value maps,
 * the transform, kind conversion, then the default rule. Throws a typed error naming the
 * field, value or user when the value cannot be mapped.
 */
export async function mapValue(
  field: CompiledField,
  value: FieldValue | undefined,
  direction: Direction,
  context: MapContext,
): Promise<MappedValue> {
  const target: Side = direction === 'leftToRight' ? 'right' : 'left';
  const { config } = field;
  const sourceId = direction === 'leftToRight' ? config.left : config.right;
  const targetId = config[target];
  const fallback = config.default?.[target];
  let mapped: FieldValue = value ?? null;

  if (field.link) {
    // An id of one system is meaningless in the other: a link field is never written untranslated.
    if (!context.twins)
      throw new SyncbridgeError('INTERNAL', `${where(field, context)}: a link field mapped without its twins`);
    const translated = await translateLinks(mapped, context.twins);
    return translated.pending.length > 0
      ? { write: true, value: translated.value, pending: translated.pending }
      : { write: true, value: translated.value };
  }

  if (isUser(mapped)) {
    const user: UserRef = mapped;
    const found = await context.users.resolve(user, target);
    if (!found) {
      if (fallback !== undefined && config.default?.applyWhen === 'sourceEmptyOrUnmatchedUser')
        return defaultValue(field, target, context);
      if (config.onUnmatchedUser === 'skipField')
        return { write: false, reason: `no ${target} user matches ${user.displayName ?? user.id}` };
      throw new SyncbridgeError(
        'USER_UNMATCHED',
        `${where(field, context)}: user "${user.displayName ?? user.id}" (${user.email ?? 'e-mail not visible'}, id ${user.id}) has no matching user on the ${target} side. Add the user to the user map, set a default with applyWhen: sourceEmptyOrUnmatchedUser, or set onUnmatchedUser: skipField.`,
        {
          details: {
            field: targetId,
            user: { id: user.id, email: user.email ?? null, displayName: user.displayName ?? null },
          },
        },
      );
    }
    mapped = found;
  } else if (field.valueMap && !isEmptyValue(mapped)) {
    const map = field.valueMap;
    if (typeof mapped === 'string' || typeof mapped === 'number')
      mapped = map.apply(String(mapped), direction, sourceId);
    else if (Array.isArray(mapped)) mapped = [...new Set(mapped.map((v) => map.apply(v, direction, sourceId)))];
  }

  const transform = config.transform?.[direction];
  if (transform) mapped = transform(mapped, { direction, field: sourceId });
  mapped = convertKind(mapped, context.targetField);
  if (isEmptyValue(mapped) && fallback !== undefined) return defaultValue(field, target, context);
  return { write: true, value: mapped };
}
