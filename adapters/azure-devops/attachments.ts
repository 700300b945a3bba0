import { RemoteError, SyncbridgeError, isSyncbridgeError } from 'syncbridge';
import {
  compareLinkIds,
  ignoreNotFound,
  type Attachment,
  type AttachmentOrigin,
  type AttachmentUrl,
  type AttachmentUpload,
  type ConnectorAttachments,
} from 'syncbridge/connector-kit';
import { z } from 'zod';
import { patchContentType } from './batch.js';
import { versioned, workItemJsonSchema, type AdoClients, type WorkItemJson } from './client.js';
import type { ItemReader } from './items.js';
import { fieldPath, type PatchOperation } from './patch.js';
import {
  attachmentIdOf,
  fileNameOf,
  NO_FILE,
  noAttachment,
  pointPicturesAtFiles,
  storePicturesIn,
} from './rich-text.js';

/** The service's limit of a simple (one request) upload: 60 MB on Azure DevOps Services. */
export const defaultAttachmentMaxBytes = 60 * 1024 * 1024;

/**
 * The stamp of an uploaded copy, kept as the `AttachedFile` relation's comment (the only text a
 * relation carries; people see it beside the file): `[syncbridge] copy of <system> attachment <id>`,
 * system and id URI-encoded so that neither holds a space. A comment of any other form is no stamp.
 */
const stampPattern = /^\[syncbridge\] copy of (\S+) attachment (\S+)$/;

/** The relation comment stamping a copy of `origin`. */
export function attachmentStamp(origin: AttachmentOrigin): string {
  return `[syncbridge] copy of ${encodeURIComponent(origin.system)} attachment ${encodeURIComponent(origin.attachmentId)}`;
}

/** The origin a relation comment stamps, or undefined when it is no stamp. */
export function stampedOrigin(comment: unknown): AttachmentOrigin | undefined {
  const found = typeof comment === 'string' ? stampPattern.exec(comment) : null;
  if (!found) return undefined;
  try {
    return { system: decodeURIComponent(found[1] as string), attachmentId: decodeURIComponent(found[2] as string) };
  } catch {
    return undefined;
  }
}

/** The attributes the service gives an `AttachedFile` relation. */
const attachedFileSchema = z.object({
  name: z.string().nullish(),
  resourceSize: z.number().nullish(),
  resourceCreatedDate: z.string().nullish(),
  authorizedDate: z.string().nullish(),
  comment: z.string().nullish(),
});

/** The answer of an upload. */
const attachmentReferenceSchema = z.object({ id: z.string(), url: z.string() });

/** The ids of a work item's files (its `AttachedFile` relations and the pictures pasted in its text), sorted. */
export function attachedFileIds(raw: WorkItemJson): string[] {
  const attached = attachedFiles(raw).map((f) => f.id);
  return [...attached, ...pastedFiles(raw, new Set(attached)).keys()].sort(compareLinkIds);
}

/**
 * The files of the attachment store that a work item's rich text shows but no relation attaches
 * (a picture pasted in the description is uploaded, not attached): id → the name rich text knows
 * it by, and its address.
 */
function pastedFiles(raw: WorkItemJson, attached: Set<string>): Map<string, { name: string; url: string }> {
  const out = new Map<string, { name: string; url: string }>();
  for (const value of Object.values(raw.fields ?? {})) {
    if (typeof value !== 'string' || !value.includes('<img')) continue;
    for (const { id, name, url } of storePicturesIn(value))
      if (id !== NO_FILE && !attached.has(id)) out.set(id, { name, url });
  }
  return out;
}

