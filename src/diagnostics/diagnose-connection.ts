import type { ResolvedSystem } from '../config/system.js';
import type { ConnectionReport, DiagnosticStage, StageResult } from '../connector/diagnostics.js';
import { ConfigError } from '../errors/config-error.js';
import { isSyncbridgeError } from '../errors/syncbridge-error.js';
import { authorizationHeader, systemSecrets } from '../http/client.js';
import { resolveProxy, type ProxyEnv } from '../http/proxy.js';
import { redact } from '../http/redact.js';
import { tlsConnectOptions, warnIfInsecure } from '../http/tls.js';
import { createTransport } from '../http/transport.js';
import { silentLogger, type Logger } from '../logger.js';
import { explainCode, type DiagnosisFacts } from './explanations.js';
import { httpStage, type HttpProbe } from './http-stage.js';
import { StageFailure, dnsStage, proxyStage, tcpStage, type ProbeTarget, type StagePass } from './network-stages.js';
import { tlsStage } from './tls-stage.js';

/** Options of {@link diagnoseConnection}. */
export interface DiagnoseConnectionOptions {
  /** The system as configured. */
  system: ResolvedSystem;
  /** A cheap GET proving the application answers JSON at baseUrl. */
  httpProbe: HttpProbe;
  /** How a `pat` credential is sent on the probe when `httpProbe.headers` has no Authorization. @default 'bearer' */
  patScheme?: 'basic' | 'bearer';
  /** Who the credentials log in as (the connector's `whoami`). */
  whoami?: () => Promise<{ id: string; displayName?: string | null; email?: string | null }>;
  /** Checks that the project and entity type exist and are visible; resolves with a line for the report. Throw {@link apiNotFoundError} when not. */
  // biome-ignore lint/suspicious/noConfusingVoidType: public option; adapters pass async functions that return nothing
  checkProject?: () => Promise<string | void>;
  /** Receives the loud `insecureSkipVerify` warning. */
  logger?: Logger;
  /** Environment for proxy variables. @default process.env */
  env?: ProxyEnv;
}

/** Runs `fn` as one timed stage; a failure becomes a result with code, cause and fix. */
async function runStage(
  stage: DiagnosticStage,
  base: DiagnosisFacts,
  fn: () => Promise<StagePass>,
): Promise<StageResult & { server?: Record<string, unknown> }> {
  const started = performance.now();
  const durationMs = () => Math.round(performance.now() - started);
  try {
    const pass = await fn();
    return {
      stage,
      ok: true,
      message: pass.message,
      durationMs: durationMs(),
      ...(pass.details ? { details: pass.details } : {}),
      ...('server' in pass ? { server: pass.server as Record<string, unknown> } : {}),
    };
  } catch (error) {
    const failure = toStageFailure(error);
    const explanation = explainCode(failure.code, { ...base, ...failure.facts });
    // A proxy refusing plain forwarded HTTP shows up in the HTTP stage; it is the proxy's problem.
    const where: DiagnosticStage = failure.code.startsWith('PROXY_')
      ? 'proxy'
      : failure.code.startsWith('TLS_') && stage === 'http'
        ? 'tls'
        : stage;
    return {
      stage: where,
      ok: false,
      code: failure.code,
      message: explanation.what,
      cause: explanation.cause,
      fix: explanation.fix,
      durationMs: durationMs(),
      details: { ...failure.details, retryable: explanation.retryable },
    };
  }
}

function toStageFailure(error: unknown): StageFailure {
  if (error instanceof StageFailure) return error;
  if (isSyncbridgeError(error)) {
    const remote = (error as { remoteMessages?: string[] }).remoteMessages?.join(' ');
    const code = error.code === 'NOT_FOUND' ? 'API_PROJECT_NOT_FOUND' : error.code;
    const name = typeof error.details.name === 'string' ? error.details.name : undefined;
    const available = Array.isArray(error.details.available)
      ? `visible: ${error.details.available.join(', ')}`
      : undefined;
    const systemCode = typeof error.details.systemCode === 'string' ? error.details.systemCode : undefined;
    const issues =
      error instanceof ConfigError
        ? error.issues
            .map((i) => `${i.path}: ${i.message}${i.found === undefined ? '' : ` (found ${i.found})`}`)
            .join('; ')
        : undefined;
    return new StageFailure(
      code,
      { detail: issues ?? available ?? systemCode, ...(remote ? { remote } : {}), ...(name ? { name } : {}) },
      error.details,
    );
  }
  return new StageFailure('PROTOCOL', { detail: error instanceof Error ? error.message : String(error) });
}

