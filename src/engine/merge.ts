import type { ConflictPolicy } from '../config/schema.js';
import { SyncbridgeError, toSyncbridgeError } from '../errors/syncbridge-error.js';
import { isEmptyValue, type FieldDescriptor, type FieldValue } from '../model/field.js';
import type { WorkItem } from '../model/item.js';
import type { Direction } from '../model/value-map.js';
import { otherSide, sides, type PendingWrites, type Side, type Snapshot } from '../state/state-store.js';
import type { ConflictEvent } from './events.js';
import { type DroppedValue, fitsTarget, mergeSets, sameValue } from './field-values.js';
import type { Twin } from './link-fields.js';
import { flows, mapValue, type CompiledField } from './value-mapper.js';
import type { UserResolver } from './users.js';

/** A field that cannot sync now; every other field of the item still does. */
export interface FieldProblem {
  /** The side whose value could not be carried over (a conflict's is the left). */
  source: Side;
  /** The field on the side that was to be written. */
  field: string;
  /** The value that was to be written, when there was one. */
  value?: FieldValue;
  /** For a conflict: both sides' values. */
  conflict?: { left: FieldValue; right: FieldValue };
  error: SyncbridgeError;
}

/**
 * The merge of one field mapping: what to write where, and the values both sides hold
 * once those writes are made, which becomes the field's agreed state.
 */
export interface FieldOutcome {
  field: CompiledField;
  /** The value to write, by side written. */
  write: Partial<Record<Side, FieldValue>>;
  /** Each side's value after the writes. */
  agreed: Record<Side, FieldValue>;
  /** Each side's agreed value before this merge (absent where unknown): what a field that cannot sync keeps. */
  prior: Partial<Record<Side, FieldValue>>;
  /** Why this field does not sync now. */
  problem?: FieldProblem;
  /** For a field written on both sides: the agreed values when only the write to one side goes through. */
  partial?: Partial<Record<Side, Record<Side, FieldValue>>>;
  /** Values left out because the target cannot hold them (a tag with `;`, a label with a space). */
  warnings: DroppedValue[];
}

/** Writes a merge decided on, per side, and the conflicts it met. */
export interface MergePlan {
  writes: Record<Side, Record<string, FieldValue>>;
  fields: FieldOutcome[];
  /** Conflicts resolved by policy. */
  resolved: ConflictEvent[];
  /** Conflicts queued for a person (`manual`): the field is held, the others sync. */
  manual: ConflictEvent[];
}

/** How a field whose agreed state is unknown (a field added to a mapping, a reconcile) is repaired. */
export type ReconcileStrategy = 'default' | 'source' | 'target' | 'targetEmpty';

/** Everything a merge of one linked pair of items needs. */
export interface MergeInput {
  pair: string;
  fields: CompiledField[];
  items: Record<Side, WorkItem>;
  snapshots: Record<Side, Snapshot | undefined>;
  /** The side whose change started this merge (counts as changed where there is no base yet). */
  anchor: Side;
  descriptors: Record<Side, Map<string, FieldDescriptor>>;
  users: UserResolver;
  defaultPolicy: ConflictPolicy;
  /** Forces a policy for every field (a person's `retry --take left`). */
  policyOverride?: ConflictPolicy | undefined;
  /**
   * The pair's agreed state was not recorded (relinked from its stamps, or linked after a create
   * whose intent an earlier version recorded without values): a field whose agreed values are
   * unknown takes the later change (a person's edit is never overwritten by an older value), or
   * waits for a person under `manual`; a field whose agreed values are known merges as usual.
   */
  agreementUnknown?: boolean | undefined;
  /** For link fields: the twin on `target` of an item the other side names (see `TwinFinder`). */
  twins?: ((target: Side, sourceId: string) => Promise<Twin | undefined>) | undefined;
  /** When a side last changed a field (ms), for `newestWins`. */
  changedAt(side: Side, field: string): Promise<number>;
  /** Values a side refused before: not written again until they change (a person's retry sends them again). */
  refused?: (side: Side, field: string, value: FieldValue) => SyncbridgeError | undefined;
  /** Values a side refused before, even on a person's retry: such a value cannot win a conflict. */
  refusedBefore?: (side: Side, field: string, value: FieldValue) => SyncbridgeError | undefined;
  /** Compare every field as if its agreed state were unknown (reconcile), with this strategy. */
  reconcile?: { strategy: (field: CompiledField) => ReconcileStrategy; source: Side } | undefined;
}

