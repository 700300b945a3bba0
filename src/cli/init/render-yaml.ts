import { Document, isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';
import type { SystemAuth } from '../../index.js';
import type { Proposal, ProposedField } from './propose.js';
import type { ProposedUserMap } from './propose-users.js';

/** One system as `init` writes it: secrets are `${env:NAME}` references, never values. */
export interface PlannedSystem {
  id: string;
  adapter: string;
  baseUrl: string;
  auth: SystemAuth;
}

/** One side of the entity pair `init` writes. */
export interface PlannedSide {
  system: string;
  project: string;
  type: string;
}

/** Everything `init` decided, ready to render. */
export interface InitPlan {
  name: string;
  systems: { left: PlannedSystem; right: PlannedSystem };
  sides: { left: PlannedSide; right: PlannedSide };
  proposal: Proposal;
  /** Whether both connectors sync comments. */
  comments: boolean;
  /** A user map for people whose e-mail addresses differ, when both systems list their users. */
  users?: ProposedUserMap | undefined;
  /** Why no user map was proposed, when none was. */
  usersNote?: string | undefined;
}

const list = (values: string[]) => (values.length > 0 ? values.join(', ') : '(none)');
const label = (f: { id: string; name: string }) => (f.name === f.id ? f.id : `${f.name} (${f.id})`);

/** The YAML entry of a field mapping; defaults are left out so the file stays short. */
function fieldEntry(field: ProposedField): Record<string, unknown> {
  return {
    left: field.left.id,
    right: field.right.id,
    ...(field.direction === 'both' ? {} : { direction: field.direction }),
    ...(field.when === 'always' ? {} : { when: field.when }),
    ...(field.valueMap ? { valueMap: field.valueMap.name } : {}),
    ...(field.left.kind === 'user' ? { onUnmatchedUser: 'skipField' } : {}),
  };
}

function fieldComment(field: ProposedField): string {
  return [` ${label(field.left)} ↔ ${label(field.right)}: ${field.reason}`, ...field.notes.map((n) => ` ${n}`)].join(
    '\n',
  );
}

/** A field mapping as commented-out YAML, for the person to enable after pairing its values. */
function disabledEntry(field: ProposedField): string {
  const entry = Object.entries(fieldEntry(field)).map(([k, v]) => `${k}: ${String(v)}`);
  return ` - { ${entry.join(', ')} }`;
}

function valueMapComment(field: ProposedField): string {
  const map = field.valueMap!;
  const lines = [
    ` ${field.left.name} ↔ ${field.right.name}: ${map.pairs.length} value${map.pairs.length === 1 ? '' : 's'} paired by equal name`,
  ];
  if (map.unmatched.left.length > 0) lines.push(` unmatched left values: ${list(map.unmatched.left)} — add pairs`);
  if (map.unmatched.right.length > 0) lines.push(` unmatched right values: ${list(map.unmatched.right)} — add pairs`);
  if (map.pairs.length === 0)
    lines.push(` (the field mapping is commented out until this map has pairs: { left: ..., right: ... })`);
  return lines.join('\n');
}

function pairOf(map: YAMLMap, key: string): Pair<Node, Node> {
  const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key);
  if (!pair) throw new Error(`internal: no "${key}" in the rendered document`);
  return pair as Pair<Node, Node>;
}

function commentKey(map: unknown, key: string, comment: string): void {
  if (!isMap(map)) return;
  const pair = pairOf(map, key);
  if (isScalar(pair.key)) pair.key.commentBefore = comment;
}

/**
 * Renders the plan as a commented `syncbridge.yaml`: what was paired and why, the values
 * and fields left for a person to map, and how to go on.
 */
