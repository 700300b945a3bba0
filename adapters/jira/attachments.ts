import { RemoteError, SyncbridgeError } from 'syncbridge';
import {
  compareLinkIds,
  ignoreNotFound,
  PromiseCache,
  type Attachment,
  type AttachmentUpload,
  type ConnectorAttachments,
} from 'syncbridge/connector-kit';
import { z } from 'zod';
import type { JiraClient } from './client.js';
import { toUtcIso, userRef } from './fields.js';
import { multipartFile } from './multipart.js';
import { attachmentUrls, pointAdfPicturesAtFiles } from './rich-text.js';
import {
  attachmentSchema,
  attachmentSettingsSchema,
  issueSchema,
  type JiraAttachment,
  type JiraIssue,
} from './schemas.js';

function toAttachment(a: JiraAttachment): Attachment {
  return {
    id: a.id,
    name: a.filename,
    size: a.size,
    mimeType: a.mimeType || 'application/octet-stream',
    createdAt: toUtcIso(a.created),
    author: userRef(a.author),
    url: a.content,
  };
}

function tooLarge(system: string, file: AttachmentUpload, limit: number | undefined, cause?: unknown): SyncbridgeError {
  const over =
    limit === undefined ? "over the site's attachment limit" : `over the site's attachment limit of ${limit} bytes`;
  return new SyncbridgeError('ATTACHMENT_TOO_LARGE', `${system}: ${file.name} is ${file.size} bytes, ${over}`, {
    system,
    details: { file: file.name, size: file.size, limit },
    ...(cause ? { cause } : {}),
  });
}

/**
 * Issue attachments. Jira keeps no place for a stamp on a file, so copies are found by name, size
 * and author (`attachmentStamps: false`). The site's settings (`attachment/meta`: enabled, upload
 * limit) are read once per connector. Content is streamed both ways, never held whole.
 * @see https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-attachments/
 */
export function jiraAttachments(client: JiraClient, system: string, baseUrl: string): ConnectorAttachments {
  const { http } = client;
  const site = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const cache = new PromiseCache<'meta', z.infer<typeof attachmentSettingsSchema>>();
  const settings = () =>
    cache.get('meta', () => http.request({ path: client.api('attachment/meta'), schema: attachmentSettingsSchema }));
  const issuePath = (itemId: string) => `issue/${encodeURIComponent(itemId)}`;
  const readIssue = (itemId: string, fields: string[]) =>
    http.request({ path: client.api(issuePath(itemId)), query: { fields: fields.join(',') }, schema: issueSchema });
  /** The files of an issue read with its `attachment` field, oldest first. */
  const filesOf = (issue: JiraIssue): Attachment[] => {
    const parsed = z.array(attachmentSchema).nullish().safeParse(issue.fields.attachment);
    if (!parsed.success)
      throw new SyncbridgeError(
        'PROTOCOL',
        `${system}: the attachments of ${issue.key} could not be read: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
        { system },
      );
    return (parsed.data ?? [])
      .map(toAttachment)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || compareLinkIds(a.id, b.id));
  };

  return {
    /** Undefined where attachments are disabled: uploads then fail with `UNSUPPORTED`, which says why. */
    async maxBytes() {
      const s = await settings();
      return s.enabled ? s.uploadLimit : undefined;
    },

    /** From the issue's `attachment` field (one call); Jira lists it oldest first, sorted again to be sure. */
    async list(itemId) {
      return filesOf(await readIssue(itemId, ['attachment']));
    },

    /**
     * Cloud: the content operation with `redirect=false`, so Jira answers the content itself
     * instead of a redirect to it (one request, not two). Data Center has no content operation:
     * the file's own address is read, and only when it is on the site (credentials go nowhere else).
     */
    async download(_itemId, attachment) {
      const cloud = client.version === '3';
      const onSite = !cloud && attachment.url.startsWith(site) ? attachment.url.slice(site.length) : undefined;
      const answer = await http.download({
        path: onSite ?? client.api(`attachment/content/${encodeURIComponent(attachment.id)}`),
        ...(cloud ? { query: { redirect: false } } : {}),
      });
      return answer.body;
    },

    /**
     * One `multipart/form-data` POST with the file in the field `file` (Jira's XSRF check wants
     * `X-Atlassian-Token: no-check`, which the client sends with every request). A file over the
     * limit fails before anything is sent; Jira's own 413 gives the same error.
     */
    async upload(itemId, file) {
      const s = await settings();
      if (!s.enabled)
        throw new SyncbridgeError('UNSUPPORTED', `${system}: attachments are disabled on this Jira site`, { system });
      if (s.uploadLimit !== undefined && file.size > s.uploadLimit) throw tooLarge(system, file, s.uploadLimit);
      let answer: JiraAttachment[];
      try {
        answer = await http.request({
          method: 'POST',
          path: client.api(`${issuePath(itemId)}/attachments`),
          body: multipartFile('file', file),
          schema: z.array(attachmentSchema),
          idempotent: false,
        });
      } catch (error) {
        if (error instanceof RemoteError && error.status === 413) throw tooLarge(system, file, s.uploadLimit, error);
        throw error;
      }
      const uploaded = answer.find((a) => a.filename === file.name) ?? answer[0];
      if (!uploaded)
        throw new SyncbridgeError('PROTOCOL', `${system}: the upload of ${file.name} answered no attachment`, {
          system,
        });
      return toAttachment(uploaded);
    },

    async remove(_itemId, attachmentId) {
      await ignoreNotFound(
        http.request({ method: 'DELETE', path: client.api(`attachment/${encodeURIComponent(attachmentId)}`) }),
      );
    },

    // Data Center's wiki markup names files itself: only Cloud's ADF points at them.
    ...(client.version === '3'
      ? {
          /** Rewrites the address of each external media at no file whose `alt` names a file of the issue (one read, one edit when anything changed). */
          async pointPictures(itemId: string, fields: string[]) {
            const issue = await readIssue(itemId, [...fields, 'attachment']);
            const urls = attachmentUrls(filesOf(issue));
            const changed = Object.fromEntries(
              fields.flatMap((f) => {
                const pointed = pointAdfPicturesAtFiles(issue.fields[f], urls);
                return pointed === issue.fields[f] ? [] : [[f, pointed]];
              }),
            );
            if (Object.keys(changed).length > 0)
              await http.request({ method: 'PUT', path: client.api(issuePath(itemId)), json: { fields: changed } });
          },
        }
      : {}),
  };
}
