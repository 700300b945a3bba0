import type { Connector, RichText, WorkItem } from 'syncbridge';
import {
  ATTACHMENT_IDS_FIELD,
  linkField,
  PARENT_FIELD,
  type AttachmentOrigin,
  type AttachmentUpload,
  type ConnectorAttachments,
} from 'syncbridge/connector-kit';
import { collect, createAll, getAll, okItem, type CaseHelpers, type DefineCase } from './conformance-support.js';
import { sortLinkIds } from './memory/memory-links.js';
import { peer } from './peers.js';

/** A file to upload that counts how often its content is opened. */
type CountedUpload = AttachmentUpload & { readonly bytes: Uint8Array; opened: number };

function upload(name: string, mimeType: string, bytes: Uint8Array, origin?: AttachmentOrigin): CountedUpload {
  const file: CountedUpload = {
    name,
    size: bytes.byteLength,
    mimeType,
    bytes,
    opened: 0,
    async open() {
      file.opened++;
      // Two pieces, so that a connector reading only the first chunk sends a short file.
      const half = Math.floor(bytes.byteLength / 2);
      return new ReadableStream<Uint8Array>({
        start(controller) {
          for (const piece of [bytes.slice(0, half), bytes.slice(half)])
            if (piece.byteLength > 0) controller.enqueue(piece);
          controller.close();
        },
      });
    },
    ...(origin ? { origin } : {}),
  };
  return file;
}

/** Every byte of a stream. */
async function read(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const pieces: Uint8Array[] = [];
  for await (const piece of stream) pieces.push(piece);
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.byteLength;
  }
  return out;
}

/**
 * Cases of the optional parts of the contract, each run only for a connector declaring it:
 * attachments (streamed uploads and downloads, stamps, the size limit, idempotent removal)
 * and link fields (`link:<type>` written as an exact set, `link:parent`).
 */
