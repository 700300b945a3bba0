import type { FieldMappingConfig, MappingConfig, SideConfig, SyncbridgeConfig } from '../config/schema.js';
import type { Connector } from '../connector/connector.js';
import type { ConfigIssue } from '../errors/config-error.js';
import type { FieldDescriptor, FieldValue } from '../model/field.js';
import type { Side } from '../state/state-store.js';
import { closestMatch, didYouMean } from '../util/closest.js';

/** A project or entity type a connector does not know: which of the two, and a message listing what it has. */
export interface UnknownTarget {
  /** Which name is unknown. */
  on: 'project' | 'type';
  /** What is wrong, what exists, and the closest name. */
  message: string;
}

const listed = (names: string[]) =>
  `${names.slice(0, 20).join(', ')}${names.length > 20 ? `, … (${names.length})` : ''}`;
const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * Whether a connector knows a project (by key, name or id, in any case) and, given, an entity
 * type of it (by name or id): `undefined` when it does, else which is unknown with what the
 * system lists and the closest name. Used by `activate` and `discover` after a call naming
 * them failed, so that a typo reads as a typo and not as the system's 404.
 */
export async function findUnknownTarget(
  connector: Connector,
  system: string,
  target: { project: string; type?: string | undefined },
): Promise<UnknownTarget | undefined> {
  const projects = await connector.listProjects();
  const { project, type } = target;
  if (!projects.some((p) => same(p.key, project) || same(p.name, project) || p.id === project)) {
    const names = projects.map((p) => (p.name === p.key ? p.key : `${p.key} (${p.name})`));
    const candidates = projects.map((p) => ({ id: p.key, name: p.name }));
    return {
      on: 'project',
      message: `project "${project}" does not exist in ${system} or the integration user cannot see it; projects: ${listed(names) || 'none'}${didYouMean(project, candidates)}`,
    };
  }
  if (type === undefined) return undefined;
  const types = await connector.listEntityTypes(project);
  if (types.some((t) => same(t.name, type) || t.id === type)) return undefined;
  const names = types.map((t) => t.name);
  return {
    on: 'type',
    message: `type "${type}" does not exist in ${system} project ${project}; types: ${listed(names) || 'none'}${didYouMean(type, names)}`,
  };
}

/**
 * The fields of one side of a mapping, or the issue that keeps them from being listed: an
 * unknown project or type (see {@link findUnknownTarget}). Other errors are thrown as they came.
 */
export async function describeSide(
  connector: Connector,
  side: SideConfig,
  at: string,
): Promise<{ fields: FieldDescriptor[] } | { issue: ConfigIssue }> {
  try {
    return { fields: await connector.listFields(side.project, side.type) };
  } catch (error) {
    // When the lists cannot be read either, the first error is the one to report.
    const unknown = await findUnknownTarget(connector, side.system, side).catch(() => undefined);
    if (!unknown) throw error;
    return { issue: { path: `${at}.${unknown.on}`, message: unknown.message } };
  }
}

/** The sides a field mapping writes to. */
function targetsOf(field: FieldMappingConfig): Side[] {
  return field.direction === 'both' ? ['left', 'right'] : field.direction === 'leftToRight' ? ['right'] : ['left'];
}

const fieldName = (d: FieldDescriptor) => (d.name && d.name !== d.id ? `"${d.id}" (${d.name})` : `"${d.id}"`);

/**
 * What a mapping asks of fields that their systems refuse: fields that do not exist (with the
 * closest id or display name), target fields that cannot be written in the direction they
 * are written, and value-map pairs and defaults whose target value is not one of the target
 * field's allowed values. `descriptors` holds the sides whose fields could be listed.
 */
