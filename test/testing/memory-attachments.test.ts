import { describe, expect, it } from 'vitest';
import { SyncbridgeError } from 'syncbridge';
import type { AttachmentUpload } from 'syncbridge/connector-kit';
import {
  createMemoryConnector,
  createMemoryTracker,
  type MemoryCallMoment,
  type MemoryConnectorKnobs,
} from 'syncbridge/testing';

function world(knobs: MemoryConnectorKnobs = {}, maxAttachmentBytes?: number) {
  const system = createMemoryTracker(maxAttachmentBytes === undefined ? {} : { maxAttachmentBytes });
  const connector = createMemoryConnector(system, knobs);
  const item = system.create('P', 'Bug', { title: 'with files' }, system.user('ana'));
  return { system, connector, attachments: connector.attachments!, item };
}

/** An upload of bytes that counts how often it is opened. */
function upload(name: string, content: Uint8Array | string, extra: Partial<AttachmentUpload> = {}) {
  const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  const file = {
    name,
    size: bytes.byteLength,
    mimeType: 'text/plain',
    opened: 0,
    async open() {
      file.opened++;
      return new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(bytes);
          controller.close();
        },
      });
    },
    ...extra,
  };
  return file;
}

async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<{ bytes: Uint8Array; chunks: number }> {
  const parts: Uint8Array[] = [];
  for await (const chunk of stream) parts.push(chunk);
  return { bytes: new Uint8Array(Buffer.concat(parts)), chunks: parts.length };
}

describe('memory attachments', () => {
  it('uploads as the integration user, moving the item, and lists stamped copies beside a person’s file', async () => {
    const { system, connector, attachments, item } = world();
    expect(connector.info.capabilities).toMatchObject({ attachments: true, attachmentStamps: true });
    system.attachAs(
      item.id,
      { name: 'screenshot.png', content: new Uint8Array([1, 2, 3]), mimeType: 'image/png' },
      'ben',
    );
    expect(system.items.get(item.id)!.updatedBy?.id).toBe('ben');
    const revision = system.items.get(item.id)!.revision;
    const origin = { system: 'jira', attachmentId: '10001' };
    const file = upload('Protokoll – Größe.log', 'line 1\nline 2\n', { origin });
    const added = await attachments.upload(item.id, file);
    expect(file.opened).toBe(1);
    expect(system.items.get(item.id)).toMatchObject({ revision: revision + 1, updatedBy: { id: 'sync-bot' } });
    const listed = await attachments.list(item.id);
    expect(listed).toEqual([
      expect.objectContaining({
        name: 'screenshot.png',
        size: 3,
        mimeType: 'image/png',
        author: expect.objectContaining({ id: 'ben' }),
      }),
      { ...added, origin },
    ]);
    expect(listed[0]!.origin).toBeUndefined();
    expect(added).toMatchObject({
      name: 'Protokoll – Größe.log',
      size: 14,
      mimeType: 'text/plain',
      author: { id: 'sync-bot' },
    });
    expect(added.url).toBe(`memory://memory/attachments/${added.id}`);
    expect(new Date(added.createdAt).toISOString()).toBe(added.createdAt);
  });

  it('keeps no stamp when the connector declares none', async () => {
    const { attachments, item } = world({ capabilities: { attachmentStamps: false } });
    await attachments.upload(item.id, upload('copy.txt', 'x', { origin: { system: 'jira', attachmentId: '1' } }));
    const [listed] = await attachments.list(item.id);
    expect(listed).toBeDefined();
    expect(listed!.origin).toBeUndefined();
  });

  it('downloads the same bytes as a stream handed out in chunks', async () => {
    const { system, attachments, item } = world();
    const content = new Uint8Array(200_000).map((_, n) => (n * 7) % 256);
    system.attachAs(item.id, { name: 'big.bin', content }, 'ana');
    const [listed] = await attachments.list(item.id);
    const { bytes, chunks } = await bytesOf(await attachments.download(item.id, listed!));
    expect(bytes).toEqual(content);
    expect(chunks).toBeGreaterThan(1);
    await expect(attachments.download(item.id, { ...listed!, id: 'att-999' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('refuses a file over the limit before opening it, and the system refuses one from a person with 413', async () => {
    const { system, attachments, item } = world({}, 10);
    expect(await attachments.maxBytes()).toBe(10);
    const file = upload('huge.log', '0123456789A');
    const error = await attachments.upload(item.id, file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyncbridgeError);
    expect(error).toMatchObject({ code: 'ATTACHMENT_TOO_LARGE', details: { file: 'huge.log', size: 11, limit: 10 } });
    expect((error as Error).message).toMatch(/huge\.log.*11.*10/);
    expect(file.opened).toBe(0);
    expect(() => system.attachAs(item.id, { name: 'huge.log', content: '0123456789A' }, 'ana')).toThrow(
      expect.objectContaining({ code: 'ATTACHMENT_TOO_LARGE', status: 413 }),
    );
    expect(await attachments.list(item.id)).toEqual([]);
  });

  it('refuses content that does not have the announced size', async () => {
    const { attachments, item } = world();
    await expect(attachments.upload(item.id, { ...upload('short.txt', 'abc'), size: 4 })).rejects.toMatchObject({
      code: 'VALIDATION',
    });
    expect(await attachments.list(item.id)).toEqual([]);
  });

  it('lets a test lose the answer of an upload that went through, and act before and after it', async () => {
    const { system, connector, attachments, item } = world();
    const moments: MemoryCallMoment[] = [];
    connector.onCall = (moment) => {
      moments.push(moment);
      if (moment.phase === 'before') system.edit(item.id, { title: 'renamed meanwhile' }, 'ben');
    };
    connector.failNext('upload', 1, undefined, { afterWrite: true });
    await expect(attachments.upload(item.id, upload('lost.txt', 'lost answer'))).rejects.toMatchObject({
      code: 'TRANSIENT',
    });
    expect(moments).toEqual([
      { method: 'upload', phase: 'before' },
      { method: 'upload', phase: 'after' },
    ]);
    expect(connector.calls.upload).toBe(1);
    connector.onCall = undefined;
    expect((await attachments.list(item.id)).map((a) => a.name)).toEqual(['lost.txt']);
    connector.failNext('listAttachments');
    await expect(attachments.list(item.id)).rejects.toMatchObject({ code: 'TRANSIENT' });
  });

  it('removes a file, moving the item; a second removal and one of a deleted item are no error', async () => {
    const { system, attachments, item } = world();
    const kept = await attachments.upload(item.id, upload('kept.txt', 'kept'));
    const gone = await attachments.upload(item.id, upload('gone.txt', 'gone'));
    const revision = system.items.get(item.id)!.revision;
    await attachments.remove(item.id, gone.id);
    expect(system.items.get(item.id)!.revision).toBe(revision + 1);
    await attachments.remove(item.id, gone.id);
    expect(system.items.get(item.id)!.revision).toBe(revision + 1);
    expect((await attachments.list(item.id)).map((a) => a.id)).toEqual([kept.id]);
    expect(system.detachAs(item.id, kept.id, 'ben')).toBe(true);
    expect(system.items.get(item.id)!.updatedBy?.id).toBe('ben');
    system.remove(item.id);
    await attachments.remove(item.id, kept.id);
    await expect(attachments.list(item.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