const directionTo = (target: Side): Direction => (target === 'right' ? 'leftToRight' : 'rightToLeft');

/** The mapping context of a merge towards `target`. */
const mapContext = (
  input: Pick<MergeInput, 'users' | 'pair' | 'twins'>,
  target: Side,
  targetField: FieldDescriptor | undefined,
) => ({
  users: input.users,
  targetField,
  mappingName: input.pair,
  twins: input.twins ? (id: string) => input.twins!(target, id) : undefined,
});

/**
 * A link to an item without a twin yet: the field's other links sync, this one waits (its
 * failure record is retried each pass) and is written once the item it names is synced.
 */
function linkPending(
  field: CompiledField,
  source: Side,
  sourceKey: string,
  pending: string[] | undefined,
): FieldProblem | undefined {
  if (!pending?.length) return undefined;
  const target = otherSide(source);
  const names = pending.join(', ');
  return {
    source,
    field: field.config[target],
    error: new SyncbridgeError(
      'LINK_PENDING',
      `${field.config[source]} of ${sourceKey} names ${names}, which ${pending.length === 1 ? 'has' : 'have'} no twin on the ${target} side yet: written once synced`,
      { details: { pending, field: field.config[source], onMissingTarget: field.link?.onMissingTarget ?? 'wait' } },
    ),
  };
}

/**
 * The conflict policy of a field in this merge: a field whose agreed values are unknown on a
 * pair whose agreement is unknown takes the later change (see {@link MergeInput.agreementUnknown}).
 */
function policyOf(input: MergeInput, field: CompiledField, agreed: boolean): ConflictPolicy {
  if (input.policyOverride) return input.policyOverride;
  const configured = field.config.conflict ?? input.defaultPolicy;
  return input.agreementUnknown && !agreed && configured !== 'manual' ? 'newestWins' : configured;
}

/** Merges one linked pair field by field against the agreed state of the last sync. */
export async function mergeLinked(input: MergeInput): Promise<MergePlan> {
  const plan: MergePlan = { writes: { left: {}, right: {} }, fields: [], resolved: [], manual: [] };
  for (const field of input.fields) {
    const outcome = await mergeField(input, field, plan);
    plan.fields.push(outcome);
    for (const side of ['left', 'right'] as const) {
      if (side in outcome.write) plan.writes[side][field.config[side]] = outcome.write[side]!;
    }
  }
  return plan;
}

