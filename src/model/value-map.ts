import { z } from 'zod';
import { SyncbridgeError } from '../errors/syncbridge-error.js';

/** Which way values flow through a mapping. */
export type Direction = 'leftToRight' | 'rightToLeft';

/** What happens to a value the map has no pair for. */
export type UnmappedPolicy = 'default' | 'passthrough' | 'fail';

/** zod schema of a value map as written in config or sheets. */
export const valueMapSchema = z.strictObject({
  /** Pairs of equal meaning: `left` is the value in the left system, `right` in the right one. */
  pairs: z.array(
    z.strictObject({
      left: z.string(),
      right: z.string(),
      /** Among several pairs sharing a value, the one used in the direction where that value is the source. */
      preferred: z.boolean().optional(),
    }),
  ),
  /** Whether `High` and `high` differ. @default false */
  caseSensitive: z.boolean().default(false),
  /** What happens to a value with no pair. @default 'fail' */
  unmapped: z.enum(['default', 'passthrough', 'fail']).default('fail'),
  /** Values written for unmapped input when `unmapped: default`, per target side. */
  defaults: z.strictObject({ left: z.string().optional(), right: z.string().optional() }).optional(),
});

/** A value map as written in config (see {@link valueMapSchema}). */
export type ValueMapDefinition = z.input<typeof valueMapSchema>;

/** The outcome of mapping one value. */
export type MapOutcome = { status: 'mapped'; value: string } | { status: 'unmapped' };

/** One ambiguity found by {@link ValueMap.ambiguities}. */
export interface ValueMapAmbiguity {
  direction: Direction;
  /** The source value with several targets. */
  value: string;
  /** The targets it could map to. */
  targets: string[];
}

/**
 * Maps lookup values between two systems (Priority → Priority, Status → State, users).
 * Built from a {@link ValueMapDefinition}; used by the engine for each mapped value.
 */
export class ValueMap {
  readonly name: string;
  readonly definition: z.output<typeof valueMapSchema>;
  private readonly forward = new Map<string, string[]>();
  private readonly backward = new Map<string, string[]>();

  constructor(definition: ValueMapDefinition, name = 'valueMap') {
    this.name = name;
    this.definition = valueMapSchema.parse(definition);
    const add = (index: Map<string, string[]>, from: string, to: string, preferred: boolean) => {
      const key = this.fold(from);
      const list = index.get(key) ?? [];
      if (!list.includes(to)) preferred ? list.unshift(to) : list.push(to);
      index.set(key, list);
    };
    for (const pair of this.definition.pairs) {
      add(this.forward, pair.left, pair.right, pair.preferred === true);
      add(this.backward, pair.right, pair.left, pair.preferred === true);
    }
  }

  private fold(value: string): string {
    return this.definition.caseSensitive ? value : value.toLocaleLowerCase();
  }

  /**
   * Source values that map to more than one target in a direction without exactly one
   * `preferred` pair. A map used in that direction must have none.
   */
  ambiguities(direction: Direction): ValueMapAmbiguity[] {
    const [source, target] = direction === 'leftToRight' ? (['left', 'right'] as const) : (['right', 'left'] as const);
    return ambiguousGroups(this.definition.pairs, direction, (v) => this.fold(v)).map((group) => ({
      direction,
      value: group[0]![source],
      targets: [...new Set(group.map((p) => p[target]))],
    }));
  }

  /** Maps one value; does not apply the unmapped policy (see {@link ValueMap.apply}). */
  lookup(value: string, direction: Direction): MapOutcome {
    const targets = (direction === 'leftToRight' ? this.forward : this.backward).get(this.fold(value));
    return targets?.[0] === undefined ? { status: 'unmapped' } : { status: 'mapped', value: targets[0] };
  }

  /**
   * Maps one value and applies the unmapped policy: `passthrough` keeps it, `default`
   * writes the side's default, `fail` throws a `VALUE_UNMAPPED` error naming the value.
   */
  apply(value: string, direction: Direction, field = this.name): string {
    const outcome = this.lookup(value, direction);
    if (outcome.status === 'mapped') return outcome.value;
    const { unmapped, defaults } = this.definition;
    if (unmapped === 'passthrough') return value;
    const fallback = direction === 'leftToRight' ? defaults?.right : defaults?.left;
    if (unmapped === 'default' && fallback !== undefined) return fallback;
    const known = [
      ...new Set(this.definition.pairs.map((p) => (direction === 'leftToRight' ? p.left : p.right))),
    ].slice(0, 20);
    throw new SyncbridgeError(
      'VALUE_UNMAPPED',
      `Value "${value}" of ${field} has no pair in value map "${this.name}" (${direction}); known values: ${known.join(', ') || 'none'}. Add a pair, or set unmapped: passthrough or default.`,
      { details: { field, value, valueMap: this.name, direction } },
    );
  }
}

/**
 * The groups of pairs that make a map ambiguous in a direction: pairs sharing a source value
 * (as `fold` compares) with different targets, unless exactly one of them is `preferred`.
 * Shared by {@link ValueMap} and the sheet importer, which reports rows.
 */
export function ambiguousGroups<P extends { left: string; right: string; preferred?: boolean | undefined }>(
  pairs: readonly P[],
  direction: Direction,
  fold: (value: string) => string,
): P[][] {
  const [source, target] = direction === 'leftToRight' ? (['left', 'right'] as const) : (['right', 'left'] as const);
  const groups = new Map<string, P[]>();
  for (const pair of pairs) {
    const key = fold(pair[source]);
    const group = groups.get(key);
    if (group) group.push(pair);
    else groups.set(key, [pair]);
  }
  return [...groups.values()].filter(
    (g) => new Set(g.map((p) => p[target])).size > 1 && g.filter((p) => p.preferred === true).length !== 1,
  );
}
