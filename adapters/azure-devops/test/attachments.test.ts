import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isSyncbridgeError, type Connector, type WorkItem } from 'syncbridge';
import type { Attachment, AttachmentUpload, ConnectorAttachments, WriteResult } from 'syncbridge/connector-kit';
import { createAzureDevOpsSimulator, type AzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import type { RunningServer } from 'syncbridge/testing';
import { connectTo } from './support.js';

/** The simulator takes 64 bytes at most, so that a refusal for size needs no large file. */
const serverLimit = 64;

let sim: AzureDevOpsSimulator;
let server: RunningServer;
let connector: Connector;
let files: ConnectorAttachments;
let requests: Array<{ method: string; url: string }>;

beforeAll(async () => {
  sim = createAzureDevOpsSimulator({ seed: 'empty', limits: { attachmentMaxBytes: serverLimit } });
  server = await sim.listen();
});
afterAll(() => server.close());
beforeEach(() => {
  requests = [];
  connector = connectTo(server.baseUrl, sim, {}, undefined, (e) => requests.push(e));
  files = connector.attachments as ConnectorAttachments;
});

const ok = (r: WriteResult | undefined): WorkItem => {
  if (!r?.ok) throw r?.error ?? new Error('no result');
  return r.item;
};

const task = async (title: string) =>
  ok(
    (
      await connector.create([
        { project: 'Demo', type: 'Task', fields: { 'System.Title': title }, origin: { system: 'jira', id: title } },
      ])
    )[0],
  );

/** A file whose content is streamed in two chunks; `opened` counts the streams opened. */
function file(name: string, bytes: Uint8Array, origin?: AttachmentUpload['origin']) {
  const upload = {
    name,
    size: bytes.byteLength,
    mimeType: 'application/octet-stream',
    opened: 0,
    origin,
    async open(): Promise<ReadableStream<Uint8Array>> {
      upload.opened++;
      const half = Math.floor(bytes.byteLength / 2);
      return new ReadableStream({
        start(controller) {
          controller.enqueue(bytes.slice(0, half));
          controller.enqueue(bytes.slice(half));
          controller.close();
        },
      });
    },
  };
  return upload;
}

const read = async (stream: ReadableStream<Uint8Array>) => new Uint8Array(await new Response(stream).arrayBuffer());

/** The `AttachedFile` relations the simulator holds for an item: `[name, size, comment]`. */
const attachedInState = (id: string) =>
  (sim.state.workItems.get(Number(id))?.relations ?? [])
    .filter((r) => r.rel === 'AttachedFile')
    .map((r) => [r.attributes.name, r.attributes.resourceSize, r.attributes.comment]);

describe('Azure DevOps attachments', () => {
  it('declares attachments with stamps and reports the 60 MB limit unless configured otherwise', async () => {
    expect(connector.info.capabilities).toMatchObject({ attachments: true, attachmentStamps: true, links: true });
    expect(await files.maxBytes()).toBe(60 * 1024 * 1024);
    const small = connectTo(server.baseUrl, sim, { attachmentMaxBytes: 1000 });
    expect(await small.attachments?.maxBytes()).toBe(1000);
    expect(requests).toEqual([]);
  });

  it('uploads text, binary, empty and non-ASCII-named files as streams, lists them oldest first and downloads them byte for byte', async () => {
    const item = await task('Files');
    const contents: Array<[string, Uint8Array]> = [
      ['build.log', new TextEncoder().encode('line 1\nline 2\n')],
      ['screen.png', Uint8Array.from({ length: 40 }, (_, i) => (i * 37) % 256)],
      ['empty.txt', new Uint8Array(0)],
      ['Prüfbericht 日本 😀.txt', new TextEncoder().encode('Ünïcødé')],
    ];
    const uploaded: Attachment[] = [];
    for (const [name, bytes] of contents) {
      const upload = file(name, bytes);
      const before = sim.state.workItems.get(Number(item.id))?.rev ?? 0;
      const attachment = await files.upload(item.id, upload);
      expect(upload.opened).toBe(1);
      expect(attachment).toMatchObject({ name, size: bytes.byteLength, author: null });
      expect(attachment.origin).toBeUndefined();
      expect(sim.state.workItems.get(Number(item.id))?.rev).toBe(before + 1);
      uploaded.push(attachment);
    }
    const listed = await files.list(item.id);
    expect(listed).toEqual(uploaded);
    expect(listed.map((a) => a.name)).toEqual(contents.map(([name]) => name));
    for (const a of listed) {
      expect(a.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(a.url).toContain(`/_apis/wit/attachments/${a.id}`);
      expect(new Date(a.createdAt).toISOString()).toBe(a.createdAt);
    }
    for (const [i, [, bytes]] of contents.entries())
      expect(await read(await files.download(item.id, listed[i] as Attachment))).toEqual(bytes);
    expect(attachedInState(item.id)).toEqual(contents.map(([name, bytes]) => [name, bytes.byteLength, undefined]));
  });

  it('stamps a copy in its relation comment and reads the stamp back; a person’s comment is no stamp', async () => {
    const item = await task('Stamped');
    const origin = { system: 'jira cloud', attachmentId: '10042' };
    const copy = await files.upload(item.id, file('copy.txt', new TextEncoder().encode('copied'), origin));
    expect(copy.origin).toEqual(origin);
    const other = connectTo(server.baseUrl, sim, {}, 'ana.silva@contoso.com').attachments as ConnectorAttachments;
    await other.upload(item.id, file('mine.txt', new TextEncoder().encode('typed')));
    // A person writes a comment like a stamp but not one (no system and id).
    const raw = sim.state.workItems.get(Number(item.id));
    const mine = raw?.relations?.find((r) => r.attributes.name === 'mine.txt');
    if (mine) mine.attributes.comment = '[syncbridge] copy of';
    const listed = await files.list(item.id);
    expect(listed.map((a) => [a.name, a.origin])).toEqual([
      ['copy.txt', origin],
      ['mine.txt', undefined],
    ]);
    expect(attachedInState(item.id)[0]?.[2]).toBe('[syncbridge] copy of jira%20cloud attachment 10042');
  });

  it('refuses a file over the configured limit before sending anything, naming file, size and limit', async () => {
    const item = await task('Too big');
    const strict = connectTo(server.baseUrl, sim, { attachmentMaxBytes: 10 }, undefined, (e) => requests.push(e));
    const upload = file('big.bin', new Uint8Array(11));
    requests = [];
    const error = await strict.attachments?.upload(item.id, upload).catch((e: unknown) => e);
    expect(isSyncbridgeError(error) && error.code).toBe('ATTACHMENT_TOO_LARGE');
    if (!isSyncbridgeError(error)) return;
    expect(error.message).toMatch(/big\.bin.*11 bytes.*10 bytes/);
    expect(error.details).toMatchObject({ file: 'big.bin', size: 11, limit: 10 });
    expect(requests).toEqual([]);
    expect(upload.opened).toBe(0);
    expect(attachedInState(item.id)).toEqual([]);
  });

  it('maps the service refusing a file for its size (TF237082) to ATTACHMENT_TOO_LARGE', async () => {
    const item = await task('Server limit');
    requests = [];
    const error = await files
      .upload(item.id, file('big.bin', new Uint8Array(serverLimit + 1)))
      .catch((e: unknown) => e);
    expect(isSyncbridgeError(error) && error.code).toBe('ATTACHMENT_TOO_LARGE');
    expect(isSyncbridgeError(error) && error.details).toMatchObject({ file: 'big.bin', size: serverLimit + 1 });
    expect(requests.map((r) => [r.method, (r as { status?: number }).status])).toEqual([['POST', 400]]);
    expect(attachedInState(item.id)).toEqual([]);
  });

  it('removes an attachment; removing it again, or from a deleted item, is no error', async () => {
    const item = await task('Removals');
    const keep = await files.upload(item.id, file('keep.txt', new TextEncoder().encode('keep')));
    const drop = await files.upload(item.id, file('drop.txt', new TextEncoder().encode('drop')));
    await files.remove(item.id, drop.id);
    await files.remove(item.id, drop.id);
    expect((await files.list(item.id)).map((a) => a.id)).toEqual([keep.id]);
    await connector.deleteItem?.(item.id);
    await files.remove(item.id, keep.id);
    expect(sim.state.workItems.has(Number(item.id))).toBe(false);
  });

  it('removes on the revision it read: a change made in between has the removal made again on a fresh read', async () => {
    const item = await task('Busy files');
    const [a, b] = [
      await files.upload(item.id, file('a.txt', new TextEncoder().encode('a'))),
      await files.upload(item.id, file('b.txt', new TextEncoder().encode('b'))),
    ];
    const other = connectTo(server.baseUrl, sim, {}, 'ana.silva@contoso.com');
    // A person removes the first file between the connector's read and its removal: the index it read is stale.
    const hook = sim.hook({ when: 'after', method: 'GET', path: `wit/workitems/${item.id}`, nth: 1 }, async () => {
      await other.attachments?.remove(item.id, a.id);
    });
    requests = [];
    await files.remove(item.id, b.id);
    expect(hook.calls).toBe(1);
    expect(requests.map((r) => [r.method, (r as { status?: number }).status])).toEqual([
      ['GET', 200],
      ['PATCH', 412],
      ['GET', 200],
      ['PATCH', 200],
    ]);
    expect(attachedInState(item.id)).toEqual([]);
  });

  it('an upload whose relation answer is lost is not repeated: the item holds the file once, found by its stamp', async () => {
    const item = await task('Lost answer');
    const origin = { system: 'jira', attachmentId: '777' };
    // The relation patch acts, then its connection drops before the answer leaves (once).
    const hook = sim.hook({ when: 'after', method: 'PATCH', path: `wit/workitems/${item.id}`, nth: 1 }, () => {
      sim.knobs.lostResponseRate = 1;
      // Drawn once, right after the patch acted: this answer is lost, and no other.
      sim.knobs.random = () => {
        queueMicrotask(() => {
          sim.knobs.lostResponseRate = 0;
          delete sim.knobs.random;
        });
        return 0;
      };
    });
    requests = [];
    const upload = file('lost.txt', new TextEncoder().encode('once'), origin);
    const attachment = await files.upload(item.id, upload).catch((e: unknown) => e);
    expect(hook.calls).toBe(1);
    expect(upload.opened).toBe(1);
    // One upload, one relation patch (its answer lost: no status), then a read that finds the relation.
    expect(
      requests.map((r) => [
        r.method,
        new URL(r.url).pathname.split('/').slice(-2).join('/'),
        (r as { status?: number }).status,
      ]),
    ).toEqual([
      ['POST', 'wit/attachments', 201],
      ['PATCH', `workitems/${item.id}`, undefined],
      ['GET', `workitems/${item.id}`, 200],
    ]);
    // The upload reports the file it found attached after all.
    expect(attachment).toMatchObject({ name: 'lost.txt', origin });
    expect((await files.list(item.id)).filter((a) => a.origin?.attachmentId === '777')).toHaveLength(1);
    expect(attachedInState(item.id)).toEqual([['lost.txt', 4, '[syncbridge] copy of jira attachment 777']]);
  });
});
