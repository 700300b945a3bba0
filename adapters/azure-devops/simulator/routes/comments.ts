import { z } from 'zod';
import { badRequest, json } from '../errors.js';
import { renderComment } from '../render.js';
import type { Route } from '../router.js';
import { findProject, findType, type SimProject, type SimWorkItemType } from '../state.js';
import { getWorkItem, parseId, saveWorkItem } from '../store.js';

const commentBodySchema = z.object({ text: z.string().min(1) });

/**
 * Work item comments (api-version `7.1-preview.4`): a paged list (`$top`,
 * `continuationToken`, `order`) and adding one. Text is HTML; `format=markdown` is
 * stored as given.
 */
export const commentRoutes: Route[] = [
  {
    method: 'GET', path: 'wit/workitems/:id/comments', scope: 'project', preview: true,
    handle: (ctx) => {
      const item = getWorkItem(ctx.state, parseId(ctx.params.id));
      const top = Math.min(Number(ctx.url.searchParams.get('$top') ?? 200), 200);
      const start = Number(ctx.url.searchParams.get('continuationToken') ?? 0);
      const ordered = ctx.url.searchParams.get('order')?.toLowerCase() === 'asc' ? [...item.comments] : [...item.comments].reverse();
      const page = ordered.slice(start, start + top);
      const more = start + top < ordered.length;
      return json({
        totalCount: item.comments.length,
        count: page.length,
        comments: page.map((c) => renderComment(ctx.state, ctx.orgUrl, item, c)),
        ...(more ? { continuationToken: String(start + top), nextPage: `${ctx.url.origin}${ctx.url.pathname}?continuationToken=${start + top}` } : {}),
        url: `${ctx.orgUrl}/_apis/wit/workItems/${item.id}/comments`,
      });
    },
  },
  {
    method: 'POST', path: 'wit/workitems/:id/comments', scope: 'project', preview: true,
    handle: async (ctx) => {
      const item = getWorkItem(ctx.state, parseId(ctx.params.id));
      const parsed = commentBodySchema.safeParse(await ctx.body());
      if (!parsed.success) throw badRequest('VS403463: The comment text must not be empty.', 'WorkItemCommentTextEmptyException');
      // The service records a comment as a revision (History, CommentCount, ChangedDate and ChangedBy move), as a System.History edit does.
      const project = findProject(ctx.state, String(item.fields['System.TeamProject'])) as SimProject;
      const type = findType(project, String(item.fields['System.WorkItemType'])) as SimWorkItemType;
      saveWorkItem(ctx.state, project, type, item, { 'System.History': parsed.data.text }, { actor: ctx.actor });
      return json(renderComment(ctx.state, ctx.orgUrl, item, item.comments.at(-1)!));
    },
  },
];
