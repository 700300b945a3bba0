import { fail, json, noContent, type Route, type RouteContext } from '../http.js';
import type { SimAttachment } from '../attachments.js';
import { renderAttachment, renderAttachmentMetadata } from '../render-links.js';

/** Jira takes at most this many files in one upload (413 above). */
const maxFilesPerUpload = 60;

const types: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  svg: 'image/svg+xml',
  txt: 'text/plain',
  log: 'text/plain',
  json: 'application/json',
  pdf: 'application/pdf',
  zip: 'application/zip',
};

/** The MIME type Jira stores: the part's own type, else one known for the file name's extension. */
function mimeTypeOf(file: File): string {
  const given = file.type.split(';')[0]?.trim();
  if (given) return given;
  return types[file.name.split('.').pop()?.toLowerCase() ?? ''] ?? 'application/octet-stream';
}

const missing = (id: string | undefined): never =>
  fail(404, [`The attachment with id '${id}' does not exist or you do not have permission to see it.`]);

/** An attachment whose issue still exists (a deleted issue takes its files along). */
function attachmentOf(ctx: RouteContext): SimAttachment {
  const id = ctx.params[0];
  if (!ctx.state.attachments.enabled) return fail(404, ['Attachments are disabled.']);
  const attachment = ctx.state.attachments.get(id ?? '');
  return attachment && ctx.state.issues.has(attachment.issueId) ? attachment : missing(id);
}

/** `Content-Disposition` with the name in RFC 5987 form, so any name survives. */
const disposition = (name: string) =>
  `attachment; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;

/** The bytes of an attachment, whole or the one range asked for (206; 416 past the end). */
function content(ctx: RouteContext, a: SimAttachment): Response {
  const size = a.bytes.byteLength;
  const headers: Record<string, string> = {
    'content-type': a.mimeType,
    'content-disposition': disposition(a.filename),
    'accept-ranges': 'bytes',
  };
  const range = ctx.request.headers.get('range');
  if (range === null) return new Response(a.bytes, { headers: { ...headers, 'content-length': String(size) } });
  const match = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
  if (!match || (match[1] === '' && match[2] === '')) return fail(400, [`The range '${range}' is malformed.`]);
  let start: number;
  let end: number;
  if (match[1] === '') {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start >= size || start > end)
    return new Response(null, { status: 416, headers: { 'content-range': `bytes */${size}` } });
  // subarray shares the stored bytes: nothing is copied.
  return new Response(a.bytes.subarray(start, end + 1), {
    status: 206,
    headers: {
      ...headers,
      'content-length': String(end - start + 1),
      'content-range': `bytes ${start}-${end}/${size}`,
    },
  });
}

/**
 * Attachments: multipart upload to an issue (field `file`, repeated for several files; only with
 * `X-Atlassian-Token: no-check`, else the XSRF check refuses it), metadata, content (a 303 to
 * the download unless `redirect=false`; `Range` answered with 206), delete and the site's
 * settings. Adding or deleting a file writes an `Attachment` changelog item and moves `updated`.
 * https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-attachments/
 */
export const attachmentRoutes: Route[] = [
  {
    method: 'POST',
    path: /^issue\/([^/]+)\/attachments$/,
    handle: async (ctx) => {
      const token = ctx.request.headers.get('x-atlassian-token')?.toLowerCase();
      if (token !== 'no-check' && token !== 'nocheck')
        return new Response('XSRF check failed', {
          status: 403,
          headers: { 'content-type': 'text/plain;charset=UTF-8' },
        });
      const issue =
        ctx.state.issue(decodeURIComponent(ctx.params[0] ?? '')) ??
        fail(404, ['Issue does not exist or you do not have permission to see it.']);
      const store = ctx.state.attachments;
      if (!store.enabled) fail(403, ['Attachments are disabled.']);
      if (!ctx.request.headers.get('content-type')?.toLowerCase().startsWith('multipart/form-data'))
        return new Response(null, { status: 415 });
      let form: FormData;
      try {
        form = await ctx.request.formData();
      } catch {
        return fail(400, ['The multipart request could not be read.']);
      }
      const files = form.getAll('file').filter((f): f is File => typeof f !== 'string');
      if (files.length === 0) fail(400, ["No file was sent in the form field 'file'."]);
      if (files.length > maxFilesPerUpload)
        fail(413, [`You can upload at most ${maxFilesPerUpload} files in one request.`]);
      for (const file of files)
        if (file.size > store.uploadLimit)
          fail(413, [`The field file exceeds its maximum permitted size of ${store.uploadLimit} bytes.`]);
      const added: SimAttachment[] = [];
      for (const file of files) {
        const at = ctx.state.now();
        const attachment = store.add({
          issueId: issue.id,
          filename: file.name,
          mimeType: mimeTypeOf(file),
          author: ctx.user.accountId,
          created: at,
          bytes: new Uint8Array(await file.arrayBuffer()),
        });
        ctx.state.recordChange(
          issue,
          ctx.user.accountId,
          [
            {
              field: 'Attachment',
              fieldtype: 'jira',
              fieldId: 'attachment',
              from: null,
              fromString: null,
              to: attachment.id,
              toString: attachment.filename,
            },
          ],
          at,
        );
        added.push(attachment);
      }
      return json(added.map((a) => renderAttachment(ctx.render, a)));
    },
  },
  {
    method: 'GET',
    path: /^attachment\/meta$/,
    handle: (ctx) => json({ enabled: ctx.state.attachments.enabled, uploadLimit: ctx.state.attachments.uploadLimit }),
  },
  {
    method: 'GET',
    path: /^attachment\/content\/([^/]+)$/,
    handle: (ctx) => {
      const attachment = attachmentOf(ctx);
      if (ctx.url.searchParams.get('redirect') !== 'false') {
        const location = new URL(ctx.url);
        location.searchParams.set('redirect', 'false');
        return new Response(null, { status: 303, headers: { location: location.href } });
      }
      return content(ctx, attachment);
    },
  },
  {
    method: 'GET',
    path: /^attachment\/([^/]+)$/,
    handle: (ctx) => json(renderAttachmentMetadata(ctx.render, attachmentOf(ctx))),
  },
  {
    method: 'DELETE',
    path: /^attachment\/([^/]+)$/,
    handle: (ctx) => {
      const attachment = attachmentOf(ctx);
      const issue = ctx.state.issues.get(attachment.issueId);
      ctx.state.attachments.remove(attachment.id);
      if (issue)
        ctx.state.recordChange(issue, ctx.user.accountId, [
          {
            field: 'Attachment',
            fieldtype: 'jira',
            fieldId: 'attachment',
            from: attachment.id,
            fromString: attachment.filename,
            to: null,
            toString: null,
          },
        ]);
      return noContent();
    },
  },
];
