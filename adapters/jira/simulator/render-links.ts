import type { SimAttachment } from './attachments.js';
import type { SimIssueLink, SimIssueLinkType } from './issue-links.js';
import { jiraTime, renderIssueType, renderStatus, renderUser, type RenderContext } from './render.js';
import type { SimIssue } from './state.js';

const api = (ctx: RenderContext, path: string) => `${ctx.baseUrl}/rest/api/${ctx.version}/${path}`;

/** An attachment as the upload answers it and `fields.attachment` lists it (`Attachment`). */
export function renderAttachment(ctx: RenderContext, a: SimAttachment): Record<string, unknown> {
  return {
    self: api(ctx, `attachment/${a.id}`),
    id: a.id,
    filename: a.filename,
    author: renderUser(ctx, ctx.state.user(a.author)),
    created: jiraTime(a.created, ctx.viewer.timeZone),
    size: a.bytes.byteLength,
    mimeType: a.mimeType,
    content: api(ctx, `attachment/content/${a.id}`),
    ...(a.mimeType.startsWith('image/') ? { thumbnail: api(ctx, `attachment/thumbnail/${a.id}`) } : {}),
  };
}

/** An attachment's metadata (`AttachmentMetadata`, `GET attachment/{id}`): the id is a number there. */
export function renderAttachmentMetadata(ctx: RenderContext, a: SimAttachment): Record<string, unknown> {
  const { id, ...rest } = renderAttachment(ctx, a);
  return { ...rest, id: Number(id), properties: {} };
}

/** A link type (`IssueLinkType`). */
export function renderLinkType(ctx: RenderContext, t: SimIssueLinkType): Record<string, unknown> {
  return { id: t.id, name: t.name, inward: t.inward, outward: t.outward, self: api(ctx, `issueLinkType/${t.id}`) };
}

/** The other end of a link or a parent (`LinkedIssue`): id, key and key fields. */
export function renderLinkedIssue(ctx: RenderContext, issue: SimIssue): Record<string, unknown> {
  const status = ctx.state.status(issue.statusId);
  const priority = ctx.state.priorities.find((p) => p.id === issue.fields.priority);
  return {
    id: issue.id,
    key: issue.key,
    self: api(ctx, `issue/${issue.id}`),
    fields: {
      summary: typeof issue.fields.summary === 'string' ? issue.fields.summary : '',
      ...(status ? { status: renderStatus(ctx, status) } : {}),
      ...(priority
        ? {
            priority: {
              self: api(ctx, `priority/${priority.id}`),
              iconUrl: `${ctx.baseUrl}/images/icons/priorities/${priority.name.toLowerCase()}.svg`,
              name: priority.name,
              id: priority.id,
            },
          }
        : {}),
      issuetype: renderIssueType(ctx, issue.issueTypeId),
    },
  };
}

/** A link by itself (`GET issueLink/{id}`): both ends; undefined when an end is gone. */
export function renderIssueLink(ctx: RenderContext, link: SimIssueLink): Record<string, unknown> | undefined {
  const type = ctx.state.links.type({ id: link.typeId });
  const source = ctx.state.issues.get(link.sourceId);
  const destination = ctx.state.issues.get(link.destinationId);
  if (!type || !source || !destination) return undefined;
  return {
    id: link.id,
    self: api(ctx, `issueLink/${link.id}`),
    type: renderLinkType(ctx, type),
    inwardIssue: renderLinkedIssue(ctx, source),
    outwardIssue: renderLinkedIssue(ctx, destination),
  };
}

/**
 * An issue's `fields.issuelinks`: each link with only its other end, as `outwardIssue` when this
 * issue is the source ("this issue blocks X") and as `inwardIssue` when it is the destination
 * ("this issue is blocked by X").
 */
export function renderIssueLinks(ctx: RenderContext, issue: SimIssue): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const link of ctx.state.links.of(issue.id)) {
    const type = ctx.state.links.type({ id: link.typeId });
    const outward = link.sourceId === issue.id;
    const other = ctx.state.issues.get(outward ? link.destinationId : link.sourceId);
    if (!type || !other) continue;
    out.push({
      id: link.id,
      self: api(ctx, `issueLink/${link.id}`),
      type: renderLinkType(ctx, type),
      [outward ? 'outwardIssue' : 'inwardIssue']: renderLinkedIssue(ctx, other),
    });
  }
  return out;
}
