import { RemoteError, SyncbridgeError, type FieldDescriptor, type FieldValue } from 'syncbridge';
import { ATTACHMENT_IDS_FIELD, compareLinkIds, linkField, linkTypeOf, PARENT_FIELD } from 'syncbridge/connector-kit';
import { z } from 'zod';
import { listOf, type WorkItemJson } from './client.js';
import type { PatchOperation } from './patch.js';

/**
 * Link fields: an item's work-item links as fields (see `linkField` of the connector kit).
 * `link:parent` is the `System.LinkTypes.Hierarchy-Reverse` relation (one at most), every
 * other `link:<type>` is the relation type of that reference name (`link:System.LinkTypes.Related`,
 * `link:System.LinkTypes.Hierarchy-Forward` for the children). Links are relations of the work
 * item (`$expand=relations`), written with JSON Patch `add /relations/-` and `remove /relations/<index>`.
 * @see https://learn.microsoft.com/en-us/rest/api/azure/devops/wit/work-items/update#add-a-link
 */

/** The relation type of an item's parent: the reverse end of the hierarchy. */
export const parentRelation = 'System.LinkTypes.Hierarchy-Reverse';

/** A relation type (`GET _apis/wit/workitemrelationtypes`), as far as link fields need it. */
export const relationTypeListSchema = listOf(
  z.object({
    referenceName: z.string(),
    name: z.string(),
    attributes: z
      .object({ usage: z.string().optional(), enabled: z.boolean().optional(), remote: z.boolean().optional() })
      .nullish(),
  }),
);

/** One relation type as {@link relationTypeListSchema} reads it. */
export type RelationType = z.infer<typeof relationTypeListSchema>['value'][number];

/** Whether a field id is a link field. */
export const isLinkField = (field: string): boolean => linkTypeOf(field) !== undefined;

/** Whether a field is read from a work item's relations (its link fields and its attachments' ids). */
export const isRelationField = (field: string): boolean => isLinkField(field) || field === ATTACHMENT_IDS_FIELD;

/** The relation type a link field stands for (`link:parent` → the hierarchy's reverse end). */
function relationOf(field: string): string {
  const type = linkTypeOf(field) ?? field;
  return field === PARENT_FIELD ? parentRelation : type;
}

/**
 * The link fields of the organization's relation types: every enabled work-item link type of this
 * organization (remote ones, to other organizations, are left out), the parent as `link:parent`.
 */
export function linkDescriptors(types: RelationType[]): FieldDescriptor[] {
  return types
    .filter((t) => t.attributes?.usage === 'workItemLink' && t.attributes.enabled !== false && !t.attributes.remote)
    .map((t) =>
      t.referenceName === parentRelation
        ? { id: PARENT_FIELD, name: 'Parent', kind: 'reference', required: false, writable: true }
        : {
            id: linkField(t.referenceName),
            name: `Link: ${t.name}`,
            kind: 'multiLookup',
            required: false,
            writable: true,
          },
    );
}

/** The URL a relation to a work item of this organization carries. */
export const workItemUrl = (orgUrl: string, id: string): string => `${orgUrl}/_apis/wit/workItems/${id}`;

const targetOf = (url: string) => /\/_apis\/wit\/workItems\/(\d+)\/?$/i.exec(url)?.[1];

/** The item's links of one relation type, with their places in its relation list. */
function linksOf(raw: WorkItemJson, relation: string): Array<{ index: number; id: string }> {
  const out: Array<{ index: number; id: string }> = [];
  for (const [index, r] of (raw.relations ?? []).entries()) {
    const id = r.rel.toLowerCase() === relation.toLowerCase() ? targetOf(r.url) : undefined;
    if (id !== undefined) out.push({ index, id });
  }
  return out;
}

/**
 * A link field's value on a work item read with its relations (the service leaves `relations`
 * out when there are none): the parent `{ id, key }` or null, else the linked ids, sorted.
 */
