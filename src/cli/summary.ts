import type { Failure, RunSummary } from '../index.js';

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
    `in ${(s.durationMs / 1000).toFixed(1)} s`,
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