async function mergeField(input: MergeInput, field: CompiledField, plan: MergePlan): Promise<FieldOutcome> {
  const { items, snapshots } = input;
  const id = (side: Side) => field.config[side];
  const current = (side: Side): FieldValue => items[side].fields[id(side)] ?? null;
  const descriptor = (side: Side) => input.descriptors[side].get(id(side));
  const map = (target: Side, value: FieldValue) =>
    mapValue(field, value, directionTo(target), mapContext(input, target, descriptor(target)));
  const bases: Partial<Record<Side, FieldValue>> = {};
  for (const side of ['left', 'right'] as const)
    if (snapshots[side] && id(side) in snapshots[side].fields) bases[side] = snapshots[side].fields[id(side)]!;
  // Writes a pass was about to make when it stopped (its process died before the commit): a
  // written value the item still holds is the engine's own write, and agreed as such.
  const pending = input.reconcile ? undefined : (snapshots.left?.pending ?? snapshots.right?.pending);
  if (pending) {
    const written = sides.filter((s) => pending.writes[s] && id(s) in pending.writes[s]);
    const through = written.filter((s) => sameValue(current(s), pending.writes[s]![id(s)]!, descriptor(s)));
    const agreed =
      through.length === 0
        ? undefined
        : through.length === written.length
          ? pending.agreed
          : pending.alone?.[through[0]!];
    if (agreed && id('left') in agreed.left && id('right') in agreed.right) {
      bases.left = agreed.left[id('left')]!;
      bases.right = agreed.right[id('right')]!;
    }
  }
  // One side's agreed value unknown (a create whose answer was lost, linked later by its origin
  // stamp): the value that corresponds to the other side's agreed value is agreed.
  if (!input.reconcile && snapshots.left && snapshots.right && 'left' in bases !== 'right' in bases) {
    const missing: Side = 'left' in bases ? 'right' : 'left';
    if (flows(field, directionTo(missing))) {
      try {
        const mapped = await map(missing, bases[otherSide(missing)]!);
        if (mapped.write) bases[missing] = mapped.value;
      } catch {
        // Left unknown: the field is merged as one added to the mapping.
      }
    }
  }
  const base = (side: Side): FieldValue | undefined => bases[side];
  const policy = policyOf(input, field, 'left' in bases && 'right' in bases);
  const outcome: FieldOutcome = {
    field,
    write: {},
    agreed: { left: current('left'), right: current('right') },
    prior: { ...bases },
    warnings: [],
  };
  const held = (problem: FieldProblem): FieldOutcome => ({ ...outcome, write: {}, problem });

  /** Carries `value` of the other side over to `target`, unless the target holds it already. */
  const transfer = async (target: Side): Promise<FieldOutcome> => {
    const source = otherSide(target);
    let mapped: Awaited<ReturnType<typeof map>>;
    try {
      mapped = await map(target, current(source));
    } catch (error) {
      return held({ source, field: id(target), error: toSyncbridgeError(error) });
    }
    if (!mapped.write) return outcome;
    const pending = linkPending(field, source, items[source].key, mapped.pending);
    // A parent not synced yet is no value to write (null would remove the target's parent).
    if (pending && !Array.isArray(mapped.value)) return held(pending);
    const fit = fitsTarget(mapped.value, descriptor(target), target, id(target));
    outcome.warnings.push(...fit.dropped);
    if (fit.dropped.length > 0 && !Array.isArray(mapped.value)) return outcome;
    const written = write(target, fit.value);
    if (!pending) return written;
    // The links that could be written are; those waiting are not agreed (nor recorded as such
    // with the pass's pending writes), so they are merged again once their items are synced.
    written.agreed[source] = withoutWaiting(current(source), pending);
    return { ...written, problem: pending };
  };
  const write = (target: Side, value: FieldValue): FieldOutcome => {
    if (sameValue(value, current(target), descriptor(target))) return outcome;
    const refusal = input.refused?.(target, id(target), value);
    if (refusal) return held({ source: otherSide(target), field: id(target), value, error: refusal });
    outcome.write[target] = value;
    outcome.agreed[target] = value;
    return outcome;
  };

  /**
   * Under `manual`, a value one side refused before is no candidate a person could pick: the
   * field waits as that refusal rather than as a conflict, until a person takes a side.
   */
  const refusedBefore = async (): Promise<FieldOutcome | undefined> => {
    if (policy !== 'manual') return undefined;
    for (const target of ['right', 'left'] as const) {
      if (!flows(field, directionTo(target))) continue;
      try {
        const mapped = await map(target, current(otherSide(target)));
        if (!mapped.write) continue;
        const refusal = input.refusedBefore?.(target, id(target), mapped.value);
        if (refusal) return held({ source: otherSide(target), field: id(target), value: mapped.value, error: refusal });
      } catch {
        // A value that cannot be mapped fails in the transfer.
      }
    }
    return undefined;
  };
  const settle = async () => (await refusedBefore()) ?? conflict(input, field, policy, plan, transfer, held);

  if (field.config.when === 'onCreate') return outcome;
  const both = flows(field, 'leftToRight') && flows(field, 'rightToLeft');
  const isSet = descriptor('left')?.kind === 'multiLookup' && descriptor('right')?.kind === 'multiLookup';
  const known = !input.reconcile && base('left') !== undefined && base('right') !== undefined;
  const noBaseAtAll = !input.reconcile && (!snapshots.left || !snapshots.right);

  if (isSet && (known || (!noBaseAtAll && both)))
    return mergeSetField(
      input,
      field,
      outcome,
      known ? { left: base('left')!, right: base('right')! } : undefined,
      map,
      held,
    );

  if (known || noBaseAtAll) {
    const changed = (side: Side) =>
      noBaseAtAll ? side === input.anchor : !sameValue(current(side), base(side)!, descriptor(side));
    const leftChanged = changed('left');
    const rightChanged = changed('right');
    if (leftChanged && !rightChanged) return flows(field, 'leftToRight') ? transfer('right') : outcome;
    if (rightChanged && !leftChanged) return flows(field, 'rightToLeft') ? transfer('left') : outcome;
    if (!leftChanged && !rightChanged) return outcome;
    if (await correspond(field, items, map, descriptor)) return outcome;
    return settle();
  }

  // The agreed state of this field is unknown (added to the mapping, or a reconcile).
  if (await correspond(field, items, map, descriptor)) return outcome;
  const strategy = input.reconcile?.strategy(field) ?? 'default';
  const source: Side = !both
    ? flows(field, 'leftToRight')
      ? 'left'
      : 'right'
    : (input.reconcile?.source ?? input.anchor);
  const target = otherSide(source);
  if (strategy === 'source') return flows(field, directionTo(target)) ? transfer(target) : outcome;
  if (strategy === 'target') return flows(field, directionTo(source)) ? transfer(source) : outcome;
  if (strategy === 'targetEmpty')
    return isEmptyValue(current(target)) && flows(field, directionTo(target)) ? transfer(target) : outcome;
  if (!both) return transfer(target);
  if (isEmptyValue(current('right'))) return transfer('right');
  if (isEmptyValue(current('left'))) return transfer('left');
  return settle();
}

