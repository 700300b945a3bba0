import { X509Certificate } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedSystem } from 'syncbridge';
import type { ConnectionReport } from 'syncbridge/connector-kit';
import { RemoteError } from 'syncbridge';
import {
  apiNotFoundError,
  diagnoseConnection,
  formatConnectionReport,
  type DiagnoseConnectionOptions,
} from '../../src/diagnostics/index.js';
import {
  closedPort,
  startBlackhole,
  startHttpServer,
  startHttpsServer,
  startProxy,
  startSilentServer,
  type LocalProxy,
  type LocalServer,
} from '../http/helpers/local-servers.js';
import { createTestPki, type TestPki } from '../http/helpers/test-pki.js';
import { failedStage } from '../../adapters/test-support/diagnostics.js';

const token = 'tok-7d2a-never-print-me';
const proxyPassword = 'h0rse-battery-staple';

let pki: TestPki;
let app: LocalServer;
let secureApp: LocalServer;
let expired: LocalServer;
let wrongHost: LocalServer;
let proxy: LocalProxy;

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
};

/** A Jira-like application whose first path segment picks the behaviour (a context path, as users configure). */
function application(req: IncomingMessage, res: ServerResponse): void {
  const [context] = (req.url ?? '/').split('/').filter(Boolean);
  const html = (status: number): void => {
    res
      .writeHead(status, { 'content-type': 'text/html' })
      .end('<!DOCTYPE html><html><body><form>Sign in with SSO</form></body></html>');
  };
  switch (context) {
    case 'jira':
      json(res, 200, { baseUrl: 'https://jira.example', version: '10.3.1', deploymentType: 'Server' });
      break;
    case 'sso-wall':
      html(200);
      break;
    case 'sso-redirect':
      res.writeHead(302, { location: 'https://sso.example.com/adfs/ls?SAMLRequest=abc' }).end();
      break;
    case 'ado-bad-pat':
      html(203);
      break;
    case 'bad-token':
      json(res, 401, { errorMessages: [`Token ${token} is not valid`] }, { 'www-authenticate': 'Bearer realm="jira"' });
      break;
    case 'no-permission':
      json(res, 403, { errorMessages: ["You do not have the permission 'Browse Projects' for this instance."] });
      break;
    case 'busy':
      json(res, 429, { message: 'Rate limit exceeded.' }, { 'retry-after': '120' });
      break;
    default:
      json(res, 404, { errorMessages: ['Not found'] });
      break;
  }
}

beforeAll(async () => {
  pki = createTestPki();
  [app, secureApp, expired, wrongHost, proxy] = await Promise.all([
    startHttpServer(application),
    startHttpsServer(pki.server, application),
    startHttpsServer(pki.expired, application),
    startHttpsServer(pki.wrongHost, application),
    startProxy({ username: 'svc-sync', password: proxyPassword }),
  ]);
});

afterAll(async () => {
  await Promise.all([app, secureApp, expired, wrongHost, proxy].map((s) => s?.close()));
  pki?.cleanup();
});

const serverInfo = {
  path: 'rest/api/3/serverInfo',
  describe: (body: unknown) => ({ version: (body as { version?: string }).version }),
};

async function diagnose(
  system: Partial<ResolvedSystem> & { baseUrl: string },
  extra: Partial<DiagnoseConnectionOptions> = {},
): Promise<ConnectionReport> {
  const report = await diagnoseConnection({
    system: {
      id: 'jira-prod',
      adapter: 'jira',
      auth: { type: 'bearer', token },
      proxy: false,
      timeouts: { connectMs: 2_000, requestMs: 5_000 },
      ...system,
    },
    httpProbe: serverInfo,
    env: {},
    ...extra,
  });
  const printed = `${JSON.stringify(report)}\n${formatConnectionReport(report)}`;
  expect(printed).not.toContain(token);
  expect(printed).not.toContain(proxyPassword);
  expect(printed).not.toContain(Buffer.from(`svc-sync:${proxyPassword}`).toString('base64'));
  return report;
}

