import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Connector, WorkItem } from 'syncbridge';
import type { AttachmentUpload, ConnectorAttachments } from 'syncbridge/connector-kit';
import { createJiraSimulator } from 'syncbridge/testing/jira';
import type { RunningServer } from 'syncbridge/testing';
import { syncBotAccountId } from '../simulator/seed.js';
import { connectTo } from './support.js';

const sim = createJiraSimulator({ seed: 'empty' });
let server: RunningServer;
/** Every HTTP attempt of the connectors made by {@link connect}, as `METHOD path` below `rest/api/3/`. */
const calls: string[] = [];
let connector: Connector;

/** A connector of its own (the site's attachment settings are cached per connector). */
const connect = () =>
  connectTo(server.baseUrl, sim, {}, 'sync-bot@example.com', (e) =>
    calls.push(`${e.method} ${new URL(e.url).pathname.replace('/rest/api/3/', '')}`),
  );
const files = (c: Connector): ConnectorAttachments => {
  if (!c.attachments) throw new Error('no attachments part');
  return c.attachments;
};

beforeAll(async () => {
  server = await sim.listen();
  connector = connect();
});
afterEach(() => {
  sim.state.attachments.enabled = true;
  sim.state.attachments.uploadLimit = 1024 * 1024 * 1024;
});
afterAll(() => server.close());

async function issue(summary: string): Promise<WorkItem> {
  const [result] = await connector.create([
    { project: 'DEMO', type: 'Bug', fields: { summary }, origin: { system: 'ado', id: summary } },
  ]);
  if (!result?.ok) throw result?.error ?? new Error('create failed');
  return result.item;
}

/** A file to upload, counting how often its content is opened. */
function file(name: string, bytes: Uint8Array<ArrayBuffer>, mimeType = 'application/octet-stream') {
  const upload = {
    name,
    size: bytes.byteLength,
    mimeType,
    opened: 0,
    async open() {
      upload.opened++;
      return new Blob([bytes]).stream();
    },
  };
  return upload satisfies AttachmentUpload;
}

const bytesOf = async (stream: ReadableStream<Uint8Array>) => new Uint8Array(await new Response(stream).arrayBuffer());
const stored = (issueId: string) => sim.state.attachments.of(issueId);
const sent = (from: number, what: string) => calls.slice(from).filter((c) => c.includes(what));

