import { z } from 'zod';
import { fail, json, noContent, readBody, type Route, type RouteContext } from '../http.js';
import type { SimIssueLink, SimIssueLinkType } from '../issue-links.js';
import { renderIssueLink, renderLinkType } from '../render-links.js';
import type { AdfNode, SimIssue } from '../state.js';

const ref = z.object({ id: z.string().optional(), key: z.string().optional() }).passthrough();
const linkBody = z.object({
  type: z.object({ id: z.string().optional(), name: z.string().optional() }).passthrough(),
  inwardIssue: ref,
  outwardIssue: ref,
  comment: z.object({ body: z.unknown() }).passthrough().optional(),
});

function linkedIssue(ctx: RouteContext, r: z.infer<typeof ref>): SimIssue {
  const wanted = r.id ?? r.key ?? '';
  return ctx.state.issue(wanted) ?? fail(404, [`Issue does not exist or you do not have permission to see it.`]);
}

const missing = (id: string | undefined): never => fail(404, [`No issue link with id '${id}' exists.`]);

/** The `Link` changelog items Jira writes on both ends ("This issue blocks DEMO-2" / "is blocked by DEMO-1"). */
function recordLink(
  ctx: RouteContext,
  type: SimIssueLinkType,
  source: SimIssue,
  destination: SimIssue,
  removed: boolean,
): void {
  const at = ctx.state.now();
  const item = (other: SimIssue, words: string) => {
    const value = { id: other.key, text: `This issue ${words} ${other.key}` };
    return {
      field: 'Link',
      fieldtype: 'jira' as const,
      fieldId: 'issuelinks',
      from: removed ? value.id : null,
      fromString: removed ? value.text : null,
      to: removed ? null : value.id,
      toString: removed ? null : value.text,
    };
  };
  ctx.state.recordChange(source, ctx.user.accountId, [item(destination, type.outward)], at);
  if (destination !== source) ctx.state.recordChange(destination, ctx.user.accountId, [item(source, type.inward)], at);
}

/** A comment as the link request carries it: ADF in v3, text in v2. */
function commentBody(ctx: RouteContext, value: unknown): AdfNode {
  if (typeof value === 'string')
    return { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: value }] }] };
  const doc = value as { type?: unknown } | undefined;
  if (ctx.render.version === '3' && doc?.type === 'doc') return doc as AdfNode;
  return fail(400, [], { comment: 'Comment body is not valid!' });
}

/**
 * Issue links and link types. `POST issueLink` links the request's `inwardIssue` (the source)
 * to its `outwardIssue` (the destination): with "Blocks", the inward issue blocks the outward
 * one. It answers 201 with no body (the link id is read from `fields.issuelinks`); a link that
 * already exists answers 201 again without a second copy. Adding or removing a link writes a
 * `Link` changelog item on both issues and moves their `updated`.
 * https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-links/
 */
export const issueLinkRoutes: Route[] = [
  {
    method: 'GET',
    path: /^issueLinkType$/,
    handle: (ctx) => json({ issueLinkTypes: ctx.state.links.types.map((t) => renderLinkType(ctx.render, t)) }),
  },
  {
    method: 'GET',
    path: /^issueLinkType\/([^/]+)$/,
    handle: (ctx) => {
      const type =
        ctx.state.links.type({ id: ctx.params[0] }) ??
        fail(404, [`No issue link type with id '${ctx.params[0]}' found.`]);
      return json(renderLinkType(ctx.render, type));
    },
  },
  {
    method: 'POST',
    path: /^issueLink$/,
    handle: async (ctx) => {
      const body = await readBody(ctx.request, linkBody);
      const type =
        ctx.state.links.type(body.type) ??
        fail(404, [`No issue link type with name '${body.type.name ?? body.type.id ?? ''}' found.`]);
      const source = linkedIssue(ctx, body.inwardIssue);
      const destination = linkedIssue(ctx, body.outwardIssue);
      if (source === destination) fail(400, ['You cannot link an issue to itself.']);
      const comment = body.comment ? commentBody(ctx, body.comment.body) : undefined;
      if (!ctx.state.links.find(type.id, source.id, destination.id)) {
        ctx.state.links.add(type.id, source.id, destination.id);
        recordLink(ctx, type, source, destination, false);
      }
      if (comment) ctx.state.addComment(source, ctx.user.accountId, comment);
      return new Response(null, { status: 201 });
    },
  },
  {
    method: 'GET',
    path: /^issueLink\/([^/]+)$/,
    handle: (ctx) => {
      const link = ctx.state.links.get(ctx.params[0] ?? '');
      const rendered = link ? renderIssueLink(ctx.render, link) : undefined;
      return rendered ? json(rendered) : missing(ctx.params[0]);
    },
  },
  {
    method: 'DELETE',
    path: /^issueLink\/([^/]+)$/,
    handle: (ctx) => {
      const link: SimIssueLink = ctx.state.links.get(ctx.params[0] ?? '') ?? missing(ctx.params[0]);
      const type = ctx.state.links.type({ id: link.typeId });
      const source = ctx.state.issues.get(link.sourceId);
      const destination = ctx.state.issues.get(link.destinationId);
      if (!type || !source || !destination) return missing(ctx.params[0]);
      ctx.state.links.remove(link.id);
      recordLink(ctx, type, source, destination, true);
      return noContent();
    },
  },
];
