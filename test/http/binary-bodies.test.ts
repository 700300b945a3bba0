import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { isSyncbridgeError, type SyncbridgeError } from 'syncbridge';
import { createHttpClient, type BinaryBody } from 'syncbridge/connector-kit';
import { startHttpServer, type LocalServer } from './helpers/local-servers.js';

// Made afresh per run: no secret-looking literal in the sources.
const token = randomBytes(16).toString('hex');

/** What the server saw of one request: its headers and every byte of its body it read. */
interface Received {
  method: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A server on 127.0.0.1 answering each request with the handler of its turn (the last one for the rest). */
async function serve(
  ...turns: Array<(request: IncomingMessage, response: ServerResponse, received: Received) => void>
): Promise<Received[]> {
  const log: Received[] = [];
  server = await startHttpServer((request, response) => {
    const turn = turns[Math.min(log.length, turns.length - 1)]!;
    const received: Received = { method: request.method ?? '', headers: request.headers, body: Buffer.alloc(0) };
    log.push(received);
    turn(request, response, received);
  });
  return log;
}

/** Reads the whole body into `received`, then calls `then`. */
const readAll =
  (then: (response: ServerResponse, received: Received) => void) =>
  (request: IncomingMessage, response: ServerResponse, received: Received) => {
    const pieces: Buffer[] = [];
    request.on('data', (piece: Buffer) => pieces.push(piece));
    request.on('end', () => {
      received.body = Buffer.concat(pieces);
      then(response, received);
    });
  };

const answer = (status: number) => (response: ServerResponse) =>
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ status }));
/** Reads the body, then drops the connection without a word: the answer is lost. */
const loseAnswer = readAll((response) => response.socket?.destroy());

function client(retries = 2) {
  return createHttpClient({
    system: 'ado',
    baseUrl: server!.url,
    auth: { type: 'bearer', token },
    retry: { retries, minTimeoutMs: 1, maxTimeoutMs: 1 },
    proxy: false,
    timeoutMs: 10_000,
  });
}

/** Deterministic content of a length, different in every byte position modulo 251. */
const content = (length: number) => Buffer.from(Uint8Array.from({ length }, (_, n) => n % 251));

/** A binary body over `bytes` handed out in pieces of 16 KiB, counting how often it is opened. */
function body(bytes: Buffer): BinaryBody & { opened: number } {
  const file = {
    contentType: 'application/octet-stream',
    length: bytes.byteLength,
    opened: 0,
    async open() {
      file.opened++;
      let at = 0;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (at >= bytes.byteLength) return controller.close();
          controller.enqueue(new Uint8Array(bytes.subarray(at, at + 16 * 1024)));
          at += 16 * 1024;
        },
      });
    },
  };
  return file;
}

async function caught(promise: Promise<unknown>): Promise<SyncbridgeError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isSyncbridgeError(error)) throw new Error(`expected a syncbridge error, got ${String(error)}`);
  expect(JSON.stringify({ message: error.message, json: error.toJSON() })).not.toContain(token);
  return error;
}

