import { z } from 'zod';
import { SyncbridgeError } from '../errors/syncbridge-error.js';

/** Which way values flow through a mapping. */
export type Direction = 'leftToRight' | 'rightToLeft';

/** What happens to a value the map has no pair for. */
export type UnmappedPolicy = 'default' | 'passthrough' | 'fail';

/** zod schema of a value map as written in config or sheets. */
export const valueMapSchema = z.object({
  /** Pairs of equal meaning: `left` is the value in the left system, `right` in the right one. */
  pairs: z.array(
    z.object({
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
  defaults: z.object({ left: z.string().optional(), right: z.string().optional() }).optional(),
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

  private preferredCount(direction: Direction, value: string): number {
    const key = this.fold(value);
    return this.definition.pairs.filter((p) => p.preferred === true && this.fold(direction === 'leftToRight' ? p.left : p.right) === key).length;
  }

  /**
   * Source values that map to more than one target in a direction without exactly one
   * `preferred` pair. A map used in that direction must have none.
   */
  ambiguities(direction: Direction): ValueMapAmbiguity[] {
    const index = direction === 'leftToRight' ? this.forward : this.backward;
    const out: ValueMapAmbiguity[] = [];
    for (const [key, targets] of index) {
      if (targets.length > 1 && this.preferredCount(direction, key) !== 1) {
        const original = this.definition.pairs.find((p) => this.fold(direction === 'leftToRight' ? p.left : p.right) === key);
        out.push({ direction, value: (direction === 'leftToRight' ? original?.left : original?.right) ?? key, targets });
      }
    }
    return out;
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
    const known = [...new Set(this.definition.pairs.map((p) => (direction === 'leftToRight' ? p.left : p.right)))].slice(0, 20);
    throw new SyncbridgeError(
      'VALUE_UNMAPPED',
      `Value "${value}" of ${field} has no pair in value map "${this.name}" (${direction}); known values: ${known.join(', ') || 'none'}. Add a pair, or set unmapped: passthrough or default.`,
      { details: { field, value, valueMap: this.name, direction } },
    );
  }
}
