import type { z } from 'zod';

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  getter?: () => z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
}

/** Every object key a schema accepts, at any depth: the words an unknown key is compared with. */
export function schemaKeys(schema: unknown): Set<string> {
  const keys = new Set<string>();
  const seen = new Set<unknown>();
  const walk = (node: unknown): void => {
    const def = (node as { _zod?: { def?: Def } } | undefined)?._zod?.def;
    if (!def || seen.has(node)) return;
    seen.add(node);
    for (const [key, value] of Object.entries(def.shape ?? {})) {
      keys.add(key);
      walk(value);
    }
    for (const next of [def.innerType, def.element, def.valueType, def.in, def.out, ...(def.options ?? [])]) walk(next);
    if (def.type === 'lazy' && def.getter) walk(def.getter());
  };
  walk(schema);
  return keys;
}

/**
 * The known key closest to a misspelt one (case-insensitive edit distance of at most a third
 * of its length), if any. The key itself is no answer: known elsewhere, it is unknown where it stands.
 */
export function closestKey(key: string, known: Iterable<string>): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    if (candidate === key) continue;
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance <= Math.max(1, Math.floor(candidate.length / 3)) && (!best || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}
