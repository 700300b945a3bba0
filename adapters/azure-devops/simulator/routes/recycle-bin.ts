import { AdoSimError, json, workItemNotFound } from '../errors.js';
import { renderDeleted } from '../render.js';
import type { Route, RouteContext } from '../router.js';
import type { AdoSimState, SimDeletedWorkItem, SimIdentity } from '../state.js';
import { getWorkItem, parseId } from '../store.js';

/** The service's 404 for an id that is not in the recycle bin. */
function notInRecycleBin(id: number): AdoSimError {
  return new AdoSimError(
    404,
    `Work item ${id} does not exist in the recycle bin, or you do not have permissions to read it.`,
    'WorkItemNotFoundException',
  );
}

function deletedItem(ctx: RouteContext): SimDeletedWorkItem {
  const id = parseId(ctx.params.id);
  const deleted = ctx.state.recycleBin.get(id);
  if (!deleted || (ctx.project && deleted.item.fields['System.TeamProject'] !== ctx.project.name))
    throw notInRecycleBin(id);
  return deleted;
}

/** Moves a work item to the recycle bin: from then on reads, WIQL and batches no longer see it. */
export function recycleWorkItem(state: AdoSimState, id: number, actor: SimIdentity): SimDeletedWorkItem {
  const item = getWorkItem(state, id);
  const deleted = {
    item,
    deletedBy: `${actor.displayName} <${actor.uniqueName}>`,
    deletedDate: state.now().toISOString(),
  };
  state.workItems.delete(id);
  state.recycleBin.set(id, deleted);
  return deleted;
}

/**
 * Deletes and the recycle bin:
 * `DELETE {project}/_apis/wit/workitems/{id}` moves a work item to the recycle bin and answers
 * its `WorkItemDelete`; with `destroy=true` it is gone for good and the answer is 204.
 * `GET wit/recyclebin` lists what the bin holds, `GET wit/recyclebin/{id}` reads one,
 * `PATCH wit/recyclebin/{id}` with `{"isDeleted": false}` restores it, `DELETE` destroys it.
 * https://learn.microsoft.com/en-us/rest/api/azure/devops/wit/work-items/delete
 * https://learn.microsoft.com/en-us/rest/api/azure/devops/wit/recycle-bin
 */
export const recycleBinRoutes: Route[] = [
  {
    method: 'DELETE',
    path: 'wit/workitems/:id',
    handle: (ctx) => {
      const id = parseId(ctx.params.id);
      const item = getWorkItem(ctx.state, id);
      if (ctx.project && item.fields['System.TeamProject'] !== ctx.project.name) throw workItemNotFound(id);
      if (ctx.url.searchParams.get('destroy')?.toLowerCase() === 'true') {
        ctx.state.workItems.delete(id);
        return new Response(null, { status: 204 });
      }
      return json(renderDeleted(ctx.state, ctx.orgUrl, recycleWorkItem(ctx.state, id, ctx.actor)));
    },
  },
  {
    method: 'GET',
    path: 'wit/recyclebin',
    scope: 'project',
    handle: (ctx) => {
      const value = [...ctx.state.recycleBin.values()]
        .filter((d) => d.item.fields['System.TeamProject'] === ctx.project?.name)
        .map((d) => ({ id: d.item.id, url: `${ctx.orgUrl}/_apis/wit/recycleBin/${d.item.id}` }));
      return json({ count: value.length, value });
    },
  },
  {
    method: 'GET',
    path: 'wit/recyclebin/:id',
    scope: 'project',
    handle: (ctx) => json(renderDeleted(ctx.state, ctx.orgUrl, deletedItem(ctx))),
  },
  {
    method: 'PATCH',
    path: 'wit/recyclebin/:id',
    scope: 'project',
    handle: async (ctx) => {
      const deleted = deletedItem(ctx);
      const body = (await ctx.body()) as { isDeleted?: unknown } | null;
      if (body?.isDeleted !== false)
        throw new AdoSimError(400, 'Only {"isDeleted": false} (a restore) is accepted.', 'VssServiceException');
      ctx.state.recycleBin.delete(deleted.item.id);
      ctx.state.workItems.set(deleted.item.id, deleted.item);
      return json(renderDeleted(ctx.state, ctx.orgUrl, deleted));
    },
  },
  {
    method: 'DELETE',
    path: 'wit/recyclebin/:id',
    scope: 'project',
    handle: (ctx) => {
      ctx.state.recycleBin.delete(deletedItem(ctx).item.id);
      // The description declares 200 with no body.
      return new Response(null, { status: 200 });
    },
  },
];
