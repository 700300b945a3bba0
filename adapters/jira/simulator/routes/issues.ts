import { z } from 'zod';
import { applyValues, readFieldInput } from '../field-input.js';
import { fail, json, listParam, noContent, readBody, type Route, type RouteContext } from '../http.js';
import { parentErrors } from '../hierarchy.js';
import { renderIssue, selectFields } from '../render.js';
import type { SimIssue } from '../state.js';
import { renderChangelogExpansion } from './changelog.js';
import { renderProperties } from './issue-properties.js';
import { renderTransitions } from './workflow.js';

const updateOps = z.record(z.string(), z.array(z.record(z.string(), z.unknown())));
const issueBody = z.object({
  fields: z.record(z.string(), z.unknown()).optional(),
  update: updateOps.optional(),
  properties: z.array(z.object({ key: z.string(), value: z.unknown() })).optional(),
  historyMetadata: z.unknown().optional(),
  transition: z.unknown().optional(),
});
type IssueBody = z.infer<typeof issueBody>;

const notFound = () => fail(404, ['Issue does not exist or you do not have permission to see it.']);
const ref = (v: unknown) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});

type CreateOutcome =
  | { ok: true; issue: SimIssue }
  | { ok: false; status: number; errorMessages: string[]; errors: Record<string, string> };

function createOne(ctx: RouteContext, body: IssueBody): CreateOutcome {
  const { state } = ctx;
  const fields = body.fields ?? {};
  const errors: Record<string, string> = {};
  const p = ref(fields.project);
  const project = state.project(String(p.key ?? p.id ?? ''));
  if (!project) errors.project = 'Specify a valid project ID or key';
  const t = ref(fields.issuetype);
  const type = state.issueTypes.find(
    (x) => x.id === String(t.id) || (typeof t.name === 'string' && x.name.toLowerCase() === t.name.toLowerCase()),
  );
  if (!type)
    errors.issuetype = fields.issuetype === undefined ? 'Specify an issue type' : 'The issue type selected is invalid.';
  else if (project && !project.issueTypeIds.includes(type.id)) errors.issuetype = 'The issue type selected is invalid.';
  const input = readFieldInput(state, fields, body.update, undefined, ctx.render.version);
  Object.assign(errors, input.errors);
  if (type && !errors.parent) Object.assign(errors, parentErrors(state, type.id, input.values.parent, undefined));
  for (const f of state.fields)
    if (f.required && f.onScreen && !(f.id in fields) && f.id !== 'project' && f.id !== 'issuetype' && !errors[f.id])
      errors[f.id] = `You must specify a ${f.name.toLowerCase()} of the issue.`;
  if (!project || !type || Object.keys(errors).length > 0) return { ok: false, status: 400, errorMessages: [], errors };
  const now = state.now();
  const initial = state.statuses.find((s) => s.category === 'new') ?? state.statuses[0];
  const issue = state.addIssue({
    projectId: project.id,
    issueTypeId: type.id,
    statusId: initial?.id ?? '',
    created: now,
    updated: now,
    creator: ctx.user.accountId,
    reporter: ctx.user.accountId,
    fields: { priority: '3', labels: [] },
  });
  for (const [id, value] of Object.entries(input.values)) {
    if (id === 'reporter' && typeof value === 'string') issue.reporter = value;
    else issue.fields[id] = value;
  }
  // Properties given with the create are set with it, in the same request.
  if (body.properties?.length) issue.properties = Object.fromEntries(body.properties.map((p) => [p.key, p.value]));
  return { ok: true, issue };
}

const expandParam = (url: URL) => new Set(listParam(url, 'expand') ?? []);

/** Adds what `expand` asks for: the recent changelog (newest first, at most `limit`) and the transitions available now. */
function expanded(
  ctx: RouteContext,
  issue: SimIssue,
  rendered: Record<string, unknown>,
  expand: Set<string>,
  limit: number,
): Record<string, unknown> {
  return {
    ...rendered,
    ...(expand.has('changelog') ? { changelog: renderChangelogExpansion(ctx, issue, limit) } : {}),
    ...(expand.has('transitions') ? { transitions: renderTransitions(ctx, issue) } : {}),
  };
}

const created = (ctx: RouteContext, issue: SimIssue) => ({
  id: issue.id,
  key: issue.key,
  self: `${ctx.render.baseUrl}/rest/api/${ctx.render.version}/issue/${issue.id}`,
});

/**
 * `DELETE /issue/{issueIdOrKey}?deleteSubtasks=`: deletes for good and answers 204.
 * `deleteSubtasks` must be `true` or `false` (Jira answers 400 to anything else); the simulated
 * issue types have no sub-tasks, so the 400 for an issue that has some never arises.
 * https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-delete
 */
function deleteIssue(ctx: RouteContext): Response {
  const issue = ctx.state.issue(decodeURIComponent(ctx.params[0] ?? '')) ?? notFound();
  const deleteSubtasks = ctx.url.searchParams.get('deleteSubtasks');
  if (deleteSubtasks !== null && deleteSubtasks !== 'true' && deleteSubtasks !== 'false')
    fail(400, [`Invalid value for deleteSubtasks: '${deleteSubtasks}'. Use true or false.`]);
  ctx.state.deleteIssue(issue);
  return noContent();
}

