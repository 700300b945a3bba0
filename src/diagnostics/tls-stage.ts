import net, { type Socket } from 'node:net';
import tls, { type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import { codeForSystemError } from '../http/connection-codes.js';
import { StageFailure, openTunnel, type ProbeTarget, type StagePass } from './network-stages.js';

/** The facts of one certificate a person needs to decide whether to trust it. */
export interface CertificateSummary {
  subject: string;
  issuer: string;
  /** Subject alternative names (`DNS:host, IP Address:1.2.3.4`). */
  altNames: string | undefined;
  validFrom: string;
  validTo: string;
  /** SHA-256 fingerprint, colon-separated hex: compare it with the one the administrators publish. */
  fingerprint256: string;
  selfSigned: boolean;
}

const dn = (name: Record<string, string | string[]> | undefined) =>
  Object.entries(name ?? {})
    .map(([key, value]) => `${key}=${[value].flat().join('+')}`)
    .join(', ');

function summarize(cert: DetailedPeerCertificate): CertificateSummary {
  const subject = dn(cert.subject as unknown as Record<string, string>);
  const issuer = dn(cert.issuer as unknown as Record<string, string>);
  return {
    subject,
    issuer,
    altNames: cert.subjectaltname,
    validFrom: new Date(cert.valid_from).toISOString(),
    validTo: new Date(cert.valid_to).toISOString(),
    fingerprint256: cert.fingerprint256,
    selfSigned: subject === issuer,
  };
}

/** The certificates the server sent, leaf first. */
function chainOf(socket: TLSSocket): CertificateSummary[] {
  const chain: CertificateSummary[] = [];
  let cert = socket.getPeerCertificate(true);
  const seen = new Set<string>();
  while (cert?.fingerprint256 && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push(summarize(cert));
    cert = cert.issuerCertificate;
  }
  return chain;
}

async function handshake(target: ProbeTarget, rejectUnauthorized: boolean): Promise<TLSSocket> {
  const tunnel: Socket | undefined = target.proxy ? await openTunnel(target, target.proxy) : undefined;
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      ...target.trust,
      rejectUnauthorized,
      host: target.host,
      port: target.port,
      ...(net.isIP(target.host) ? {} : { servername: target.host }),
      ...(tunnel ? { socket: tunnel } : {}),
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new StageFailure('TLS_HANDSHAKE_TIMEOUT', { timeoutMs: target.connectTimeoutMs }));
    }, target.connectTimeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    });
  });
}

function describeProblem(
  code: string,
  leaf: CertificateSummary | undefined,
  chain: CertificateSummary[],
): string | undefined {
  if (!leaf) return undefined;
  const top = chain[chain.length - 1] ?? leaf;
  switch (code) {
    case 'TLS_UNTRUSTED':
      return `${leaf.selfSigned ? 'self-signed certificate' : 'certificate'} "${leaf.subject}" issued by "${top.issuer}"; SHA-256 fingerprint of ${top === leaf ? 'the certificate' : 'the top certificate sent'}: ${top.fingerprint256}`;
    case 'TLS_EXPIRED':
      return `"${leaf.subject}" was valid until ${leaf.validTo}`;
    case 'TLS_NOT_YET_VALID':
      return `"${leaf.subject}" is valid from ${leaf.validFrom}`;
    case 'TLS_HOSTNAME_MISMATCH':
      return `it lists ${leaf.altNames ?? leaf.subject}`;
    default:
      return undefined;
  }
}

/** Completes a TLS handshake with the configured trust; on failure shows the certificate the server presented. */
export async function tlsStage(target: ProbeTarget): Promise<StagePass> {
  let socket: TLSSocket;
  try {
    socket = await handshake(target, target.trust.rejectUnauthorized);
  } catch (error) {
    if (error instanceof StageFailure) throw error;
    const systemCode = String((error as { code?: unknown }).code ?? 'ERR');
    const code = codeForSystemError(systemCode, 'tls');
    // A second, unverified handshake only to read what the server presents; nothing is sent on it.
    const chain = await handshake(target, false).then(
      (peek) => {
        const found = chainOf(peek);
        peek.destroy();
        return found;
      },
      () => [] as CertificateSummary[],
    );
    const problem = describeProblem(code, chain[0], chain);
    const issuer = chain[chain.length - 1]?.issuer;
    throw new StageFailure(
      code,
      { detail: problem ? `${systemCode}: ${problem}` : systemCode, ...(issuer ? { issuer } : {}) },
      { systemCode, ...(chain[0] ? { certificate: chain[0], chain } : {}) },
    );
  }
  const chain = chainOf(socket);
  const protocol = socket.getProtocol();
  socket.destroy();
  const leaf = chain[0];
  const insecure = target.trust.rejectUnauthorized ? '' : ' WITHOUT verification (tls.insecureSkipVerify)';
  return {
    message: `${protocol ?? 'TLS'} handshake completed${insecure}${leaf ? `; certificate "${leaf.subject}" issued by "${leaf.issuer}", valid until ${leaf.validTo}` : ''}`,
    details: { protocol, ...(leaf ? { certificate: leaf } : {}) },
  };
}