describe('Jira attachments', () => {
  it('uploads a text file, lists it and downloads the same bytes, moving the issue', async () => {
    const bug = await issue('text file');
    const text = file('notes.txt', new TextEncoder().encode('line one\nline two\n'), 'text/plain');
    const uploaded = await files(connector).upload(bug.id, text);
    expect(uploaded).toMatchObject({
      name: 'notes.txt',
      size: text.size,
      mimeType: 'text/plain',
      author: { id: syncBotAccountId },
    });
    expect(uploaded.url).toBe(`${server.baseUrl}/rest/api/3/attachment/content/${uploaded.id}`);
    expect(Date.parse(uploaded.createdAt)).toBeGreaterThan(0);
    expect(await files(connector).list(bug.id)).toEqual([uploaded]);
    const before = calls.length;
    expect(new TextDecoder().decode(await bytesOf(await files(connector).download(bug.id, uploaded)))).toBe(
      'line one\nline two\n',
    );
    // The content is asked for without the redirect: one request.
    expect(sent(before, 'attachment/content')).toHaveLength(1);
    const [after] = await connector.getMany([bug.id], { fields: ['summary'] });
    expect(after?.revision).not.toBe(bug.revision);
    expect(stored(bug.id).map((a) => a.filename)).toEqual(['notes.txt']);
  });

  it('keeps binary content byte for byte, and lists files oldest first', async () => {
    const bug = await issue('binary file');
    const bytes = new Uint8Array(200_000).map((_, i) => (i * 7919 + (i >> 8)) % 256);
    const first = await files(connector).upload(bug.id, file('dump.bin', bytes));
    const second = await files(connector).upload(bug.id, file('shot.png', bytes.subarray(0, 1000), 'image/png'));
    expect((await files(connector).list(bug.id)).map((a) => [a.name, a.size, a.mimeType])).toEqual([
      ['dump.bin', 200_000, 'application/octet-stream'],
      ['shot.png', 1000, 'image/png'],
    ]);
    expect(await bytesOf(await files(connector).download(bug.id, first))).toEqual(bytes);
    expect(await bytesOf(await files(connector).download(bug.id, second))).toEqual(bytes.subarray(0, 1000));
    expect(stored(bug.id)[0]?.bytes).toEqual(bytes);
  });

  it('keeps a name with non-ASCII letters, quotes and line breaks', async () => {
    const bug = await issue('odd name');
    const name = 'Größe "final"\r\n日本語 ✓ 100%.log';
    const uploaded = await files(connector).upload(bug.id, file(name, new TextEncoder().encode('x'), 'text/plain'));
    expect(uploaded.name).toBe(name);
    expect((await files(connector).list(bug.id)).map((a) => a.name)).toEqual([name]);
    expect(stored(bug.id)[0]?.filename).toBe(name);
  });

  it('uploads and downloads an empty file', async () => {
    const bug = await issue('empty file');
    const uploaded = await files(connector).upload(bug.id, file('empty.txt', new Uint8Array(0), 'text/plain'));
    expect(uploaded.size).toBe(0);
    expect(await bytesOf(await files(connector).download(bug.id, uploaded))).toEqual(new Uint8Array(0));
    expect(stored(bug.id).map((a) => a.bytes.byteLength)).toEqual([0]);
  });

  it("reports the site's limit once per connector and refuses a larger file before sending anything", async () => {
    sim.state.attachments.uploadLimit = 10;
    const limited = connect();
    const bug = await issue('too large');
    const before = calls.length;
    expect(await files(limited).maxBytes()).toBe(10);
    expect(await files(limited).maxBytes()).toBe(10);
    const big = file('big.log', new Uint8Array(11));
    const error = await files(limited)
      .upload(bug.id, big)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'ATTACHMENT_TOO_LARGE',
      details: { file: 'big.log', size: 11, limit: 10 },
    });
    expect((error as Error).message).toMatch(/big\.log is 11 bytes, over the site's attachment limit of 10 bytes/);
    expect(big.opened).toBe(0);
    expect(calls.slice(before)).toEqual(['GET attachment/meta']);
    expect(stored(bug.id)).toEqual([]);
  });

  it("maps Jira's own 413 to the same error", async () => {
    const bug = await issue('limit lowered');
    const stale = connect();
    expect(await files(stale).maxBytes()).toBe(1024 * 1024 * 1024);
    sim.state.attachments.uploadLimit = 4;
    const error = await files(stale)
      .upload(bug.id, file('five.txt', new Uint8Array(5)))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ATTACHMENT_TOO_LARGE', details: { file: 'five.txt', size: 5 } });
    expect(stored(bug.id)).toEqual([]);
  });

  it('says attachments are disabled on a site that turned them off', async () => {
    sim.state.attachments.enabled = false;
    const off = connect();
    const bug = await issue('disabled');
    expect(await files(off).maxBytes()).toBeUndefined();
    await expect(files(off).upload(bug.id, file('a.txt', new Uint8Array(1)))).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      message: expect.stringContaining('attachments are disabled'),
    });
    expect(stored(bug.id)).toEqual([]);
  });

  it('removes a file, and removing it again is no error', async () => {
    const bug = await issue('remove twice');
    const uploaded = await files(connector).upload(bug.id, file('gone.txt', new Uint8Array(3)));
    await files(connector).remove(bug.id, uploaded.id);
    await files(connector).remove(bug.id, uploaded.id);
    expect(await files(connector).list(bug.id)).toEqual([]);
    expect(sim.state.attachments.get(uploaded.id)).toBeUndefined();
  });

  it('repeats an upload Jira refused with 503 and Retry-After with the content opened afresh: one attachment', async () => {
    const bug = await issue('retried upload');
    const retried = file('retry.txt', new TextEncoder().encode('payload'), 'text/plain');
    const before = calls.length;
    sim.failNext(1, 503, 0);
    const uploaded = await files(connector).upload(bug.id, retried);
    expect(sent(before, '/attachments')).toHaveLength(2);
    expect(retried.opened).toBe(2);
    expect(stored(bug.id).map((a) => [a.id, new TextDecoder().decode(a.bytes)])).toEqual([[uploaded.id, 'payload']]);
  });

  it('does not repeat an upload answered by a bare 503: the engine looks for the copy instead', async () => {
    const bug = await issue('not repeated');
    const once = file('once.txt', new Uint8Array(2));
    const before = calls.length;
    sim.failNext(1, 503);
    await expect(files(connector).upload(bug.id, once)).rejects.toMatchObject({ code: 'TRANSIENT' });
    expect(sent(before, '/attachments')).toHaveLength(1);
    expect(once.opened).toBe(1);
    expect(stored(bug.id)).toEqual([]);
  });

  it('works on Data Center (REST v2), reading the content from the address Jira gives', async () => {
    const dc = connectTo(
      server.baseUrl,
      sim,
      { apiVersion: '2' },
      undefined,
      (e) => calls.push(`${e.method} ${new URL(e.url).pathname}`),
      'pat',
    );
    const bug = await issue('data center');
    const uploaded = await files(dc).upload(bug.id, file('dc.txt', new TextEncoder().encode('on prem'), 'text/plain'));
    expect(uploaded.author?.id).toBe('sync-bot');
    expect(uploaded.url.startsWith(`${server.baseUrl}/rest/api/2/`)).toBe(true);
    expect(await files(dc).list(bug.id)).toEqual([uploaded]);
    const before = calls.length;
    expect(new TextDecoder().decode(await bytesOf(await files(dc).download(bug.id, uploaded)))).toBe('on prem');
    expect(calls.slice(before)).toEqual([`GET ${new URL(uploaded.url).pathname}`]);
    await files(dc).remove(bug.id, uploaded.id);
    expect(stored(bug.id)).toEqual([]);
  });

  it('fails an upload whose content is shorter than announced, attaching nothing', async () => {
    const bug = await issue('short content');
    const liar = { ...file('short.txt', new Uint8Array(3)), size: 5 };
    await expect(files(connector).upload(bug.id, liar)).rejects.toMatchObject({
      code: 'VALIDATION',
      message: 'the content of short.txt is 3 bytes, not the 5 announced',
    });
    expect(stored(bug.id)).toEqual([]);
  });
});