/**
 * Diagnoses the connection to a system stage by stage — config, DNS, TCP, proxy, TLS,
 * HTTP, auth, API — and stops at the first failing stage, which carries a stable code,
 * what happened, the likely cause and the fix. Connectors call it from `testConnection()`.
 * Nothing secret (tokens, proxy passwords, key passphrases) appears in the report.
 */
export async function diagnoseConnection(options: DiagnoseConnectionOptions): Promise<ConnectionReport> {
  const { system } = options;
  const logger = options.logger ?? silentLogger;
  const env = options.env ?? process.env;
  const url = new URL(system.baseUrl);
  const secure = url.protocol === 'https:';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || (secure ? 443 : 80));
  const proxy = resolveProxy(url, system.proxy, env);
  const authorization =
    options.httpProbe.headers?.authorization ?? authorizationHeader(system.auth, options.patScheme ?? 'bearer');
  const secrets = systemSecrets(system.auth, authorization, proxy, system.tls);
  const connectTimeoutMs = system.timeouts?.connectMs ?? 10_000;
  const base: DiagnosisFacts = {
    system: system.id,
    target: `${host}:${port}`,
    proxy: proxy?.display,
    proxySource: proxy?.source,
  };
  const report: ConnectionReport = { ok: false, system: system.id, stages: [] };
  let target: ProbeTarget | undefined;

  const stages: Array<[DiagnosticStage, () => Promise<StagePass>]> = [
    [
      'config',
      async () => {
        if (!secure && url.protocol !== 'http:')
          throw new StageFailure('CONFIG_INVALID', {
            detail: `baseUrl must start with https:// or http://, found ${url.protocol}`,
          });
        const trust = tlsConnectOptions(system.tls);
        warnIfInsecure(system.id, system.tls, logger);
        target = { system: system.id, url, host, port, secure, proxy, trust, connectTimeoutMs };
        const route = proxy
          ? `through the proxy ${proxy.display} (from ${proxy.source === 'system' ? 'proxy.url' : proxy.source})`
          : 'directly (no proxy)';
        const extraCas = system.tls?.caFile || system.tls?.caPem ? ', plus the CAs of tls.caFile/caPem' : '';
        const trustText = !secure
          ? ''
          : trust.rejectUnauthorized
            ? `; trusting Node's CAs${extraCas}`
            : '; certificate verification DISABLED (tls.insecureSkipVerify)';
        return { message: `${host}:${port} ${route}${trustText}${trust.cert ? '; with a client certificate' : ''}` };
      },
    ],
    ['dns', () => dnsStage(target as ProbeTarget)],
    ['tcp', () => tcpStage(target as ProbeTarget)],
    ...(proxy
      ? ([['proxy', () => proxyStage(target as ProbeTarget, proxy)]] as Array<
          [DiagnosticStage, () => Promise<StagePass>]
        >)
      : []),
    ...(secure
      ? ([['tls', () => tlsStage(target as ProbeTarget)]] as Array<[DiagnosticStage, () => Promise<StagePass>]>)
      : []),
    [
      'http',
      async () => {
        const transport = createTransport({
          proxy: system.proxy,
          tls: system.tls,
          connectTimeoutMs,
          env,
          system: system.id,
        });
        try {
          const headers = { ...options.httpProbe.headers, ...(authorization ? { authorization } : {}) };
          const pass = await httpStage(
            target as ProbeTarget,
            transport,
            { ...options.httpProbe, headers },
            system.timeouts?.requestMs ?? 30_000,
          );
          if (pass.server) report.server = pass.server;
          return pass;
        } finally {
          transport.close();
        }
      },
    ],
    ...(options.whoami
      ? ([
          [
            'auth',
            async () => {
              const user = await (options.whoami as NonNullable<DiagnoseConnectionOptions['whoami']>)();
              report.user = user;
              return {
                message: `logged in as ${user.displayName ?? user.id}${user.email ? ` <${user.email}>` : ''} (id ${user.id})`,
              };
            },
          ],
        ] as Array<[DiagnosticStage, () => Promise<StagePass>]>)
      : []),
    ...(options.checkProject
      ? ([
          [
            'api',
            async () => ({
              message:
                (await (options.checkProject as NonNullable<DiagnoseConnectionOptions['checkProject']>)()) ||
                'the project and entity type are visible to the integration user',
            }),
          ],
        ] as Array<[DiagnosticStage, () => Promise<StagePass>]>)
      : []),
  ];

  for (const [stage, fn] of stages) {
    const result = await runStage(stage, base, fn);
    delete result.server;
    report.stages.push(result);
    if (!result.ok) return redact(report, secrets) as ConnectionReport;
  }
  report.ok = true;
  return redact(report, secrets) as ConnectionReport;
}
