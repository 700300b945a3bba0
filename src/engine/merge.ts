import type { ConflictPolicy } from '../config/schema.js';
import { valuesEqual, type FieldDescriptor, type FieldValue } from '../model/field.js';
import type { WorkItem } from '../model/item.js';
import type { Direction } from '../model/value-map.js';
import type { Side, Snapshot } from '../state/state-store.js';
import type { ConflictEvent } from './events.js';
import { flows, mapValue, type CompiledField } from './value-mapper.js';
import type { UserResolver } from './users.js';

/** Writes a merge decided on, per side, and the conflicts it met. */
export interface MergePlan {
  writes: Record<Side, Record<string, FieldValue>>;
  /** Conflicts resolved by policy. */
  resolved: ConflictEvent[];
  /** Conflicts queued for a person (`manual`): nothing may be written then. */
  manual: ConflictEvent[];
}

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
}

const directionTo = (target: Side): Direction => (target === 'right' ? 'leftToRight' : 'rightToLeft');

/**
 * Field-level three-way merge of a linked pair against the snapshots of the last sync:
 * a field changed on one side only is taken; changed on both to different values is a
 * conflict settled by policy; only values that differ from the target are written.
 */
export async function mergeLinked(input: MergeInput): Promise<MergePlan> {
  const plan: MergePlan = { writes: { left: {}, right: {} }, resolved: [], manual: [] };
  const { items, snapshots } = input;
  const changed = (side: Side, id: string): boolean => {
    const snapshot = snapshots[side];
    if (!snapshot || !(id in snapshot.fields)) return input.anchor === side;
    return !valuesEqual(items[side].fields[id], snapshot.fields[id]);
  };
  const map = async (field: CompiledField, target: Side) => {
    const source: Side = target === 'right' ? 'left' : 'right';
    return mapValue(field, items[source].fields[field.config[source]], directionTo(target), {
      users: input.users,
      targetField: input.descriptors[target].get(field.config[target]),
      mappingName: input.pair,
    });
  };
  const write = async (field: CompiledField, target: Side) => {
    if (!flows(field, directionTo(target))) return;
    const mapped = await map(field, target);
    const id = field.config[target];
    if (mapped.write && !valuesEqual(mapped.value, items[target].fields[id])) plan.writes[target][id] = mapped.value;
  };

  for (const field of input.fields) {
    if (field.config.when === 'onCreate') continue;
    const leftChanged = changed('left', field.config.left);
    const rightChanged = changed('right', field.config.right);
    if (leftChanged && !rightChanged) await write(field, 'right');
    else if (rightChanged && !leftChanged) await write(field, 'left');
    else if (leftChanged && rightChanged) {
      const toRight = flows(field, 'leftToRight') ? await map(field, 'right') : undefined;
      const toLeft = flows(field, 'rightToLeft') ? await map(field, 'left') : undefined;
      const agree =
        (toRight?.write === true && valuesEqual(toRight.value, items.right.fields[field.config.right])) ||
        (toLeft?.write === true && valuesEqual(toLeft.value, items.left.fields[field.config.left]));
      if (agree) continue;
      const policy = input.policyOverride ?? field.config.conflict ?? input.defaultPolicy;
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
        continue;
      }
      const winner: Side = policy === 'leftWins' ? 'left' : policy === 'rightWins' ? 'right' : Date.parse(items.left.updatedAt) >= Date.parse(items.right.updatedAt) ? 'left' : 'right';
      plan.resolved.push({ ...event, resolution: winner });
      await write(field, winner === 'left' ? 'right' : 'left');
    }
  }
  return plan;
}

/** The values written when creating the counterpart of a source item. */
export async function mergeCreate(input: Omit<MergeInput, 'items' | 'snapshots' | 'defaultPolicy'> & { source: WorkItem }): Promise<Record<string, FieldValue>> {
  const target: Side = input.anchor === 'left' ? 'right' : 'left';
  const out: Record<string, FieldValue> = {};
  for (const field of input.fields) {
    if (field.config.when === 'onUpdate' || !flows(field, directionTo(target))) continue;
    const mapped = await mapValue(field, input.source.fields[field.config[input.anchor]], directionTo(target), {
      users: input.users,
      targetField: input.descriptors[target].get(field.config[target]),
      mappingName: input.pair,
    });
    if (mapped.write && mapped.value !== null) out[field.config[target]] = mapped.value;
  }
  return out;
}