describe('testConnection on a healthy system', () => {
  it('passes every stage through an authenticated proxy with a private CA, and names the user and server', async () => {
    const report = await diagnose(
      {
        baseUrl: `${secureApp.url}/jira`,
        proxy: { url: `http://svc-sync:${proxyPassword}@127.0.0.1:${proxy.port}` },
        tls: { caFile: pki.ca.certFile },
      },
      {
        whoami: async () => ({ id: 'u-42', displayName: 'Sync Bot', email: 'sync@example.com' }),
        checkProject: async () => 'project ABC has types Bug, Story',
      },
    );
    expect(report.stages.map((s) => [s.stage, s.ok])).toEqual([
      ['config', true],
      ['dns', true],
      ['tcp', true],
      ['proxy', true],
      ['tls', true],
      ['http', true],
      ['auth', true],
      ['api', true],
    ]);
    expect(report.ok).toBe(true);
    expect(report.user).toEqual({ id: 'u-42', displayName: 'Sync Bot', email: 'sync@example.com' });
    expect(report.server).toEqual({ version: '10.3.1' });
    const text = formatConnectionReport(report);
    expect(text).toMatch(/passed/);
    expect(text).toContain('Sync Bot');
    expect(text).toContain('project ABC has types Bug, Story');
  });
});

