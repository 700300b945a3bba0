/**
 * Caches the promise of a load per key, so concurrent callers share one request; a load
 * that fails is forgotten, so the next call tries again. Connectors use it for discovery
 * data (fields, states, the current user) that rarely changes.
 */
export class PromiseCache<K, V> {
  private readonly entries = new Map<K, Promise<V>>();

  /** The cached value for `key`, loading it with `load` when absent (or after a failure). */
  get(key: K, load: () => Promise<V>): Promise<V> {
    let hit = this.entries.get(key);
    if (!hit) {
      hit = load();
      this.entries.set(key, hit);
      hit.catch(() => {
        if (this.entries.get(key) === hit) this.entries.delete(key);
      });
    }
    return hit;
  }

  /** Forgets every cached value. */
  clear(): void {
    this.entries.clear();
  }
}
