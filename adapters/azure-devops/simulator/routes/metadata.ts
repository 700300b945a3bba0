import { AdoSimError, json } from '../errors.js';
import type { Route, RouteContext } from '../router.js';
import { findField, findType, type SimField, type SimProject, type SimWorkItemType } from '../state.js';

function typeOf(ctx: RouteContext): { project: SimProject; type: SimWorkItemType } {
  const project = ctx.project as SimProject;
  const type = findType(project, ctx.params.type as string);
  if (!type)
    throw new AdoSimError(
      404,
      `VS402323: Work item type ${ctx.params.type ?? ''} does not exist in project ${project.name} or you do not have permission to access it.`,
      'WorkItemTypeNotFoundException',
    );
  return { project, type };
}

function fieldJson(ctx: RouteContext, field: SimField): Record<string, unknown> {
  return {
    name: field.name,
    referenceName: field.referenceName,
    type: field.type,
    readOnly: field.readOnly,
    isIdentity: field.type === 'identity',
    isPicklist: false,
    canSortBy: field.type !== 'html' && field.type !== 'history',
    isQueryable: true,
    url: `${ctx.orgUrl}/_apis/wit/fields/${field.referenceName}`,
  };
}

function typeJson(ctx: RouteContext, type: SimWorkItemType): Record<string, unknown> {
  return {
    name: type.name,
    referenceName: type.referenceName,
    description: `${type.name} work item type`,
    color: 'CC293D',
    isDisabled: false,
    states: type.states,
    fields: type.fields.map((f) => ({
      referenceName: f.referenceName,
      name: findField(ctx.state, f.referenceName)?.name,
      alwaysRequired: f.alwaysRequired,
    })),
    url: `${ctx.orgUrl}/${ctx.project?.id ?? ''}/_apis/wit/workItemTypes/${encodeURIComponent(type.name)}`,
  };
}

function node(
  ctx: RouteContext,
  path: string,
  structureType: 'area' | 'iteration',
  all: string[],
  id: { next: number },
): Record<string, unknown> {
  const children = all.filter((p) => p.startsWith(`${path}\\`) && !p.slice(path.length + 1).includes('\\'));
  const name = path.split('\\').at(-1) as string;
  return {
    id: id.next++,
    name,
    structureType,
    hasChildren: children.length > 0,
    path: `\\${ctx.project?.name ?? ''}\\${structureType === 'area' ? 'Area' : 'Iteration'}${path.includes('\\') ? `\\${path.slice(path.indexOf('\\') + 1)}` : ''}`,
    ...(children.length ? { children: children.map((c) => node(ctx, c, structureType, all, id)) } : {}),
  };
}

/** Project metadata: work item types, their fields and states, fields, classification nodes. */
export const metadataRoutes: Route[] = [
  {
    method: 'GET',
    path: 'wit/workitemtypes',
    scope: 'project',
    handle: (ctx) => json({ count: ctx.project?.types.length, value: ctx.project?.types.map((t) => typeJson(ctx, t)) }),
  },
  {
    method: 'GET',
    path: 'wit/workitemtypes/:type',
    scope: 'project',
    handle: (ctx) => json(typeJson(ctx, typeOf(ctx).type)),
  },
  {
    method: 'GET',
    path: 'wit/workitemtypes/:type/fields',
    scope: 'project',
    handle: (ctx) => {
      const { type } = typeOf(ctx);
      const expand = (ctx.url.searchParams.get('$expand') ?? '').toLowerCase();
      const value = type.fields.map(({ referenceName, alwaysRequired }) => {
        const field = findField(ctx.state, referenceName) as SimField;
        const allowed =
          referenceName === 'System.State' ? type.states.map((s) => s.name) : field.allowedValues?.map(String);
        return {
          alwaysRequired,
          defaultValue: null,
          referenceName,
          name: field.name,
          ...(expand.includes('allowedvalues') ? { allowedValues: allowed ?? [] } : {}),
          url: `${ctx.orgUrl}/_apis/wit/fields/${referenceName}`,
        };
      });
      return json({ count: value.length, value });
    },
  },
  {
    method: 'GET',
    path: 'wit/workitemtypes/:type/states',
    scope: 'project',
    handle: (ctx) => {
      const { type } = typeOf(ctx);
      return json({ count: type.states.length, value: type.states });
    },
  },
  {
    method: 'GET',
    path: 'wit/fields',
    handle: (ctx) =>
      json({ count: ctx.state.fields.size, value: [...ctx.state.fields.values()].map((f) => fieldJson(ctx, f)) }),
  },
  {
    method: 'GET',
    path: 'wit/fields/:name',
    handle: (ctx) => {
      const field = findField(ctx.state, ctx.params.name as string);
      if (!field)
        throw new AdoSimError(
          404,
          `TF51535: Cannot find field ${ctx.params.name ?? ''}.`,
          'WorkItemTrackingFieldDefinitionNotFoundException',
        );
      return json(fieldJson(ctx, field));
    },
  },
  {
    method: 'GET',
    path: 'wit/classificationnodes',
    scope: 'project',
    handle: (ctx) => {
      const project = ctx.project as SimProject;
      const id = { next: 1 };
      const value = [
        node(ctx, project.name, 'area', project.areas, id),
        node(ctx, project.name, 'iteration', project.iterations, id),
      ];
      return json({ count: value.length, value });
    },
  },
  {
    // The project's tags, as the tag picker lists them. https://learn.microsoft.com/en-us/rest/api/azure/devops/wit/tags/list
    method: 'GET',
    path: 'wit/tags',
    scope: 'project',
    handle: (ctx) => {
      const names = [...(ctx.project?.tagNames.values() ?? [])].sort((a, b) => a.localeCompare(b));
      return json({
        count: names.length,
        value: names.map((name) => ({
          id: name.toLowerCase(),
          name,
          url: `${ctx.orgUrl}/_apis/wit/tags/${encodeURIComponent(name)}`,
        })),
      });
    },
  },
];