/** Whether the two sides hold the same value through the mapping (either direction that flows). */
async function correspond(
  field: CompiledField,
  items: Record<Side, WorkItem>,
  map: (target: Side, value: FieldValue) => ReturnType<typeof mapValue>,
  descriptor: (side: Side) => FieldDescriptor | undefined,
): Promise<boolean> {
  for (const target of ['right', 'left'] as const) {
    if (!flows(field, directionTo(target))) continue;
    try {
      const mapped = await map(target, items[otherSide(target)].fields[field.config[otherSide(target)]] ?? null);
      if (
        mapped.write &&
        !mapped.pending?.length &&
        sameValue(mapped.value, items[target].fields[field.config[target]] ?? null, descriptor(target))
      )
        return true;
    } catch {
      // An unmappable value does not correspond to anything.
    }
  }
  return false;
}

async function conflict(
  input: MergeInput,
  field: CompiledField,
  policy: ConflictPolicy,
  plan: MergePlan,
  transfer: (target: Side) => Promise<FieldOutcome>,
  held: (problem: FieldProblem) => FieldOutcome,
): Promise<FieldOutcome> {
  const { items } = input;
  const event: ConflictEvent = {
    pair: input.pair,
    leftKey: items.left.key,
    rightKey: items.right.key,
    field: { left: field.config.left, right: field.config.right },
    left: items.left.fields[field.config.left] ?? null,
    right: items.right.fields[field.config.right] ?? null,
    policy,
    resolution: 'queued',
  };
  if (policy === 'manual') {
    plan.manual.push(event);
    const message = `${field.config.left}/${field.config.right} changed on both sides since the last sync: left ${JSON.stringify(event.left)} vs right ${JSON.stringify(event.right)}. Edit one side to match, or retry with --take left|right.`;
    // Kept under the left item whichever side is merged, so that a conflict is queued once.
    return held({
      source: 'left',
      field: field.config.right,
      conflict: { left: event.left, right: event.right },
      error: new SyncbridgeError('CONFLICT', message, { details: { conflict: event } }),
    });
  }
  let winner: Side;
  if (policy === 'leftWins') winner = 'left';
  else if (policy === 'rightWins') winner = 'right';
  else {
    const [left, right] = await Promise.all([
      input.changedAt('left', field.config.left),
      input.changedAt('right', field.config.right),
    ]);
    winner = left >= right ? 'left' : 'right';
  }
  // A winner whose value cannot flow (a one-way field) keeps both values as they are.
  if (!flows(field, directionTo(otherSide(winner)))) winner = otherSide(winner);
  plan.resolved.push({ ...event, resolution: winner });
  return transfer(otherSide(winner));
}

