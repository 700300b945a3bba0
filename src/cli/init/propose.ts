import type { FieldDescriptor, FieldKind, MappingDirection } from '../../index.js';

/** One side as `init` discovered it: the adapter kind and the fields of the chosen type. */
export interface DiscoveredSide {
  /** Adapter kind (`jira`, `azure-devops`, or a custom one). */
  adapter: string;
  fields: FieldDescriptor[];
}

/** A value map proposed for a pair of lookup fields. */
export interface ProposedValueMap {
  /** Its key under `valueMaps`. */
  name: string;
  /** Values with equal names on both sides. */
  pairs: Array<{ left: string; right: string }>;
  /** Allowed values of each side that found no partner. */
  unmatched: { left: string[]; right: string[] };
}

/** A field mapping `init` proposes. */
export interface ProposedField {
  left: FieldDescriptor;
  right: FieldDescriptor;
  direction: MappingDirection;
  /** `onCreate` where the target can only be set once (a creator). */
  when: 'always' | 'onCreate';
  /** Why the two fields were paired. */
  reason: 'well-known pair' | 'same name';
  valueMap?: ProposedValueMap;
  /**
   * Whether the mapping is written as a live entry. A lookup pair none of whose values
   * matched would fail every item carrying a value, so it is written commented out.
   */
  enabled: boolean;
  /** Remarks written beside the mapping in the YAML. */
  notes: string[];
}

/** Everything `init` proposes for one entity pair. */
export interface Proposal {
  fields: ProposedField[];
  /** Writable fields of each side that found no partner, for the person to map by hand. */
  unpaired: { left: FieldDescriptor[]; right: FieldDescriptor[] };
}

/**
 * Pairs known to mean the same across systems although their names differ, by field id.
 * Keyed by adapter kind so it applies in either order (Jira left or right).
 */
const wellKnownPairs: Array<Record<string, string> & { when?: 'onCreate' }> = [
  { jira: 'summary', 'azure-devops': 'System.Title' },
  { jira: 'description', 'azure-devops': 'System.Description' },
  { jira: 'priority', 'azure-devops': 'Microsoft.VSTS.Common.Priority' },
  { jira: 'status', 'azure-devops': 'System.State' },
  { jira: 'assignee', 'azure-devops': 'System.AssignedTo' },
  { jira: 'labels', 'azure-devops': 'System.Tags' },
  { jira: 'reporter', 'azure-devops': 'System.CreatedBy', when: 'onCreate' },
  { jira: 'duedate', 'azure-devops': 'Microsoft.VSTS.Scheduling.DueDate' },
];

