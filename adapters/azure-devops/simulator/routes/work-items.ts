import { mirrorLinks, prepareRelations } from '../links.js';
import { z } from 'zod';
import { AdoSimError, badRequest, json, workItemNotFound } from '../errors.js';
import { applyPatch } from '../json-patch.js';
import { renderWorkItem } from '../render.js';
import type { Route, RouteContext } from '../router.js';
import { findField, findProject, findType, type SimProject, type SimWorkItem } from '../state.js';
import { getWorkItem, parseId, saveWorkItem } from '../store.js';

const batchRequestSchema = z.object({
  ids: z.array(z.number().int()),
  fields: z.array(z.string()).nullish(),
  $expand: z.string().nullish(),
  errorPolicy: z.enum(['fail', 'omit', 'Fail', 'Omit']).nullish(),
  asOf: z.string().nullish(),
});

function checkFields(
  ctx: RouteContext,
  fields: string[] | undefined | null,
  expand: string | undefined | null,
): string[] | undefined {
  if (!fields?.length) return undefined;
  if (expand && expand.toLowerCase() !== 'none')
    throw badRequest(
      'VS403315: The expand parameter can not be used with the fields parameter.',
      'ConflictingParametersException',
    );
  for (const name of fields)
    if (!findField(ctx.state, name))
      throw new AdoSimError(
        400,
        `TF51535: Cannot find field ${name}.`,
        'WorkItemTrackingFieldDefinitionNotFoundException',
      );
  return fields;
}

/** Whether `$expand` asks for relations (`relations` or `all`). */
const withRelations = (expand: string | undefined | null) => ['relations', 'all'].includes(expand?.toLowerCase() ?? '');

function readMany(
  ctx: RouteContext,
  ids: number[],
  fields: string[] | undefined,
  omitMissing: boolean,
  relations = false,
): Response {
  const limit = ctx.state.limits.maxBatchIds;
  if (ids.length > limit)
    throw badRequest(
      `VS403474: You requested ${ids.length} work items which exceeds the limit of ${limit}`,
      'WorkItemTrackingBatchLimitException',
    );
  const value: Array<Record<string, unknown> | null> = [];
  for (const id of ids) {
    const item = ctx.state.workItems.get(id);
    if (!item || (ctx.project && item.fields['System.TeamProject'] !== ctx.project.name)) {
      if (!omitMissing) throw workItemNotFound(id);
      value.push(null);
      continue;
    }
    value.push(renderWorkItem(ctx.state, ctx.orgUrl, item, fields, relations));
  }
  return json({ count: value.length, value });
}

function projectOf(ctx: RouteContext, item: SimWorkItem): SimProject {
  return ctx.project ?? (findProject(ctx.state, String(item.fields['System.TeamProject'])) as SimProject);
}

function flag(ctx: RouteContext, name: string): boolean {
  return ctx.url.searchParams.get(name)?.toLowerCase() === 'true';
}

function requirePatchContentType(ctx: RouteContext): void {
  const type = ctx.request.headers.get('content-type') ?? '';
  if (!type.toLowerCase().includes('application/json-patch+json')) {
    throw new AdoSimError(
      415,
      'VS403424: The request indicated a Content-Type of "' +
        type +
        '" for method type "' +
        ctx.request.method +
        '" which is not supported. Valid content types for this method are: application/json-patch+json.',
      'VssRequestContentTypeNotSupportedException',
    );
  }
}