/** Multi-value fields merge as sets: each side's adds and removes since the agreed state apply to the other. */
async function mergeSetField(
  input: MergeInput,
  field: CompiledField,
  outcome: FieldOutcome,
  agreed: Record<Side, FieldValue> | undefined,
  map: (target: Side, value: FieldValue) => ReturnType<typeof mapValue>,
  held: (problem: FieldProblem) => FieldOutcome,
): Promise<FieldOutcome> {
  const id = (side: Side) => field.config[side];
  const descriptor = (side: Side) => input.descriptors[side].get(id(side));
  const list = (value: FieldValue | undefined): string[] => (Array.isArray(value) ? value : []);
  const current = {
    left: list(input.items.left.fields[id('left')]),
    right: list(input.items.right.fields[id('right')]),
  };
  const base = agreed ? { left: list(agreed.left), right: list(agreed.right) } : undefined;
  const next = { left: [...current.left], right: [...current.right] };
  const partial: Partial<Record<Side, Record<Side, FieldValue>>> = {};
  // Per side, its links to items without a twin yet (see `LINK_PENDING`).
  const waiting: Partial<Record<Side, FieldProblem>> = {};
  for (const target of sides) {
    const source = otherSide(target);
    if (!flows(field, directionTo(target))) continue;
    // Without an agreed state (a field just added to the mapping) every value on either side is kept: a union.
    const added = base
      ? current[source].filter((v) => !base[source].some((b) => sameValue(b, v, descriptor(source))))
      : current[source];
    const removed = base
      ? base[source].filter((b) => !current[source].some((v) => sameValue(b, v, descriptor(source))))
      : [];
    let mappedAdds: string[];
    let mappedRemoves: string[];
    try {
      const adds = await mapEach(added, (v) => map(target, [v]));
      mappedAdds = adds.values;
      // An item removed from the source's links that has no twin was never linked on the target.
      mappedRemoves = (await mapEach(removed, (v) => map(target, [v]))).values;
      const problem = linkPending(field, source, input.items[source].key, adds.pending);
      if (problem) {
        outcome.problem ??= problem;
        waiting[source] = problem;
      }
    } catch (error) {
      return held({ source, field: id(target), error: toSyncbridgeError(error) });
    }
    const fit = fitsTarget(mappedAdds, descriptor(target), target, id(target));
    outcome.warnings.push(...fit.dropped);
    next[target] = mergeSets(next[target], list(fit.value), mappedRemoves, descriptor(target));
    // Should only this side's write go through, the other side's changes are agreed as applied
    // here, while this side's own changes stay pending for the other side.
    if (base)
      partial[target] = {
        [target]: mergeSets(base[target], list(fit.value), mappedRemoves, descriptor(target)),
        [source]: current[source],
      } as Record<Side, FieldValue>;
  }
  for (const target of sides) {
    if (sameValue(next[target], current[target], descriptor(target))) continue;
    const refusal = input.refused?.(target, id(target), next[target]);
    if (refusal) return held({ source: otherSide(target), field: id(target), value: next[target], error: refusal });
    outcome.write[target] = next[target];
    outcome.agreed[target] = next[target];
  }
  // Links waiting for their items are not agreed, also where only one write goes through.
  for (const side of sides) {
    const problem = waiting[side];
    if (!problem) continue;
    outcome.agreed[side] = withoutWaiting(outcome.agreed[side], problem);
    const alone = partial[otherSide(side)];
    if (alone) alone[side] = withoutWaiting(alone[side], problem);
  }
  if (outcome.write.left !== undefined && outcome.write.right !== undefined) outcome.partial = partial;
  return outcome;
}

