import type { ConnectionReport, StageResult } from '../connector/diagnostics.js';
import { troubleshootingGuide } from './explanations.js';

const width = 7;

function certificateLines(details: Record<string, unknown> | undefined): string[] {
  const cert = details?.certificate as Record<string, unknown> | undefined;
  if (!cert || typeof cert !== 'object') return [];
  const lines = [
    `certificate: ${String(cert.subject)}`,
    `  issued by: ${String(cert.issuer)}`,
    `  valid:     ${String(cert.validFrom)} to ${String(cert.validTo)}`,
    ...(cert.altNames ? [`  names:     ${String(cert.altNames)}`] : []),
    `  SHA-256:   ${String(cert.fingerprint256)}`,
  ];
  const chain = details?.chain;
  if (Array.isArray(chain) && chain.length > 1) {
    const top = chain[chain.length - 1] as Record<string, unknown>;
    lines.push(`top of the chain sent: ${String(top.subject)} (SHA-256 ${String(top.fingerprint256)})`);
  }
  return lines;
}

function stageLines(result: StageResult): string[] {
  const head = `${result.ok ? '  ok  ' : '  FAIL'} ${result.stage.padEnd(width)} ${result.ok ? '' : `${result.code ?? ''}: `}${result.message} (${result.durationMs} ms)`;
  if (result.ok) return [head];
  const indent = (line: string) => `         ${line}`;
  return [
    head,
    ...(result.cause ? [indent(`cause: ${result.cause}`)] : []),
    ...(result.fix ? [indent(`fix:   ${result.fix}`)] : []),
    ...certificateLines(result.details).map(indent),
    ...(result.code ? [indent(`more:  ${troubleshootingGuide}#${result.code.toLowerCase()}`)] : []),
  ];
}

/**
 * Renders a {@link ConnectionReport} as text for a terminal: one line per stage, and for
 * the failing stage its code, cause, fix, the certificate presented (TLS problems) and a
 * pointer into the troubleshooting guide.
 */
export function formatConnectionReport(report: ConnectionReport): string {
  const failed = report.stages.find((stage) => !stage.ok);
  const title = failed
    ? `Connection test of "${report.system}" FAILED at the ${failed.stage} stage (${failed.code ?? 'unknown'})`
    : `Connection test of "${report.system}" passed`;
  const lines = [title, ...report.stages.flatMap(stageLines)];
  if (report.user)
    lines.push(
      `  user:   ${report.user.displayName ?? report.user.id}${report.user.email ? ` <${report.user.email}>` : ''}`,
    );
  if (report.server)
    lines.push(
      `  server: ${Object.entries(report.server)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(', ')}`,
    );
  return `${lines.join('\n')}\n`;
}