export function fieldIssues(
  config: SyncbridgeConfig,
  m: number,
  descriptors: Partial<Record<Side, Map<string, FieldDescriptor>>>,
): ConfigIssue[] {
  const mapping = config.mappings[m]!;
  const issues: ConfigIssue[] = [];
  mapping.fields.forEach((field, f) => {
    const at = `mappings[${m}].fields[${f}]`;
    for (const side of ['left', 'right'] as const) {
      const known = descriptors[side];
      if (!known || known.has(field[side])) continue;
      const { system, project, type } = mapping[side];
      issues.push({
        path: `${at}.${side}`,
        message: `field "${field[side]}" does not exist on ${system} ${project} ${type}${didYouMean(field[side], known.values())}`,
      });
    }
    for (const side of targetsOf(field)) {
      const target = descriptors[side]?.get(field[side]);
      if (!target) continue;
      if (target.writable === false)
        issues.push({ path: `${at}.${side}`, message: readOnlyMessage(mapping, field, side, target) });
      issues.push(...valueIssues(config, mapping, m, f, side, target));
    }
  });
  // A named value map used by several fields would report the same pair once per field.
  return uniqueIssues(issues);
}

/** Issues without repeats (the same path and message reported twice). */
export function uniqueIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return issues.filter(
    (issue, n) => issues.findIndex((o) => o.path === issue.path && o.message === issue.message) === n,
  );
}

function readOnlyMessage(
  mapping: MappingConfig,
  field: FieldMappingConfig,
  side: Side,
  target: FieldDescriptor,
): string {
  const [way, away] = side === 'left' ? ['rightToLeft', 'leftToRight'] : ['leftToRight', 'rightToLeft'];
  const fix = `${field.direction === 'both' ? 'make it one-way' : 'reverse it'} (direction: ${away}) or remove it`;
  return `field ${fieldName(target)} of ${mapping[side].system} cannot be written${target.readOnlyReason ? ` (${target.readOnlyReason})` : ''}, but the mapping writes it ${way}; ${fix}`;
}

/** Value-map pairs, unmapped defaults and default rules whose value for `side` the target field does not allow. */
function valueIssues(
  config: SyncbridgeConfig,
  mapping: MappingConfig,
  m: number,
  f: number,
  side: Side,
  target: FieldDescriptor,
): ConfigIssue[] {
  const allowed = target.allowedValues;
  if (!allowed?.length || (target.kind !== 'lookup' && target.kind !== 'multiLookup')) return [];
  const field = mapping.fields[f]!;
  const where = `${mapping[side].system} ${mapping[side].project} ${mapping[side].type}`;
  const check = (path: string, value: FieldValue | undefined): ConfigIssue[] => {
    if (typeof value !== 'string' || allowed.some((a) => same(a.name, value) || a.id === value)) return [];
    const names = allowed.map((a) => a.name);
    const closest = closestMatch(value, names);
    const fix =
      closest === undefined ? `use one of: ${listed(names)}` : `did you mean "${closest}"? (allowed: ${listed(names)})`;
    return [{ path, message: `value "${value}" is not allowed in field ${fieldName(target)} of ${where}; ${fix}` }];
  };
  const issues: ConfigIssue[] = [];
  const map = field.valueMap;
  if (map !== undefined) {
    const definition = typeof map === 'string' ? config.valueMaps[map]! : map;
    const base = typeof map === 'string' ? `valueMaps.${map}` : `mappings[${m}].fields[${f}].valueMap`;
    definition.pairs.forEach((pair, p) => {
      issues.push(...check(`${base}.pairs[${p}].${side}`, pair[side]));
    });
    issues.push(...check(`${base}.defaults.${side}`, definition.defaults?.[side]));
  }
  issues.push(...check(`mappings[${m}].fields[${f}].default.${side}`, field.default?.[side]));
  return issues;
}

/**
 * Asks the system of each side whose mapping has a filter whether it accepts it (connectors
 * without {@link Connector.checkFilter} are not asked).
 */
export async function filterIssues(
  mapping: MappingConfig,
  m: number,
  connectors: Record<Side, Connector>,
): Promise<ConfigIssue[]> {
  const issues: ConfigIssue[] = [];
  for (const side of ['left', 'right'] as const) {
    const { filter, project, type, system } = mapping[side];
    if (filter === undefined || !connectors[side].checkFilter) continue;
    const messages = await connectors[side].checkFilter({ project, type, filter });
    if (messages.length > 0) {
      issues.push({
        path: `mappings[${m}].${side}.filter`,
        message: `${system} refuses this filter: ${messages.join(' ')} (fix it in ${system}'s query language; syncbridge adds project and type to it by AND)`,
      });
    }
  }
  return issues;
}
