import { adfText } from './jql/evaluate.js';
import type { JiraState, SimChangeItem, SimField, SimIssue } from './state.js';

/** Field values as a create or edit writes them, with Jira's per-field messages for the bad ones. */
export interface FieldInput {
  values: Record<string, unknown>;
  errors: Record<string, string>;
}

const notSettable = (id: string) => `Field '${id}' cannot be set. It is not on the appropriate screen, or unknown.`;
const isDoc = (v: unknown) =>
  typeof v === 'object' &&
  v !== null &&
  (v as { type?: unknown }).type === 'doc' &&
  Array.isArray((v as { content?: unknown }).content);

function richText(value: unknown, version: '2' | '3'): { value?: unknown; error?: string } {
  if (value === null) return { value: null };
  if (version === '2') {
    if (typeof value !== 'string') return { error: 'Operation value must be a string' };
    return {
      value: {
        type: 'doc',
        version: 1,
        content: value ? [{ type: 'paragraph', content: [{ type: 'text', text: value }] }] : [],
      },
    };
  }
  return isDoc(value)
    ? { value }
    : { error: 'Operation value must be an Atlassian Document (see the Atlassian Document Format)' };
}

function one(
  state: JiraState,
  field: SimField,
  value: unknown,
  version: '2' | '3',
): { value?: unknown; error?: string } {
  const { id } = field;
  const named = (v: unknown) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined);
  if (id === 'parent') {
    // Stored as the parent's id; the hierarchy rules are checked with the issue type (hierarchy.ts).
    if (value === null) return { value: null };
    const v = named(value);
    if (!v) return { error: 'data was not an object' };
    const parent = state.issue(String(v.key ?? v.id ?? ''));
    return parent ? { value: parent.id } : { error: 'Could not find issue by id or key.' };
  }
  if (id === 'summary') {
    if (typeof value !== 'string' || value.trim() === '') return { error: 'You must specify a summary of the issue.' };
    if (value.length > 255) return { error: 'Summary must be less than 255 characters.' };
    return { value };
  }
  if (id === 'description' || id === 'environment' || field.schema.custom?.endsWith(':textarea'))
    return richText(value, version);
  if (id === 'priority') {
    const v = named(value);
    const p = state.priorities.find(
      (x) =>
        (v?.id !== undefined && x.id === String(v.id)) ||
        (typeof v?.name === 'string' && x.name.toLowerCase() === v.name.toLowerCase()),
    );
    return p ? { value: p.id } : { error: `Specify a valid 'id' or 'name' for Priority` };
  }
  if (field.schema.type === 'user') {
    if (value === null) return { value: null };
    const v = named(value);
    const user =
      version === '2'
        ? typeof v?.name === 'string'
          ? state.userByName(v.name)
          : undefined
        : state.users.find((u) => u.accountId === v?.accountId);
    return user
      ? { value: user.accountId }
      : { error: `Specified user does not exist or you do not have required permissions` };
  }
  if (id === 'labels') {
    if (!Array.isArray(value) || value.some((l) => typeof l !== 'string')) return { error: 'data was not an array' };
    const bad = (value as string[]).find((l) => /\s/.test(l));
    if (bad !== undefined) return { error: `The label '${bad}' contains spaces which is invalid.` };
    return { value: [...new Set(value as string[])] };
  }
  if (field.schema.type === 'date') {
    if (value === null) return { value: null };
    return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)
      ? { value }
      : { error: `Error parsing date string: ${String(value)}` };
  }
  if (field.schema.type === 'number') {
    if (value === null) return { value: null };
    return typeof value === 'number' && Number.isFinite(value)
      ? { value }
      : { error: `Operation value must be a number` };
  }
  if (field.options) {
    const option = (v: unknown) => {
      const o = named(v);
      return field.options?.find(
        (x) => (o?.id !== undefined && x.id === String(o.id)) || (typeof o?.value === 'string' && x.value === o.value),
      );
    };
    if (value === null) return { value: field.schema.type === 'array' ? [] : null };
    if (field.schema.type === 'array') {
      if (!Array.isArray(value)) return { error: 'data was not an array' };
      const found = value.map(option);
      const badIndex = found.findIndex((o) => !o);
      if (badIndex >= 0)
        return {
          error: `Option value '${String(named(value[badIndex])?.value ?? named(value[badIndex])?.id)}' is not valid`,
        };
      return { value: found.map((o) => o?.id) };
    }
    const o = option(value);
    return o
      ? { value: o.id }
      : { error: `Option value '${String(named(value)?.value ?? named(value)?.id)}' is not valid` };
  }
  if (field.schema.type === 'string') {
    if (value === null) return { value: null };
    if (typeof value !== 'string') return { error: 'Operation value must be a string' };
    return value.length > 255 ? { error: `${field.name} must be less than 255 characters.` } : { value };
  }
  return { error: notSettable(id) };
}

