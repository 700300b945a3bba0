import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSyncbridgeError, type Logger, type SyncbridgeError } from 'syncbridge';
import { createHttpClient, type HttpClientOptions } from 'syncbridge/connector-kit';
import {
  closedPort,
  startBlackhole,
  startHttpServer,
  startHttpsServer,
  startProxy,
  startSilentServer,
  type LocalProxy,
  type LocalServer,
} from './helpers/local-servers.js';
import { createTestPki, type TestPki } from './helpers/test-pki.js';

const token = 'tok-3c1f9e-very-secret';
const proxyPassword = 'pr0xy-s3cret!';

let pki: TestPki;
let trusted: LocalServer;
let expired: LocalServer;
let wrongHost: LocalServer;
let plain: LocalServer;
let openProxy: LocalProxy;
let guardedProxy: LocalProxy;

const answer = (request: { url?: string | undefined; headers: Record<string, unknown> }) =>
  JSON.stringify({ path: request.url, auth: request.headers.authorization !== undefined });

beforeAll(async () => {
  pki = createTestPki();
  const handler = (request: import('node:http').IncomingMessage, response: import('node:http').ServerResponse) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(answer(request));
  };
  [trusted, expired, wrongHost, plain, openProxy, guardedProxy] = await Promise.all([
    startHttpsServer(pki.server, handler),
    startHttpsServer(pki.expired, handler),
    startHttpsServer(pki.wrongHost, handler),
    startHttpServer(handler),
    startProxy(),
    startProxy({ username: 'alice', password: proxyPassword }),
  ]);
});

afterAll(async () => {
  await Promise.all([trusted, expired, wrongHost, plain, openProxy, guardedProxy].map((s) => s?.close()));
  pki?.cleanup();
});

function client(baseUrl: string, extra: Partial<HttpClientOptions> = {}) {
  return createHttpClient({
    system: 'jira',
    baseUrl,
    auth: { type: 'bearer', token },
    retry: { retries: 0 },
    connectTimeoutMs: 2_000,
    timeoutMs: 5_000,
    ...extra,
    ...(extra.proxy === undefined ? { proxy: false } : {}),
  });
}

async function caught(promise: Promise<unknown>): Promise<SyncbridgeError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isSyncbridgeError(error)) throw new Error(`expected a syncbridge error, got ${String(error)}`);
  return error;
}

/** The error of a failed request, checked for what every connection message must carry. */
async function failure(promise: Promise<unknown>): Promise<SyncbridgeError> {
  const error = await caught(promise);
  const printed = JSON.stringify({ message: error.message, json: error.toJSON() });
  expect(printed).not.toContain(token);
  expect(printed).not.toContain(proxyPassword);
  expect(error.message).toMatch(/^jira: /);
  expect(error.message).toMatch(/Likely cause: .+\. Fix: .+/);
  return error;
}

