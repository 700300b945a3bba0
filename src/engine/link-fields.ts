import type { MappingConfig, SyncbridgeConfig } from '../config/schema.js';
import { linkField, linkTypeOf, PARENT_FIELD } from '../connector/connector.js';
import { uniqueIssues } from './activation-checks.js';
import { otherSide, sides, type Side, type StateOperations } from '../state/state-store.js';
import type { ConfigIssue } from '../errors/config-error.js';
import type { FieldDescriptor, FieldValue } from '../model/field.js';
import type { CompiledField } from './value-mapper.js';

/** An item's twin: its linked counterpart in the other system. */
export interface Twin {
  id: string;
  key: string;
}

/**
 * Finds the twins of items a link field names, through every mapping of the integration that
 * pairs the two systems: a story's epic is linked by the epic mapping, not the story's.
 */
export class TwinFinder {
  private readonly pairs: Array<{ name: string; systems: Record<Side, string> }>;

  constructor(
    private readonly store: StateOperations,
    mappings: SyncbridgeConfig['mappings'],
  ) {
    this.pairs = mappings.map((m) => ({ name: m.name, systems: { left: m.left.system, right: m.right.system } }));
  }

  /** The twin in `to` of item `id` of system `from`, or undefined while it has none. */
  async find(from: string, to: string, id: string): Promise<Twin | undefined> {
    for (const pair of this.pairs) {
      for (const side of sides) {
        if (pair.systems[side] !== from || pair.systems[otherSide(side)] !== to) continue;
        const link = await this.store.getLink(pair.name, side, id);
        if (link)
          return side === 'left' ? { id: link.rightId, key: link.rightKey } : { id: link.leftId, key: link.leftKey };
      }
    }
    return undefined;
  }
}

/** The ids of the items a link field's value names: a link set's ids, or a parent's. */
export function linkedIds(value: FieldValue | undefined): string[] {
  if (Array.isArray(value)) return value;
  return typeof value === 'object' && value !== null && 'id' in value ? [value.id] : [];
}

/**
 * A mapping's links and parent as field mappings of link fields (`link:<type>`, `link:parent`),
 * merged like any field: link sets as sets, the parent as one value under the conflict policy.
 */
export function linkFieldMappings(mapping: MappingConfig): CompiledField[] {
  const out: CompiledField[] = mapping.links.map((link, i) => ({
    index: mapping.fields.length + i,
    config: {
      left: linkField(link.left),
      right: linkField(link.right),
      direction: link.direction,
      when: 'always',
      onUnmatchedUser: 'fail',
    },
    valueMap: undefined,
    link: { path: `links[${i}]`, onMissingTarget: link.onMissingTarget },
  }));
  if (mapping.parent)
    out.push({
      index: mapping.fields.length + out.length,
      config: {
        left: PARENT_FIELD,
        right: PARENT_FIELD,
        direction: mapping.parent.direction,
        when: 'always',
        onUnmatchedUser: 'fail',
        ...(mapping.parent.conflict ? { conflict: mapping.parent.conflict } : {}),
      },
      valueMap: undefined,
      link: { path: 'parent', onMissingTarget: mapping.parent.onMissingTarget },
    });
  return out;
}

/** Problems of a mapping's links and parent against what each side's connector offers. */
export function linkIssues(
  mapping: MappingConfig,
  m: number,
  descriptors: Partial<Record<Side, Map<string, FieldDescriptor>>>,
  linksDeclared: Record<Side, boolean>,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const field of linkFieldMappings(mapping)) {
    const path = `mappings[${m}].${field.link!.path}`;
    for (const side of sides) {
      const { system } = mapping[side];
      if (!linksDeclared[side]) {
        issues.push({ path, message: `the ${system} connector does not sync links (capabilities.links)` });
        continue;
      }
      const known = descriptors[side];
      const id = field.config[side];
      if (!known || known.has(id)) continue;
      const types = [...known.keys()].filter((k) => k !== PARENT_FIELD).flatMap((k) => linkTypeOf(k) ?? []);
      issues.push({
        path: field.link!.path === 'parent' ? path : `${path}.${side}`,
        message:
          id === PARENT_FIELD
            ? `${system} ${mapping[side].type} items have no parent link`
            : `link type "${linkTypeOf(id)}" does not exist on ${system}${types.length > 0 ? ` (known: ${types.join(', ')})` : ''}`,
      });
    }
  }
  // A connector without links is named once per side, not once per link type.
  return uniqueIssues(issues);
}