/** A work item's `AttachedFile` relations, with their places in its relation list. */
function attachedFiles(raw: WorkItemJson): Array<{ index: number; id: string; attachment: Attachment }> {
  const out: Array<{ index: number; id: string; attachment: Attachment }> = [];
  for (const [index, r] of (raw.relations ?? []).entries()) {
    const id = r.rel === 'AttachedFile' ? attachmentIdOf(r.url) : undefined;
    const attributes = attachedFileSchema.safeParse(r.attributes ?? {});
    if (!id || !attributes.success) continue;
    const a = attributes.data;
    const created = a.resourceCreatedDate ?? a.authorizedDate;
    const origin = stampedOrigin(a.comment);
    out.push({
      index,
      id,
      attachment: {
        id,
        name: a.name ?? fileNameOf(r.url) ?? id,
        size: a.resourceSize ?? 0,
        // The service keeps no content type: the engine and rich text go by the name.
        mimeType: 'application/octet-stream',
        createdAt: new Date(created ?? 0).toISOString(),
        // A relation does not say who added it (only the item's history does).
        author: null,
        url: r.url,
        ...(origin ? { origin } : {}),
      },
    });
  }
  return out;
}

/**
 * Where images in a work item's rich text point: its newest file of a name (attached or pasted),
 * with the name as `fileName` (how images are read back); no file where it has none of the name yet.
 */
export function attachmentUrlsOf(raw: WorkItemJson): AttachmentUrl {
  const attached = attachedFiles(raw).map((f) => f.attachment);
  const byName = new Map<string, string>();
  for (const [, { name, url }] of pastedFiles(raw, new Set(attached.map((a) => a.id)))) byName.set(name, url);
  for (const a of attached) byName.set(a.name, `${a.url.split('?')[0]}?fileName=${encodeURIComponent(a.name)}`);
  return (name) => byName.get(name) ?? noAttachment(name);
}

/** Whether an error is the service refusing a file for its size (TF237082, or 413 from a front end). */
const refusedForSize = (error: unknown) =>
  error instanceof RemoteError && (error.status === 413 || error.remoteMessages.some((m) => m.includes('TF237082')));

/** Whether a failed write may have been made all the same (no answer, or a server error). */
const outcomeUnknown = (error: unknown) =>
  !(error instanceof RemoteError && error.status !== undefined && error.status < 500);

/**
 * Attachments of work items: files uploaded to `wit/attachments` (the raw bytes, streamed) and
 * attached by an `AttachedFile` relation. Listing reads the item's relations (one call).
 * @see https://learn.microsoft.com/en-us/rest/api/azure/devops/wit/attachments
 */
