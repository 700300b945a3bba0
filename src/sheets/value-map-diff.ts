/** One pair of a value map as written in config. */
export interface MapPair {
  left: string;
  right: string;
  preferred?: boolean;
}

/** What an import changes in one map. */
export interface ValueMapChange {
  /** The map as config paths name it (`valueMaps.priority`). */
  map: string;
  /** The sheet it came from. */
  sheet: string;
  /** Pairs that are new. */
  added: MapPair[];
  /** Pairs that are gone. */
  removed: MapPair[];
  /** Pairs whose left value stays but whose right value or preferred mark changes. */
  changed: { before: MapPair; after: MapPair }[];
}

/** Per map, what an import changes; maps without changes are left out. */
export type ValueMapDiff = ValueMapChange[];

const key = (pair: MapPair) => `${pair.left}\u0000${pair.right}`;

/**
 * Compares a map's pairs before and after. A left value with exactly one pair on each
 * side whose partner or preferred mark differs is a change; everything else is an
 * addition or removal. Order alone is not a change.
 */
export function diffPairs(
  map: string,
  sheet: string,
  before: readonly MapPair[],
  after: readonly MapPair[],
): ValueMapChange {
  const beforeKeys = new Map(before.map((p) => [key(p), p]));
  const afterKeys = new Map(after.map((p) => [key(p), p]));
  const changed: ValueMapChange['changed'] = [];
  for (const [k, old] of beforeKeys) {
    const now = afterKeys.get(k);
    if (now !== undefined && (old.preferred === true) !== (now.preferred === true))
      changed.push({ before: old, after: now });
  }
  let removed = before.filter((p) => !afterKeys.has(key(p)));
  let added = after.filter((p) => !beforeKeys.has(key(p)));
  const single = (pairs: MapPair[], left: string) => pairs.filter((p) => p.left === left).length === 1;
  for (const old of removed) {
    const now = added.find((p) => p.left === old.left);
    if (now !== undefined && single(removed, old.left) && single(added, old.left))
      changed.push({ before: old, after: now });
  }
  const moved = new Set(changed.flatMap((c) => [c.before, c.after]));
  removed = removed.filter((p) => !moved.has(p));
  added = added.filter((p) => !moved.has(p));
  return { map, sheet, added, removed, changed };
}

/** Whether a change changes anything. */
export function isEmptyChange(change: ValueMapChange): boolean {
  return change.added.length + change.removed.length + change.changed.length === 0;
}

const show = (pair: MapPair) => `"${pair.left}" → "${pair.right}"${pair.preferred === true ? ' (preferred)' : ''}`;

/**
 * Renders a diff for people: per map a summary line, then `+` added, `~` changed and
 * `-` removed pairs. Long lists are cut after `limit` lines per map.
 */
export function formatValueMapDiff(diff: ValueMapDiff, options: { limit?: number } = {}): string {
  const limit = options.limit ?? 50;
  if (diff.length === 0) return 'No changes: the sheets match the configuration.';
  return diff
    .map((change) => {
      const head = `${change.map} (sheet "${change.sheet}"): ${change.added.length} added, ${change.changed.length} changed, ${change.removed.length} removed`;
      const lines = [
        ...change.added.map((p) => `  + ${show(p)}`),
        ...change.changed.map(({ before, after }) =>
          before.right === after.right
            ? `  ~ ${show({ ...after, preferred: false })} ${after.preferred === true ? 'now preferred' : 'no longer preferred'}`
            : `  ~ ${show(after)} (was ${show(before)})`,
        ),
        ...change.removed.map((p) => `  - ${show(p)}`),
      ];
      const cut = lines.length > limit ? [...lines.slice(0, limit), `  ... and ${lines.length - limit} more`] : lines;
      return [head, ...cut].join('\n');
    })
    .join('\n');
}
