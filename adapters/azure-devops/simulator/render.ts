import {
  findField,
  findIdentity,
  type AdoSimState,
  type SimComment,
  type SimDeletedWorkItem,
  type SimIdentity,
  type SimWorkItem,
} from './state.js';

/** The `IdentityRef` JSON the service embeds in work items, comments and updates. */
export function identityRef(
  baseUrl: string,
  identity: SimIdentity | undefined,
  fallback: string,
): Record<string, unknown> {
  if (!identity) return { displayName: fallback, uniqueName: fallback };
  return {
    displayName: identity.displayName,
    url: `${baseUrl}/_apis/Identities/${identity.id}`,
    _links: { avatar: { href: `${baseUrl}/_apis/GraphProfile/MemberAvatars/${identity.descriptor}` } },
    id: identity.id,
    uniqueName: identity.uniqueName,
    imageUrl: `${baseUrl}/_api/_common/identityImage?id=${identity.id}`,
    descriptor: identity.descriptor,
  };
}

/**
 * The `WorkItem` JSON: only `fields` when given (absent values left out, as the service does);
 * `relations` when asked for (`$expand=relations`, and in the answers to writes).
 */
export function renderWorkItem(
  state: AdoSimState,
  baseUrl: string,
  item: SimWorkItem,
  fields?: string[],
  relations = false,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const wanted = fields?.map((name) => findField(state, name)?.referenceName ?? name);
  for (const [ref, value] of Object.entries(item.fields)) {
    if (wanted && !wanted.includes(ref)) continue;
    const field = state.fields.get(ref);
    out[ref] =
      field?.type === 'identity' ? identityRef(baseUrl, findIdentity(state, String(value)), String(value)) : value;
  }
  const latest = item.comments.findLast((c) => !c.isDeleted);
  return {
    id: item.id,
    rev: item.rev,
    fields: out,
    ...(relations && item.relations?.length
      ? { relations: item.relations.map((r) => ({ rel: r.rel, url: r.url, attributes: r.attributes })) }
      : {}),
    ...(latest
      ? {
          commentVersionRef: {
            commentId: latest.id,
            version: latest.version,
            url: `${baseUrl}/_apis/wit/workItems/${item.id}/comments/${latest.id}`,
          },
        }
      : {}),
    _links: { self: { href: `${baseUrl}/_apis/wit/workItems/${item.id}` } },
    url: `${baseUrl}/_apis/wit/workItems/${item.id}`,
  };
}

/** The `Comment` JSON. */
export function renderComment(
  state: AdoSimState,
  baseUrl: string,
  item: SimWorkItem,
  comment: SimComment,
): Record<string, unknown> {
  return {
    workItemId: item.id,
    commentId: comment.id,
    version: comment.version,
    text: comment.text,
    createdBy: identityRef(baseUrl, findIdentity(state, comment.createdBy), comment.createdBy),
    createdDate: comment.createdDate,
    modifiedBy: identityRef(baseUrl, findIdentity(state, comment.modifiedBy), comment.modifiedBy),
    modifiedDate: comment.modifiedDate,
    format: 'html',
    isDeleted: comment.isDeleted === true,
    url: `${baseUrl}/_apis/wit/workItems/${item.id}/comments/${comment.id}`,
  };
}

/** The `WorkItemDelete` JSON of a work item in the recycle bin (`resource` is the work item as it was). */
export function renderDeleted(
  state: AdoSimState,
  baseUrl: string,
  deleted: SimDeletedWorkItem,
): Record<string, unknown> {
  const { item } = deleted;
  return {
    id: item.id,
    code: 200,
    type: item.fields['System.WorkItemType'],
    name: item.fields['System.Title'],
    project: item.fields['System.TeamProject'],
    deletedDate: deleted.deletedDate,
    deletedBy: deleted.deletedBy,
    url: `${baseUrl}/_apis/wit/recycleBin/${item.id}`,
    resource: renderWorkItem(state, baseUrl, item),
  };
}
