import type { SimIssue } from './state.js';

interface Entry {
  at: number;
  id: number;
  issue: SimIssue;
}

const before = (a: { at: number; id: number }, b: { at: number; id: number }) =>
  a.at < b.at || (a.at === b.at && a.id < b.id);

/**
 * The issues in `updated` order (or another number of theirs, `orderOf`), so that a search by
 * `updated >= X ORDER BY updated` reads only as far as its page instead of filtering and sorting
 * every issue. Issues whose `updated` changed (or that were added or deleted) are queued and
 * moved into place before the next read; when many were queued (seeding, bulk loads) the index
 * is sorted again at once.
 */
export class UpdatedIndex {
  private entries: Entry[] = [];
  private readonly entryOf = new Map<SimIssue, Entry>();
  private readonly pending = new Set<SimIssue>();
  /** How many times an issue was added, deleted or moved: what a paging cursor checks the result against. */
  changes = 0;

  constructor(
    private readonly live: (issue: SimIssue) => boolean,
    private readonly orderOf: (issue: SimIssue) => number = (issue) => issue.updated,
  ) {}

  /** Queues an issue that was added, deleted or whose order number changed. */
  touch(issue: SimIssue): void {
    this.changes++;
    this.pending.add(issue);
  }

  /** The position of the first entry not before `key`. */
  private seek(key: { at: number; id: number }): number {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (before(this.entries[mid] as Entry, key)) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private flush(): void {
    if (this.pending.size === 0) return;
    if (this.pending.size > 64 && this.pending.size * 16 > this.entries.length) {
      for (const issue of this.pending) {
        const entry = this.entryOf.get(issue);
        if (entry) entry.at = Number.NaN;
        this.entryOf.delete(issue);
        if (this.live(issue)) this.entryOf.set(issue, { at: this.orderOf(issue), id: Number(issue.id), issue });
      }
      this.entries = [
        ...this.entries.filter((e) => !Number.isNaN(e.at)),
        ...[...this.pending].flatMap((i) => this.entryOf.get(i) ?? []),
      ];
      this.entries.sort((a, b) => a.at - b.at || a.id - b.id);
    } else {
      for (const issue of this.pending) {
        const old = this.entryOf.get(issue);
        if (old) {
          this.entries.splice(this.seek(old), 1);
          this.entryOf.delete(issue);
        }
        if (!this.live(issue)) continue;
        const entry = { at: this.orderOf(issue), id: Number(issue.id), issue };
        this.entries.splice(this.seek(entry), 0, entry);
        this.entryOf.set(issue, entry);
      }
    }
    this.pending.clear();
  }

  /** Issues whose order number (`updated`) is at or after `from`, lowest first (ties by id). */
  *from(from: number): Generator<SimIssue> {
    this.flush();
    const entries = this.entries;
    for (let i = this.seek({ at: from, id: Number.MIN_SAFE_INTEGER }); i < entries.length; i++)
      yield (entries[i] as Entry).issue;
  }
}
