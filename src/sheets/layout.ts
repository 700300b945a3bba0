import type { SyncbridgeConfig } from '../config/schema.js';
import { valueMapSchema, type Direction } from '../model/value-map.js';
import type { z } from 'zod';

/** A value map as validated, defaults filled in. */
export type ValueMapOutput = z.output<typeof valueMapSchema>;

/** Where in the config a sheet's map lives, so import writes it back to the same place. */
export type MapLocation =
  /** `valueMaps.<name>`, possibly referenced by several field pairs and mappings. */
  | { kind: 'named'; name: string }
  /** An inline `valueMap` of `mappings[mapping].fields[field]`. */
  | { kind: 'inlineField'; mapping: number; field: number }
  /** An inline `users.valueMap` of `mappings[mapping]`. */
  | { kind: 'inlineUsers'; mapping: number }
  /** No user map yet: import creates `valueMaps.<name>` and points these mappings' `users.valueMap` at it. */
  | { kind: 'newUsers'; name: string; mappings: number[] };

/** One side of one use of a map: the system, project, type and field (null for users). */
export interface TableSide {
  /** Name of the mapping (entity pair) this use belongs to. */
  mapping: string;
  system: string;
  project: string;
  type: string;
  field: string | null;
}

/** One sheet of the workbook: one value map and everything needed to fill and check it. */
export interface MapTable {
  /** Sheet name (≤ 31 characters, unique regardless of case). */
  sheet: string;
  /** `users` for a user map (values are people), else `values`. */
  kind: 'values' | 'users';
  location: MapLocation;
  /** The map's name as errors and diffs show it (`valueMaps.priority`, `mappings[0].fields[2].valueMap`). */
  label: string;
  /** The current map (empty pairs for a new user map). */
  definition: ValueMapOutput;
  /** Column headers: left values, right values, preferred mark, free-text note. */
  headers: [string, string, string, string];
  /** Left sides of every use of the map. */
  left: TableSide[];
  /** Right sides of every use of the map. */
  right: TableSide[];
  /** Directions the map is used in; each must be unambiguous. */
  directions: Direction[];
}

/** Sheets every workbook has besides the map sheets; import knows and skips them. */
export const aboutSheet = 'About';
/** Hidden sheet holding the drop-down lists. */
export const listsSheet = 'Lists';
/** Header of the third column of every map sheet. */
const preferredHeader = 'Preferred';
/** Header of the fourth column: free text for people, ignored on import. */
const noteHeader = 'Note';
/**
 * The note export writes on a row it pre-filled with a discovered value lacking a partner.
 * Import skips such a row while it is still half empty, so an untouched export imports
 * cleanly; a half-empty row without it is an error.
 */
export const gapNote = 'unmapped: fill the empty cell or leave the row as it is';

const directionsOf = (direction: 'leftToRight' | 'rightToLeft' | 'both'): Direction[] =>
  direction === 'both' ? ['leftToRight', 'rightToLeft'] : [direction];

function header(sides: TableSide[], kind: MapTable['kind']): string {
  const unique = (values: string[]) => [...new Set(values)].join(', ');
  const systems = unique(sides.map((s) => s.system));
  return kind === 'users' ? `${systems} user` : `${systems}: ${unique(sides.map((s) => s.field ?? ''))}`;
}

const shortField = (field: string) => field.split('.').at(-1) ?? field;

