/** Something a misspelt word may have meant: the id to suggest, and the name people know it by. */
export interface Suggestible {
  id: string;
  name?: string | undefined;
}

const idOf = (candidate: string | Suggestible): string => (typeof candidate === 'string' ? candidate : candidate.id);
const wordsOf = (candidate: string | Suggestible): string[] =>
  typeof candidate === 'string'
    ? [candidate]
    : candidate.name === undefined
      ? [candidate.id]
      : [candidate.id, candidate.name];

/** The most edits a word may be from a known one: a third of its length; for words of one or two characters, none but case. */
const limit = (known: string) => (known.length < 3 ? 0 : Math.max(1, Math.floor(known.length / 3)));

/**
 * The candidate whose id or name is closest to a misspelt word by case-insensitive edit
 * distance, at most a third of the candidate word's length (see `limit`): `System.Tagz` →
 * System.Tags, `lables` → labels (by the name Labels), `demo` → DEMO. A candidate spelt
 * exactly like the word is no answer: known elsewhere, the word is unknown where it stands.
 * The one function behind every "did you mean" (config keys, fields, projects, types, values).
 */
export function closestMatch<T extends string | Suggestible>(word: string, candidates: Iterable<T>): T | undefined {
  const lower = word.toLowerCase();
  let best: { candidate: T; distance: number } | undefined;
  for (const candidate of candidates) {
    const words = wordsOf(candidate);
    if (words.includes(word)) continue;
    for (const known of words) {
      const distance = editDistance(lower, known.toLowerCase());
      if (distance <= limit(known) && (!best || distance < best.distance)) best = { candidate, distance };
    }
  }
  return best?.candidate;
}

/**
 * `; did you mean "labels"?` for the closest candidate (see {@link closestMatch}), with its
 * name when that differs from its id (`"customfield_10070" (Team)`); `''` when none is close.
 */
export function didYouMean(word: string, candidates: Iterable<string | Suggestible>): string {
  const match = closestMatch(word, candidates);
  if (match === undefined) return '';
  const name = typeof match === 'string' ? undefined : match.name;
  return `; did you mean "${idOf(match)}"${name === undefined || name === idOf(match) ? '' : ` (${name})`}?`;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}
