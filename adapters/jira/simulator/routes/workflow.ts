import { z } from 'zod';
import { applyValues, readFieldInput } from '../field-input.js';
import { fail, json, noContent, readBody, type Route, type RouteContext } from '../http.js';
import { renderStatus } from '../render.js';
import type { SimIssue } from '../state.js';

function issueOf(ctx: RouteContext) {
  return (
    ctx.state.issue(decodeURIComponent(ctx.params[0] ?? '')) ??
    fail(404, ['Issue does not exist or you do not have permission to see it.'])
  );
}

/** The transitions available to an issue now (`IssueTransition[]`), as listed and as `expand=transitions` embeds them. */
export function renderTransitions(
  ctx: RouteContext,
  issue: SimIssue,
  only?: string | null,
): Array<Record<string, unknown>> {
  return ctx.state
    .transitionsFor(issue)
    .filter((t) => !only || t.id === only)
    .map((t) => {
      const to = ctx.state.status(t.to);
      return {
        id: t.id,
        name: t.name,
        to: to ? renderStatus(ctx.render, to) : undefined,
        hasScreen: false,
        isGlobal: t.from.length === 0,
        isInitial: false,
        isAvailable: true,
        isConditional: false,
        isLooped: false,
      };
    });
}

/** The workflow: transitions available to an issue, and performing one. */
export const workflowRoutes: Route[] = [
  {
    method: 'GET',
    path: /^issue\/([^/]+)\/transitions$/,
    handle: (ctx) =>
      json({
        expand: 'transitions',
        transitions: renderTransitions(ctx, issueOf(ctx), ctx.url.searchParams.get('transitionId')),
      }),
  },
  {
    method: 'POST',
    path: /^issue\/([^/]+)\/transitions$/,
    handle: async (ctx) => {
      const issue = issueOf(ctx);
      const body = await readBody(
        ctx.request,
        z.object({
          transition: z.object({ id: z.union([z.string(), z.number()]).optional() }).optional(),
          fields: z.record(z.string(), z.unknown()).optional(),
          update: z.record(z.string(), z.array(z.record(z.string(), z.unknown()))).optional(),
          historyMetadata: z.unknown().optional(),
          properties: z.unknown().optional(),
        }),
      );
      const id = body.transition?.id === undefined ? undefined : String(body.transition.id);
      if (id === undefined) fail(400, ["Missing 'transition' identifier"]);
      const transition = ctx.state.transitionsFor(issue).find((t) => t.id === id);
      if (!transition) fail(400, [`Transition id '${id}' is not valid for this issue.`]);
      const input = readFieldInput(ctx.state, body.fields ?? {}, body.update, issue, ctx.render.version);
      if (Object.keys(input.errors).length > 0) fail(400, [], input.errors);
      const from = ctx.state.status(issue.statusId);
      const to = ctx.state.status(transition?.to ?? '');
      const items = applyValues(ctx.state, issue, input.values);
      issue.statusId = to?.id ?? issue.statusId;
      items.push({
        field: 'status',
        fieldtype: 'jira',
        fieldId: 'status',
        from: from?.id ?? null,
        fromString: from?.name ?? null,
        to: to?.id ?? null,
        toString: to?.name ?? null,
      });
      ctx.state.recordChange(issue, ctx.user.accountId, items);
      return noContent();
    },
  },
];
