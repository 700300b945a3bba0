import type { SimWorkItem } from './state.js';

interface Entry {
  at: number;
  id: number;
  item: SimWorkItem;
}

const before = (a: { at: number; id: number }, b: { at: number; id: number }) =>
  a.at < b.at || (a.at === b.at && a.id < b.id);

const changedAt = (item: SimWorkItem): number => {
  const at = Date.parse(String(item.fields['System.ChangedDate'] ?? ''));
  return Number.isNaN(at) ? Number.NEGATIVE_INFINITY : at;
};

/**
 * The work items by id, also kept in `System.ChangedDate` order, so that a WIQL query bounded
 * by `[System.ChangedDate]` or ordered by it reads only the items in its window instead of every
 * item. Items set (created, saved again, restored) or deleted are queued and moved into place
 * before the next read; when many were queued (seeding, bulk loads) the order is sorted again at
 * once. A save files an item again by setting it (`saveWorkItem` does). Made empty: Map's
 * constructor would set entries before the fields below exist.
 */
export class WorkItemMap extends Map<number, SimWorkItem> {
  #entries: Entry[] = [];
  readonly #entryOf = new Map<SimWorkItem, Entry>();
  readonly #pending = new Set<SimWorkItem>();

  override set(id: number, item: SimWorkItem): this {
    const old = super.get(id);
    super.set(id, item);
    if (old && old !== item) this.#pending.add(old);
    this.#pending.add(item);
    return this;
  }

  override delete(id: number): boolean {
    const old = super.get(id);
    if (old) this.#pending.add(old);
    return super.delete(id);
  }

  override clear(): void {
    for (const item of super.values()) this.#pending.add(item);
    super.clear();
  }

  /** The position of the first entry not before `key`. */
  #seek(key: { at: number; id: number }): number {
    let low = 0;
    let high = this.#entries.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (before(this.#entries[mid] as Entry, key)) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  #flush(): void {
    const pending = this.#pending;
    if (pending.size === 0) return;
    const live = (item: SimWorkItem) => super.get(item.id) === item;
    if (pending.size > 64 && pending.size * 16 > this.#entries.length) {
      for (const item of pending) {
        const entry = this.#entryOf.get(item);
        if (entry) entry.at = Number.NaN;
        this.#entryOf.delete(item);
        if (live(item)) this.#entryOf.set(item, { at: changedAt(item), id: item.id, item });
      }
      this.#entries = [
        ...this.#entries.filter((e) => !Number.isNaN(e.at)),
        ...[...pending].flatMap((i) => this.#entryOf.get(i) ?? []),
      ];
      this.#entries.sort((a, b) => a.at - b.at || a.id - b.id);
    } else {
      for (const item of pending) {
        const old = this.#entryOf.get(item);
        if (old) {
          this.#entries.splice(this.#seek(old), 1);
          this.#entryOf.delete(item);
        }
        if (!live(item)) continue;
        const entry = { at: changedAt(item), id: item.id, item };
        this.#entries.splice(this.#seek(entry), 0, entry);
        this.#entryOf.set(item, entry);
      }
    }
    pending.clear();
  }

  /**
   * Work items with `System.ChangedDate` (ms) at or after `from` and before `to`, oldest first
   * (ties by id), or newest first (ties by id, highest first) when `descending`.
   */
  *byChangedDate(from = Number.NEGATIVE_INFINITY, to = Number.POSITIVE_INFINITY, descending = false) {
    this.#flush();
    const entries = this.#entries;
    const start = this.#seek({ at: from, id: Number.NEGATIVE_INFINITY });
    const end = this.#seek({ at: to, id: Number.NEGATIVE_INFINITY });
    if (descending) for (let i = end - 1; i >= start; i--) yield (entries[i] as Entry).item;
    else for (let i = start; i < end; i++) yield (entries[i] as Entry).item;
  }
}