describe('testConnection stops at the first failing stage', () => {
  it('dns: an unknown host name', async () => {
    const stage = failedStage(await diagnose({ baseUrl: 'https://jira.acme.invalid' }));
    expect([stage.stage, stage.code]).toEqual(['dns', 'DNS_NOT_FOUND']);
    expect(stage.message).toContain('jira.acme.invalid');
    expect(stage.fix).toContain('baseUrl');
  });

  it('tcp: a closed port', async () => {
    const port = await closedPort();
    const stage = failedStage(await diagnose({ baseUrl: `http://127.0.0.1:${port}` }));
    expect([stage.stage, stage.code]).toEqual(['tcp', 'TCP_REFUSED']);
    expect(stage.cause).toMatch(/wrong port/);
  });

  it('tcp: connection attempts silently dropped', async () => {
    const blackhole = await startBlackhole();
    try {
      const stage = failedStage(await diagnose({ baseUrl: blackhole.url, timeouts: { connectMs: 300 } }));
      expect([stage.stage, stage.code]).toEqual(['tcp', 'TCP_TIMEOUT']);
      expect(stage.message).toContain('300 ms');
      expect(stage.fix).toMatch(/firewall|network team/);
    } finally {
      await blackhole.close();
    }
  });

  it('proxy: nothing listens at the proxy from HTTPS_PROXY', async () => {
    const port = await closedPort();
    const report = await diagnose(
      { baseUrl: `${secureApp.url}/jira`, proxy: undefined },
      { env: { HTTPS_PROXY: `http://svc-sync:${proxyPassword}@127.0.0.1:${port}` } },
    );
    const stage = failedStage(report);
    expect([stage.stage, stage.code]).toEqual(['proxy', 'PROXY_UNREACHABLE']);
    expect(stage.cause).toContain('HTTPS_PROXY');
    expect(stage.fix).toContain('NO_PROXY');
  });

  it('proxy: 407 for wrong proxy credentials, for HTTPS tunnels and forwarded HTTP alike', async () => {
    for (const baseUrl of [`${secureApp.url}/jira`, `${app.url}/jira`]) {
      const stage = failedStage(
        await diagnose({
          baseUrl,
          proxy: { url: `http://svc-sync:wrong-${proxyPassword}@127.0.0.1:${proxy.port}` },
          tls: { caFile: pki.ca.certFile },
        }),
      );
      expect([stage.stage, stage.code]).toEqual(['proxy', 'PROXY_AUTH_REQUIRED']);
      expect(stage.message).toContain('Basic');
      expect(stage.fix).toContain('user:password@ before the host');
    }
  });

  it('tls: a private CA not yet trusted, showing issuer and fingerprint and how to trust it', async () => {
    const report = await diagnose({ baseUrl: `${secureApp.url}/jira` });
    const stage = failedStage(report);
    expect([stage.stage, stage.code]).toEqual(['tls', 'TLS_UNTRUSTED']);
    const fingerprint = new X509Certificate(pki.server.cert).fingerprint256;
    expect(stage.message).toContain('Syncbridge Test Root CA');
    expect(stage.message).toContain(fingerprint);
    expect(stage.fix).toContain('tls.caFile');
    const text = formatConnectionReport(report);
    expect(text).toContain(`SHA-256:   ${fingerprint}`);
    expect(text).toMatch(/issued by: .*CN=Syncbridge Test Root CA/);
  });

  it('tls: an expired certificate, with its end date', async () => {
    const stage = failedStage(await diagnose({ baseUrl: expired.url, tls: { caFile: pki.ca.certFile } }));
    expect([stage.stage, stage.code]).toEqual(['tls', 'TLS_EXPIRED']);
    expect(stage.message).toContain('2020-02-01T00:00:00.000Z');
    expect(stage.fix).toMatch(/renew/);
  });

  it('tls: a certificate for another host name, listing the names it covers', async () => {
    const stage = failedStage(await diagnose({ baseUrl: wrongHost.url, tls: { caFile: pki.ca.certFile } }));
    expect([stage.stage, stage.code]).toEqual(['tls', 'TLS_HOSTNAME_MISMATCH']);
    expect(stage.message).toContain('DNS:wrong.example.com');
  });

  it('tls and http: a server that never answers', async () => {
    const silent = await startSilentServer();
    try {
      const tls = failedStage(
        await diagnose({ baseUrl: `https://127.0.0.1:${silent.port}`, timeouts: { connectMs: 300 } }),
      );
      expect([tls.stage, tls.code]).toEqual(['tls', 'TLS_HANDSHAKE_TIMEOUT']);
      const http = failedStage(await diagnose({ baseUrl: silent.url, timeouts: { connectMs: 300, requestMs: 300 } }));
      expect([http.stage, http.code]).toEqual(['http', 'TIMEOUT']);
      expect(http.fix).toContain('timeouts.requestMs');
    } finally {
      await silent.close();
    }
  });

  it.each([
    ['wrong context path', 'wrong-context', 'HTTP_NOT_FOUND', /context path/],
    ['an SSO login page', 'sso-wall', 'HTTP_NOT_JSON', /login page/],
    ['a redirect to single sign-on', 'sso-redirect', 'HTTP_REDIRECTED', /sso\.example\.com\/adfs\/ls/],
    ['Azure DevOps rejecting a PAT with its sign-in page', 'ado-bad-pat', 'AUTH', /203/],
    ['bad credentials', 'bad-token', 'AUTH', /401/],
    ['a missing permission, named by the API', 'no-permission', 'PERMISSION', /Browse Projects/],
    ['a rate limit', 'busy', 'RATE_LIMITED', /retry in 120 s/],
  ])('http: %s', async (_name, context, code, text) => {
    const stage = failedStage(await diagnose({ baseUrl: `${app.url}/${context}` }));
    expect([stage.stage, stage.code]).toEqual(['http', code]);
    expect(`${stage.message} ${stage.cause} ${stage.fix}`).toMatch(text);
    expect(stage.message).not.toContain('SAMLRequest');
  });

  it('auth: credentials the API rejects', async () => {
    const whoami = async () => {
      throw new RemoteError('AUTH', 'jira-prod: GET /rest/api/3/myself answered 401', {
        status: 401,
        remoteMessages: ['Client must be authenticated to access this resource.'],
      });
    };
    const stage = failedStage(await diagnose({ baseUrl: `${app.url}/jira` }, { whoami }));
    expect([stage.stage, stage.code]).toEqual(['auth', 'AUTH']);
    expect(stage.message).toContain('Client must be authenticated');
    expect(stage.fix).toMatch(/new token/);
  });

  it('api: a project or entity type that does not exist or is hidden', async () => {
    const whoami = async () => ({ id: 'u-1' });
    const project = failedStage(
      await diagnose(
        { baseUrl: `${app.url}/jira` },
        {
          whoami,
          checkProject: async () =>
            Promise.reject(
              apiNotFoundError('project', { system: 'jira-prod', name: 'NOPE', available: ['ABC', 'OPS'] }),
            ),
        },
      ),
    );
    expect([project.stage, project.code]).toEqual(['api', 'API_PROJECT_NOT_FOUND']);
    expect(project.message).toContain('"NOPE"');
    expect(project.message).toContain('ABC, OPS');
    const type = failedStage(
      await diagnose(
        { baseUrl: `${app.url}/jira` },
        {
          whoami,
          checkProject: async () => Promise.reject(apiNotFoundError('type', { system: 'jira-prod', name: 'Epic' })),
        },
      ),
    );
    expect([type.stage, type.code]).toEqual(['api', 'API_TYPE_NOT_FOUND']);
  });

  it('config: a CA file that does not exist', async () => {
    const stage = failedStage(await diagnose({ baseUrl: secureApp.url, tls: { caFile: `${pki.dir}/missing-ca.pem` } }));
    expect([stage.stage, stage.code]).toEqual(['config', 'TLS_FILE_UNREADABLE']);
    expect(stage.message).toContain('tls.caFile');
  });
});
