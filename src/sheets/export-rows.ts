import type { AllowedTable } from './discovery.js';
import { gapNote, type MapTable } from './layout.js';

/** Header of the `About` sheet: one row per use of each map, so a person sees where a sheet goes. */
export const aboutHeaders = [
  'Sheet',
  'Map',
  'Kind',
  'Used by mapping',
  'Left system',
  'Left project',
  'Left type',
  'Left field',
  'Right system',
  'Right project',
  'Right type',
  'Right field',
  'Directions',
  'Case sensitive',
  'Unmapped values',
] as const;

/** How to fill the sheets, printed under the `About` table. */
export const aboutInstructions = [
  'Each map sheet pairs a left value (column A) with the right value of equal meaning (column B).',
  'Rows noted "unmapped" hold a value with no partner yet: fill the empty cell from the drop-down, or leave the row as it is.',
  "Delete a pair's row to remove the pair. Column D (Note) is free text and is ignored on import.",
  'When one value has several partners, write "yes" in Preferred on the row used for it as a source.',
  'Do not rename sheets or headers: import uses them to find where each map goes.',
  'Import with: syncbridge value-map import <config> <this file> [--dry-run]',
];

/** The `About` sheet's rows (without header), one per use of each map. */
export function aboutRows(tables: MapTable[]): string[][] {
  return tables.flatMap((table) =>
    table.left.map((left, i) => {
      const right = table.right[i]!;
      return [
        table.sheet,
        table.label,
        table.kind,
        left.mapping,
        left.system,
        left.project,
        left.type,
        left.field ?? '(users)',
        right.system,
        right.project,
        right.type,
        right.field ?? '(users)',
        table.directions.join(', '),
        table.definition.caseSensitive ? 'yes' : 'no',
        // The engine falls back to e-mail matching for a user without a pair; the policy is not used.
        table.kind === 'users' ? 'matched by e-mail' : table.definition.unmapped,
      ];
    }),
  );
}

/**
 * The rows of one map sheet (without header): the current pairs, then every discovered
 * value that has no pair yet, with its partner cell left empty for a person to fill.
 * For users only left users whose e-mail finds no right user get a row: the others are
 * matched by e-mail already.
 */
export function* tableRows(table: MapTable, allowed: AllowedTable | undefined): Generator<string[]> {
  const fold = (value: string) => (table.definition.caseSensitive ? value : value.toLocaleLowerCase());
  const lefts = new Set<string>();
  const rights = new Set<string>();
  for (const pair of table.definition.pairs) {
    lefts.add(fold(pair.left));
    rights.add(fold(pair.right));
    yield [pair.left, pair.right, pair.preferred === true ? 'yes' : '', ''];
  }
  if (table.kind === 'users') {
    const matchable = new Set((allowed?.right?.accepted ?? []).map((v) => v.toLocaleLowerCase()));
    for (const value of allowed?.left?.values ?? []) {
      if (!lefts.has(fold(value)) && !matchable.has(value.toLocaleLowerCase())) yield [value, '', '', gapNote];
    }
    return;
  }
  for (const value of allowed?.left?.values ?? []) if (!lefts.has(fold(value))) yield [value, '', '', gapNote];
  for (const value of allowed?.right?.values ?? []) if (!rights.has(fold(value))) yield ['', value, '', gapNote];
}
