import { z } from 'zod';
import { fail, intParam, json, listParam, noContent, readBody, type Route, type RouteContext } from '../http.js';
import { renderComment } from '../render.js';
import type { AdfNode, SimComment } from '../state.js';

function issueOf(ctx: RouteContext) {
  return (
    ctx.state.issue(decodeURIComponent(ctx.params[0] ?? '')) ??
    fail(404, ['Issue does not exist or you do not have permission to see it.'])
  );
}

/** A comment body: ADF in v3, plain text (wiki markup) in v2. */
function body(ctx: RouteContext, value: unknown): AdfNode {
  if (ctx.render.version === '2') {
    if (typeof value !== 'string') return fail(400, [], { comment: 'Comment body can not be empty!' });
    return { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: value }] }] };
  }
  const doc = value as { type?: unknown; content?: unknown } | undefined;
  if (doc?.type !== 'doc' || !Array.isArray(doc.content))
    return fail(400, [], { comment: 'Comment body is not valid!' });
  if (doc.content.length === 0) fail(400, [], { comment: 'Comment body can not be empty!' });
  return doc as AdfNode;
}

/** `EntityProperty` as comment create and update take it inline. */
const propertySchema = z.object({ key: z.string(), value: z.unknown() });
const commentBody = z
  .object({ body: z.unknown(), visibility: z.unknown().optional(), properties: z.array(propertySchema).optional() })
  .passthrough();

const notFound = (id: string | undefined) => fail(404, [`Can not find a comment for the id: ${id}.`]);
const expandOf = (ctx: RouteContext) => listParam(ctx.url, 'expand') ?? [];

/** Checks a property as Jira does: a key of 1 to 255 characters, a JSON value of at most 32768 characters. */
function checkProperty(key: string, value: unknown): void {
  if (key.length === 0 || key.length > 255) fail(400, ['The property key cannot be longer than 255 characters.']);
  if (value === undefined || JSON.stringify(value).length > 32768)
    fail(400, ['The property value cannot be longer than 32768 characters.']);
}

function setProperties(comment: SimComment, properties: Array<{ key: string; value: unknown }> | undefined): void {
  for (const { key, value } of properties ?? []) {
    checkProperty(key, value);
    comment.properties = { ...comment.properties, [key]: value };
  }
}

/** Comments of an issue: list (offset-paged, oldest first), add, read, edit and delete one; comment properties (inline on add and edit, `expand=properties` on reads, and `comment/{id}/properties`). */
export const commentRoutes: Route[] = [
  {
    method: 'GET',
    path: /^issue\/([^/]+)\/comment$/,
    handle: (ctx) => {
      const issue = issueOf(ctx);
      const startAt = intParam(ctx.url, 'startAt', 0, Number.MAX_SAFE_INTEGER);
      const maxResults = intParam(ctx.url, 'maxResults', 100, 100);
      const ordered =
        ctx.url.searchParams.get('orderBy') === '-created' ? [...issue.comments].reverse() : issue.comments;
      const comments = ordered
        .slice(startAt, startAt + maxResults)
        .map((c) => renderComment(ctx.render, issue, c, expandOf(ctx)));
      return json({ comments, maxResults, total: issue.comments.length, startAt });
    },
  },
  {
    method: 'POST',
    path: /^issue\/([^/]+)\/comment$/,
    handle: async (ctx) => {
      const issue = issueOf(ctx);
      const input = await readBody(ctx.request, commentBody);
      for (const p of input.properties ?? []) checkProperty(p.key, p.value);
      const comment = ctx.state.addComment(issue, ctx.user.accountId, body(ctx, input.body));
      setProperties(comment, input.properties);
      return json(renderComment(ctx.render, issue, comment, expandOf(ctx)), 201);
    },
  },
  {
    method: 'GET',
    path: /^issue\/([^/]+)\/comment\/([^/]+)$/,
    handle: (ctx) => {
      const issue = issueOf(ctx);
      const comment = issue.comments.find((c) => c.id === ctx.params[1]) ?? notFound(ctx.params[1]);
      return json(renderComment(ctx.render, issue, comment, expandOf(ctx)));
    },
  },
  {
    method: 'PUT',
    path: /^issue\/([^/]+)\/comment\/([^/]+)$/,
    handle: async (ctx) => {
      const issue = issueOf(ctx);
      const comment = issue.comments.find((c) => c.id === ctx.params[1]) ?? notFound(ctx.params[1]);
      const input = await readBody(ctx.request, commentBody);
      for (const p of input.properties ?? []) checkProperty(p.key, p.value);
      comment.body = body(ctx, input.body);
      setProperties(comment, input.properties);
      comment.updated = ctx.state.now();
      comment.updateAuthor = ctx.user.accountId;
      issue.updated = comment.updated;
      return json(renderComment(ctx.render, issue, comment, expandOf(ctx)));
    },
  },
  {
    // https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-comments/#api-rest-api-3-issue-issueidorkey-comment-id-delete
    method: 'DELETE',
    path: /^issue\/([^/]+)\/comment\/([^/]+)$/,
    handle: (ctx) => {
      const issue = issueOf(ctx);
      if (!ctx.state.deleteComment(issue, ctx.params[1] ?? '')) notFound(ctx.params[1]);
      return noContent();
    },
  },
  {
    // https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-comment-properties/
    method: 'GET',
    path: /^comment\/([^/]+)\/properties$/,
    handle: (ctx) => {
      const { comment } = ctx.state.comment(ctx.params[0] ?? '') ?? notFound(ctx.params[0]);
      return json({
        keys: Object.keys(comment.properties ?? {}).map((key) => ({
          key,
          self: `${ctx.url.origin}${ctx.url.pathname}/${encodeURIComponent(key)}`,
        })),
      });
    },
  },
  {
    method: 'GET',
    path: /^comment\/([^/]+)\/properties\/([^/]+)$/,
    handle: (ctx) => {
      const { comment } = ctx.state.comment(ctx.params[0] ?? '') ?? notFound(ctx.params[0]);
      const key = decodeURIComponent(ctx.params[1] ?? '');
      if (!comment.properties || !(key in comment.properties))
        fail(404, [`The property with key '${key}' does not exist.`]);
      return json({ key, value: comment.properties[key] });
    },
  },
  {
    // Creates (201) or replaces (200) one property; the body is the value.
    method: 'PUT',
    path: /^comment\/([^/]+)\/properties\/([^/]+)$/,
    handle: async (ctx) => {
      const { comment } = ctx.state.comment(ctx.params[0] ?? '') ?? notFound(ctx.params[0]);
      const key = decodeURIComponent(ctx.params[1] ?? '');
      const value = await readBody(ctx.request, z.unknown());
      checkProperty(key, value);
      const existed = comment.properties !== undefined && key in comment.properties;
      comment.properties = { ...comment.properties, [key]: value };
      return json({}, existed ? 200 : 201);
    },
  },
  {
    method: 'DELETE',
    path: /^comment\/([^/]+)\/properties\/([^/]+)$/,
    handle: (ctx) => {
      const { comment } = ctx.state.comment(ctx.params[0] ?? '') ?? notFound(ctx.params[0]);
      const key = decodeURIComponent(ctx.params[1] ?? '');
      if (!comment.properties || !(key in comment.properties))
        fail(404, [`The property with key '${key}' does not exist.`]);
      const { [key]: _gone, ...rest } = comment.properties;
      comment.properties = rest;
      return noContent();
    },
  },
];
