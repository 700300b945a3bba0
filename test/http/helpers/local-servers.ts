import { spawn } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo, type Socket } from 'node:net';

/** A server listening on 127.0.0.1, closed with all its connections by `close()`. */
export interface LocalServer {
  port: number;
  /** `http(s)://127.0.0.1:port`. */
  url: string;
  close(): Promise<void>;
}

type Handler = (request: http.IncomingMessage, response: http.ServerResponse) => void;

function track(server: net.Server): () => Promise<void> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return () =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
}

async function listen(server: net.Server, scheme: string): Promise<LocalServer> {
  const close = track(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { port, url: `${scheme}://127.0.0.1:${port}`, close };
}

/** A plain HTTP server. */
export function startHttpServer(handler: Handler): Promise<LocalServer> {
  return listen(http.createServer(handler), 'http');
}

/** An HTTPS server presenting `cert`; with `clientCa`, it demands a client certificate issued by it. */
export function startHttpsServer(
  options: { cert: string; key: string; clientCa?: string },
  handler: Handler,
): Promise<LocalServer> {
  const server = https.createServer(
    {
      cert: options.cert,
      key: options.key,
      ...(options.clientCa ? { ca: options.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
    },
    handler,
  );
  return listen(server, 'https');
}

/** A server that accepts connections and never says a word. */
export function startSilentServer(): Promise<LocalServer> {
  return listen(
    net.createServer(() => {}),
    'http',
  );
}

/** A port on 127.0.0.1 where nothing listens (taken, then released). */
export async function closedPort(): Promise<number> {
  const server = await listen(net.createServer(), 'http');
  await server.close();
  return server.port;
}

/**
 * A port whose accept queue is full, so new connection attempts are silently dropped
 * (as behind a firewall that drops packets): a child process listens with a backlog of 1
 * and never accepts, and two connections fill the queue.
 */
export async function startBlackhole(): Promise<LocalServer> {
  const script = `const s=require('net').createServer().listen({port:0,host:'127.0.0.1',backlog:1},()=>{process.stdout.write(s.address().port+'\\n');Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0,120000)})`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  const port = await new Promise<number>((resolve) =>
    child.stdout.once('data', (data) => resolve(Number(String(data).trim()))),
  );
  const fillers = await Promise.all(
    [0, 1].map(
      () =>
        new Promise<Socket>((resolve) => {
          const socket = net.connect({ port, host: '127.0.0.1' }, () => resolve(socket));
          socket.on('error', () => {});
        }),
    ),
  );
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of fillers) socket.destroy();
      child.kill();
    },
  };
}

/** What the proxy saw. */
export interface ProxyLog {
  /** `CONNECT host:port` or `GET http://...` request lines. */
  requests: string[];
  /** Requests turned away with 407. */
  rejected: number;
}

/** A forward proxy: CONNECT tunnels and absolute-form forwarding, with optional Basic authentication. */
export interface LocalProxy extends LocalServer {
  log: ProxyLog;
}

/** Starts an HTTP forward proxy on 127.0.0.1; with `credentials` it answers 407 unless they are sent. */
export async function startProxy(credentials?: { username: string; password: string }): Promise<LocalProxy> {
  const log: ProxyLog = { requests: [], rejected: 0 };
  const expected = credentials
    ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`
    : undefined;
  const allowed = (request: http.IncomingMessage) =>
    expected === undefined || request.headers['proxy-authorization'] === expected;
  const deny =
    'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test-proxy"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n';

  const server = http.createServer((request, response) => {
    log.requests.push(`${request.method} ${request.url}`);
    if (!allowed(request)) {
      log.rejected++;
      response
        .writeHead(407, { 'proxy-authenticate': 'Basic realm="test-proxy"', 'content-type': 'text/plain' })
        .end('proxy auth required');
      return;
    }
    const target = new URL(request.url ?? '/');
    const headers = { ...request.headers };
    delete headers['proxy-authorization'];
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: request.method,
        headers,
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', () => response.writeHead(502).end());
    request.pipe(upstream);
  });
  server.on('connect', (request: http.IncomingMessage, client: Socket, head: Buffer) => {
    log.requests.push(`CONNECT ${request.url}`);
    client.on('error', () => {});
    if (!allowed(request)) {
      log.rejected++;
      client.end(deny);
      return;
    }
    const [host, port] = (request.url ?? '').split(':');
    const upstream = net.connect({ host, port: Number(port) }, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n'));
    client.on('close', () => upstream.destroy());
  });
  const running = await listen(server, 'http');
  return { ...running, log };
}
