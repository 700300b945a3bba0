import type { Comment, CommentOrigin, RichText } from 'syncbridge';
import {
  ignoreNotFound,
  showsAttachments,
  type AttachmentUrl,
  type CommentWriteOptions,
} from 'syncbridge/connector-kit';
import { z } from 'zod';
import { commentsApiVersion, identityRefSchema, versioned, type AdoClients } from './client.js';
import { userFromAdo } from './fields.js';
import { htmlToRichText, richTextToHtml } from './rich-text.js';

const commentSchema = z.object({
  commentId: z.number(),
  text: z.string().nullish(),
  createdBy: identityRefSchema.nullish(),
  createdDate: z.string(),
});
const commentListSchema = z.object({ comments: z.array(commentSchema), continuationToken: z.string().nullish() });

/**
 * The attribute a copy's stamp is kept in, on a `<div>` wrapping the copy. The comments API
 * has no metadata of its own, so the stamp lives in the HTML, where it shows to nobody:
 * what a person types in the editor is escaped (`&lt;div`), so no typed text produces it.
 */
export const COMMENT_ORIGIN_ATTRIBUTE = 'data-syncbridge-origin';

const stampPattern = new RegExp(`^\\s*<div\\s+${COMMENT_ORIGIN_ATTRIBUTE}="([^"]*)">([\\s\\S]*)</div>\\s*$`, 'i');

/** The HTML of a comment body, wrapped in a stamped `<div>` when it is a copy; images point where `attachmentUrl` says. */
export function commentHtml(body: RichText, origin?: CommentOrigin, attachmentUrl?: AttachmentUrl): string {
  const html = richTextToHtml(body, attachmentUrl);
  if (!origin) return html;
  const value = new URLSearchParams({ system: origin.system, comment: origin.commentId, version: origin.version })
    .toString()
    .replace(/&/g, '&amp;');
  return `<div ${COMMENT_ORIGIN_ATTRIBUTE}="${value}">${html}</div>`;
}

/** A comment's stamp (if its HTML carries one) and its body without the stamp. */
export function readCommentHtml(html: string): { body: RichText; origin?: CommentOrigin } {
  const match = stampPattern.exec(html);
  if (!match) return { body: htmlToRichText(html) };
  const params = new URLSearchParams((match[1] ?? '').replace(/&amp;/g, '&'));
  const [system, commentId, version] = [params.get('system'), params.get('comment'), params.get('version')];
  const body = htmlToRichText(match[2] ?? '');
  return system && commentId && version !== null ? { body, origin: { system, commentId, version } } : { body };
}

function toComment(itemId: string, c: z.infer<typeof commentSchema>): Comment {
  const { body, origin } = readCommentHtml(c.text ?? '');
  return {
    id: String(c.commentId),
    itemId,
    author: c.createdBy ? userFromAdo(c.createdBy) : null,
    createdAt: new Date(c.createdDate).toISOString(),
    body,
    ...(origin ? { origin } : {}),
  };
}

/**
 * Listing, adding, editing and deleting a work item's comments (comments API, preview); images
 * in a comment point at the item's files (`attachmentUrls`, read only for a body that shows one).
 * https://learn.microsoft.com/en-us/rest/api/azure/devops/wit/comments
 */
export function adoComments(
  clients: AdoClients,
  projectOfItem: (id: string) => Promise<string>,
  attachmentUrls: (itemId: string) => Promise<AttachmentUrl>,
) {
  const html = async (itemId: string, body: RichText, options?: CommentWriteOptions) =>
    commentHtml(body, options?.origin, showsAttachments([body]) ? await attachmentUrls(itemId) : undefined);
  const path = async (itemId: string, commentId?: string) =>
    `${encodeURIComponent(await projectOfItem(itemId))}/_apis/wit/workItems/${encodeURIComponent(itemId)}/comments${commentId ? `/${encodeURIComponent(commentId)}` : ''}`;
  return {
    async listComments(itemId: string): Promise<Comment[]> {
      const at = await path(itemId);
      const out: Comment[] = [];
      let token: string | undefined;
      do {
        const page = await clients.org.request(
          versioned(
            { path: at, query: { $top: 200, order: 'asc', continuationToken: token }, schema: commentListSchema },
            commentsApiVersion,
          ),
        );
        out.push(...page.comments.map((c) => toComment(itemId, c)));
        token = page.continuationToken ?? undefined;
      } while (token);
      return out;
    },
    async addComment(itemId: string, body: RichText, options?: CommentWriteOptions): Promise<Comment> {
      const json = { text: await html(itemId, body, options) };
      const c = await clients.org.request(
        versioned(
          { method: 'POST', path: await path(itemId), query: { format: 'html' }, json, schema: commentSchema },
          commentsApiVersion,
        ),
      );
      return toComment(itemId, c);
    },
    async updateComment(
      itemId: string,
      commentId: string,
      body: RichText,
      options?: CommentWriteOptions,
    ): Promise<Comment> {
      const json = { text: await html(itemId, body, options) };
      const c = await clients.org.request(
        versioned(
          {
            method: 'PATCH',
            path: await path(itemId, commentId),
            query: { format: 'html' },
            json,
            schema: commentSchema,
            idempotent: true,
          },
          commentsApiVersion,
        ),
      );
      return toComment(itemId, c);
    },
    async deleteComment(itemId: string, commentId: string): Promise<void> {
      const request = versioned({ method: 'DELETE', path: await path(itemId, commentId) }, commentsApiVersion);
      await ignoreNotFound(clients.org.request(request));
    },
  };
}
