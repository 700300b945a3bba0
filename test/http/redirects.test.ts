import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpClient } from 'syncbridge/connector-kit';
import { startHttpServer, type LocalServer } from './helpers/local-servers.js';

// Made afresh per run: no secret-looking literal in the sources.
const token = randomBytes(16).toString('hex');
let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface Seen {
  method: string;
  url: string;
  contentType: string | undefined;
  contentLength: string | undefined;
  body: string;
}

/** A server that sends `/old` on to `/new` with `status`, and answers `/new` with what it was sent. */
async function redirecting(status: number): Promise<Seen[]> {
  const seen: Seen[] = [];
  server = await startHttpServer((request: IncomingMessage, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (piece: string) => (body += piece));
    request.on('end', () => {
      seen.push({
        method: request.method ?? '',
        url: request.url ?? '',
        contentType: request.headers['content-type'],
        contentLength: request.headers['content-length'],
        body,
      });
      if (request.url === '/old') response.writeHead(status, { location: '/new' }).end();
      else response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ got: body }));
    });
  });
  return seen;
}

describe('a JSON request sent on by a redirect', () => {
  const json = { title: 'Bug 1: Zürich — total wrong', ids: [1, 2, 3] };
  const sent = JSON.stringify(json);

  it.each([307, 308])('is sent again whole after a %i, with its type and length', async (status) => {
    const seen = await redirecting(status);
    const http = createHttpClient({ system: 'ado', baseUrl: server!.url, auth: { type: 'bearer', token } });
    expect(await http.request({ method: 'POST', path: 'old', json })).toEqual({ got: sent });
    expect(seen).toEqual([
      {
        method: 'POST',
        url: '/old',
        contentType: 'application/json',
        contentLength: String(Buffer.byteLength(sent)),
        body: sent,
      },
      {
        method: 'POST',
        url: '/new',
        contentType: 'application/json',
        contentLength: String(Buffer.byteLength(sent)),
        body: sent,
      },
    ]);
  });

  it('becomes a GET without a body after a 303', async () => {
    const seen = await redirecting(303);
    const http = createHttpClient({ system: 'ado', baseUrl: server!.url, auth: { type: 'bearer', token } });
    expect(await http.request({ method: 'POST', path: 'old', json })).toEqual({ got: '' });
    expect(seen[1]).toEqual({ method: 'GET', url: '/new', contentType: undefined, contentLength: undefined, body: '' });
  });
});
