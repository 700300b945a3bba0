import { SyncbridgeError, type FieldDescriptor, type FieldValue, type ItemReference } from 'syncbridge';
import {
  ATTACHMENT_IDS_FIELD,
  compareLinkIds,
  ignoreNotFound,
  linkField,
  linkTypeOf,
  PARENT_FIELD,
} from 'syncbridge/connector-kit';
import type { JiraClient } from './client.js';
import {
  issueLinksFieldSchema,
  linkTypesSchema,
  parentFieldSchema,
  type JiraIssue,
  type JiraIssueLink,
  type JiraLinkType,
} from './schemas.js';

/** Which way a link is read: from its source (the type's `outward` words) or its destination (`inward`). */
type Direction = 'outward' | 'inward';

/** Whether a field is a link field other than the parent (`link:Blocks`, `link:is blocked by`). */
export const isIssueLinkField = (field: string): boolean => field !== PARENT_FIELD && linkTypeOf(field) !== undefined;

/** The Jira field a link field is read from: `parent` for the parent, `issuelinks` for the others. */
export function jiraFieldOf(field: string): string {
  if (field === PARENT_FIELD) return 'parent';
  if (field === ATTACHMENT_IDS_FIELD) return 'attachment';
  return isIssueLinkField(field) ? 'issuelinks' : field;
}

/**
 * The directions a link field name reads a link type in: its name and its outward words read from
 * the source ("Blocks", "blocks"), its inward words from the destination ("is blocked by"). A type
 * whose words are the same both ways ("relates to") has no direction: both are read.
 */
function directionsOf(spec: string, type: JiraLinkType): Direction[] {
  const symmetric = type.inward === type.outward;
  const out: Direction[] = [];
  if (spec === type.name || spec === type.outward || spec.toLowerCase() === type.name.toLowerCase())
    out.push('outward');
  if (spec === type.inward) out.push('inward');
  return out.length > 0 && symmetric ? ['outward', 'inward'] : out;
}

/** The other issue of a link entry, with the direction the entry reads in from this issue. */
function otherEnd(link: JiraIssueLink): { id: string; direction: Direction } | undefined {
  if (link.outwardIssue) return { id: link.outwardIssue.id, direction: 'outward' };
  if (link.inwardIssue) return { id: link.inwardIssue.id, direction: 'inward' };
  return undefined;
}

/** The entries of `links` a link field covers, with their other issue. */
function covered(links: JiraIssueLink[], spec: string): Array<{ link: JiraIssueLink; other: string }> {
  const out: Array<{ link: JiraIssueLink; other: string }> = [];
  for (const link of links) {
    const end = otherEnd(link);
    if (end && directionsOf(spec, link.type).includes(end.direction)) out.push({ link, other: end.id });
  }
  return out;
}

/** An issue's links and parent, validated (only the parts a read asked for are present). */
export interface IssueRelations {
  parent: ItemReference | null;
  links: JiraIssueLink[];
}

/** Reads `fields.parent` and `fields.issuelinks` of an issue; a malformed one is a `PROTOCOL` error. */
export function relationsOf(system: string, issue: JiraIssue): IssueRelations {
  const parent = parentFieldSchema.safeParse(issue.fields.parent);
  const links = issueLinksFieldSchema.safeParse(issue.fields.issuelinks);
  if (!parent.success || !links.success)
    throw new SyncbridgeError(
      'PROTOCOL',
      `${system}: issue ${issue.key} has unexpected ${parent.success ? 'issuelinks' : 'parent'}: ${
        (parent.error ?? links.error)?.issues[0]?.message ?? 'invalid'
      }`,
      { system },
    );
  return {
    parent: parent.data ? { id: parent.data.id, key: parent.data.key } : null,
    links: links.data ?? [],
  };
}

/** The value of a link field: the parent reference, or the sorted ids linked by that type and direction. */
export function linkValue(relations: IssueRelations, field: string): FieldValue {
  if (field === PARENT_FIELD) return relations.parent;
  const spec = linkTypeOf(field) ?? '';
  return [...new Set(covered(relations.links, spec).map((c) => c.other))].sort(compareLinkIds);
}

