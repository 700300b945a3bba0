import { fail, json, noContent, type Route, type RouteContext } from '../http.js';
import type { SimIssue } from '../state.js';

const issueOf = (ctx: RouteContext): SimIssue =>
  ctx.state.issue(decodeURIComponent(ctx.params[0] ?? '')) ??
  fail(404, ['Issue does not exist or you do not have permission to see it.']);
const keyOf = (ctx: RouteContext): string => {
  const key = decodeURIComponent(ctx.params[1] ?? '');
  if (key.length === 0 || key.length > 255) fail(400, ['The property key must be between 1 and 255 characters.']);
  return key;
};

/** An issue's properties as search and bulk fetch render them (`properties` asked for by key). */
export function renderProperties(issue: SimIssue, keys: string[] | undefined): Record<string, unknown> {
  if (!keys?.length) return {};
  return {
    properties: Object.fromEntries(
      keys.filter((k) => issue.properties && k in issue.properties).map((k) => [k, issue.properties![k]]),
    ),
  };
}

/**
 * Issue properties: JSON values no person sees or types, kept by key (a value of at most 32,768
 * bytes). `PUT` answers 201 when created and 200 when replaced; setting one changes neither the
 * changelog nor `updated`. Searchable with JQL only when indexed (see `JiraState.indexedProperties`).
 * https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-properties/
 */
export const issuePropertyRoutes: Route[] = [
  {
    method: 'GET',
    path: /^issue\/([^/]+)\/properties$/,
    handle: (ctx) => {
      const issue = issueOf(ctx);
      const base = `${ctx.render.baseUrl}/rest/api/${ctx.render.version}/issue/${issue.key}/properties`;
      return json({
        keys: Object.keys(issue.properties ?? {}).map((key) => ({ key, self: `${base}/${encodeURIComponent(key)}` })),
      });
    },
  },
  {
    method: 'GET',
    path: /^issue\/([^/]+)\/properties\/([^/]+)$/,
    handle: (ctx) => {
      const issue = issueOf(ctx);
      const key = keyOf(ctx);
      if (!issue.properties || !(key in issue.properties))
        fail(404, [`The property with key '${key}' does not exist.`]);
      return json({ key, value: issue.properties[key] });
    },
  },
  {
    method: 'PUT',
    path: /^issue\/([^/]+)\/properties\/([^/]+)$/,
    handle: async (ctx) => {
      const issue = issueOf(ctx);
      const key = keyOf(ctx);
      const text = await ctx.request.text();
      if (Buffer.byteLength(text) > 32_768) fail(400, ['The property value exceeds the maximum size of 32768 bytes.']);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return fail(400, ['The property value must be valid JSON.']);
      }
      issue.properties ??= {};
      const existed = key in issue.properties;
      issue.properties[key] = value;
      return new Response(null, { status: existed ? 200 : 201 });
    },
  },
  {
    method: 'DELETE',
    path: /^issue\/([^/]+)\/properties\/([^/]+)$/,
    handle: (ctx) => {
      const issue = issueOf(ctx);
      const key = keyOf(ctx);
      if (!issue.properties || !(key in issue.properties))
        fail(404, [`The property with key '${key}' does not exist.`]);
      delete issue.properties[key];
      return noContent();
    },
  },
];
