import type { FieldValue } from 'syncbridge';
import {
  FIELDS,
  LABELS,
  otherSide,
  PAIR,
  PRIORITIES,
  readSlot,
  slotField,
  SLOTS,
  type Side,
  type Slot,
  type SlotValue,
  type World,
} from './property-world.js';

/** An item a person created, known by the side it was created on. */
export interface Tracked {
  origin: Side;
  id: string;
}

/**
 * One person's change of one slot. `otherPending` tells whether the other side had a change
 * of the same slot the engine had not agreed yet (its value differs from the agreed snapshot,
 * or it changed during the pass under way): then the two changes are concurrent, and the
 * conflict policy may pick either.
 */
export interface SlotEvent {
  seq: number;
  item: number;
  slot: Slot;
  side: Side;
  value: SlotValue;
  otherPending: boolean;
  otherValue: SlotValue;
  /** Whether the change set the slot back to its side's agreed value (a three-way merge sees no change then). */
  restoresAgreed: boolean;
  pass: number | null;
}

/** Which item, side and field a person edits; `pick` chooses the value. */
export interface EditSpec {
  item: number;
  side: Side;
  field: 'title' | 'priority' | 'labels' | 'ref';
  pick: number;
}

const slotsOf = (side: Side, fields: Record<string, FieldValue>) =>
  Object.fromEntries(SLOTS.map((s) => [s, readSlot(side, fields, s)])) as Record<Slot, SlotValue>;

/** People's changes on both sides, in order, with what the engine had agreed on when each was made. */
export class Journal {
  readonly items: Tracked[] = [];
  readonly events: SlotEvent[] = [];
  /** The pass under way, if any. */
  pass: number | null = null;
  passes = 0;
  /** Passes a failed read stopped. */
  abortedPasses = 0;
  edits = 0;
  /** Of those, edits made inside a pass (at a moment of a connector call). */
  editsInPasses = 0;
  private seq = 0;

  constructor(private readonly world: World) {}

  /** The ids of an item on both sides (the other one once the engine linked it). */
  async ids(t: Tracked): Promise<Partial<Record<Side, string>>> {
    const link = await this.world.store.getLink(PAIR, t.origin, t.id);
    return {
      [t.origin]: t.id,
      ...(link ? { [otherSide(t.origin)]: t.origin === 'left' ? link.rightId : link.leftId } : {}),
    };
  }

  /** A person creates an item; every slot counts as changed on that side. */
  async create(side: Side, pick: { priority: number; labels: number }): Promise<void> {
    const n = ++this.seq;
    const priorities = PRIORITIES[side];
    const priority = pick.priority % (priorities.length + 1);
    const labels = LABELS[side].filter((_, i) => (pick.labels >> i) & 1);
    const f = FIELDS[side];
    const fields: Record<string, FieldValue> = {
      [f.title]: `${side} ${n} created`,
      ...(priority < priorities.length ? { [f.priority]: priorities[priority]! } : {}),
      ...(labels.length > 0 ? { [f.labels]: labels } : {}),
      ...(side === 'left' ? { [f.ref]: `ref ${n}` } : {}),
    };
    const system = this.world.systems[side];
    const item = system.create(side === 'left' ? 'JIRA' : 'ADO', 'Bug', fields, system.user(this.world.person[side]));
    this.items.push({ origin: side, id: item.id });
    const after = slotsOf(side, item.fields);
    for (const slot of SLOTS)
      this.events.push({
        seq: ++this.seq,
        item: this.items.length - 1,
        slot,
        side,
        value: after[slot] ?? null,
        otherPending: false,
        otherValue: null,
        restoresAgreed: false,
        pass: this.pass,
      });
  }

  /** A person edits one field of an item on one side (skipped while that side has no copy yet). */
  async edit(spec: EditSpec): Promise<void> {
    if (this.items.length === 0) return;
    const index = spec.item % this.items.length;
    const ids = await this.ids(this.items[index]!);
    // The reference flows left to right only: people keep it on the left.
    const side = spec.field === 'ref' ? 'left' : spec.side;
    const id = ids[side];
    if (!id) return;
    const system = this.world.systems[side];
    const item = system.items.get(id)!;
    const f = FIELDS[side];
    const n = ++this.seq;
    let patch: Record<string, FieldValue>;
    if (spec.field === 'title') patch = { [f.title]: `${side} ${n}` };
    else if (spec.field === 'ref') patch = { [f.ref]: spec.pick % 4 === 0 ? null : `ref ${n}` };
    else if (spec.field === 'priority') {
      const values = PRIORITIES[side];
      const pick = spec.pick % (values.length + 1);
      patch = { [f.priority]: pick < values.length ? values[pick]! : null };
    } else {
      const label = LABELS[side][spec.pick % LABELS[side].length]!;
      const list = Array.isArray(item.fields[f.labels]) ? (item.fields[f.labels] as string[]) : [];
      patch = { [f.labels]: list.includes(label) ? list.filter((l) => l !== label) : [...list, label] };
    }
    const before = slotsOf(side, item.fields);
    system.edit(id, patch, this.world.person[side]);
    this.edits++;
    if (this.pass !== null) this.editsInPasses++;
    const after = slotsOf(side, item.fields);
    const o = otherSide(side);
    const otherId = ids[o];
    const otherItem = otherId ? this.world.systems[o].items.get(otherId) : undefined;
    const snapshot = otherId ? await this.world.store.getSnapshot(PAIR, o, otherId) : undefined;
    const own = otherId ? await this.world.store.getSnapshot(PAIR, side, id) : undefined;
    for (const slot of SLOTS) {
      if (before[slot] === after[slot]) continue;
      const otherValue = otherItem ? readSlot(o, otherItem.fields, slot) : null;
      const changedThisPass =
        this.pass !== null &&
        this.events.some((e) => e.item === index && e.slot === slot && e.side === o && e.pass === this.pass);
      // Unagreed means a person's value: one the engine wrote but never saw confirmed is its own, not a change.
      // (Per field, not per label: a set keeps the looser rule.)
      const byPerson =
        slot.startsWith('label:') ||
        (otherItem !== undefined &&
          otherItem.changedBy[slotField(o, slot)] !== this.world.systems[o].integrationUser.id);
      const otherPending =
        otherItem !== undefined &&
        (!snapshot || (readSlot(o, snapshot.fields, slot) !== otherValue && byPerson) || changedThisPass);
      const restoresAgreed = own !== undefined && readSlot(side, own.fields, slot) === after[slot];
      this.events.push({
        seq: ++this.seq,
        item: index,
        slot,
        side,
        value: after[slot] ?? null,
        otherPending,
        otherValue,
        restoresAgreed,
        pass: this.pass,
      });
    }
  }
}
