import { z } from 'zod';
import { fail, intParam, json, readBody, type Route, type RouteContext } from '../http.js';
import { jiraTime, renderUser } from '../render.js';
import type { SimChange, SimIssue } from '../state.js';

/** Changelog entries in Jira's JSON form (`Changelog`). */
export function renderHistories(ctx: RouteContext, changes: SimChange[]): Array<Record<string, unknown>> {
  return changes.map((c) => ({
    id: String(c.id),
    author: renderUser(ctx.render, ctx.state.user(c.author)),
    created: jiraTime(c.created, ctx.user.timeZone),
    // Data Center names changed fields only by `field` (custom fields by their name); Cloud adds `fieldId`.
    items: c.items.map((i) => ({
      field: i.field,
      fieldtype: i.fieldtype,
      ...(ctx.render.version === '3' ? { fieldId: i.fieldId } : {}),
      from: i.from,
      fromString: i.fromString,
      to: i.to,
      toString: i.toString,
    })),
  }));
}

/**
 * The `changelog` an issue read embeds with `expand=changelog`: the most recent entries
 * first, at most `limit` of them (bulk fetch: 40), with the total so clients can tell it was cut.
 */
export function renderChangelogExpansion(ctx: RouteContext, issue: SimIssue, limit: number): Record<string, unknown> {
  const recent = [...issue.changelog].reverse().slice(0, limit);
  return {
    startAt: 0,
    maxResults: recent.length,
    total: issue.changelog.length,
    histories: renderHistories(ctx, recent),
  };
}

const bulkBody = z.object({
  issueIdsOrKeys: z.array(z.string()).min(1),
  fieldIds: z.array(z.string()).optional(),
  maxResults: z.number().int().min(1).max(10000).optional(),
  nextPageToken: z.string().nullish(),
});

/** Changelogs: one issue's (offset-paged) and many issues' at once (`changelog/bulkfetch`, token-paged). */
export const changelogRoutes: Route[] = [
  {
    method: 'POST',
    path: /^changelog\/bulkfetch$/,
    handle: async (ctx) => {
      const body = await readBody(ctx.request, bulkBody);
      if (body.issueIdsOrKeys.length > 1000) fail(400, ['The number of issues requested exceeds the limit of 1000.']);
      if ((body.fieldIds?.length ?? 0) > 10) fail(400, ['The number of field ids exceeds the limit of 10.']);
      const issues = body.issueIdsOrKeys.map((k) => ctx.state.issue(k)).filter((i): i is SimIssue => i !== undefined);
      const wanted = body.fieldIds ? new Set(body.fieldIds) : undefined;
      // Oldest first, then by issue id, as Atlassian documents.
      const entries = issues
        .flatMap((issue) =>
          issue.changelog.map((change) => ({
            issue,
            change: wanted ? { ...change, items: change.items.filter((i) => wanted.has(i.fieldId)) } : change,
          })),
        )
        .filter((e) => e.change.items.length > 0)
        .sort((a, b) => a.change.created - b.change.created || Number(a.issue.id) - Number(b.issue.id));
      const offset = body.nextPageToken ? Number(Buffer.from(body.nextPageToken, 'base64url').toString('utf8')) : 0;
      if (!Number.isInteger(offset) || offset < 0) fail(400, ['The provided next page token is invalid.']);
      const maxResults = body.maxResults ?? 1000;
      const page = entries.slice(offset, offset + maxResults);
      const grouped = new Map<string, SimChange[]>();
      for (const e of page) grouped.set(e.issue.id, [...(grouped.get(e.issue.id) ?? []), e.change]);
      const more = offset + maxResults < entries.length;
      return json({
        issueChangeLogs: [...grouped].map(([issueId, changes]) => ({
          issueId,
          changeHistories: renderHistories(ctx, changes),
        })),
        ...(more ? { nextPageToken: Buffer.from(String(offset + maxResults)).toString('base64url') } : {}),
      });
    },
  },
  {
    method: 'GET',
    path: /^issue\/([^/]+)\/changelog$/,
    handle: (ctx) => {
      const issue = ctx.state.issue(decodeURIComponent(ctx.params[0] ?? ''));
      if (!issue) return fail(404, ['Issue does not exist or you do not have permission to see it.']);
      const startAt = intParam(ctx.url, 'startAt', 0, Number.MAX_SAFE_INTEGER);
      const maxResults = intParam(ctx.url, 'maxResults', 100, 100);
      const values = renderHistories(ctx, issue.changelog.slice(startAt, startAt + maxResults));
      const isLast = startAt + maxResults >= issue.changelog.length;
      return json({
        self: `${ctx.render.baseUrl}/rest/api/3/issue/${issue.id}/changelog?startAt=${startAt}&maxResults=${maxResults}`,
        maxResults,
        startAt,
        total: issue.changelog.length,
        isLast,
        values,
      });
    },
  },
];
