import { z } from 'zod';
import { commentOriginSchema, type Comment, type CommentOrigin, type RichText } from 'syncbridge';
import {
  ignoreNotFound,
  showsAttachments,
  type AttachmentUrl,
  type CommentWriteOptions,
} from 'syncbridge/connector-kit';
import type { JiraClient } from './client.js';
import { toUtcIso, userRef } from './fields.js';
import { adfToRichText, richTextToAdf } from './rich-text.js';
import { commentPageSchema, commentSchema } from './schemas.js';
import { richTextToWiki, wikiToRichText } from './wiki-markup.js';

/**
 * The comment property a copy's stamp is kept in. A property is invisible in Jira's UI and
 * no person writes one by typing; it comes back with `expand=properties`.
 * https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-comment-properties/
 */
export const COMMENT_ORIGIN_PROPERTY = 'syncbridge.origin';

const propertiesSchema = z.array(z.object({ key: z.string(), value: z.unknown() })).optional();

function toComment(itemId: string, c: z.infer<typeof commentSchema>): Comment {
  const stamp = propertiesSchema.safeParse(c.properties).data?.find((p) => p.key === COMMENT_ORIGIN_PROPERTY);
  const origin = stamp ? commentOriginSchema.safeParse(stamp.value).data : undefined;
  return {
    id: c.id,
    itemId,
    author: userRef(c.author),
    createdAt: toUtcIso(c.created),
    body: typeof c.body === 'string' ? wikiToRichText(c.body) : adfToRichText(c.body),
    ...(origin ? { origin } : {}),
  };
}

/**
 * Listing, adding, editing and deleting an issue's comments, with copies' stamps kept as comment
 * properties; images in a comment point at the issue's files (`attachmentUrls`, read only for a body that shows one).
 */
export function jiraComments(client: JiraClient, attachmentUrls: (issueId: string) => Promise<AttachmentUrl>) {
  const { http } = client;
  /** A comment body as the API version takes it (Data Center v2: wiki markup; Cloud v3: ADF), with the stamp as an inline property. */
  const commentJson = async (
    itemId: string,
    body: RichText,
    origin: CommentOrigin | undefined,
  ): Promise<Record<string, unknown>> => ({
    body:
      client.version === '2'
        ? richTextToWiki(body)
        : richTextToAdf(body, showsAttachments([body]) ? await attachmentUrls(itemId) : undefined),
    ...(origin ? { properties: [{ key: COMMENT_ORIGIN_PROPERTY, value: origin }] } : {}),
  });
  const path = (itemId: string, commentId?: string) =>
    client.api(`issue/${encodeURIComponent(itemId)}/comment${commentId ? `/${encodeURIComponent(commentId)}` : ''}`);
  return {
    async listComments(itemId: string): Promise<Comment[]> {
      const out: Comment[] = [];
      for (let startAt = 0; ; ) {
        const page = await http.request({
          path: path(itemId),
          query: { startAt, maxResults: 100, orderBy: 'created', expand: 'properties' },
          schema: commentPageSchema,
        });
        out.push(...page.comments.map((c) => toComment(itemId, c)));
        startAt += page.comments.length;
        if (page.comments.length === 0 || startAt >= page.total) return out;
      }
    },
    async addComment(itemId: string, body: RichText, options?: CommentWriteOptions): Promise<Comment> {
      const json = await commentJson(itemId, body, options?.origin);
      const created = await http.request({
        method: 'POST',
        path: path(itemId),
        query: { expand: 'properties' },
        json,
        schema: commentSchema,
        idempotent: false,
      });
      return toComment(itemId, created);
    },
    async updateComment(
      itemId: string,
      commentId: string,
      body: RichText,
      options?: CommentWriteOptions,
    ): Promise<Comment> {
      // notifyUsers=false: a copy following its source is not news to watchers (the source's edit already was).
      const json = await commentJson(itemId, body, options?.origin);
      const updated = await http.request({
        method: 'PUT',
        path: path(itemId, commentId),
        query: { expand: 'properties', notifyUsers: false },
        json,
        schema: commentSchema,
      });
      return toComment(itemId, updated);
    },
    async deleteComment(itemId: string, commentId: string): Promise<void> {
      await ignoreNotFound(http.request({ method: 'DELETE', path: path(itemId, commentId) }));
    },
  };
}
