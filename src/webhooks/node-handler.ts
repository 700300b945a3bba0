import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

/** A Web-standard handler, as `sync.webhooks.handle` is one. */
export type WebHandler = (request: Request) => Promise<Response>;

/** A Node.js request as `toNodeHandler`'s result takes it; Express's `req` is one (with `body` set by a raw body parser). */
export type NodeRequest = IncomingMessage & { body?: unknown; originalUrl?: string };

/**
 * Turns a Web-standard handler (`(request) => sync.webhooks.handle(request)`) into a
 * `(req, res)` listener for Node's `http.createServer` and Express. The body is streamed to the
 * handler (which limits its size); under Express, mount it before any JSON body parser, or
 * after `express.raw()`, whose Buffer it takes: a signature is over the raw bytes.
 */
export function toNodeHandler(handler: WebHandler): (req: NodeRequest, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    try {
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (value === undefined) continue;
        for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
      }
      const host = headers.get('host') ?? 'localhost';
      const url = new URL(req.originalUrl ?? req.url ?? '/', `http://${host}`);
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
      const parsed = req.body;
      if (hasBody && parsed !== undefined && !(parsed instanceof Uint8Array)) {
        // A JSON body parser ran first: the raw bytes a signature covers are gone.
        res.statusCode = 500;
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            error:
              'the body was parsed before the webhook handler: mount it before any JSON body parser, or after express.raw()',
          }),
        );
        return;
      }
      const body = !hasBody
        ? undefined
        : parsed instanceof Uint8Array
          ? parsed
          : (Readable.toWeb(req) as ReadableStream<Uint8Array>);
      const request = new Request(url, {
        method: req.method ?? 'GET',
        headers,
        ...(body === undefined ? {} : { body, duplex: 'half' }),
      } as RequestInit);
      const response = await handler(request);
      res.statusCode = response.status;
      response.headers.forEach((value, name) => {
        res.setHeader(name, value);
      });
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch {
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    }
  };
}