/** A side's links without those waiting for their items (as a {@link linkPending} problem lists them). */
function withoutWaiting(value: FieldValue, problem: FieldProblem): FieldValue {
  const pending = problem.error.details.pending as string[];
  return Array.isArray(value) ? value.filter((id) => !pending.includes(id)) : value;
}

async function mapEach(
  values: string[],
  map: (value: string) => ReturnType<typeof mapValue>,
): Promise<{ values: string[]; pending: string[] }> {
  const out: string[] = [];
  const pending: string[] = [];
  for (const value of values) {
    const mapped = await map(value);
    if (mapped.write && mapped.pending) pending.push(...mapped.pending);
    if (mapped.write && Array.isArray(mapped.value)) out.push(...mapped.value);
    else if (mapped.write && typeof mapped.value === 'string') out.push(mapped.value);
  }
  return { values: out, pending };
}

/**
 * The writes a merge plan makes, and what each side then holds (see `Snapshot.pending`);
 * undefined when it writes nothing.
 */
export function pendingWrites(plan: MergePlan): PendingWrites | undefined {
  const pending: PendingWrites = { writes: {}, agreed: { left: {}, right: {} } };
  for (const outcome of plan.fields) {
    const written = sides.filter((s) => s in outcome.write);
    if (written.length === 0) continue;
    const id = (side: Side) => outcome.field.config[side];
    for (const side of sides) {
      pending.agreed[side][id(side)] = outcome.agreed[side];
      if (side in outcome.write) pending.writes[side] = { ...pending.writes[side], [id(side)]: outcome.write[side]! };
    }
    for (const side of written.length === 2 ? sides : []) {
      const alone = outcome.partial?.[side];
      if (!alone) continue;
      const entry = pending.alone?.[side] ?? { left: {}, right: {} };
      for (const s of sides) entry[s][id(s)] = alone[s];
      pending.alone = { ...pending.alone, [side]: entry };
    }
  }
  return Object.keys(pending.writes).length > 0 ? pending : undefined;
}

/** The values written when creating the counterpart of a source item, and the values left out. */
export async function mergeCreate(
  input: Pick<MergeInput, 'pair' | 'fields' | 'anchor' | 'descriptors' | 'users' | 'twins'> & { source: WorkItem },
): Promise<{ fields: Record<string, FieldValue>; problems: FieldProblem[]; warnings: FieldOutcome['warnings'] }> {
  const target = otherSide(input.anchor);
  const out: Record<string, FieldValue> = {};
  const problems: FieldProblem[] = [];
  const warnings: FieldOutcome['warnings'] = [];
  for (const field of input.fields) {
    if (field.config.when === 'onUpdate' || !flows(field, directionTo(target))) continue;
    const targetId = field.config[target];
    const descriptor = input.descriptors[target].get(targetId);
    try {
      const mapped = await mapValue(
        field,
        input.source.fields[field.config[input.anchor]],
        directionTo(target),
        mapContext(input, target, descriptor),
      );
      const pending = linkPending(field, input.anchor, input.source.key, mapped.write ? mapped.pending : undefined);
      if (pending) problems.push(pending);
      if (!mapped.write || mapped.value === null) continue;
      const fit = fitsTarget(mapped.value, descriptor, target, targetId);
      warnings.push(...fit.dropped);
      if (fit.dropped.length > 0 && !Array.isArray(mapped.value)) continue;
      if (!isEmptyValue(fit.value)) out[targetId] = fit.value;
    } catch (error) {
      const problem = toSyncbridgeError(error);
      // A required field that cannot be mapped still fails the create as a whole: the system would refuse it.
      if (descriptor?.required) throw problem;
      problems.push({ source: input.anchor, field: targetId, error: problem });
    }
  }
  return { fields: out, problems, warnings };
}
