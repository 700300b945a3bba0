import { randomUUID } from 'node:crypto';
import { AdoSimError, badRequest, json } from '../errors.js';
import type { Route } from '../router.js';
import type { AdoSimState } from '../state.js';

/** One uploaded file: its name, bytes (kept as received, never copied) and upload time. */
export interface SimAttachmentFile {
  id: string;
  fileName: string;
  bytes: Uint8Array<ArrayBuffer>;
  uploadedDate: string;
}

/** The organization's uploaded files, by id (kept beside the state, created on first upload). */
const stores = new WeakMap<AdoSimState, Map<string, SimAttachmentFile>>();

/** The uploaded files of an organization. */
export function attachmentFiles(state: AdoSimState): Map<string, SimAttachmentFile> {
  let files = stores.get(state);
  if (!files) {
    files = new Map();
    stores.set(state, files);
  }
  return files;
}

/** The attachment an `AttachedFile` relation's URL points at, if it was uploaded here. */
export function attachmentOfUrl(state: AdoSimState, url: string): SimAttachmentFile | undefined {
  const id = /\/_apis\/wit\/attachments\/([0-9a-f-]{36})(?:[?#]|$)/i.exec(url)?.[1];
  return id ? attachmentFiles(state).get(id.toLowerCase()) : undefined;
}

const contentDisposition = (kind: string, name: string) =>
  `${kind}; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;

/**
 * Attachments: the simple upload (`POST wit/attachments?fileName=`, the raw bytes as
 * `application/octet-stream`, answered 201 `{id, url}`) and the download. An upload attaches
 * nothing by itself: a JSON-Patch `add /relations/-` with `rel: AttachedFile` and the url does.
 * Chunked uploads are not simulated (400).
 * https://learn.microsoft.com/en-us/rest/api/azure/devops/wit/attachments
 */
export const attachmentRoutes: Route[] = [
  {
    method: 'POST',
    path: 'wit/attachments',
    handle: async (ctx) => {
      const fileName = ctx.url.searchParams.get('fileName');
      if (ctx.url.searchParams.get('uploadType')?.toLowerCase() === 'chunked')
        throw badRequest('Chunked attachment uploads are not simulated; send the file in one request.');
      if (!fileName) throw badRequest('VS403536: The fileName parameter is required.');
      const bytes = new Uint8Array(await ctx.request.arrayBuffer());
      const limit = ctx.state.limits.attachmentMaxBytes ?? 60 * 1024 * 1024;
      if (bytes.byteLength > limit)
        throw new AdoSimError(
          400,
          `TF237082: The file you are trying to upload exceeds the supported file upload size (${(limit / 1048576).toFixed(3)} MB(s)). Instead of uploading the file, add the file to version control or to the team project web site, and then link the file to the work item.`,
          'AttachmentSizeExceededException',
        );
      const file = { id: randomUUID(), fileName, bytes, uploadedDate: ctx.state.now().toISOString() };
      attachmentFiles(ctx.state).set(file.id, file);
      return json(
        { id: file.id, url: `${ctx.orgUrl}/_apis/wit/attachments/${file.id}?fileName=${encodeURIComponent(fileName)}` },
        201,
      );
    },
  },
  {
    method: 'GET',
    path: 'wit/attachments/:id',
    // The address an upload answers, and rich text shows a picture at, is fetched as it is (no api-version).
    unversioned: true,
    handle: (ctx) => {
      const file = attachmentFiles(ctx.state).get((ctx.params.id ?? '').toLowerCase());
      if (!file)
        throw new AdoSimError(
          404,
          `TF401349: The attachment ${ctx.params.id ?? ''} does not exist or you do not have permission to read it.`,
          'AttachmentNotFoundException',
        );
      const name = ctx.url.searchParams.get('fileName') ?? file.fileName;
      return new Response(file.bytes, {
        headers: {
          'content-type': 'application/octet-stream',
          'content-length': String(file.bytes.byteLength),
          'content-disposition': contentDisposition(
            ctx.url.searchParams.get('download') === 'true' ? 'attachment' : 'inline',
            name,
          ),
        },
      });
    },
  },
];
