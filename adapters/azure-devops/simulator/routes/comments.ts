import { z } from 'zod';
import { AdoSimError, badRequest, json } from '../errors.js';
import { renderComment } from '../render.js';
import type { Route } from '../router.js';
import {
  findProject,
  findType,
  type SimComment,
  type SimProject,
  type SimWorkItem,
  type SimWorkItemType,
} from '../state.js';
import { getWorkItem, parseId, saveWorkItem } from '../store.js';

const commentBodySchema = z.object({ text: z.string().min(1) });

/** A comment of an item by id; a deleted one only when asked for, as the service answers 404 otherwise. */
function findComment(item: SimWorkItem, rawId: string | undefined, withDeleted = false): SimComment {
  const commentId = parseId(rawId ?? '', 'comment id');
  const comment = item.comments.find((c) => c.id === commentId && (withDeleted || !c.isDeleted));
  if (!comment)
    throw new AdoSimError(
      404,
      `Comment ${commentId} does not exist on work item ${item.id}, or was deleted.`,
      'WorkItemCommentNotFoundException',
    );
  return comment;
}

/**
 * Work item comments (api-version `7.1-preview.4`): a paged list (`$top`,
 * `continuationToken`, `order`, `includeDeleted`), reading, adding, editing (a new comment
 * `version`) and deleting one (the comment stays, marked `isDeleted`, and leaves the default
 * list). Text is HTML, stored as given; `format=markdown` too.
 */
export const commentRoutes: Route[] = [
  {
    method: 'GET',
    path: 'wit/workitems/:id/comments',
    scope: 'project',
    preview: true,
    handle: (ctx) => {
      const item = getWorkItem(ctx.state, parseId(ctx.params.id));
      const top = Math.min(Number(ctx.url.searchParams.get('$top') ?? 200), 200);
      const start = Number(ctx.url.searchParams.get('continuationToken') ?? 0);
      const listed =
        ctx.url.searchParams.get('includeDeleted')?.toLowerCase() === 'true'
          ? item.comments
          : item.comments.filter((c) => !c.isDeleted);
      const ordered = ctx.url.searchParams.get('order')?.toLowerCase() === 'asc' ? [...listed] : [...listed].reverse();
      const page = ordered.slice(start, start + top);
      const more = start + top < ordered.length;
      return json({
        totalCount: listed.length,
        count: page.length,
        comments: page.map((c) => renderComment(ctx.state, ctx.orgUrl, item, c)),
        ...(more
          ? {
              continuationToken: String(start + top),
              nextPage: `${ctx.url.origin}${ctx.url.pathname}?continuationToken=${start + top}`,
            }
          : {}),
        url: `${ctx.orgUrl}/_apis/wit/workItems/${item.id}/comments`,
      });
    },
  },
  {
    method: 'POST',
    path: 'wit/workitems/:id/comments',
    scope: 'project',
    preview: true,
    handle: async (ctx) => {
      const item = getWorkItem(ctx.state, parseId(ctx.params.id));
      const parsed = commentBodySchema.safeParse(await ctx.body());
      if (!parsed.success)
        throw badRequest('VS403463: The comment text must not be empty.', 'WorkItemCommentTextEmptyException');
      // The service records a comment as a revision (History, CommentCount, ChangedDate and ChangedBy move), as a System.History edit does.
      const project = findProject(ctx.state, String(item.fields['System.TeamProject'])) as SimProject;
      const type = findType(project, String(item.fields['System.WorkItemType'])) as SimWorkItemType;
      saveWorkItem(ctx.state, project, type, item, { 'System.History': parsed.data.text }, { actor: ctx.actor });
      return json(renderComment(ctx.state, ctx.orgUrl, item, item.comments.at(-1)!));
    },
  },
  {
    // https://learn.microsoft.com/en-us/rest/api/azure/devops/wit/comments/get-comment
    method: 'GET',
    path: 'wit/workitems/:id/comments/:commentId',
    scope: 'project',
    preview: true,
    handle: (ctx) => {
      const item = getWorkItem(ctx.state, parseId(ctx.params.id));
      const withDeleted = ctx.url.searchParams.get('includeDeleted')?.toLowerCase() === 'true';
      return json(renderComment(ctx.state, ctx.orgUrl, item, findComment(item, ctx.params.commentId, withDeleted)));
    },
  },
  {
    // https://learn.microsoft.com/en-us/rest/api/azure/devops/wit/comments/update-comment
    // An edit moves the comment's version and modified stamp; the work item keeps its revision.
    method: 'PATCH',
    path: 'wit/workitems/:id/comments/:commentId',
    scope: 'project',
    preview: true,
    handle: async (ctx) => {
      const item = getWorkItem(ctx.state, parseId(ctx.params.id));
      const comment = findComment(item, ctx.params.commentId);
      const parsed = commentBodySchema.safeParse(await ctx.body());
      if (!parsed.success)
        throw badRequest('VS403463: The comment text must not be empty.', 'WorkItemCommentTextEmptyException');
      comment.text = parsed.data.text;
      comment.version += 1;
      comment.modifiedBy = ctx.actor.uniqueName;
      comment.modifiedDate = ctx.state.now().toISOString();
      return json(renderComment(ctx.state, ctx.orgUrl, item, comment));
    },
  },
  {
    // https://learn.microsoft.com/en-us/rest/api/azure/devops/wit/comments/delete
    method: 'DELETE',
    path: 'wit/workitems/:id/comments/:commentId',
    scope: 'project',
    preview: true,
    handle: (ctx) => {
      const item = getWorkItem(ctx.state, parseId(ctx.params.id));
      const comment = findComment(item, ctx.params.commentId);
      comment.isDeleted = true;
      comment.modifiedBy = ctx.actor.uniqueName;
      comment.modifiedDate = ctx.state.now().toISOString();
      item.fields['System.CommentCount'] = item.comments.filter((c) => !c.isDeleted).length;
      // The description declares 200 with no body.
      return new Response(null, { status: 200 });
    },
  },
];