/** Creates a work item of the `$Type` in the URL from a JSON Patch document. */
async function createWorkItem(ctx: RouteContext): Promise<Response> {
  requirePatchContentType(ctx);
  const project = ctx.project as SimProject;
  const type = findType(project, ctx.params.type as string);
  if (!type)
    throw new AdoSimError(
      404,
      `VS402323: Work item type ${ctx.params.type ?? ''} does not exist in project ${project.name} or you do not have permission to access it.`,
      'WorkItemTypeNotFoundException',
    );
  const changes = applyPatch(undefined, await ctx.body());
  const relations = changes.relations && prepareRelations(ctx.state, undefined, changes.relations);
  const item = saveWorkItem(ctx.state, project, type, undefined, changes.fields, {
    actor: ctx.actor,
    bypassRules: flag(ctx, 'bypassRules'),
    validateOnly: flag(ctx, 'validateOnly'),
    relations,
  });
  if (relations && item.id > 0 && !flag(ctx, 'validateOnly')) mirrorLinks(ctx.state, ctx.orgUrl, item, [], ctx.actor);
  return json(renderWorkItem(ctx.state, ctx.orgUrl, item, undefined, true));
}

/** Work item reads (single, list, batch) and JSON Patch creates and updates. */
export const workItemRoutes: Route[] = [
  {
    method: 'POST',
    path: 'wit/workitemsbatch',
    handle: async (ctx) => {
      const parsed = batchRequestSchema.safeParse(await ctx.body());
      if (!parsed.success) throw badRequest('VS403502: The batch request must have an ids array.');
      const fields = checkFields(ctx, parsed.data.fields, parsed.data.$expand);
      return readMany(
        ctx,
        parsed.data.ids,
        fields,
        parsed.data.errorPolicy?.toLowerCase() === 'omit',
        withRelations(parsed.data.$expand),
      );
    },
  },
  {
    method: 'GET',
    path: 'wit/workitems',
    handle: (ctx) => {
      const raw = ctx.url.searchParams.get('ids');
      if (!raw) throw badRequest('VS403496: The ids parameter is required.');
      const ids = raw.split(',').map((s) => parseId(s.trim()));
      const fields = checkFields(
        ctx,
        ctx.url.searchParams.get('fields')?.split(','),
        ctx.url.searchParams.get('$expand'),
      );
      return readMany(
        ctx,
        ids,
        fields,
        ctx.url.searchParams.get('errorPolicy')?.toLowerCase() === 'omit',
        withRelations(ctx.url.searchParams.get('$expand')),
      );
    },
  },
  {
    method: 'GET',
    path: 'wit/workitems/:id',
    handle: (ctx) => {
      const item = getWorkItem(ctx.state, parseId(ctx.params.id));
      const fields = checkFields(
        ctx,
        ctx.url.searchParams.get('fields')?.split(','),
        ctx.url.searchParams.get('$expand'),
      );
      return json(
        renderWorkItem(ctx.state, ctx.orgUrl, item, fields, withRelations(ctx.url.searchParams.get('$expand'))),
      );
    },
  },
  { method: 'POST', path: 'wit/workitems/$:type', scope: 'project', handle: createWorkItem },
  // The older create verb, still taken alone and the only one `$batch` elements may use.
  { method: 'PATCH', path: 'wit/workitems/$:type', scope: 'project', handle: createWorkItem },
  {
    method: 'PATCH',
    path: 'wit/workitems/:id',
    handle: async (ctx) => {
      requirePatchContentType(ctx);
      const item = getWorkItem(ctx.state, parseId(ctx.params.id));
      const project = projectOf(ctx, item);
      const type = findType(project, String(item.fields['System.WorkItemType']));
      if (!type) throw badRequest('The work item type no longer exists.');
      const changes = applyPatch(item, await ctx.body());
      const before = item.relations ?? [];
      const relations = changes.relations && prepareRelations(ctx.state, item, changes.relations);
      const saved = saveWorkItem(ctx.state, project, type, item, changes.fields, {
        actor: ctx.actor,
        bypassRules: flag(ctx, 'bypassRules'),
        validateOnly: flag(ctx, 'validateOnly'),
        relations,
      });
      if (relations && !flag(ctx, 'validateOnly')) mirrorLinks(ctx.state, ctx.orgUrl, saved, before, ctx.actor);
      return json(renderWorkItem(ctx.state, ctx.orgUrl, saved, undefined, true));
    },
  },
];