/**
 * Validates the `fields` (and `update` operations) of a create or edit body and turns them
 * into stored values; `project` and `issuetype` are handled by the caller.
 */
export function readFieldInput(
  state: JiraState,
  fields: Record<string, unknown>,
  update: Record<string, Array<Record<string, unknown>>> | undefined,
  current: SimIssue | undefined,
  version: '2' | '3',
): FieldInput {
  const result: FieldInput = { values: {}, errors: {} };
  const merged: Record<string, unknown> = { ...fields };
  for (const [id, ops] of Object.entries(update ?? {})) {
    if (id in fields) {
      result.errors[id] = `Field '${id}' cannot be set in both 'fields' and 'update'.`;
      continue;
    }
    let value = id === 'labels' ? [...((current?.fields.labels as string[] | undefined) ?? [])] : current?.fields[id];
    for (const op of ops) {
      if ('set' in op) value = op.set;
      else if ('add' in op && Array.isArray(value)) value = [...value, op.add];
      else if ('remove' in op && Array.isArray(value)) value = value.filter((v) => v !== op.remove);
    }
    merged[id] = value;
  }
  for (const [id, value] of Object.entries(merged)) {
    if (id === 'project' || id === 'issuetype') continue;
    const field = state.fields.find((f) => f.id === id);
    if (!field?.onScreen) {
      result.errors[id] = notSettable(id);
      continue;
    }
    const outcome = one(state, field, value, version);
    if (outcome.error !== undefined) result.errors[id] = outcome.error;
    else result.values[id] = outcome.value;
  }
  return result;
}

/** How a stored value reads in a changelog (`from`/`fromString`). */
function describe(state: JiraState, field: SimField, value: unknown): { raw: string | null; text: string | null } {
  if (value === null || value === undefined || (Array.isArray(value) && value.length === 0))
    return { raw: null, text: null };
  if (field.id === 'parent') return { raw: String(value), text: state.issues.get(String(value))?.key ?? null };
  if (field.id === 'priority')
    return { raw: String(value), text: state.priorities.find((p) => p.id === value)?.name ?? null };
  if (field.schema.type === 'user') return { raw: String(value), text: state.user(String(value))?.displayName ?? null };
  if (field.options) {
    const ids = Array.isArray(value) ? value : [value];
    return { raw: ids.join(','), text: ids.map((i) => field.options?.find((o) => o.id === i)?.value ?? '').join(',') };
  }
  if (Array.isArray(value)) return { raw: null, text: value.join(' ') };
  if (typeof value === 'object') return { raw: null, text: adfText(value) };
  return { raw: null, text: String(value) };
}

/** Applies stored values to an issue and returns the changelog items of what changed. */
export function applyValues(state: JiraState, issue: SimIssue, values: Record<string, unknown>): SimChangeItem[] {
  const items: SimChangeItem[] = [];
  for (const [id, value] of Object.entries(values)) {
    const field = state.fields.find((f) => f.id === id);
    if (!field) continue;
    const before = id === 'reporter' ? issue.reporter : issue.fields[id];
    if (JSON.stringify(before ?? null) === JSON.stringify(value ?? null)) continue;
    const from = describe(state, field, before);
    const to = describe(state, field, value);
    if (id === 'reporter' && typeof value === 'string') issue.reporter = value;
    else issue.fields[id] = value;
    items.push({
      field: field.custom ? field.name : field.id,
      fieldtype: field.custom ? 'custom' : 'jira',
      fieldId: field.id,
      from: from.raw,
      fromString: from.text,
      to: to.raw,
      toString: to.text,
    });
  }
  return items;
}
