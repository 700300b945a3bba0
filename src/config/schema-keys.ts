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