export function linkValue(raw: WorkItemJson, field: string): FieldValue {
  const ids = linksOf(raw, relationOf(field))
    .map((l) => l.id)
    .sort(compareLinkIds);
  if (field !== PARENT_FIELD) return ids;
  return ids[0] === undefined ? null : { id: ids[0], key: ids[0] };
}

/** The ids a link field's written value asks for; throws `VALIDATION` for a value that names no work items. */
function wantedIds(field: string, value: FieldValue): string[] {
  const isId = (v: unknown): v is string => typeof v === 'string' && /^\d+$/.test(v);
  if (field === PARENT_FIELD) {
    if (value === null) return [];
    if (typeof value === 'object' && !Array.isArray(value) && 'id' in value && isId(value.id)) return [value.id];
  } else if (Array.isArray(value) && value.every(isId)) return [...new Set(value)];
  throw new SyncbridgeError(
    'VALIDATION',
    `Field ${field} takes ${field === PARENT_FIELD ? 'a work item { id } or null' : 'a list of work item ids'}, not ${JSON.stringify(value).slice(0, 80)}`,
    { details: { field } },
  );
}

/** The JSON Patch of a write's link fields, and the fields whose values could not be put in it (by id, with why). */
export interface LinkPatch {
  ops: PatchOperation[];
  refused: Record<string, string>;
  /** Whether it removes relations by index: the write must then be made on the revision the indexes were read from. */
  removes: boolean;
}

/**
 * The operations making an item's links of each written link field the wanted set: the extra
 * links removed (highest index first, so that the indexes of the ones still to remove hold),
 * then the missing ones added at the end. `raw` is the item as read with its relations, absent
 * for a create (nothing to remove).
 */
export function linkPatch(
  raw: WorkItemJson | undefined,
  fields: Record<string, FieldValue>,
  orgUrl: string,
): LinkPatch {
  const removals: number[] = [];
  const adds: PatchOperation[] = [];
  const refused: Record<string, string> = {};
  for (const [field, value] of Object.entries(fields)) {
    if (!isLinkField(field)) continue;
    let wanted: string[];
    try {
      wanted = wantedIds(field, value);
    } catch (error) {
      refused[field] = error instanceof Error ? error.message : String(error);
      continue;
    }
    const rel = relationOf(field);
    const current = raw ? linksOf(raw, rel) : [];
    for (const link of current) if (!wanted.includes(link.id)) removals.push(link.index);
    for (const id of wanted)
      if (!current.some((l) => l.id === id))
        adds.push({ op: 'add', path: '/relations/-', value: { rel, url: workItemUrl(orgUrl, id) } });
  }
  const removes = [...new Set(removals)]
    .sort((a, b) => b - a)
    .map((index): PatchOperation => ({ op: 'remove', path: `/relations/${index}` }));
  return { ops: [...removes, ...adds], refused, removes: removes.length > 0 };
}

/**
 * A write the service refused because a work item it links to does not exist (TF401232 naming
 * a link target, answered 404 like a missing item): a `VALIDATION` error of the link field, so
 * that it is not taken for the written item being gone. Undefined for any other error.
 */
export function missingLinkTarget(error: unknown, ops: PatchOperation[]): RemoteError | undefined {
  if (!(error instanceof RemoteError) || error.code !== 'NOT_FOUND') return undefined;
  const id = error.remoteMessages.map((m) => /TF401232: Work item (\d+) /.exec(m)?.[1]).find((m) => m !== undefined);
  const link = ops.find((op) => {
    const value = op.path === '/relations/-' ? (op.value as { rel?: unknown; url?: unknown }) : undefined;
    return typeof value?.url === 'string' && targetOf(value.url) === id;
  });
  const rel = (link?.value as { rel?: unknown } | undefined)?.rel;
  if (id === undefined || typeof rel !== 'string') return undefined;
  const field = rel.toLowerCase() === parentRelation.toLowerCase() ? PARENT_FIELD : linkField(rel);
  return new RemoteError('VALIDATION', error.message, {
    ...(error.system ? { system: error.system } : {}),
    status: error.status,
    remoteMessages: error.remoteMessages,
    fieldErrors: { [field]: error.remoteMessages.join('; ') },
    retryable: false,
  });
}
