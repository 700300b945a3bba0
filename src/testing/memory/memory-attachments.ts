import { RemoteError, SyncbridgeError } from 'syncbridge';
import { ignoreNotFound, type Attachment, type ConnectorAttachments } from 'syncbridge/connector-kit';
import type { MemoryMethod } from './memory-connector.js';
import type { MemoryAttachment, MemorySystem } from './memory-system.js';

/** How the part enters a call: counting it, running the test's hook and striking a planned fault. */
type Enter = (method: MemoryMethod, phase?: 'before' | 'after') => Promise<void>;

/** Chunks a download hands out, so that readers see a stream of several pieces as from a socket. */
const chunkBytes = 64 * 1024;

/**
 * The attachments part of a memory connector, acting as the integration user: content comes and
 * goes as streams, an upload is checked against the system's limit before it is opened, and a
 * copy's stamp is kept only when the connector declares `attachmentStamps`.
 */
export function memoryAttachments(system: MemorySystem, enter: Enter, stamps: boolean): ConnectorAttachments {
  const me = system.integrationUser;
  const attachment = (a: MemoryAttachment): Attachment => ({
    id: a.id,
    name: a.name,
    size: a.size,
    mimeType: a.mimeType,
    createdAt: a.createdAt,
    author: { ...a.author },
    url: system.attachmentUrl(a.id),
    ...(stamps && a.origin ? { origin: { ...a.origin } } : {}),
  });
  return {
    async maxBytes() {
      return system.maxAttachmentBytes;
    },
    async list(itemId) {
      await enter('listAttachments');
      return system.item(itemId).attachments.map(attachment);
    },
    async download(itemId, wanted) {
      await enter('download');
      const found = system.item(itemId).attachments.find((a) => a.id === wanted.id);
      if (!found)
        throw new RemoteError('NOT_FOUND', `memory system: attachment ${wanted.id} of item ${itemId} does not exist`, {
          status: 404,
        });
      return chunked(found.content);
    },
    async upload(itemId, file) {
      await enter('upload');
      const limit = system.maxAttachmentBytes;
      // Checked before the content is opened: nothing is sent of a file the system would refuse.
      if (file.size > limit)
        throw new SyncbridgeError(
          'ATTACHMENT_TOO_LARGE',
          `memory: "${file.name}" has ${file.size} bytes, more than the limit of ${limit} bytes`,
          { details: { file: file.name, size: file.size, limit } },
        );
      const content = new Uint8Array(await new Response(await file.open()).arrayBuffer());
      if (content.byteLength !== file.size)
        throw new SyncbridgeError(
          'VALIDATION',
          `memory: "${file.name}" was announced with ${file.size} bytes but its content has ${content.byteLength}`,
          { details: { file: file.name, size: file.size, sent: content.byteLength } },
        );
      const stored = system.attach(
        itemId,
        {
          name: file.name,
          content,
          mimeType: file.mimeType,
          ...(stamps && file.origin ? { origin: file.origin } : {}),
        },
        me,
      );
      await enter('upload', 'after');
      return attachment(stored);
    },
    async remove(itemId, attachmentId) {
      await enter('removeAttachment');
      await ignoreNotFound(Promise.resolve().then(() => system.detach(itemId, attachmentId, me)));
      await enter('removeAttachment', 'after');
    },
  };
}

/** A stream handing out bytes a chunk at a time, as it is read. */
function chunked(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.byteLength) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(offset, offset + chunkBytes));
      offset += chunkBytes;
    },
  });
}
