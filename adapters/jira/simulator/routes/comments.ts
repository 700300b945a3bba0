import { z } from 'zod';
import { fail, intParam, json, noContent, readBody, type Route, type RouteContext } from '../http.js';
import { renderComment } from '../render.js';
import type { AdfNode } from '../state.js';

function issueOf(ctx: RouteContext) {
  return ctx.state.issue(decodeURIComponent(ctx.params[0] ?? '')) ?? fail(404, ['Issue does not exist or you do not have permission to see it.']);
}

/** A comment body: ADF in v3, plain text (wiki markup) in v2. */
function body(ctx: RouteContext, value: unknown): AdfNode {
  if (ctx.render.version === '2') {
    if (typeof value !== 'string') return fail(400, [], { comment: 'Comment body can not be empty!' });
    return { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: value }] }] };
  }
  const doc = value as { type?: unknown; content?: unknown } | undefined;
  if (!doc || doc.type !== 'doc' || !Array.isArray(doc.content)) return fail(400, [], { comment: 'Comment body is not valid!' });
  if (doc.content.length === 0) fail(400, [], { comment: 'Comment body can not be empty!' });
  return doc as AdfNode;
}

const commentBody = z.object({ body: z.unknown(), visibility: z.unknown().optional(), properties: z.unknown().optional() }).passthrough();

/** Comments of an issue: list (offset-paged, oldest first), add, read, edit and delete one. */
export const commentRoutes: Route[] = [
  {
    method: 'GET',
    path: /^issue\/([^/]+)\/comment$/,
    handle: (ctx) => {
      const issue = issueOf(ctx);
      const startAt = intParam(ctx.url, 'startAt', 0, Number.MAX_SAFE_INTEGER);
      const maxResults = intParam(ctx.url, 'maxResults', 100, 100);
      const ordered = ctx.url.searchParams.get('orderBy') === '-created' ? [...issue.comments].reverse() : issue.comments;
      const comments = ordered.slice(startAt, startAt + maxResults).map((c) => renderComment(ctx.render, issue, c));
      return json({ comments, maxResults, total: issue.comments.length, startAt });
    },
  },
  {
    method: 'POST',
    path: /^issue\/([^/]+)\/comment$/,
    handle: async (ctx) => {
      const issue = issueOf(ctx);
      const input = await readBody(ctx.request, commentBody);
      const comment = ctx.state.addComment(issue, ctx.user.accountId, body(ctx, input.body));
      return json(renderComment(ctx.render, issue, comment), 201);
    },
  },
  {
    method: 'GET',
    path: /^issue\/([^/]+)\/comment\/([^/]+)$/,
    handle: (ctx) => {
      const issue = issueOf(ctx);
      const comment = issue.comments.find((c) => c.id === ctx.params[1]) ?? fail(404, ['Can not find a comment for the id: ' + ctx.params[1] + '.']);
      return json(renderComment(ctx.render, issue, comment));
    },
  },
  {
    method: 'PUT',
    path: /^issue\/([^/]+)\/comment\/([^/]+)$/,
    handle: async (ctx) => {
      const issue = issueOf(ctx);
      const comment = issue.comments.find((c) => c.id === ctx.params[1]) ?? fail(404, ['Can not find a comment for the id: ' + ctx.params[1] + '.']);
      const input = await readBody(ctx.request, commentBody);
      comment.body = body(ctx, input.body);
      comment.updated = ctx.state.now();
      issue.updated = comment.updated;
      return json(renderComment(ctx.render, issue, comment));
    },
  },
  {
    // https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-comments/#api-rest-api-3-issue-issueidorkey-comment-id-delete
    method: 'DELETE',
    path: /^issue\/([^/]+)\/comment\/([^/]+)$/,
    handle: (ctx) => {
      const issue = issueOf(ctx);
      if (!ctx.state.deleteComment(issue, ctx.params[1] ?? '')) fail(404, ['Can not find a comment for the id: ' + ctx.params[1] + '.']);
      return noContent();
    },
  },
];