/** Name folding for matching: case, spaces and punctuation do not count (`Due date` = `Due Date` = `due_date`). */
function foldName(name: string): string {
  return name.toLocaleLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

const textual = new Set<FieldKind>(['text', 'richText']);
const temporal = new Set<FieldKind>(['date', 'datetime']);

/**
 * Whether values of one kind can be written to the other. Text and rich text convert into
 * each other, and so do dates and datetimes. Item references
 * never match across systems (their ids are system-local).
 */
function kindsCompatible(a: FieldKind, b: FieldKind): boolean {
  if (a === 'reference' || b === 'reference') return false;
  if (a === b) return true;
  return (textual.has(a) && textual.has(b)) || (temporal.has(a) && temporal.has(b));
}

const writable = (f: FieldDescriptor) => f.writable !== false;

/**
 * Pairs lookup values with equal names (case-insensitive, spaces and punctuation ignored).
 * Returns undefined when either side has an open set of values (labels, tags): those
 * carry over as they are.
 */
function proposeValueMap(name: string, left: FieldDescriptor, right: FieldDescriptor): ProposedValueMap | undefined {
  const leftValues = left.allowedValues?.map((v) => v.name) ?? [];
  const rightValues = right.allowedValues?.map((v) => v.name) ?? [];
  if (leftValues.length === 0 || rightValues.length === 0) return undefined;
  const byFold = new Map(rightValues.map((v) => [foldName(v), v]));
  const pairs: ProposedValueMap['pairs'] = [];
  const used = new Set<string>();
  for (const value of leftValues) {
    const partner = byFold.get(foldName(value));
    if (partner === undefined || used.has(partner)) continue;
    pairs.push({ left: value, right: partner });
    used.add(partner);
  }
  const paired = new Set(pairs.map((p) => p.left));
  return {
    name,
    pairs,
    unmatched: { left: leftValues.filter((v) => !paired.has(v)), right: rightValues.filter((v) => !used.has(v)) },
  };
}

function directionOf(left: FieldDescriptor, right: FieldDescriptor): MappingDirection | undefined {
  if (writable(left) && writable(right)) return 'both';
  if (writable(right)) return 'leftToRight';
  if (writable(left)) return 'rightToLeft';
  return undefined;
}

function valueMapName(left: FieldDescriptor, taken: Set<string>): string {
  const base =
    left.name
      .toLocaleLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'values';
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
  taken.add(name);
  return name;
}

function propose(
  left: FieldDescriptor,
  right: FieldDescriptor,
  reason: ProposedField['reason'],
  when: ProposedField['when'],
  valueMapNames: Set<string>,
): ProposedField | undefined {
  const writableWay = directionOf(left, right);
  if (!writableWay || !kindsCompatible(left.kind, right.kind)) return undefined;
  const direction = writableWay;
  const notes: string[] = [];
  if (writableWay !== 'both')
    notes.push(
      `one-way: ${writableWay === 'leftToRight' ? left.name : right.name} is read-only, so values flow towards ${writableWay === 'leftToRight' ? right.name : left.name}`,
    );
  if (left.kind !== right.kind)
    notes.push(
      temporal.has(left.kind)
        ? `${left.kind} ↔ ${right.kind}: a date becomes midnight UTC, a datetime keeps its UTC day`
        : `${left.kind} ↔ ${right.kind}: converted on the way (formatting is lost towards plain text)`,
    );
  const field: ProposedField = { left, right, direction, when, reason, enabled: true, notes };
  if (left.kind === 'user')
    notes.push('users are matched by e-mail; one without a match leaves the field alone (onUnmatchedUser: skipField)');
  if (left.kind === 'lookup' || left.kind === 'multiLookup') {
    const valueMap = proposeValueMap(valueMapName(left, valueMapNames), left, right);
    if (valueMap) {
      field.valueMap = valueMap;
      field.enabled = valueMap.pairs.length > 0;
      if (!field.enabled)
        notes.push(`no values share a name: pair them in valueMaps.${valueMap.name}, then uncomment this mapping`);
      else if (valueMap.unmatched.left.length + valueMap.unmatched.right.length > 0)
        notes.push(`items with unpaired values fail until you add pairs to valueMaps.${valueMap.name}`);
    }
  }
  return field;
}

/**
 * Proposes field mappings for two discovered sides: well-known pairs between the built-in
 * adapters first, then fields with the same name, each only when their kinds are
 * compatible and at least one side can be written. Each field is used at most once.
 */
export function proposeFields(left: DiscoveredSide, right: DiscoveredSide): Proposal {
  const fields: ProposedField[] = [];
  const usedLeft = new Set<string>();
  const usedRight = new Set<string>();
  const valueMapNames = new Set<string>();
  const add = (
    l: FieldDescriptor | undefined,
    r: FieldDescriptor | undefined,
    reason: ProposedField['reason'],
    when: ProposedField['when'] = 'always',
  ) => {
    if (!l || !r || usedLeft.has(l.id) || usedRight.has(r.id)) return;
    const field = propose(l, r, reason, when, valueMapNames);
    if (!field) return;
    fields.push(field);
    usedLeft.add(l.id);
    usedRight.add(r.id);
  };
  for (const known of wellKnownPairs) {
    const l = known[left.adapter];
    const r = known[right.adapter];
    if (l === undefined || r === undefined || left.adapter === right.adapter) continue;
    add(
      left.fields.find((f) => f.id === l),
      right.fields.find((f) => f.id === r),
      'well-known pair',
      known.when,
    );
  }
  for (const l of left.fields) {
    const candidates = right.fields.filter(
      (r) => foldName(r.name) === foldName(l.name) || (left.adapter === right.adapter && r.id === l.id),
    );
    add(
      l,
      candidates.find((r) => !usedRight.has(r.id)),
      'same name',
    );
  }
  return {
    fields,
    unpaired: {
      left: left.fields.filter((f) => writable(f) && !usedLeft.has(f.id)),
      right: right.fields.filter((f) => writable(f) && !usedRight.has(f.id)),
    },
  };
}