describe('an HTTPS system with a private certificate authority', () => {
  it('fails with TLS_UNTRUSTED naming tls.caFile until the CA is trusted', async () => {
    const error = await failure(client(trusted.url).request({ path: 'rest/api/3/myself' }));
    expect(error.code).toBe('TLS_UNTRUSTED');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('tls.caFile');
    expect(error.message).toContain(`127.0.0.1:${trusted.port}`);
  });

  it('works once the CA file is configured, or the CA is given as PEM text', async () => {
    await expect(
      client(trusted.url, { tls: { caFile: pki.ca.certFile } }).request({ path: 'rest/api/3/myself' }),
    ).resolves.toEqual({ path: '/rest/api/3/myself', auth: true });
    await expect(client(trusted.url, { tls: { caPem: pki.ca.cert } }).request({ path: 'x' })).resolves.toMatchObject({
      path: '/x',
    });
  });

  it('says which setting is wrong when the CA file is missing', async () => {
    const error = await caught(client(trusted.url, { tls: { caFile: `${pki.dir}/nope.pem` } }).request({ path: 'x' }));
    expect(error.code).toBe('TLS_FILE_UNREADABLE');
    expect(error.message).toContain('tls.caFile');
    expect(error.message).toContain('ENOENT');
  });

  it('reports an expired certificate as TLS_EXPIRED', async () => {
    const error = await failure(client(expired.url, { tls: { caFile: pki.ca.certFile } }).request({ path: 'x' }));
    expect(error.code).toBe('TLS_EXPIRED');
    expect(error.message).toMatch(/renew/);
  });

  it('reports a certificate for another host as TLS_HOSTNAME_MISMATCH', async () => {
    const error = await failure(client(wrongHost.url, { tls: { caFile: pki.ca.certFile } }).request({ path: 'x' }));
    expect(error.code).toBe('TLS_HOSTNAME_MISMATCH');
    expect(error.message).toMatch(/host name/);
  });

  it('accepts any certificate with insecureSkipVerify, and warns once per system', async () => {
    const warnings: string[] = [];
    const logger: Logger = { debug() {}, info() {}, error() {}, warn: (message) => warnings.push(message) };
    const insecure = client(expired.url, { system: 'jira-test-box', tls: { insecureSkipVerify: true }, logger });
    await insecure.request({ path: 'a' });
    await insecure.request({ path: 'b' });
    await client(expired.url, { system: 'jira-test-box', tls: { insecureSkipVerify: true }, logger }).request({
      path: 'c',
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/INSECURE.*jira-test-box.*test systems only/);
  });

  it('presents a client certificate when the server demands one', async () => {
    const mtls = await startHttpsServer({ ...pki.server, clientCa: pki.ca.cert }, (_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
    );
    try {
      const withCert = client(mtls.url, {
        tls: { caFile: pki.ca.certFile, certFile: pki.client.certFile, keyFile: pki.client.keyFile },
      });
      await expect(withCert.request({ path: 'x' })).resolves.toEqual({ ok: true });
      const without = await failure(client(mtls.url, { tls: { caFile: pki.ca.certFile } }).request({ path: 'x' }));
      expect(without.code).toBe('TLS_CLIENT_CERT_REJECTED');
      expect(without.message).toContain('tls.certFile');
    } finally {
      await mtls.close();
    }
  });
});

describe('a system behind a company proxy', () => {
  it('tunnels HTTPS through CONNECT', async () => {
    const before = openProxy.log.requests.length;
    const viaProxy = client(trusted.url, { proxy: { url: openProxy.url }, tls: { caFile: pki.ca.certFile } });
    await expect(viaProxy.request({ path: 'rest/api/3/myself' })).resolves.toEqual({
      path: '/rest/api/3/myself',
      auth: true,
    });
    expect(openProxy.log.requests.slice(before)).toEqual([`CONNECT 127.0.0.1:${trusted.port}`]);
  });

  it('forwards plain HTTP with the absolute URL on the request line', async () => {
    const before = openProxy.log.requests.length;
    await expect(client(plain.url, { proxy: { url: openProxy.url } }).request({ path: 'api?q=1' })).resolves.toEqual({
      path: '/api?q=1',
      auth: true,
    });
    expect(openProxy.log.requests.slice(before)).toEqual([`GET ${plain.url}/api?q=1`]);
  });

  it('takes HTTPS_PROXY from the environment and honours NO_PROXY', async () => {
    const previous = { HTTPS_PROXY: process.env.HTTPS_PROXY, NO_PROXY: process.env.NO_PROXY };
    process.env.HTTPS_PROXY = openProxy.url;
    try {
      const before = openProxy.log.requests.length;
      const fromEnv = createHttpClient({
        system: 'jira',
        baseUrl: trusted.url,
        auth: { type: 'none' },
        tls: { caFile: pki.ca.certFile },
        retry: { retries: 0 },
      });
      await fromEnv.request({ path: 'one' });
      expect(openProxy.log.requests.length).toBe(before + 1);
      process.env.NO_PROXY = 'example.org, 127.0.0.1';
      const bypassing = createHttpClient({
        system: 'jira',
        baseUrl: trusted.url,
        auth: { type: 'none' },
        tls: { caFile: pki.ca.certFile },
        retry: { retries: 0 },
      });
      await bypassing.request({ path: 'two' });
      expect(openProxy.log.requests.length).toBe(before + 1);
    } finally {
      for (const [name, value] of Object.entries(previous)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('fails with PROXY_AUTH_REQUIRED when the proxy wants credentials, without printing them', async () => {
    const wrong = `http://alice:not-${proxyPassword}@127.0.0.1:${guardedProxy.port}`;
    for (const target of [trusted.url, plain.url]) {
      const error = await failure(
        client(target, { proxy: { url: wrong }, tls: { caFile: pki.ca.certFile } }).request({ path: 'x' }),
      );
      expect(error.code).toBe('PROXY_AUTH_REQUIRED');
      expect(error.message).toContain(`127.0.0.1:${guardedProxy.port}`);
      expect(error.message).toContain('user:password@ before the host');
    }
  });

  it('authenticates to the proxy with the credentials of the proxy URL', async () => {
    const right = `http://alice:${encodeURIComponent(proxyPassword)}@127.0.0.1:${guardedProxy.port}`;
    const rejectedBefore = guardedProxy.log.rejected;
    await expect(
      client(trusted.url, { proxy: { url: right }, tls: { caFile: pki.ca.certFile } }).request({ path: 's' }),
    ).resolves.toMatchObject({ path: '/s' });
    await expect(client(plain.url, { proxy: { url: right } }).request({ path: 'p' })).resolves.toMatchObject({
      path: '/p',
    });
    expect(guardedProxy.log.rejected).toBe(rejectedBefore);
  });

  it('fails with PROXY_UNREACHABLE when nothing listens at the proxy address', async () => {
    const port = await closedPort();
    const error = await failure(
      client(trusted.url, { proxy: { url: `http://bob:${proxyPassword}@127.0.0.1:${port}` } }).request({ path: 'x' }),
    );
    expect(error.code).toBe('PROXY_UNREACHABLE');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('NO_PROXY');
  });
});

describe('a server that cannot be reached', () => {
  it('reports a closed port as TCP_REFUSED, retryable', async () => {
    const port = await closedPort();
    const error = await failure(client(`http://127.0.0.1:${port}`).request({ path: 'x' }));
    expect(error.code).toBe('TCP_REFUSED');
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/port/);
  });

  it('reports an unknown host name as DNS_NOT_FOUND, not retryable', async () => {
    const error = await failure(client('https://jira.syncbridge.invalid').request({ path: 'x' }));
    expect(error.code).toBe('DNS_NOT_FOUND');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('baseUrl');
  });

  it('reports dropped connection attempts as TCP_TIMEOUT', async () => {
    const blackhole = await startBlackhole();
    try {
      const error = await failure(client(blackhole.url, { connectTimeoutMs: 300 }).request({ path: 'x' }));
      expect(error.code).toBe('TCP_TIMEOUT');
      expect(error.message).toContain('timeouts.connectMs');
    } finally {
      await blackhole.close();
    }
  });

  it('reports a server that never answers as TIMEOUT, and one that never starts TLS as TLS_HANDSHAKE_TIMEOUT', async () => {
    const silent = await startSilentServer();
    try {
      const http = await failure(client(silent.url, { timeoutMs: 300 }).request({ path: 'x' }));
      expect(http.code).toBe('TIMEOUT');
      expect(http.message).toContain('timeouts.requestMs');
      const tls = await failure(
        client(`https://127.0.0.1:${silent.port}`, { connectTimeoutMs: 300 }).request({ path: 'x' }),
      );
      expect(tls.code).toBe('TLS_HANDSHAKE_TIMEOUT');
    } finally {
      await silent.close();
    }
  });

  it('reports https:// against a plain HTTP port as TLS_HANDSHAKE_FAILED', async () => {
    const error = await failure(client(`https://127.0.0.1:${plain.port}`).request({ path: 'x' }));
    expect(error.code).toBe('TLS_HANDSHAKE_FAILED');
    expect(error.message).toContain('http://');
  });
});
