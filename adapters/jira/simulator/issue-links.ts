/** An issue link type (`IssueLinkType`): `outward` reads from the link's source, `inward` from its destination. */
export interface SimIssueLinkType {
  id: string;
  name: string;
  inward: string;
  outward: string;
}

/** A link from `sourceId` (the request's `inwardIssue`) to `destinationId` (its `outwardIssue`): "source blocks destination". */
export interface SimIssueLink {
  id: string;
  typeId: string;
  sourceId: string;
  destinationId: string;
}

/** The link types of a new Jira Cloud site. */
export const defaultLinkTypes: SimIssueLinkType[] = [
  { id: '10000', name: 'Blocks', inward: 'is blocked by', outward: 'blocks' },
  { id: '10001', name: 'Cloners', inward: 'is cloned by', outward: 'clones' },
  { id: '10002', name: 'Duplicate', inward: 'is duplicated by', outward: 'duplicates' },
  { id: '10003', name: 'Relates', inward: 'relates to', outward: 'relates to' },
];

/** The site's issue links, by id and by issue (both ends). Issues without links cost nothing. */
export class IssueLinkStore {
  readonly types: SimIssueLinkType[] = defaultLinkTypes.map((t) => ({ ...t }));
  private nextId = 10000;
  private readonly byId = new Map<string, SimIssueLink>();
  private readonly byIssue = new Map<string, SimIssueLink[]>();

  /** A link type by id or name (names compare case-insensitively, as Jira does). */
  type(idOrName: { id?: string | undefined; name?: string | undefined }): SimIssueLinkType | undefined {
    if (idOrName.id !== undefined) return this.types.find((t) => t.id === idOrName.id);
    const name = idOrName.name?.toLowerCase();
    return this.types.find((t) => t.name.toLowerCase() === name);
  }

  /** The existing link of that type between those issues in that direction, if any. */
  find(typeId: string, sourceId: string, destinationId: string): SimIssueLink | undefined {
    return this.of(sourceId).find(
      (l) => l.typeId === typeId && l.sourceId === sourceId && l.destinationId === destinationId,
    );
  }

  /** Stores a link with the next id. */
  add(typeId: string, sourceId: string, destinationId: string): SimIssueLink {
    const link = { id: String(this.nextId++), typeId, sourceId, destinationId };
    this.byId.set(link.id, link);
    for (const issueId of new Set([sourceId, destinationId])) {
      const list = this.byIssue.get(issueId);
      if (list) list.push(link);
      else this.byIssue.set(issueId, [link]);
    }
    return link;
  }

  /** A link by id. */
  get(id: string): SimIssueLink | undefined {
    return this.byId.get(id);
  }

  /** An issue's links (where it is either end), oldest first. */
  of(issueId: string): readonly SimIssueLink[] {
    return this.byIssue.get(issueId) ?? [];
  }

  /** Removes a link; false when there is none with that id. */
  remove(id: string): boolean {
    const link = this.byId.get(id);
    if (!link) return false;
    this.byId.delete(id);
    for (const issueId of new Set([link.sourceId, link.destinationId])) {
      const list = this.byIssue.get(issueId) ?? [];
      list.splice(list.indexOf(link), 1);
      if (list.length === 0) this.byIssue.delete(issueId);
    }
    return true;
  }
}
