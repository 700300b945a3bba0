import { z } from 'zod';
import { fail, json, noContent, readBody, type Route, type RouteContext } from '../http.js';
import type { SimIssue, SimRemoteLink } from '../state.js';

const remoteLinkBody = z.object({
  globalId: z.string().max(255).optional(),
  application: z.object({ type: z.string().optional(), name: z.string().optional() }).optional(),
  relationship: z.string().optional(),
  object: z.object({ url: z.string().min(1), title: z.string().min(1), summary: z.string().optional() }).passthrough(),
});

const issueOf = (ctx: RouteContext): SimIssue =>
  ctx.state.issue(decodeURIComponent(ctx.params[0] ?? '')) ??
  fail(404, ['Issue does not exist or you do not have permission to see it.']);
const self = (ctx: RouteContext, issue: SimIssue, link: SimRemoteLink) =>
  `${ctx.render.baseUrl}/rest/api/${ctx.render.version}/issue/${issue.key}/remotelink/${link.id}`;
const render = (ctx: RouteContext, issue: SimIssue, link: SimRemoteLink) => ({
  id: link.id,
  self: self(ctx, issue, link),
  ...(link.globalId ? { globalId: link.globalId } : {}),
  ...(link.application ? { application: link.application } : {}),
  ...(link.relationship ? { relationship: link.relationship } : {}),
  object: link.object,
});

/**
 * Remote (web) links of an issue. `POST` is an upsert keyed by `globalId`: 201 when created,
 * 200 when a link with that `globalId` was updated (fields left out become empty). Adding a
 * remote link writes no changelog entry and leaves `updated` alone.
 * https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-remote-links/
 */
export const remoteLinkRoutes: Route[] = [
  {
    method: 'GET',
    path: /^issue\/([^/]+)\/remotelink$/,
    handle: (ctx) => {
      const issue = issueOf(ctx);
      const globalId = ctx.url.searchParams.get('globalId');
      const links = issue.remoteLinks ?? [];
      if (globalId === null) return json(links.map((l) => render(ctx, issue, l)));
      const link =
        links.find((l) => l.globalId === globalId) ??
        fail(404, ['No remote link with the given globalId exists for this issue.']);
      return json(render(ctx, issue, link));
    },
  },
  {
    method: 'POST',
    path: /^issue\/([^/]+)\/remotelink$/,
    handle: async (ctx) => {
      const issue = issueOf(ctx);
      const body = await readBody(ctx.request, remoteLinkBody);
      issue.remoteLinks ??= [];
      const existing = body.globalId ? issue.remoteLinks.find((l) => l.globalId === body.globalId) : undefined;
      const link: SimRemoteLink = {
        id: existing?.id ?? ctx.state.remoteLinkId(),
        globalId: body.globalId,
        application: body.application,
        relationship: body.relationship,
        object: body.object,
      };
      if (existing) issue.remoteLinks[issue.remoteLinks.indexOf(existing)] = link;
      else issue.remoteLinks.push(link);
      return json({ id: link.id, self: self(ctx, issue, link) }, existing ? 200 : 201);
    },
  },
  {
    method: 'DELETE',
    path: /^issue\/([^/]+)\/remotelink$/,
    handle: (ctx) => {
      const issue = issueOf(ctx);
      const globalId = ctx.url.searchParams.get('globalId') ?? fail(400, ['The globalId parameter is required.']);
      const index = (issue.remoteLinks ?? []).findIndex((l) => l.globalId === globalId);
      if (index < 0) fail(404, ['No remote link with the given globalId exists for this issue.']);
      issue.remoteLinks!.splice(index, 1);
      return noContent();
    },
  },
  {
    method: 'DELETE',
    path: /^issue\/([^/]+)\/remotelink\/(\d+)$/,
    handle: (ctx) => {
      const issue = issueOf(ctx);
      const index = (issue.remoteLinks ?? []).findIndex((l) => String(l.id) === ctx.params[1]);
      if (index < 0) fail(404, ['Remote link does not exist.']);
      issue.remoteLinks!.splice(index, 1);
      return noContent();
    },
  },
];