describe('binary request bodies', () => {
  it('stream a body opened afresh for each attempt, with its content-length, until one is answered', async () => {
    const log = await serve(readAll(answer(503)), readAll(answer(200)));
    const bytes = content(300_000);
    const file = body(bytes);
    const result = await client().request({ method: 'PUT', path: 'upload', body: file });
    expect(result).toEqual({ status: 200 });
    expect(file.opened).toBe(2);
    expect(log).toHaveLength(2);
    for (const received of log) {
      expect(received.headers['content-length']).toBe(String(bytes.byteLength));
      expect(received.headers['content-type']).toBe('application/octet-stream');
      expect(received.headers['transfer-encoding']).toBeUndefined();
      expect(received.body.equals(bytes), `${received.body.byteLength} bytes received`).toBe(true);
    }
  });

  it('go out as they are read: the server has the first piece before the rest is made', async () => {
    let firstArrived!: () => void;
    const arrived = new Promise<void>((resolve) => (firstArrived = resolve));
    const log = await serve((request, response, received) => {
      const pieces: Buffer[] = [];
      request.on('data', (piece: Buffer) => {
        pieces.push(piece);
        firstArrived();
      });
      request.on('end', () => {
        received.body = Buffer.concat(pieces);
        answer(201)(response);
      });
    });
    const pieces = 64;
    // The second piece is only made once the server holds the first: a transport that read the
    // whole body before sending (holding a file in memory) would wait for ever.
    const file: BinaryBody = {
      contentType: 'application/octet-stream',
      length: pieces * 1024,
      async open() {
        let made = 0;
        return new ReadableStream<Uint8Array>({
          async pull(controller) {
            if (made === 1) await arrived;
            if (made++ === pieces) return controller.close();
            controller.enqueue(new Uint8Array(1024).fill(made));
          },
        });
      },
    };
    await client().request({ method: 'POST', path: 'attachments', body: file });
    expect(log[0]!.body.byteLength).toBe(pieces * 1024);
  });

  it('send a new stream after a connection dropped halfway through the body, never the rest of the old one', async () => {
    const log = await serve(
      (request, response, received) =>
        request.once('data', (piece: Buffer) => {
          received.body = piece;
          response.socket?.destroy();
        }),
      readAll(answer(201)),
    );
    const bytes = content(1_000_000);
    const file = body(bytes);
    await client().request({ method: 'PUT', path: 'upload', body: file });
    expect(file.opened).toBe(2);
    expect(log).toHaveLength(2);
    expect(log[0]!.body.byteLength).toBeLessThan(bytes.byteLength);
    expect(log[1]!.body.equals(bytes), `${log[1]!.body.byteLength} bytes received`).toBe(true);
  });

  it('are not sent again by a POST whose answer was lost after the server read them', async () => {
    const log = await serve(loseAnswer, readAll(answer(201)));
    const bytes = content(50_000);
    const file = body(bytes);
    const error = await caught(client(4).request({ method: 'POST', path: 'attachments', body: file }));
    expect(error.code).toBe('TCP_RESET');
    expect(file.opened).toBe(1);
    expect(log).toHaveLength(1);
    expect(log[0]!.body.equals(bytes)).toBe(true);
  });
});

describe('downloads', () => {
  it('hand over the body unread, before the server has sent it all, to be read chunk by chunk', async () => {
    const bytes = content(4 * 1024 * 1024);
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const log = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'image/png', 'content-length': String(bytes.byteLength) });
      response.write(bytes.subarray(0, 64 * 1024));
      // The rest only once the client has handed the answer over: a client that buffers never gets there.
      void released.then(async () => {
        for (let at = 64 * 1024; at < bytes.byteLength; at += 256 * 1024) {
          if (!response.write(bytes.subarray(at, at + 256 * 1024)))
            await new Promise((resolve) => response.once('drain', resolve));
        }
        response.end();
      });
    });
    const download = await client().download({ path: 'attachments/1' });
    expect(download.headers.get('content-type')).toBe('image/png');
    expect(log[0]!.headers.accept).toBe('*/*');
    release();
    const reader = download.body.getReader();
    const pieces: Uint8Array[] = [];
    for (let next = await reader.read(); !next.done; next = await reader.read()) pieces.push(next.value);
    expect(pieces.length).toBeGreaterThan(1);
    expect(Buffer.concat(pieces).equals(bytes)).toBe(true);
    expect(log).toHaveLength(1);
  });

  it('raise the usual typed error for a missing file', async () => {
    const log = await serve((_request, response) =>
      response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'gone' })),
    );
    const error = await caught(client().download({ path: 'attachments/404' }));
    expect(error).toMatchObject({ code: 'NOT_FOUND', details: { status: 404 } });
    expect(error.message).toMatch(/^ado: GET \/attachments\/404 answered 404/);
    expect(log).toHaveLength(1);
  });

  it('are retried after a 503 that came before the body', async () => {
    const bytes = content(100_000);
    const log = await serve(
      (_request, response) => response.writeHead(503, { 'retry-after': '0' }).end(),
      (_request, response) => response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(bytes),
    );
    const download = await client().download({ path: 'attachments/2' });
    expect(Buffer.from(await new Response(download.body).arrayBuffer()).equals(bytes)).toBe(true);
    expect(log).toHaveLength(2);
  });
});
