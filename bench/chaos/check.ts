import type { Edit, EditedField, EditValue } from './people.js';
import type { ReadItem } from './read.js';

/** What the final check found. */
export interface SyncCheck {
  /** Items read, per side. */
  items: { jira: number; ado: number };
  /** Linked pairs found (an original and its one copy). */
  linked: number;
  /** Extra copies of an original (beyond its first). */
  duplicates: number;
  /** Originals without a copy on the other side. */
  missing: number;
  /** Items that are neither an original nor a copy of one of the other side's originals. */
  strays: number;
  /** Linked pairs whose mapped fields differ. */
  unequal: number;
  /** Fields whose final value is not the last edit (or the policy's choice where both sides edited it). */
  lostEdits: number;
  /** Fields edited on both sides, where the policy's choice was accepted. */
  bothSidesEdited: number;
  /** Up to 20 examples of each kind of violation, for the report. */
  examples: string[];
  /** The first lost edits, for their histories in the report. */
  lost: LostEdit[];
}

/** A field of a linked pair whose final value is not what people's edits call for. */
export interface LostEdit {
  pair: number;
  jiraId: string;
  adoId: string;
  field: EditedField;
}

/** One pair's items as read from both systems, and which of them people filed (the seed). */
export interface PairRead {
  pair: number;
  jira: ReadItem[];
  ado: ReadItem[];
  originals: { jira: Set<string>; ado: Set<string> };
}

const fieldOf = (item: ReadItem, field: EditedField): EditValue => (field === 'labels' ? item.labels : item[field]);
const same = (a: EditValue, b: EditValue) => JSON.stringify(a) === JSON.stringify(b);
const show = (v: EditValue) => JSON.stringify(v);

/**
 * The expected final value of one field of a linked pair from the people's edits of both
 * items, or a test of the value when both sides edited it. One side edited: its last value.
 * Both: title and description (unique values, newest change wins) must be the value of the
 * edit made later, unless the two last edits overlapped in time (either then); priority (few
 * values, so an edit may change nothing) either side's last value; labels (merged as sets)
 * anything between the two last values' intersection and union.
 */
function judge(field: EditedField, jira: Edit | undefined, ado: Edit | undefined, final: EditValue) {
  if (!jira && !ado) return { ok: true, both: false, expected: '' };
  if (!jira || !ado) {
    const only = (jira ?? ado)!;
    return { ok: same(final, only.value), both: false, expected: show(only.value) };
  }
  if (field === 'labels') {
    const a = new Set(jira.value as string[]);
    const b = new Set(ado.value as string[]);
    const got = final as string[];
    const ok = [...a].filter((l) => b.has(l)).every((l) => got.includes(l)) && got.every((l) => a.has(l) || b.has(l));
    return { ok, both: true, expected: `between ${show(jira.value)} and ${show(ado.value)}` };
  }
  if (field === 'priority' || (jira.ackedAt > ado.sentAt && ado.ackedAt > jira.sentAt))
    return {
      ok: same(final, jira.value) || same(final, ado.value),
      both: true,
      expected: `${show(jira.value)} or ${show(ado.value)}`,
    };
  const later = jira.sentAt > ado.ackedAt ? jira : ado;
  return { ok: same(final, later.value), both: true, expected: `${show(later.value)} (the later edit)` };
}

/** Checks every pair: each item once per side, linked pairs equal, every person's last edit present. */
export function checkSync(reads: readonly PairRead[], edits: readonly Edit[]): SyncCheck {
  const result: SyncCheck = {
    items: { jira: 0, ado: 0 },
    linked: 0,
    duplicates: 0,
    missing: 0,
    strays: 0,
    unequal: 0,
    lostEdits: 0,
    bothSidesEdited: 0,
    examples: [],
    lost: [],
  };
  const example = (kind: string, text: string) => {
    if (result.examples.filter((e) => e.startsWith(kind)).length < 20) result.examples.push(`${kind}: ${text}`);
  };
  const lastEdit = new Map<string, Edit>();
  for (const edit of edits) {
    const key = `${edit.side}:${edit.itemId}:${edit.field}`;
    const before = lastEdit.get(key);
    if (!before || before.ackedAt < edit.ackedAt) lastEdit.set(key, edit);
  }
  for (const read of reads) {
    result.items.jira += read.jira.length;
    result.items.ado += read.ado.length;
    const sides = [
      { name: 'jira' as const, items: read.jira, other: 'ado' as const },
      { name: 'ado' as const, items: read.ado, other: 'jira' as const },
    ];
    const pairs: Array<{ jira: ReadItem; ado: ReadItem }> = [];
    for (const side of sides) {
      const otherItems = new Map((side.other === 'jira' ? read.jira : read.ado).map((i) => [i.id, i]));
      const copies = new Map<string, ReadItem[]>();
      for (const item of side.items) {
        if (read.originals[side.name].has(item.id)) continue;
        const origin = item.origin;
        if (!origin || origin.system !== side.other || !read.originals[side.other].has(origin.id)) {
          result.strays++;
          example('stray', `pair ${read.pair} ${side.name} ${item.id} (origin ${JSON.stringify(origin)})`);
          continue;
        }
        copies.set(origin.id, [...(copies.get(origin.id) ?? []), item]);
      }
      for (const id of read.originals[side.other]) {
        const found = copies.get(id) ?? [];
        const original = otherItems.get(id);
        if (!original) {
          result.missing++;
          example('missing', `pair ${read.pair} ${side.other} original ${id} is gone`);
          continue;
        }
        if (found.length === 0) {
          result.missing++;
          example('missing', `pair ${read.pair} ${side.other} ${id} has no copy on ${side.name}`);
          continue;
        }
        if (found.length > 1) {
          result.duplicates += found.length - 1;
          example(
            'duplicate',
            `pair ${read.pair} ${side.other} ${id} copied to ${side.name} ${found.map((f) => f.id).join(', ')}`,
          );
        }
        const copy = found[0]!;
        pairs.push(side.name === 'jira' ? { jira: copy, ado: original } : { jira: original, ado: copy });
      }
    }
    for (const pair of pairs) {
      result.linked++;
      let equal = true;
      for (const field of ['title', 'description', 'priority', 'labels'] as const) {
        const j = fieldOf(pair.jira, field);
        const a = fieldOf(pair.ado, field);
        if (!same(j, a)) {
          equal = false;
          example(
            'unequal',
            `pair ${read.pair} jira ${pair.jira.id} ado ${pair.ado.id} ${field}: ${show(j)} vs ${show(a)}`,
          );
        }
        const verdict = judge(
          field,
          lastEdit.get(`jira:${pair.jira.id}:${field}`),
          lastEdit.get(`ado:${pair.ado.id}:${field}`),
          j,
        );
        if (verdict.both) result.bothSidesEdited++;
        if (!verdict.ok) {
          result.lostEdits++;
          if (result.lost.length < 5)
            result.lost.push({ pair: read.pair, jiraId: pair.jira.id, adoId: pair.ado.id, field });
          example(
            'lost edit',
            `pair ${read.pair} jira ${pair.jira.id} ado ${pair.ado.id} ${field}: ${show(j)}, expected ${verdict.expected}`,
          );
        }
      }
      if (!equal) result.unequal++;
    }
  }
  return result;
}