export function renderConfigYaml(plan: InitPlan, generatedAt: Date): string {
  const { proposal } = plan;
  const enabled = proposal.fields.filter((f) => f.enabled);
  const disabled = proposal.fields.filter((f) => !f.enabled);
  const withMaps = proposal.fields.filter((f) => f.valueMap);
  const system = ({ id: _id, ...rest }: PlannedSystem) => rest;
  const people = plan.users && plan.users.pairs.length > 0 ? plan.users : undefined;
  const doc = new Document({
    version: 1,
    systems: { [plan.systems.left.id]: system(plan.systems.left), [plan.systems.right.id]: system(plan.systems.right) },
    valueMaps: {
      ...Object.fromEntries(withMaps.map((f) => [f.valueMap!.name, { pairs: f.valueMap!.pairs, unmapped: 'fail' }])),
      ...(people ? { [people.name]: { pairs: people.pairs.map(({ left, right }) => ({ left, right })) } } : {}),
    },
    mappings: [
      {
        name: plan.name,
        left: plan.sides.left,
        right: plan.sides.right,
        fields: enabled.map(fieldEntry),
        ...(plan.comments ? { comments: { direction: 'both' } } : {}),
        ...(people ? { users: { valueMap: people.name } } : {}),
        conflicts: 'manual',
      },
    ],
    state: { store: 'sqlite', path: '.syncbridge/state.db' },
  });

  doc.commentBefore = [
    ` syncbridge configuration written by \`syncbridge init\` on ${generatedAt.toISOString().slice(0, 10)}.`,
    ' Review it, then: syncbridge validate, syncbridge activate, syncbridge dry-run, syncbridge run --once.',
    ' Secrets are read from the environment variables named in ${env:...}; they are never stored here.',
  ].join('\n');
  const root = doc.contents as YAMLMap;
  commentKey(
    root,
    'valueMaps',
    ' Lookup values paired by equal name (case, spaces and punctuation ignored).\n unmapped: fail stops an item with a value that has no pair, so nothing is written wrongly.',
  );
  const maps = pairOf(root, 'valueMaps').value;
  for (const f of withMaps) commentKey(maps, f.valueMap!.name, valueMapComment(f));
  if (people) {
    commentKey(
      maps,
      people.name,
      ` People whose e-mail addresses differ, paired by display name (case and accents ignored): check each pair.\n Everyone else is matched by e-mail address and needs no pair.`,
    );
    const pairs = doc.getIn(['valueMaps', people.name, 'pairs']);
    if (isSeq(pairs))
      pairs.items.forEach((item, i) => {
        (item as Node).commentBefore = ` ${people.pairs[i]!.reason}`;
      });
  }

  const mapping = (doc.getIn(['mappings', 0]) as YAMLMap | undefined) ?? root;
  for (const side of ['left', 'right'] as const) {
    const node = doc.getIn(['mappings', 0, side]);
    if (isMap(node)) node.flow = true;
  }
  mapping.commentBefore = ' One entity pair. Its name keys the sync state: do not rename it once active.';
  const fields = doc.getIn(['mappings', 0, 'fields']);
  if (isSeq(fields))
    fields.items.forEach((item, i) => {
      (item as Node).commentBefore = fieldComment(enabled[i]!);
    });

  const after: string[] = [];
  if (disabled.length > 0) {
    after.push(' Proposed, but waiting for value pairs (see valueMaps); move them into fields when ready:');
    for (const f of disabled) after.push(`   ${label(f.left)} ↔ ${label(f.right)}`, `  ${disabledEntry(f)}`);
  }
  if (proposal.unpaired.left.length + proposal.unpaired.right.length > 0) {
    after.push(' Writable fields without a counterpart (map them by hand if they matter):');
    after.push(`   left:  ${list(proposal.unpaired.left.map((f) => `${label(f)} [${f.kind}]`))}`);
    after.push(`   right: ${list(proposal.unpaired.right.map((f) => `${label(f)} [${f.kind}]`))}`);
  }
  const unmatchedPeople = plan.users?.unmatched.length
    ? [
        ' Left users without a proposed pair (add them to the user map by hand if they work on these items):',
        ...plan.users.unmatched.map((u) => `   - ${u}`),
      ]
    : [];
  if (people) {
    commentKey(
      mapping,
      'users',
      [
        ' People are matched by e-mail address, and through this user map where their addresses differ.',
        ...unmatchedPeople,
      ].join('\n'),
    );
  } else if (enabled.some((f) => f.left.kind === 'user')) {
    after.push(' People are matched by e-mail address. Where their addresses differ, add a user map, e.g.:');
    after.push('   users: { valueMap: { pairs: [{ left: ana@example.com, right: ana.silva@example.org }] } }');
    if (plan.usersNote) after.push(` (${plan.usersNote})`);
    after.push(...unmatchedPeople);
  }
  after.push(
    ' Changed on both sides since the last sync: queued for a person (syncbridge status, syncbridge retry --take).',
  );
  commentKey(mapping, 'conflicts', after.join('\n'));
  if (plan.comments) commentKey(mapping, 'comments', ' Comments are copied both ways, marked with their origin.');
  commentKey(root, 'state', ' Links and watermarks, relative to this file; keep it between runs.');
  return doc.toString({ lineWidth: 0 });
}
