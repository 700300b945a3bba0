import { compareLinkIds } from 'syncbridge/connector-kit';
/**
 * A link type of a {@link MemorySystem}: `name` reads from the item that links (`Blocks`),
 * `reverse` from the item linked to (`is blocked by`). A type without `reverse` reads the same
 * from both ends (`Relates`). Each name is the type of a link field (`link:Blocks`).
 */
export interface MemoryLinkType {
  name: string;
  reverse?: string;
}

/** The link types of a memory system unless its options name others. */
export const memoryLinkTypes: MemoryLinkType[] = [{ name: 'Blocks', reverse: 'is blocked by' }, { name: 'Relates' }];

/** A typed link between two items, stored once, from the item that links. */
export interface MemoryLink {
  /** The link type's `name`. */
  type: string;
  from: string;
  to: string;
}

/** Linked ids in the order the connector contract reads them (`10` after `9`). */
export function sortLinkIds(ids: Iterable<string>): string[] {
  return [...new Set(ids)].sort(compareLinkIds);
}

/** How a link field's type name reads a declared type: from the linking item, the linked one, or either. */
interface LinkEnd {
  type: MemoryLinkType;
  direction: 'outward' | 'inward' | 'both';
}

/** An item at the other end of a changed link, with the link field that changed there (a parent shows no field of its children). */
export interface MemoryLinkChange {
  id: string;
  field?: string;
}

/**
 * The typed links of a memory system, each kept once so that both ends always agree: an item
 * reads `link:Blocks` from the links it makes and `link:is blocked by` from the links to it.
 */
export class MemoryLinkStore {
  readonly links: MemoryLink[] = [];

  constructor(private readonly types: MemoryLinkType[]) {}

  /** Whether a type name is a declared type's `name` or `reverse`. */
  has(name: string): boolean {
    return this.end(name) !== undefined;
  }

  /** How a type name reads, or undefined for a name no declared type has. */
  private end(name: string): LinkEnd | undefined {
    for (const type of this.types) {
      if (name === type.name) return { type, direction: type.reverse === undefined ? 'both' : 'outward' };
      if (name === type.reverse) return { type, direction: 'inward' };
    }
    return undefined;
  }

  /** The ids an item links to by a type name, sorted. */
  linked(itemId: string, name: string): string[] {
    const end = this.end(name);
    if (!end) return [];
    return sortLinkIds(this.matching(itemId, end).map((l) => (l.from === itemId ? l.to : l.from)));
  }

  /**
   * Makes the ids an item links to by a type name exactly `wanted` (ids checked by the caller),
   * adding the missing links and removing the extra ones; returns the other ends changed.
   */
  set(itemId: string, name: string, wanted: readonly string[]): MemoryLinkChange[] {
    const end = this.end(name);
    if (!end) return [];
    const current = this.linked(itemId, name);
    const changes: MemoryLinkChange[] = [];
    const otherField = `link:${end.direction === 'outward' ? end.type.reverse : end.type.name}`;
    for (const link of this.matching(itemId, end)) {
      const other = link.from === itemId ? link.to : link.from;
      if (wanted.includes(other)) continue;
      this.links.splice(this.links.indexOf(link), 1);
      changes.push({ id: other, field: otherField });
    }
    for (const other of wanted) {
      if (current.includes(other)) continue;
      this.links.push(
        end.direction === 'inward'
          ? { type: end.type.name, from: other, to: itemId }
          : { type: end.type.name, from: itemId, to: other },
      );
      changes.push({ id: other, field: otherField });
    }
    return changes;
  }

  /** Drops every link of an item that is gone (as the systems do when an item is deleted). */
  forget(itemId: string): void {
    for (const link of this.links.filter((l) => l.from === itemId || l.to === itemId))
      this.links.splice(this.links.indexOf(link), 1);
  }

  private matching(itemId: string, end: LinkEnd): MemoryLink[] {
    return this.links.filter(
      (l) =>
        l.type === end.type.name &&
        ((end.direction !== 'inward' && l.from === itemId) || (end.direction !== 'outward' && l.to === itemId)),
    );
  }
}
