import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createHttpClient } from 'syncbridge/connector-kit';
import { parseJsonBytes } from '../../src/http/json-bytes.js';
import { startHttpServer, type LocalServer } from './helpers/local-servers.js';

/** What `JSON.parse` makes of a text sent as UTF-8: the value, or the fact that it refuses it. */
function reference(text: string): { value: unknown } | 'refused' {
  try {
    return { value: JSON.parse(Buffer.from(text).toString()) };
  } catch {
    return 'refused';
  }
}

function split(text: string, limit: number): { value: unknown } | 'refused' {
  try {
    return { value: parseJsonBytes(Buffer.from(text), limit) };
  } catch (error) {
    expect(error).toBeInstanceOf(SyntaxError);
    return 'refused';
  }
}

// Member names that JSON treats as any other; an object here must not treat them otherwise.
const anyString = fc.oneof(fc.string(), fc.string({ unit: 'binary' }));
const key = fc.oneof(anyString, fc.constantFrom('__proto__', 'constructor', 'a"b', 'x\\\\y', 'ü'));
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.oneof(anyString, fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null)),
    fc.array(tie('value')),
    fc.dictionary(key, tie('value')),
  ),
})).value;
// Pretty-printed or not, so that white space falls between every kind of piece.
const text = fc
  .tuple(json, fc.constantFrom(undefined, 1, '\t', ' \r\n '))
  .map(([value, space]) => JSON.stringify(value, null, space));

describe('parseJsonBytes', () => {
  it('reads any JSON as JSON.parse does, however small the pieces it is parsed in', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 0, max: 40 }), (source, limit) => {
        expect(split(source, limit)).toEqual(reference(source));
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses exactly what JSON.parse refuses: a byte taken out, put in or changed anywhere', () => {
    const damage = fc.tuple(
      fc.nat(),
      fc.constantFrom('delete', 'insert', 'replace'),
      fc.constantFrom(...',:{}[]" \\0a-e.'),
    );
    fc.assert(
      fc.property(text, damage, fc.integer({ min: 0, max: 24 }), (source, [where, how, byte], limit) => {
        const at = source.length === 0 ? 0 : where % source.length;
        const damaged =
          how === 'delete'
            ? source.slice(0, at) + source.slice(at + 1)
            : source.slice(0, at) + byte + source.slice(how === 'insert' ? at : at + 1);
        expect(split(damaged, limit)).toEqual(reference(damaged));
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps "__proto__" a member, as JSON.parse does, also in the pieces it walks itself', () => {
    const value = parseJsonBytes(Buffer.from('{"__proto__": {"polluted": true}, "list": [1, 2]}'), 4) as object;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'list']);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('skips a byte order mark and keeps characters of several bytes whole across pieces', () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a": ["é", "日本", "😀"], "b": "ü"}')]);
    expect(parseJsonBytes(body, 3)).toEqual({ a: ['é', '日本', '😀'], b: 'ü' });
  });
});

// Made afresh per run: no secret-looking literal in the sources.
const token = randomBytes(16).toString('hex');
const pageSchema = z.object({ issues: z.array(z.unknown()) });
let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('JSON bodies over HTTP', () => {
  /** A page like a search's: `count` issues of about 4 KB each, as one answer of several hundred KB. */
  const page = (count: number) => ({
    issues: Array.from({ length: count }, (_, i) => ({
      id: String(10_000 + i),
      key: `DEMO-${i}`,
      fields: { summary: `Bug ${i}: ümlaut — ${'x'.repeat(4000)}`, labels: ['a', 'b'], points: i / 2 },
    })),
    nextPageToken: 'next',
    isLast: false,
  });

  async function answering(body: Buffer | string, contentType = 'application/json') {
    server = await startHttpServer((_request, response) => {
      response.writeHead(200, { 'content-type': contentType });
      // In pieces, so that the client sees the body arrive in several chunks.
      const bytes = Buffer.from(body);
      for (let at = 0; at < bytes.length; at += 7_000) response.write(bytes.subarray(at, at + 7_000));
      response.end();
    });
    return createHttpClient({ system: 'jira', baseUrl: server.url, auth: { type: 'bearer', token } });
  }

  it('reads a large answer whole and equal to what was sent', async () => {
    const sent = page(150);
    const http = await answering(JSON.stringify(sent));
    expect(await http.request({ path: 'search' })).toEqual(sent);
  });

  it('reads large answers one after the other and several at once, each whole and its own', async () => {
    // Sizes from 60 KB to 700 KB, so that a later answer lands in a buffer an earlier one used.
    const pageOf = (n: number) => page(15 + ((n * 37) % 160));
    server = await startHttpServer((request, response) => {
      const n = Number(request.url?.split('/').pop());
      response.writeHead(200, { 'content-type': 'application/json' });
      const bytes = Buffer.from(JSON.stringify({ n, ...pageOf(n) }));
      for (let at = 0; at < bytes.length; at += 16_000) response.write(bytes.subarray(at, at + 16_000));
      response.end();
    });
    const http = createHttpClient({ system: 'jira', baseUrl: server.url, auth: { type: 'bearer', token } });
    const read = (n: number) => http.request({ path: `page/${n}` });
    for (let n = 0; n < 6; n++) expect(await read(n)).toEqual({ n, ...pageOf(n) });
    const together = await Promise.all([6, 7, 8, 9, 10, 11, 12, 13].map(read));
    expect(together).toEqual([6, 7, 8, 9, 10, 11, 12, 13].map((n) => ({ n, ...pageOf(n) })));
  });

  it('reads a large answer that starts with a byte order mark', async () => {
    const sent = page(40);
    const http = await answering(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(sent))]));
    expect(await http.request({ path: 'search' })).toEqual(sent);
  });

  it('fails a large answer cut short as not JSON, naming the place, not as a half-read page', async () => {
    const http = await answering(JSON.stringify(page(40)).slice(0, -3));
    const failure = await http.request({ path: 'search', schema: pageSchema }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'PROTOCOL' });
    expect(String((failure as Error).message)).toMatch(/GET \/search returned an unexpected body at \(body\)/);
  });
});
