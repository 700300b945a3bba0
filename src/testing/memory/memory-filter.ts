import { SyncbridgeError, type FieldValue } from 'syncbridge';

/** A compiled filter of the memory system's tiny query language. */
export type MemoryPredicate = (fields: Record<string, FieldValue>) => boolean;

function text(value: FieldValue | undefined): string[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value;
  if (typeof value === 'object')
    return 'email' in value || 'displayName' in value
      ? [value.id, value.email ?? ''].filter(Boolean)
      : [JSON.stringify(value)];
  return [String(value)];
}

/**
 * Compiles a filter such as `priority = High and labels = sync or status != Done`:
 * conditions `field = v`, `field != v`, `field ~ v` (contains, case-insensitive),
 * joined by `and` (binds tighter) and `or`. Values may be quoted.
 */
export function compileMemoryFilter(filter: string): MemoryPredicate {
  const tokens = filter.match(/"[^"]*"|'[^']*'|!=|=|~|\S+/g) ?? [];
  const unquote = (t: string) => (/^(["']).*\1$/.test(t) ? t.slice(1, -1) : t);
  const orGroups: MemoryPredicate[][] = [[]];
  for (let i = 0; i < tokens.length; ) {
    const [field, op, rawValue] = [tokens[i], tokens[i + 1], tokens[i + 2]];
    if (field === undefined || op === undefined || rawValue === undefined || !['=', '!=', '~'].includes(op)) {
      throw new SyncbridgeError(
        'VALIDATION',
        `memory filter: expected "field = value" at "${tokens.slice(i).join(' ')}" in "${filter}"`,
      );
    }
    const value = unquote(rawValue);
    const name = unquote(field);
    const predicate: MemoryPredicate =
      op === '='
        ? (f) => text(f[name]).includes(value)
        : op === '!='
          ? (f) => !text(f[name]).includes(value)
          : (f) => text(f[name]).some((t) => t.toLowerCase().includes(value.toLowerCase()));
    orGroups[orGroups.length - 1]!.push(predicate);
    i += 3;
    const joiner = tokens[i]?.toLowerCase();
    if (joiner === 'or') orGroups.push([]);
    else if (joiner !== undefined && joiner !== 'and')
      throw new SyncbridgeError(
        'VALIDATION',
        `memory filter: expected "and" or "or", found "${tokens[i]}" in "${filter}"`,
      );
    if (joiner !== undefined) i++;
  }
  return (fields) => orGroups.some((group) => group.every((p) => p(fields)));
}