/** `parent` as the create and edit bodies take it: by id (the key is ignored), or null to remove it. */
export function parentJson(value: FieldValue): { id: string } | null {
  return value !== null && typeof value === 'object' && 'id' in value && typeof value.id === 'string'
    ? { id: value.id }
    : null;
}

/** The site's link types (one call; the connector caches it). @see https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-link-types/#api-rest-api-3-issuelinktype-get */
export async function fetchLinkTypes(client: JiraClient): Promise<JiraLinkType[]> {
  return (await client.http.request({ path: client.api('issueLinkType'), schema: linkTypesSchema })).issueLinkTypes;
}

/**
 * The link fields `listFields` shows: the parent, and per link type one field per direction,
 * named by the words people see (`Link: blocks`, `Link: is blocked by`); the outward one is keyed
 * by the type's name (`link:Blocks`). A type with the same words both ways has one field.
 */
export function linkDescriptors(types: JiraLinkType[]): FieldDescriptor[] {
  const field = (id: string, words: string): FieldDescriptor => ({
    id: linkField(id),
    name: `Link: ${words}`,
    kind: 'multiLookup',
    required: false,
    writable: true,
  });
  return [
    { id: PARENT_FIELD, name: 'Parent', kind: 'reference', required: false, writable: true },
    ...types.flatMap((t) => [field(t.name, t.outward), ...(t.inward === t.outward ? [] : [field(t.inward, t.inward)])]),
  ];
}

/**
 * The words of the link fields' changelog items (`This issue blocks DEMO-2`): Jira records a link
 * as a `Link` change on both issues, each in the words read from that issue. Empty for an unknown type.
 */
export function changelogWords(types: JiraLinkType[], field: string): string[] {
  const spec = linkTypeOf(field) ?? '';
  return [...new Set(types.flatMap((type) => directionsOf(spec, type).map((direction) => type[direction])))];
}

/** The link type and direction a link field writes; an unknown one is a `VALIDATION` error naming the known ones. */
function resolve(system: string, types: JiraLinkType[], spec: string): { type: JiraLinkType; direction: Direction } {
  for (const type of types) {
    const [direction] = directionsOf(spec, type);
    if (direction) return { type, direction };
  }
  throw new SyncbridgeError(
    'VALIDATION',
    `${system}: no issue link type is called '${spec}' (link fields name a type or its words: ${types
      .map((t) => `${t.name} (${t.outward} / ${t.inward})`)
      .join(', ')})`,
    { system },
  );
}

/**
 * Makes an issue's links of each link field in `fields` the exact set of ids given: links to
 * ids not wanted are deleted, missing ones created. `POST issueLink` is safe to repeat (Jira keeps
 * one link per type, pair and direction), so it is retried like a PUT. Returns whether anything changed.
 * @see https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-links/
 */
export async function writeLinks(
  client: JiraClient,
  system: string,
  issueId: string,
  current: JiraIssueLink[],
  fields: Record<string, FieldValue>,
  types: () => Promise<JiraLinkType[]>,
): Promise<boolean> {
  let changed = false;
  for (const [field, value] of Object.entries(fields)) {
    if (!isIssueLinkField(field)) continue;
    const spec = linkTypeOf(field) ?? '';
    const { type, direction } = resolve(system, await types(), spec);
    const wanted = new Set(Array.isArray(value) ? value : []);
    const existing = covered(current, spec);
    for (const { link, other } of existing) {
      if (wanted.has(other)) continue;
      await ignoreNotFound(
        client.http.request({ method: 'DELETE', path: client.api(`issueLink/${encodeURIComponent(link.id)}`) }),
      );
      changed = true;
    }
    const linked = new Set(existing.map((e) => e.other));
    for (const other of wanted) {
      if (linked.has(other)) continue;
      // The request's inward issue is the link's source: with "Blocks", it blocks the outward one.
      const [source, destination] = direction === 'outward' ? [issueId, other] : [other, issueId];
      await client.http.request({
        method: 'POST',
        path: client.api('issueLink'),
        json: { type: { name: type.name }, inwardIssue: { id: source }, outwardIssue: { id: destination } },
        idempotent: true,
      });
      changed = true;
    }
  }
  return changed;
}