/** Makes sheet names valid for Excel (no `[]:*?/\`, ≤ 31 characters) and unique regardless of case. */
function uniqueSheetName(wanted: string, taken: Set<string>): string {
  const base =
    wanted
      .replace(/[[\]:*?/\\]/g, '_')
      .replace(/^'|'$/g, '_')
      .slice(0, 31) || 'Map';
  let name = base;
  for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${base.slice(0, 31 - `~${n}`.length)}~${n}`;
  taken.add(name.toLowerCase());
  return name;
}

/**
 * Lays a configuration out as sheets: one per value map used by a field pair (a named map
 * shared by several pairs gets one sheet), one per user map, and one `Users` sheet for
 * mappings without a user map yet. Deterministic, so export and import agree on names.
 */
export function planTables(config: SyncbridgeConfig): MapTable[] {
  type Draft = Omit<MapTable, 'sheet' | 'headers'> & { wantedSheet: string };
  const drafts = new Map<string, Draft>();
  const use = (key: string, create: () => Draft, left: TableSide, right: TableSide, directions: Direction[]) => {
    const draft = drafts.get(key) ?? create();
    drafts.set(key, draft);
    draft.left.push(left);
    draft.right.push(right);
    for (const d of directions) if (!draft.directions.includes(d)) draft.directions.push(d);
  };
  // Mappings without a user map share one new map, created by import when its sheet has rows.
  let newUsers = 'users';
  for (let n = 2; newUsers in config.valueMaps; n++) newUsers = `users-${n}`;
  const newUserMappings: number[] = [];
  config.mappings.forEach((mapping, m) => {
    const side = (s: 'left' | 'right', field: string | null): TableSide => ({
      mapping: mapping.name,
      system: mapping[s].system,
      project: mapping[s].project,
      type: mapping[s].type,
      field,
    });
    const draft = (fields: Pick<Draft, 'kind' | 'location' | 'label' | 'definition' | 'wantedSheet'>): Draft => ({
      ...fields,
      left: [],
      right: [],
      directions: [],
    });
    mapping.fields.forEach((field, f) => {
      const map = field.valueMap;
      if (map === undefined) return;
      const named = typeof map === 'string';
      const create = () =>
        draft({
          kind: 'values',
          location: named ? { kind: 'named', name: map } : { kind: 'inlineField', mapping: m, field: f },
          label: named ? `valueMaps.${map}` : `mappings[${m}].fields[${f}].valueMap`,
          definition: named ? config.valueMaps[map]! : valueMapSchema.parse(map),
          wantedSheet: named ? map : `${mapping.left.type}.${shortField(field.left)}-${shortField(field.right)}`,
        });
      use(
        named ? `named:${map}` : `field:${m}:${f}`,
        create,
        side('left', field.left),
        side('right', field.right),
        directionsOf(field.direction),
      );
    });
    const userDirections = [...new Set(mapping.fields.flatMap((f) => directionsOf(f.direction)))];
    const users = mapping.users?.valueMap;
    const named = typeof users === 'string';
    if (users === undefined) newUserMappings.push(m);
    const create = () =>
      users === undefined
        ? draft({
            kind: 'users',
            location: { kind: 'newUsers', name: newUsers, mappings: newUserMappings },
            label: `valueMaps.${newUsers}`,
            definition: valueMapSchema.parse({ pairs: [] }),
            wantedSheet: 'Users',
          })
        : draft({
            kind: 'users',
            location: named ? { kind: 'named', name: users } : { kind: 'inlineUsers', mapping: m },
            label: named ? `valueMaps.${users}` : `mappings[${m}].users.valueMap`,
            definition: named ? config.valueMaps[users]! : valueMapSchema.parse(users),
            wantedSheet: named ? `Users.${users}` : `Users.${mapping.name}`,
          });
    use(
      users === undefined ? 'new-users' : named ? `named:${users}` : `users:${m}`,
      create,
      side('left', null),
      side('right', null),
      userDirections,
    );
  });
  // A single user sheet is simply `Users`, as people expect.
  const userDrafts = [...drafts.values()].filter((d) => d.kind === 'users');
  if (userDrafts.length === 1) userDrafts[0]!.wantedSheet = 'Users';
  const taken = new Set([aboutSheet.toLowerCase(), listsSheet.toLowerCase()]);
  return [...drafts.values()].map(({ wantedSheet, ...draft }) => {
    let left = header(draft.left, draft.kind);
    let right = header(draft.right, draft.kind);
    if (left === right) [left, right] = [`${left} (left)`, `${right} (right)`];
    return {
      ...draft,
      sheet: uniqueSheetName(wantedSheet, taken),
      headers: [left, right, preferredHeader, noteHeader],
    };
  });
}
