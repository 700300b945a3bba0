import type { Failure, RunFailure, RunSummary } from '../index.js';

/** A one-line account of a run. */
export function formatSummary(s: RunSummary): string {
  return [
    `created ${s.created.left + s.created.right} (left ${s.created.left}, right ${s.created.right})`,
    `updated ${s.updated.left + s.updated.right} (left ${s.updated.left}, right ${s.updated.right})`,
    `skipped echoes ${s.echoesSkipped}`,
    `unchanged ${s.unchanged}`,
    `conflicts ${s.conflicts}`,
    `failures ${s.failed}`,
    `recovered ${s.recovered}`,
    `deletes ${s.deletes}`,
    `comments ${s.commentsCopied}`,
    `files ${s.attachmentsCopied}`,
    `in ${(s.durationMs / 1000).toFixed(1)} s`,
    ...s.busy.map((b) => `pair ${b.pair} left to ${b.holder}, which is syncing it`),
    ...s.lost.map((l) => `pair ${l.pair} stopped: its lease was lost (the next pass merges its items again)`),
  ].join(', ');
}

/** `DEMO-3 (bugs, left, CONFLICT)`: a failure as an operator reads it in a sentence. */
export function describeFailure(f: Failure): string {
  return `${f.itemKey} (${f.pair}, ${f.side}, ${f.code}${f.discardedAt ? ', discarded' : ''})`;
}

/** `1 failure` / `2 failures`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * What a pass that failed had written, for the lines before its error: the counts, then the
 * first items written (`created DEMO-7 in left from 1042`).
 */
export function formatRunFailure({ summary, writes }: RunFailure): string {
  const written = summary.created.left + summary.created.right + summary.updated.left + summary.updated.right;
  if (written === 0) return 'the run stopped before it wrote anything';
  const items = writes.map(
    (w) =>
      `${w.action === 'create' ? 'created' : 'updated'} ${w.targetKey ?? '(new)'} in ${w.side} from ${w.sourceKey}`,
  );
  const more = written > writes.length ? `, … (${written - writes.length} more)` : '';
  return `the run stopped by an error after it had written (all of it is kept and linked): ${formatSummary(summary)}\n  first writes: ${items.join(', ')}${more}`;
}
