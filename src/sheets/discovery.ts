import type { Connector } from '../connector/connector.js';
import type { FieldDescriptor, UserRef } from '../model/field.js';
import type { MapTable, TableSide } from './layout.js';

/** What a column may hold, from discovery; `null` when it could not be discovered. */
export interface AllowedColumn {
  /** Values offered in the drop-down and as rows to fill, in the system's order. */
  values: string[];
  /** Every spelling import accepts (for users also ids and display names). */
  accepted: string[];
}

/** Discovered allowed values of a sheet's left and right column. */
export interface AllowedTable {
  left: AllowedColumn | null;
  right: AllowedColumn | null;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Asks the connectors for the allowed values of every sheet's columns: a lookup field's
 * allowed values, or the users a system lists. A system that has no connector, cannot be
 * reached or does not list users leaves its column `null` and adds a note; the sheet then
 * holds the current pairs only and import skips the allowed-values check for it.
 */
export async function discoverAllowed(
  tables: MapTable[],
  connectors: Record<string, Connector> | undefined,
  notes: string[],
): Promise<Map<string, AllowedTable>> {
  const out = new Map<string, AllowedTable>();
  if (connectors === undefined || Object.keys(connectors).length === 0) {
    if (tables.length > 0)
      notes.push(
        'No connectors given: allowed values were not discovered (export holds the current pairs only; import does not check values against the systems).',
      );
    return out;
  }
  const fieldCache = new Map<string, Promise<FieldDescriptor[] | null>>();
  const userCache = new Map<string, Promise<UserRef[] | null>>();
  const fields = (side: TableSide): Promise<FieldDescriptor[] | null> => {
    const key = `${side.system}\u0000${side.project}\u0000${side.type}`;
    let entry = fieldCache.get(key);
    if (entry === undefined) {
      const connector = connectors[side.system];
      if (connector === undefined)
        notes.push(`No connector for ${side.system}: its values are not discovered or checked.`);
      entry =
        connector === undefined
          ? Promise.resolve(null)
          : connector.listFields(side.project, side.type).catch((error: unknown) => {
              notes.push(`Could not list the fields of ${side.system} ${side.project}/${side.type}: ${message(error)}`);
              return null;
            });
      fieldCache.set(key, entry);
    }
    return entry;
  };
  const users = (system: string): Promise<UserRef[] | null> => {
    let entry = userCache.get(system);
    if (entry === undefined) {
      entry = (async () => {
        const connector = connectors[system];
        if (connector?.listUsers === undefined) {
          if (connector !== undefined)
            notes.push(`${system} does not list users: its user column is not pre-filled or checked.`);
          return null;
        }
        const all: UserRef[] = [];
        try {
          for await (const page of connector.listUsers()) all.push(...page);
        } catch (error) {
          notes.push(`Could not list the users of ${system}: ${message(error)}`);
          return null;
        }
        return all;
      })();
      userCache.set(system, entry);
    }
    return entry;
  };
  const column = async (
    sides: TableSide[],
    kind: MapTable['kind'],
    side: 'left' | 'right',
  ): Promise<AllowedColumn | null> => {
    const values = new Set<string>();
    const accepted = new Set<string>();
    for (const use of sides) {
      if (kind === 'users') {
        const list = await users(use.system);
        if (list === null) return null;
        for (const user of list) {
          values.add(user.email ?? user.id);
          for (const name of [user.id, user.email, side === 'left' ? user.displayName : null])
            if (name) accepted.add(name);
        }
        continue;
      }
      const descriptors = await fields(use);
      const descriptor = descriptors?.find((d) => d.id === use.field) ?? descriptors?.find((d) => d.name === use.field);
      if (descriptor?.allowedValues === undefined) {
        if (descriptors !== null) {
          notes.push(
            `${use.system} field "${use.field}" of ${use.project}/${use.type} ${descriptor === undefined ? 'was not found' : 'has no closed list of values'}: its values are not discovered or checked.`,
          );
        }
        return null;
      }
      for (const value of descriptor.allowedValues) values.add(value.name);
    }
    return { values: [...values], accepted: kind === 'users' ? [...accepted] : [...values] };
  };
  for (const table of tables) {
    out.set(table.sheet, {
      left: await column(table.left, table.kind, 'left'),
      right: await column(table.right, table.kind, 'right'),
    });
  }
  return out;
}
