import { valuesEqual, type FieldDescriptor, type FieldValue } from '../model/field.js';
import type { Side } from '../state/state-store.js';

const fold = (value: FieldValue | undefined, descriptor: FieldDescriptor | undefined): FieldValue | undefined => {
  if (!descriptor?.caseInsensitive) return value;
  if (typeof value === 'string') return value.toLowerCase();
  if (Array.isArray(value)) return value.map((v) => v.toLowerCase());
  return value;
};

/** Whether two values of one field mean the same there (a case-insensitive field ignores case). */
export function sameValue(
  a: FieldValue | undefined,
  b: FieldValue | undefined,
  descriptor: FieldDescriptor | undefined,
): boolean {
  return valuesEqual(fold(a, descriptor), fold(b, descriptor));
}

const patterns = new Map<string, RegExp>();

/** A field's `valuePattern` compiled, once per pattern (every value written to the field is tested). */
function patternOf(source: string): RegExp {
  let pattern = patterns.get(source);
  if (!pattern) {
    pattern = new RegExp(source, 'u');
    patterns.set(source, pattern);
  }
  return pattern;
}

/** A value a target field cannot hold: left out of the write, reported as a warning. */
export interface DroppedValue {
  side: Side;
  field: string;
  value: FieldValue;
  message: string;
}

/**
 * What of a value the target field (`field` of `side`) can hold: values (or elements of a list)
 * that do not match its `valuePattern` are left out and reported, never written.
 */
export function fitsTarget(
  input: FieldValue,
  descriptor: FieldDescriptor | undefined,
  side: Side,
  field: string,
): { value: FieldValue; dropped: DroppedValue[] } {
  let value = input;
  const pattern = descriptor?.valuePattern === undefined ? undefined : patternOf(descriptor.valuePattern);
  // A system that ignores case keeps one of two spellings: send it one (the first).
  if (Array.isArray(input) && descriptor?.caseInsensitive)
    value = input.filter((v, i) => input.findIndex((x) => x.toLowerCase() === v.toLowerCase()) === i);
  if (!pattern) return { value, dropped: [] };
  const dropped = (values: string[]): DroppedValue[] => {
    const message = `${descriptor?.name ?? descriptor?.id ?? 'the field'} cannot hold it (values must match /${descriptor?.valuePattern ?? ''}/); it stays on the side that has it`;
    return values.map((v) => ({ side, field, value: v, message }));
  };
  if (Array.isArray(value)) {
    const refused = value.filter((v) => !pattern.test(v));
    return refused.length === 0
      ? { value, dropped: [] }
      : { value: value.filter((v) => pattern.test(v)), dropped: dropped(refused) };
  }
  if (typeof value === 'string' && value !== '' && !pattern.test(value))
    return { value: null, dropped: dropped([value]) };
  return { value, dropped: [] };
}

/** A set after adds and removes, in the field's own sense of equality, keeping the current order. */
export function mergeSets(
  current: string[],
  adds: string[],
  removes: string[],
  descriptor: FieldDescriptor | undefined,
): string[] {
  const has = (list: string[], v: string) => list.some((x) => sameValue(x, v, descriptor));
  const out = current.filter((v) => !has(removes, v));
  for (const v of adds) if (!has(out, v) && !has(removes, v)) out.push(v);
  return out;
}
