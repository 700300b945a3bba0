import type { WorkItem } from '../model/item.js';
import { valuesEqual } from '../model/field.js';
import { otherSide, type Failure, type FieldFailure, type Side } from '../state/state-store.js';
import type { FieldProblem } from './merge.js';

/** The field failures a queued failure lists (in `details.fields`). */
export function fieldFailuresOf(failure: Failure | undefined): FieldFailure[] {
  const fields = failure?.details.fields;
  return Array.isArray(fields) ? (fields as FieldFailure[]) : [];
}

/** Whether every field failure of `now` was listed `before` already, the same way. */
export function sameFieldFailures(before: FieldFailure[], now: FieldFailure[]): boolean {
  return now.every((f) =>
    before.some(
      (b) =>
        b.side === f.side &&
        b.field === f.field &&
        b.code === f.code &&
        valuesEqual(b.value ?? null, f.value ?? null) &&
        JSON.stringify(b.conflict) === JSON.stringify(f.conflict),
    ),
  );
}

/**
 * The failure record of the fields of one item whose change is held (refused by the other
 * side, unmappable, or in a `manual` conflict): they wait for a change or a person, and hold
 * back nothing else. Links to items not synced yet (`LINK_PENDING`) are retried each pass. A discarded record stays discarded while its fields fail the same way.
 */
export function fieldFailureRecord(input: {
  pair: string;
  side: Side;
  item: WorkItem;
  problems: FieldProblem[];
  revisions: Partial<Record<Side, string>>;
  previous: Failure | undefined;
  now: string;
}): Failure {
  const { side, problems, previous } = input;
  const fields: FieldFailure[] = problems.map((p) => ({
    side: otherSide(side),
    field: p.field,
    ...('value' in p ? { value: p.value ?? null } : {}),
    ...(p.conflict ? { conflict: p.conflict } : {}),
    code: p.error.code,
    message: p.error.message,
  }));
  return {
    pair: input.pair,
    side,
    itemId: input.item.id,
    itemKey: input.item.key,
    kind: fields.some((f) => f.code === 'CONFLICT') ? 'conflict' : 'field',
    code: problems[0]!.error.code,
    message: problems.map((p) => `${p.field}: ${p.error.message}`).join('; '),
    details: { fields },
    attempts: 0,
    revisions: input.revisions,
    // A link waiting for its item to be synced is tried again on the next pass; the rest waits for a change or a person.
    nextRetryAt: fields.some((f) => f.code === 'LINK_PENDING') ? input.now : null,
    createdAt: previous?.createdAt ?? input.now,
    updatedAt: input.now,
    ...(previous?.discardedAt && sameFieldFailures(fieldFailuresOf(previous), fields)
      ? { discardedAt: previous.discardedAt }
      : {}),
  };
}