/** Create (one and bulk), bulk fetch, read, edit and delete of issues. */
export const issueRoutes: Route[] = [
  {
    method: 'POST',
    path: /^issue$/,
    handle: async (ctx) => {
      const outcome = createOne(ctx, await readBody(ctx.request, issueBody));
      return outcome.ok
        ? json(created(ctx, outcome.issue), 201)
        : json({ errorMessages: outcome.errorMessages, errors: outcome.errors }, outcome.status);
    },
  },
  {
    method: 'POST',
    path: /^issue\/bulk$/,
    handle: async (ctx) => {
      const body = await readBody(ctx.request, z.object({ issueUpdates: z.array(issueBody) }));
      if (body.issueUpdates.length > 50) fail(400, ['The number of issues to create exceeds the limit of 50.']);
      const issues: unknown[] = [];
      const errors: unknown[] = [];
      body.issueUpdates.forEach((update, index) => {
        const outcome = createOne(ctx, update);
        if (outcome.ok) issues.push(created(ctx, outcome.issue));
        else
          errors.push({
            status: outcome.status,
            elementErrors: { errorMessages: outcome.errorMessages, errors: outcome.errors },
            failedElementNumber: index,
          });
      });
      return json({ issues, errors }, issues.length > 0 ? 201 : 400);
    },
  },
  {
    method: 'POST',
    path: /^issue\/bulkfetch$/,
    handle: async (ctx) => {
      const body = await readBody(
        ctx.request,
        z.object({
          issueIdsOrKeys: z.array(z.string()).min(1),
          fields: z.array(z.string()).optional(),
          expand: z.array(z.string()).optional(),
          properties: z.array(z.string()).optional(),
          fieldsByKeys: z.boolean().optional(),
        }),
      );
      if (body.issueIdsOrKeys.length > 100) fail(400, ['The number of issues requested exceeds the limit of 100.']);
      const fields = selectFields(ctx.state, body.fields, '*all');
      const found: SimIssue[] = [];
      const issueErrors: Array<{ id: string; errorMessage: string }> = [];
      for (const idOrKey of body.issueIdsOrKeys) {
        const issue = ctx.state.issue(idOrKey);
        if (issue) {
          if (!found.includes(issue)) found.push(issue);
        } else
          issueErrors.push({
            id: idOrKey,
            errorMessage: 'Issue does not exist or you do not have permission to see it.',
          });
      }
      found.sort((a, b) => Number(a.id) - Number(b.id));
      const expand = new Set(body.expand ?? []);
      return json({
        issues: found.map((i) => ({
          ...expanded(ctx, i, renderIssue(ctx.render, i, fields), expand, 40),
          ...renderProperties(i, body.properties),
        })),
        issueErrors,
      });
    },
  },
  {
    method: 'GET',
    path: /^issue\/([^/]+)$/,
    handle: (ctx) => {
      const issue = ctx.state.issue(decodeURIComponent(ctx.params[0] ?? '')) ?? notFound();
      const requested = listParam(ctx.url, 'fields');
      const fields = selectFields(ctx.state, requested, '*all');
      const withComments = !requested || requested.includes('*all') || requested.includes('comment');
      return json(
        expanded(ctx, issue, renderIssue(ctx.render, issue, fields, withComments), expandParam(ctx.url), 100),
      );
    },
  },
  {
    method: 'PUT',
    path: /^issue\/([^/]+)$/,
    handle: async (ctx) => {
      const issue = ctx.state.issue(decodeURIComponent(ctx.params[0] ?? '')) ?? notFound();
      const body = await readBody(ctx.request, issueBody);
      const input = readFieldInput(ctx.state, body.fields ?? {}, body.update, issue, ctx.render.version);
      for (const id of ['project', 'issuetype'])
        if (body.fields && id in body.fields)
          input.errors[id] = `Field '${id}' cannot be set. It is not on the appropriate screen, or unknown.`;
      if ('parent' in input.values)
        Object.assign(input.errors, parentErrors(ctx.state, issue.issueTypeId, input.values.parent, issue));
      if (Object.keys(input.errors).length > 0) fail(400, [], input.errors);
      ctx.state.recordChange(issue, ctx.user.accountId, applyValues(ctx.state, issue, input.values));
      // Only Cloud can answer an edit with the issue; Data Center always answers 204.
      if (ctx.render.version === '3' && ctx.url.searchParams.get('returnIssue') === 'true')
        return json(
          expanded(
            ctx,
            issue,
            renderIssue(ctx.render, issue, selectFields(ctx.state, undefined, '*all')),
            expandParam(ctx.url),
            100,
          ),
        );
      return noContent();
    },
  },
  { method: 'DELETE', path: /^issue\/([^/]+)$/, handle: deleteIssue },
];