export function adoAttachments(options: {
  clients: AdoClients;
  reader: ItemReader;
  system: string;
  maxBytes: number;
}): ConnectorAttachments {
  const { clients, reader, system, maxBytes } = options;
  const tooLarge = (file: AttachmentUpload) =>
    new SyncbridgeError(
      'ATTACHMENT_TOO_LARGE',
      `${system}: the file ${file.name} (${file.size} bytes) is larger than Azure DevOps takes (${maxBytes} bytes)`,
      { system, details: { file: file.name, size: file.size, limit: maxBytes } },
    );
  // The relation patch is not repeated by the client (PATCH is not idempotent): a second run would attach the file twice.
  const patch = (itemId: string, ops: PatchOperation[], idempotent = false) =>
    clients.org.request(
      versioned({
        method: 'PATCH',
        path: `_apis/wit/workitems/${encodeURIComponent(itemId)}`,
        json: ops,
        contentType: patchContentType,
        schema: workItemJsonSchema,
        idempotent,
      }),
    );
  const fetchFile = (id: string, name: string) =>
    clients.org.download(
      versioned({
        path: `_apis/wit/attachments/${encodeURIComponent(id)}`,
        query: { fileName: name, download: true },
      }),
    );
  /**
   * Patches an item on the revision read (a relation is named by its index, a text is rewritten
   * from what it was): when somebody changed the item in between, it is read again and the
   * patch made again (five times at most). Testing the revision makes the patch safe to send
   * again after a lost answer. Nothing to patch, or an item gone, is no error.
   */
  async function patchAsRead(itemId: string, opsOf: (raw: WorkItemJson) => PatchOperation[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const raw = await ignoreNotFound(reader.withRelations(itemId));
      const ops = raw ? opsOf(raw) : [];
      if (!raw || ops.length === 0) return;
      try {
        await ignoreNotFound(patch(itemId, [{ op: 'test', path: '/rev', value: raw.rev }, ...ops], true));
        return;
      } catch (error) {
        if (!(isSyncbridgeError(error) && error.code === 'REVISION_MISMATCH') || attempt >= 5) throw error;
      }
    }
  }
  const attachedAs = (raw: WorkItemJson, id: string) => attachedFiles(raw).find((f) => f.id === id)?.attachment;

  /** Adds the relation; when its answer is lost, the item is read again to see whether it was made. */
  async function attach(itemId: string, id: string, url: string, origin?: AttachmentOrigin): Promise<Attachment> {
    const relation = { rel: 'AttachedFile', url, attributes: origin ? { comment: attachmentStamp(origin) } : {} };
    let raw: WorkItemJson;
    try {
      raw = await patch(itemId, [{ op: 'add', path: '/relations/-', value: relation }]);
    } catch (error) {
      if (!outcomeUnknown(error)) throw error;
      const found = attachedAs(await reader.withRelations(itemId), id);
      if (found) return found;
      throw error;
    }
    const found = attachedAs(raw, id);
    if (!found)
      throw new SyncbridgeError('PROTOCOL', `${system}: work item ${itemId} does not show the file it was given`, {
        system,
      });
    return found;
  }

  return {
    maxBytes: async () => maxBytes,
    /** Attached files, then pasted pictures (whose size only their download tells: one call each, its body left unread). */
    async list(itemId) {
      const raw = await reader.withRelations(itemId);
      const attached = attachedFiles(raw).map((f) => f.attachment);
      const pasted: Attachment[] = [];
      for (const [id, { name, url }] of pastedFiles(raw, new Set(attached.map((a) => a.id)))) {
        const answer = await ignoreNotFound(fetchFile(id, name));
        if (!answer) continue;
        await answer.body.cancel();
        pasted.push({
          id,
          name,
          size: Number(answer.headers.get('content-length') ?? 0),
          mimeType: answer.headers.get('content-type') ?? 'application/octet-stream',
          createdAt: new Date(String(raw.fields?.['System.ChangedDate'] ?? 0)).toISOString(),
          author: null,
          url,
        });
      }
      return [...attached, ...pasted];
    },
    async download(_itemId, attachment) {
      return (await fetchFile(attachment.id, attachment.name)).body;
    },
    async upload(itemId, file) {
      if (file.size > maxBytes) throw tooLarge(file);
      let uploaded: z.infer<typeof attachmentReferenceSchema>;
      try {
        uploaded = await clients.org.request(
          versioned({
            method: 'POST',
            path: '_apis/wit/attachments',
            query: { fileName: file.name },
            body: { open: () => file.open(), contentType: 'application/octet-stream', length: file.size },
            schema: attachmentReferenceSchema,
          }),
        );
      } catch (error) {
        throw refusedForSize(error) ? tooLarge(file) : error;
      }
      return attach(itemId, uploaded.id.toLowerCase(), uploaded.url, file.origin);
    },
    /** Removes the file's relation (named by its index in the revision read). */
    async remove(itemId, attachmentId) {
      await patchAsRead(itemId, (raw) => {
        const file = attachedFiles(raw).find((f) => f.id === attachmentId.toLowerCase());
        return file ? [{ op: 'remove', path: `/relations/${file.index}` }] : [];
      });
    },
    /** Rewrites the `src` of each `<img>` at no file whose name the item has a file of, and nothing else of the HTML. */
    async pointPictures(itemId, fields) {
      await patchAsRead(itemId, (raw) => {
        const urls = attachmentUrlsOf(raw);
        return fields.flatMap((field): PatchOperation[] => {
          const html = raw.fields?.[field];
          const pointed = typeof html === 'string' ? pointPicturesAtFiles(html, urls) : html;
          return pointed === html ? [] : [{ op: 'add', path: fieldPath(field), value: pointed }];
        });
      });
    },
  };
}