export function definePartCases(it: DefineCase, h: CaseHelpers): void {
  const { expect } = peer('vitest');

  /** The attachments part of a connector declaring it, or undefined. */
  const attachmentsOf = (connector: Connector): ConnectorAttachments | undefined => {
    if (!connector.info.capabilities.attachments) return undefined;
    expect(connector.attachments, 'capabilities.attachments needs the attachments part').toBeDefined();
    return connector.attachments;
  };
  const revisionOf = async (id: string) => (await getAll(h.ctx().connector, [id], [h.ctx().fields.title]))[0]!.revision;

  it('uploads text, binary, non-ASCII-named and empty files, lists them oldest first and downloads the same bytes', async () => {
    const { connector } = h.ctx();
    const part = attachmentsOf(connector);
    if (!part) return;
    const m = h.marker();
    const [item, other] = await createAll(connector, [h.request(`${m} files`), h.request(`${m} no files`)]);
    const before = await revisionOf(item!.id);
    const text = new TextEncoder();
    const files = [
      upload('notes.txt', 'text/plain', text.encode(`${m}: a plain text file\nwith two lines\n`)),
      upload(
        'trace.bin',
        'application/octet-stream',
        Uint8Array.from({ length: 3000 }, (_, n) => (n * 31) % 256),
      ),
      upload('Protokoll für Ärger – 报告 ✓.txt', 'text/plain', text.encode('Größe: ünïcödé')),
      upload('empty.txt', 'text/plain', new Uint8Array()),
    ];
    const uploaded = [];
    for (const file of files) uploaded.push(await part.upload(item!.id, file));
    for (const file of files) expect(file.opened, `${file.name} opened`).toBeGreaterThanOrEqual(1);
    const me = await connector.whoami();
    const listed = await part.list(item!.id);
    expect(
      listed.map((a) => a.id),
      'the item’s files, oldest first',
    ).toEqual(uploaded.map((a) => a.id));
    listed.forEach((attachment, n) => {
      const file = files[n]!;
      expect(attachment).toMatchObject({ name: file.name, size: file.size });
      // A system that keeps no content type (Azure DevOps) reports octet-stream; one that keeps it, the type sent.
      expect([file.mimeType, 'application/octet-stream'], `${file.name} type`).toContain(
        attachment.mimeType.split(';')[0]!.trim(),
      );
      // A system that does not tell who attached a file (Azure DevOps relations) reports null.
      if (attachment.author !== null) expect(attachment.author.id, `${file.name} author`).toBe(me.id);
      expect(attachment.createdAt, `${file.name} createdAt in UTC`).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
      expect(Date.parse(attachment.createdAt)).not.toBeNaN();
      expect(attachment.url).toMatch(/\S/);
    });
    for (const [n, attachment] of listed.entries())
      expect(await read(await part.download(item!.id, attachment)), `${attachment.name} downloaded`).toEqual(
        files[n]!.bytes,
      );
    expect(await part.list(other!.id)).toEqual([]);
    expect(await revisionOf(item!.id), 'the revision after uploads').not.toBe(before);
    const both = await getAll(connector, [item!.id, other!.id], [ATTACHMENT_IDS_FIELD]);
    const [withIds, withoutIds] = [item!.id, other!.id].map((id) => both.find((i) => i.id === id));
    expect(withIds!.fields[ATTACHMENT_IDS_FIELD], `${ATTACHMENT_IDS_FIELD} read with the item`).toEqual(
      sortLinkIds(uploaded.map((a) => a.id)),
    );
    expect(withoutIds!.fields[ATTACHMENT_IDS_FIELD]).toEqual([]);
  });

  it('stamps an uploaded copy with its origin and reads it back, leaving a plain upload unstamped', async () => {
    const { connector } = h.ctx();
    const part = attachmentsOf(connector);
    if (!part || !connector.info.capabilities.attachmentStamps) return;
    const [item] = await createAll(connector, [h.request(`${h.marker()} stamped files`)]);
    const origin = { system: 'conformance', attachmentId: h.marker() };
    const bytes = new TextEncoder().encode('a copy');
    const copy = await part.upload(item!.id, upload('copy.txt', 'text/plain', bytes, origin));
    const plain = await part.upload(item!.id, upload('plain.txt', 'text/plain', bytes));
    const listed = await part.list(item!.id);
    expect(listed.find((a) => a.id === copy.id)?.origin).toEqual(origin);
    expect(listed.find((a) => a.id === plain.id)?.origin).toBeUndefined();
  });

  it('refuses a file over maxBytes() with ATTACHMENT_TOO_LARGE before opening it, uploading nothing', async () => {
    const { connector } = h.ctx();
    const part = attachmentsOf(connector);
    const limit = await part?.maxBytes();
    if (!part || limit === undefined) return;
    const [item] = await createAll(connector, [h.request(`${h.marker()} too large`)]);
    // Never opened if the connector checks first: its content is never read.
    const file = upload('huge.log', 'text/plain', new Uint8Array());
    file.size = limit + 1;
    const error = await part.upload(item!.id, file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, 'an upload over the limit').toMatchObject({
      code: 'ATTACHMENT_TOO_LARGE',
      details: { file: 'huge.log', size: limit + 1, limit },
    });
    expect((error as Error).message).toContain('huge.log');
    expect(file.opened, 'the content opened although the file is over the limit').toBe(0);
    expect(await part.list(item!.id)).toEqual([]);
  });

  it('removes an attachment, and a second removal of it is not an error', async () => {
    const { connector } = h.ctx();
    const part = attachmentsOf(connector);
    if (!part) return;
    const [item] = await createAll(connector, [h.request(`${h.marker()} removed file`)]);
    const bytes = new TextEncoder().encode('content');
    const kept = await part.upload(item!.id, upload('kept.txt', 'text/plain', bytes));
    const gone = await part.upload(item!.id, upload('gone.txt', 'text/plain', bytes));
    await part.remove(item!.id, gone.id);
    await part.remove(item!.id, gone.id);
    expect((await part.list(item!.id)).map((a) => a.id)).toEqual([kept.id]);
  });

  it('shows a file in rich text by its name: the text reads back as written before the file is attached, once its picture points at it, and after a write', async () => {
    const { connector, fields } = h.ctx();
    const part = attachmentsOf(connector);
    if (!part || !fields.richText) return;
    const m = h.marker();
    const doc: RichText = {
      type: 'doc',
      content: [
        { type: 'paragraph', content: [{ type: 'text', text: `${m} as seen here:` }] },
        { type: 'paragraph', content: [{ type: 'image', attachment: 'screen shot.png' }] },
      ],
    };
    // Created before its file exists (as the engine creates a copy), then written again once it does.
    const [item] = await createAll(connector, [h.request(`${m} picture`, { [fields.richText]: doc })]);
    const shown = async () =>
      (await getAll(connector, [item!.id], [fields.richText!]))[0]!.fields[fields.richText!] as RichText;
    expect(await shown(), 'the text before its file is attached').toEqual(doc);
    await part.upload(item!.id, upload('screen shot.png', 'image/png', Uint8Array.from([137, 80, 78, 71])));
    // Pointing the picture at the file changes where it points, not what the text says.
    await part.pointPictures?.(item!.id, [fields.richText]);
    expect(await shown(), 'the text once its picture points at the file').toEqual(doc);
    const [written] = await connector.update([{ id: item!.id, fields: { [fields.richText]: doc } }]);
    expect(written?.ok, 'writing the text again').toBe(true);
    expect(await shown(), 'the text once its file is attached').toEqual(doc);
  });

  it('lists link fields: link:parent as a reference, each link type as a multiLookup without allowed values', async () => {
    const { connector, project, type, links } = h.ctx();
    if (!connector.info.capabilities.links) return;
    const fields = await connector.listFields(project, type);
    const linkFields = fields.filter((f) => f.id.startsWith('link:'));
    expect(linkFields.length, 'capabilities.links but no link field listed').toBeGreaterThan(0);
    for (const field of linkFields) {
      expect(field.kind, field.id).toBe(field.id === PARENT_FIELD ? 'reference' : 'multiLookup');
      expect(field.allowedValues, `${field.id} allowed values`).toBeUndefined();
      expect(field.name).toMatch(/\S/);
    }
    if (!links) return;
    expect(linkFields.map((f) => f.id)).toEqual(expect.arrayContaining([PARENT_FIELD, linkField(links.type)]));
  });

  it('writes a typed link field as the exact set of ids, read back sorted by getMany and query', async () => {
    const { connector, project, type, fields, links } = h.ctx();
    if (!connector.info.capabilities.links || !links) return;
    const field = linkField(links.type);
    const m = h.marker();
    const [item, ...targets] = await createAll(
      connector,
      ['linking', 'first', 'second', 'third'].map((n) => h.request(`${m} ${n}`)),
    );
    const ids = targets.map((t) => t.id);
    const before = await revisionOf(item!.id);
    const write = async (wanted: string[]) =>
      okItem((await connector.update([{ id: item!.id, fields: { [field]: wanted } }]))[0]);
    const readBack = async () => (await getAll(connector, [item!.id], [field]))[0]!.fields[field];
    const written = await write([ids[2]!, ids[0]!, ids[1]!]);
    expect(written.fields[field], 'the write result’s links').toEqual(sortLinkIds(ids));
    expect(await readBack(), 'getMany').toEqual(sortLinkIds(ids));
    expect(written.revision, 'the revision after a link change').not.toBe(before);
    const polled = (
      await collect(
        connector.query({
          project,
          type,
          fields: [fields.title, field],
          since: { kind: 'timestamp', value: item!.updatedAt },
        }),
      )
    )
      .flat()
      .find((i: WorkItem) => i.id === item!.id);
    expect(polled?.fields[field], 'query').toEqual(sortLinkIds(ids));
    // The exact set: one link kept, two removed.
    await write([ids[1]!]);
    expect(await readBack()).toEqual([ids[1]]);
    await write([]);
    expect(await readBack()).toEqual([]);
    const [untouched] = await getAll(connector, [ids[0]!], [fields.title, field]);
    expect(untouched!.fields[field], 'a linked item’s own links of the type').toEqual([]);
  });

  it('sets a parent through link:parent, reads it back with its key, then clears it', async () => {
    const { connector, links } = h.ctx();
    if (!connector.info.capabilities.links || !links) return;
    const m = h.marker();
    const [parent] = await createAll(connector, [{ ...h.request(`${m} parent`), type: links.parentType }]);
    const [child, sibling] = await createAll(connector, [h.request(`${m} child`), h.request(`${m} not a child`)]);
    const write = async (value: { id: string } | null) =>
      okItem((await connector.update([{ id: child!.id, fields: { [PARENT_FIELD]: value } }]))[0]);
    const written = await write({ id: parent!.id });
    expect(written.fields[PARENT_FIELD]).toEqual({ id: parent!.id, key: parent!.key });
    expect(written.revision, 'the revision after a parent change').not.toBe(child!.revision);
    const read = await getAll(connector, [child!.id, sibling!.id], [PARENT_FIELD]);
    expect(read.find((i) => i.id === child!.id)?.fields[PARENT_FIELD]).toEqual({ id: parent!.id, key: parent!.key });
    expect(read.find((i) => i.id === sibling!.id)?.fields[PARENT_FIELD]).toBeNull();
    await write(null);
    expect((await getAll(connector, [child!.id], [PARENT_FIELD]))[0]!.fields[PARENT_FIELD]).toBeNull();
  });

  it('creates an item carrying its parent', async () => {
    const { connector, links } = h.ctx();
    if (!connector.info.capabilities.links || !links) return;
    const m = h.marker();
    const [parent] = await createAll(connector, [{ ...h.request(`${m} parent`), type: links.parentType }]);
    const request = h.request(`${m} born a child`, { [PARENT_FIELD]: { id: parent!.id } });
    const [created] = await createAll(connector, [{ ...request, returnFields: [PARENT_FIELD] }]);
    const expected = { id: parent!.id, key: parent!.key };
    expect(created!.fields[PARENT_FIELD], 'the create result’s parent').toEqual(expected);
    expect((await getAll(connector, [created!.id], [PARENT_FIELD]))[0]!.fields[PARENT_FIELD]).toEqual(expected);
  });
}
