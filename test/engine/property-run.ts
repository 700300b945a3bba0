import fc from 'fast-check';
import type { ConflictPolicy, Failure } from 'syncbridge';
import type { Journal, EditSpec, SlotEvent } from './property-journal.js';
import { PAIR, readSlot, representable, SLOTS, type Side, type SlotValue, type World } from './property-world.js';
import { passActing, tolerant } from './property-pass.js';

/** One step of a scenario: people's edits, an engine pass (with edits at moments inside it), faults, time. */
export type Command =
  | { kind: 'create'; side: Side; priority: number; labels: number }
  | { kind: 'edit'; edit: EditSpec }
  | { kind: 'pass'; injections: Array<{ on: Side; at: number; edit: EditSpec }> }
  | { kind: 'loseAnswer'; side: Side; method: 'update' | 'create' }
  | { kind: 'fail'; side: Side; method: 'update' | 'getMany' | 'query' | 'create' }
  | { kind: 'wait'; ms: number };

const side = fc.constantFrom<Side>('left', 'right');
const editSpec: fc.Arbitrary<EditSpec> = fc.record({
  item: fc.nat(7),
  side,
  field: fc.constantFrom<EditSpec['field']>('title', 'priority', 'labels', 'labels', 'ref'),
  pick: fc.nat(11),
});

/** A scenario: two items to start with, then random steps. */
export const scenario: fc.Arbitrary<Command[]> = fc
  .array(
    fc.oneof(
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('create' as const), side, priority: fc.nat(5), labels: fc.nat(15) }),
      },
      { weight: 6, arbitrary: fc.record({ kind: fc.constant('edit' as const), edit: editSpec }) },
      {
        weight: 3,
        arbitrary: fc.record({
          kind: fc.constant('pass' as const),
          injections: fc.array(fc.record({ on: side, at: fc.nat(11), edit: editSpec }), { maxLength: 3 }),
        }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constant('loseAnswer' as const),
          side,
          method: fc.constantFrom<'update' | 'create'>('update', 'create'),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant('fail' as const),
          side,
          method: fc.constantFrom<'update' | 'getMany' | 'query' | 'create'>('update', 'getMany', 'query', 'create'),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.constantFrom(1000, 70_000, 3_600_000) }),
      },
    ),
    { minLength: 1, maxLength: 30 },
  )
  .map((steps): Command[] => [
    { kind: 'create', side: 'left', priority: 1, labels: 1 },
    { kind: 'create', side: 'right', priority: 2, labels: 2 },
    { kind: 'pass', injections: [] },
    ...steps,
  ]);

/** One engine pass; edits injected at the given moments of either connector's calls. */
const pass = (world: World, journal: Journal, injections: Array<{ on: Side; at: number; edit: EditSpec }>) =>
  passActing(
    world,
    journal,
    injections.map(({ on, at, edit }) => ({ on, at, act: edit })),
    (edit) => journal.edit(edit),
  );

/** Whether a failure holds a conflict for a person: as its kind, or as one of its fields. */
function holdsConflict(f: Failure): boolean {
  const fields = Array.isArray(f.details.fields) ? (f.details.fields as Array<{ code?: string }>) : [];
  return f.kind === 'conflict' || fields.some((x) => x.code === 'CONFLICT');
}

/** Runs the steps, then quiet passes that retry what failed; a person takes the left side of what status shows as a conflict. */
export async function play(world: World, journal: Journal, commands: Command[]): Promise<void> {
  for (const c of commands) {
    if (c.kind === 'create') {
      world.advance(1000);
      await journal.create(c.side, c);
    } else if (c.kind === 'edit') {
      world.advance(1000);
      await journal.edit(c.edit);
    } else if (c.kind === 'pass') await pass(world, journal, c.injections);
    else if (c.kind === 'loseAnswer') world.connectors[c.side].failNext(c.method, 1, undefined, { afterWrite: true });
    else if (c.kind === 'fail') world.connectors[c.side].failNext(c.method, 1);
    else world.advance(c.ms);
  }
  for (let round = 0; round < 4; round++) {
    world.advance(3_600_000);
    await pass(world, journal, []);
    for (const f of (await world.sync.status()).pairs[0]!.failures) {
      await tolerant(journal, () =>
        world.sync.retry(
          { pair: PAIR, side: f.side, itemId: f.itemId },
          world.policy === 'manual' && holdsConflict(f) ? { take: 'left' } : {},
        ),
      );
    }
  }
  world.advance(3_600_000);
  await pass(world, journal, []);
}

