import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SyncbridgeError } from '../errors/syncbridge-error.js';

/** A Node.js HTTP listener serving a `Request → Response` function. */
export interface NodeListener {
  readonly address: { url: string; port: number };
  /** Stops taking connections, waits up to `graceMs` for requests under way, then drops the rest. */
  close(graceMs: number): Promise<void>;
}

// Webhook bodies are small (a Jira issue with its changelog is some kB); a larger body is refused unread.
const maxBodyBytes = 10 * 1024 * 1024;

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        reject(new BodyTooLarge());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function toRequest(req: IncomingMessage, body: Buffer): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const method = req.method ?? 'GET';
  // The Host header names the address the client used; the routes only read the path.
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
  return new Request(url, {
    method,
    headers,
    body: method === 'GET' || method === 'HEAD' || body.length === 0 ? undefined : new Uint8Array(body),
  });
}

async function send(res: ServerResponse, response: Response, head: boolean): Promise<void> {
  res.statusCode = response.status;
  response.headers.forEach((value, key) => {
    res.setHeader(key, value);
  });
  const body = Buffer.from(await response.arrayBuffer());
  res.setHeader('content-length', body.length);
  res.end(head ? undefined : body);
}

/** Listens on `host:port` and answers every request with `handle`. */
export async function listenNode(
  handle: (request: Request) => Promise<Response>,
  options: { port: number; host: string },
): Promise<NodeListener> {
  let pending = 0;
  let idle: (() => void) | undefined;
  const server = createServer((req, res) => {
    pending++;
    readBody(req)
      .then((body) => handle(toRequest(req, body)))
      .then((response) => send(res, response, req.method === 'HEAD'))
      .catch((error: unknown) => {
        if (res.headersSent) return res.destroy();
        res.statusCode = error instanceof BodyTooLarge ? 413 : 400;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ error: error instanceof BodyTooLarge ? 'BODY_TOO_LARGE' : 'BAD_REQUEST' }));
      })
      .finally(() => {
        pending--;
        if (pending === 0) idle?.();
      });
  });
  await new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => {
      const where = `${options.host}:${options.port}`;
      const why =
        error.code === 'EADDRINUSE'
          ? `${where} is in use by another process`
          : error.code === 'EACCES'
            ? `this process may not listen on ${where} (ports below 1024 need privileges)`
            : error.code === 'EADDRNOTAVAIL'
              ? `${options.host} is no address of this machine`
              : `cannot listen on ${where}: ${error.message}`;
      reject(
        new SyncbridgeError('CONFIG_INVALID', `${why}; choose another with --port/--host or serve.port/serve.host`, {
          cause: error,
          details: { host: options.host, port: options.port, code: error.code },
        }),
      );
    };
    server.once('error', failed);
    server.listen(options.port, options.host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shown = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  const host = shown.includes(':') ? `[${shown}]` : shown;
  return {
    address: { url: `http://${host}:${port}`, port },
    async close(graceMs) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (pending > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          new Promise<void>((resolve) => {
            idle = resolve;
          }),
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, graceMs);
          }),
        ]);
        clearTimeout(timer);
      }
      server.closeAllConnections();
      await closed;
    },
  };
}
