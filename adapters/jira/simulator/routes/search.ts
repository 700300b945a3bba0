import { z } from 'zod';
import { JqlError } from '../jql/lexer.js';
import { parseJql, type JqlQuery } from '../jql/parser.js';
import { jqlProblems, runJql, runJqlPage, type PageCursor } from '../jql/evaluate.js';
import { fail, intParam, json, listParam, readBody, type Route, type RouteContext } from '../http.js';
import { renderIssue, selectFields } from '../render.js';
import { renderChangelogExpansion, renderHistories } from './changelog.js';
import { renderProperties } from './issue-properties.js';

const searchBody = z.object({
  jql: z.string().optional(),
  nextPageToken: z.string().nullish(),
  startAt: z.number().int().min(0).optional(),
  maxResults: z.number().int().min(0).optional(),
  fields: z.array(z.string()).optional(),
  expand: z.union([z.string(), z.array(z.string())]).optional(),
  properties: z.array(z.string()).optional(),
  fieldsByKeys: z.boolean().optional(),
  reconcileIssues: z.array(z.number()).max(50).optional(),
  validateQuery: z.string().optional(),
});
type SearchBody = z.infer<typeof searchBody>;

function parse(jql: string, bounded: boolean): JqlQuery {
  try {
    const query = parseJql(jql);
    if (bounded && !query.where)
      fail(400, ['Unbounded JQL queries are not allowed here. Please add a search restriction to your query.']);
    return query;
  } catch (error) {
    if (error instanceof JqlError) return fail(400, [error.message]);
    throw error;
  }
}

function run<T>(ctx: RouteContext, query: JqlQuery, evaluate: () => T): T {
  const problems = jqlProblems(query, { state: ctx.state, user: ctx.user });
  // Jira lists every problem of a query it refuses in `errorMessages`.
  if (problems.length > 0) return fail(400, problems);
  try {
    return evaluate();
  } catch (error) {
    if (error instanceof JqlError) return fail(400, [error.message]);
    throw error;
  }
}

// The token names the offset and the query (a token cannot be replayed against another query),
// and for an ordered query where its next page resumes, good while no issue changed: the next
// page is then read from there instead of counting the offset again. Once an issue changed, the
// offset is counted on the result as it is now, as Jira pages: a changed issue can come twice and
// another be skipped.
const encodeToken = (offset: number, jql: string, cursor: PageCursor | undefined, version: number) =>
  Buffer.from(
    JSON.stringify({ o: offset, q: jql.length, ...(cursor ? { v: cursor.value, n: cursor.skip, s: version } : {}) }),
  ).toString('base64url');
function decodeToken(token: string, jql: string, version: number): { offset: number; cursor?: PageCursor } {
  try {
    const { o, q, v, n, s } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (typeof o === 'number' && q === jql.length)
      return typeof v === 'number' && typeof n === 'number' && s === version
        ? { offset: o, cursor: { value: v, skip: n } }
        : { offset: o };
  } catch {
    // fall through to the error below
  }
  return fail(400, ['The provided next page token is invalid or expired.']);
}

function wantsChangelog(expand: SearchBody['expand']): boolean {
  const list = Array.isArray(expand) ? expand : (expand ?? '').split(',');
  return list.map((e) => e.trim()).includes('changelog');
}

/** Enhanced search (`/search/jql`): token paging, ids only unless fields are asked for, bounded JQL. */
function enhanced(ctx: RouteContext, body: SearchBody): Response {
  const jql = body.jql ?? '';
  const query = parse(jql, true);
  const fields = selectFields(ctx.state, body.fields, 'id');
  const onlyIds = !body.fields || body.fields.every((f) => f === 'id' || f === 'key');
  const maxResults = Math.min(body.maxResults ?? 50, onlyIds ? 5000 : 100);
  const { offset, cursor } = body.nextPageToken
    ? decodeToken(body.nextPageToken, jql, ctx.state.version)
    : { offset: 0 };
  const found = run(ctx, query, () =>
    runJqlPage(query, { state: ctx.state, user: ctx.user }, offset, maxResults, cursor),
  );
  const isLast = !found.more;
  // Cloud embeds the 40 most recent changelog entries, with their total, as bulk reads do.
  const withChangelog = !onlyIds && wantsChangelog(body.expand);
  const issues = found.issues.map((issue) =>
    onlyIds
      ? { id: issue.id }
      : {
          ...renderIssue(ctx.render, issue, fields, body.fields?.includes('comment') ?? false),
          ...renderProperties(issue, body.properties),
          ...(withChangelog ? { changelog: renderChangelogExpansion(ctx, issue, 40) } : {}),
        },
  );
  return json({
    issues,
    ...(isLast ? {} : { nextPageToken: encodeToken(offset + maxResults, jql, found.cursor, ctx.state.version) }),
    isLast,
  });
}

/** Legacy search (`/search`, the Data Center form): offset paging with `total`. */
function legacy(ctx: RouteContext, body: SearchBody): Response {
  const query = parse(body.jql ?? '', false);
  const fields = selectFields(ctx.state, body.fields, '*all');
  const startAt = body.startAt ?? 0;
  const maxResults = Math.min(body.maxResults ?? 50, 100);
  const found = run(ctx, query, () => runJql(query, { state: ctx.state, user: ctx.user }));
  const withChangelog = wantsChangelog(body.expand);
  const issues = found.slice(startAt, startAt + maxResults).map((issue) => ({
    ...renderIssue(ctx.render, issue, fields),
    ...renderProperties(issue, body.properties),
    ...(withChangelog
      ? {
          changelog: {
            startAt: 0,
            maxResults: issue.changelog.length,
            total: issue.changelog.length,
            histories: renderHistories(ctx, issue.changelog),
          },
        }
      : {}),
  }));
  return json({ expand: 'schema,names', startAt, maxResults, total: found.length, issues });
}

const fromQuery = (ctx: RouteContext): SearchBody => ({
  jql: ctx.url.searchParams.get('jql') ?? '',
  nextPageToken: ctx.url.searchParams.get('nextPageToken'),
  startAt: intParam(ctx.url, 'startAt', 0, Number.MAX_SAFE_INTEGER),
  maxResults: intParam(ctx.url, 'maxResults', 50, 5000),
  fields: listParam(ctx.url, 'fields'),
  expand: ctx.url.searchParams.get('expand') ?? undefined,
});

/** Issue search: enhanced (v3 `search/jql`) and legacy (`search`, kept for Data Center v2). */
export const searchRoutes: Route[] = [
  { method: 'GET', path: /^search\/jql$/, handle: (ctx) => enhanced(ctx, fromQuery(ctx)) },
  {
    method: 'POST',
    path: /^search\/jql$/,
    handle: async (ctx) => enhanced(ctx, await readBody(ctx.request, searchBody)),
  },
  { method: 'GET', path: /^search$/, handle: (ctx) => legacy(ctx, fromQuery(ctx)) },
  { method: 'POST', path: /^search$/, handle: async (ctx) => legacy(ctx, await readBody(ctx.request, searchBody)) },
];