/**
 * The values a slot may end with: the last person's change, or, when that change was
 * concurrent with an unagreed change on the other side, the value the policy picks
 * (`newestWins`: the last change; `manual`: resolved by taking the left side). A label's
 * presence merges as a set, so either concurrent change may stand, as may the other side's
 * change when the last one only set the value back to the agreed one.
 */
export function acceptable(last: SlotEvent, policy: ConflictPolicy): SlotValue[] {
  if (!last.otherPending) return [last.value];
  // A change back to the agreed value is no change to a three-way merge: the other side's stands.
  if (last.slot.startsWith('label:') || last.restoresAgreed) return [last.value, last.otherValue];
  if (policy === 'newestWins') return [last.value];
  const winner: Side = policy === 'rightWins' ? 'right' : 'left';
  return last.side === winner ? [last.value] : [last.value, last.otherValue];
}

const show = (v: SlotValue) => JSON.stringify(v);

/** Every way the final state of both systems and of the state store breaks the invariants. */
export async function verify(world: World, journal: Journal): Promise<string[]> {
  const problems: string[] = [];
  const { systems, store } = world;
  const failures = (await world.sync.status()).pairs[0]!.failures;
  for (const s of ['left', 'right'] as const) {
    if (systems[s].items.size !== journal.items.length)
      problems.push(`${s} has ${systems[s].items.size} items; people created ${journal.items.length}`);
  }
  for (const [index, tracked] of journal.items.entries()) {
    const ids = await journal.ids(tracked);
    const name = `item #${index} (created ${tracked.origin} ${tracked.id})`;
    if (!ids.left || !ids.right) {
      problems.push(`${name} has no linked counterpart`);
      continue;
    }
    const items = { left: systems.left.items.get(ids.left)!, right: systems.right.items.get(ids.right)! };
    const name2 = `${name} [${items.left.key} ↔ ${items.right.key}]`;
    for (const slot of SLOTS) {
      const events = journal.events.filter((e) => e.item === index && e.slot === slot);
      const last = events.at(-1)!;
      const accepted = acceptable(last, world.policy);
      const values = {
        left: readSlot('left', items.left.fields, slot),
        right: readSlot('right', items.right.fields, slot),
      };
      const history = events
        .map(
          (e) =>
            `#${e.seq}${e.pass !== null ? ` (in pass ${e.pass})` : ''} ${e.side} ${show(e.value)}${e.otherPending ? ` while ${e.side === 'left' ? 'right' : 'left'} had unsynced ${show(e.otherValue)}` : ''}`,
        )
        .join('; ');
      // The side that keeps a value the other cannot hold: by what it holds, or else by the one value expected.
      const cannotHold = (s: Side, v: SlotValue) => !representable(s, slot, v);
      const expectedOnly = (s: Side) => accepted.length === 1 && cannotHold(s, accepted[0]!);
      const holder: Side | undefined =
        cannotHold('right', values.left) || expectedOnly('right')
          ? 'left'
          : cannotHold('left', values.right) || expectedOnly('left')
            ? 'right'
            : undefined;
      const checked = holder ? [holder] : (['left', 'right'] as const);
      const wrong = checked.filter((s) => !accepted.includes(values[s]));
      if (wrong.length > 0 || (!holder && values.left !== values.right)) {
        problems.push(
          `${name2} ${slot}: left ${show(values.left)}, right ${show(values.right)}; expected ${accepted.map(show).join(' or ')}${holder ? ` on the ${holder} (the other side cannot hold it)` : ' on both'}. Changes: ${history}`,
        );
      }
    }
    const failing = failures.filter((f) => f.itemId === ids[f.side]);
    const unrepresentable =
      items.left.fields.priority === 'Lowest' ||
      (Array.isArray(items.right.fields.tags) && items.right.fields.tags.includes('two words'));
    // Only a value the other side cannot hold may stay failed, as a field failure that holds back nothing else.
    for (const f of failing)
      if (!unrepresentable || f.kind !== 'field')
        problems.push(`${name2} still fails after the quiet passes and retries: ${f.kind} ${f.code} ${f.message}`);
    if (failing.length > 0) continue;
    for (const s of ['left', 'right'] as const) {
      const snapshot = await store.getSnapshot(PAIR, s, items[s].id);
      const differs = SLOTS.filter(
        (slot) => !snapshot || readSlot(s, snapshot.fields, slot) !== readSlot(s, items[s].fields, slot),
      );
      if (differs.length > 0)
        problems.push(
          `${name2}: after a quiet pass the ${s} snapshot is not what the ${s} item holds (${differs.join(', ')})`,
        );
    }
  }
  return problems;
}
