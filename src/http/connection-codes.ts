/**
 * The connection error codes with what happened, the likely cause and the fix, in one
 * place: sync-time errors (`createHttpClient`) and `testConnection()` both word their
 * messages from here, and `docs/troubleshooting.md` lists the same codes.
 */
import type { ConnectionCode } from '../errors/syncbridge-error.js';

/** Facts a message is worded from; only safe values (proxy URLs are already masked). */
export interface ConnectionFacts {
  /** Configured system id. */
  system: string;
  /** `host:port` of the server. */
  target: string;
  /** The masked proxy URL, when a proxy is used. */
  proxy?: string | undefined;
  /** Where the proxy setting came from (`system`, `HTTPS_PROXY`, ...). */
  proxySource?: string | undefined;
  /** The low-level reason (`ECONNREFUSED`, `CERT_HAS_EXPIRED`, a status line). */
  detail?: string | undefined;
  /** Timeout that elapsed, in ms. */
  timeoutMs?: number | undefined;
  /** Issuer of the certificate presented, when it was read. */
  issuer?: string | undefined;
}

/** One explained code. */
export interface Explanation {
  /** What happened. */
  what: string;
  /** The likely cause. */
  cause: string;
  /** What to do. */
  fix: string;
  /** Whether retrying later may succeed without anyone changing anything. */
  retryable: boolean;
}

export type { ConnectionCode };

const via = (f: ConnectionFacts) => (f.proxy ? ` (through the proxy ${f.proxy})` : '');
const proxyOrigin = (f: ConnectionFacts) =>
  f.proxySource && f.proxySource !== 'system'
    ? `the ${f.proxySource} environment variable`
    : `the system's proxy.url setting`;

const explain: Record<ConnectionCode, (f: ConnectionFacts) => Explanation> = {
  DNS_NOT_FOUND: (f) => ({
    what: `the host name of ${f.target} could not be resolved${f.detail ? ` (${f.detail})` : ''}`,
    cause: 'a typo in baseUrl, or a host name that only resolves inside the company network or VPN',
    fix: 'check the host in baseUrl (open it in a browser on this machine); for an internal host connect to the VPN, or set a proxy (proxy.url or HTTPS_PROXY), which resolves names for you',
    retryable: false,
  }),
  DNS_TEMPORARY: (f) => ({
    what: `the DNS server did not answer for ${f.target}${f.detail ? ` (${f.detail})` : ''}`,
    cause: 'this machine is offline or its DNS server is unreachable',
    fix: 'check the network connection and DNS settings of this machine; syncbridge retries on its own',
    retryable: true,
  }),
  TCP_REFUSED: (f) => ({
    what: `${f.target} refused the connection`,
    cause: 'nothing listens on that port: a wrong port or scheme (http/https) in baseUrl, or the server is down',
    fix: 'check the port and scheme in baseUrl and that the server is running; a firewall may also reject the port',
    retryable: true,
  }),
  TCP_TIMEOUT: (f) => ({
    what: `no connection to ${f.target} within ${f.timeoutMs ?? '?'} ms`,
    cause:
      'a firewall drops the traffic silently, the server is down, or this network only allows outbound traffic through a proxy',
    fix: 'check that this machine may reach the host and port (ask the network team); if the company uses a proxy, set proxy.url or HTTPS_PROXY; on a slow link raise timeouts.connectMs',
    retryable: true,
  }),
  TCP_RESET: (f) => ({
    what: `the connection to ${f.target} was reset${via(f)}`,
    cause:
      'the server, a load balancer or a proxy closed the connection (overload, an idle limit, or a TLS-inspecting firewall)',
    fix: 'syncbridge retries on its own; if it persists, ask the network team whether a firewall or proxy cuts the connections',
    retryable: true,
  }),
  NETWORK_UNREACHABLE: (f) => ({
    what: `there is no network route to ${f.target}${f.detail ? ` (${f.detail})` : ''}`,
    cause: 'this machine is offline, or the host is on a network (VPN) it is not connected to',
    fix: 'check the network connection and VPN of this machine',
    retryable: true,
  }),
  PROXY_UNREACHABLE: (f) => ({
    what: `the proxy ${f.proxy ?? '(unknown)'} could not be reached${f.detail ? ` (${f.detail})` : ''}`,
    cause: `a wrong proxy host or port, or the proxy is down; the setting comes from ${proxyOrigin(f)}`,
    fix: 'correct the proxy URL; if this system needs no proxy, set `proxy: false` for it or add its host to NO_PROXY',
    retryable: true,
  }),
  PROXY_AUTH_REQUIRED: (f) => ({
    what: `the proxy ${f.proxy ?? '(unknown)'} demands authentication (407 Proxy Authentication Required)${f.detail ? `: ${f.detail}` : ''}`,
    cause: `the proxy URL in ${proxyOrigin(f)} has no or wrong credentials, or the proxy accepts only NTLM/Kerberos`,
    fix: 'put the proxy account in the proxy URL as user:password@ before the host (URL-encode special characters; take the password from an ${env:PROXY_PASSWORD} reference); for NTLM-only proxies run a local forwarding proxy (cntlm, px)',
    retryable: false,
  }),
  PROXY_REJECTED: (f) => ({
    what: `the proxy ${f.proxy ?? '(unknown)'} would not open a connection to ${f.target}${f.detail ? ` (${f.detail})` : ''}`,
    cause: 'the proxy policy blocks this host or port (403), or the proxy itself cannot reach the server (502/503/504)',
    fix: `ask the proxy administrators to allow ${f.target}; if the host is reachable directly, add it to NO_PROXY or the system's proxy.noProxy`,
    retryable: /\b50[234]\b/.test(f.detail ?? ''),
  }),
  TLS_UNTRUSTED: (f) => ({
    what: `the certificate of ${f.target} is not trusted${f.detail ? ` (${f.detail})` : ''}`,
    cause:
      'the server (or a TLS-inspecting proxy in between) uses a self-signed or company certificate authority that Node.js does not know',
    fix: `get the certificate of the issuing CA${f.issuer ? ` ("${f.issuer}")` : ''} as a PEM file from the server's administrators (or from \`openssl s_client -showcerts -connect ${f.target}\`, checking its fingerprint with them), and set tls.caFile to that file${f.issuer ? '' : '; `syncbridge test-connection` shows the issuer and fingerprint'}. Do not use tls.insecureSkipVerify outside test systems`,
    retryable: false,
  }),
  TLS_EXPIRED: (f) => ({
    what: `the certificate of ${f.target} has expired${f.detail ? ` (${f.detail})` : ''}`,
    cause: 'the server certificate was not renewed, or the clock of this machine is wrong',
    fix: "ask the server's administrators to renew the certificate; check this machine's date and time",
    retryable: false,
  }),
  TLS_NOT_YET_VALID: (f) => ({
    what: `the certificate of ${f.target} is not valid yet${f.detail ? ` (${f.detail})` : ''}`,
    cause: "this machine's clock is behind, or the certificate was issued with a future start date",
    fix: "check this machine's date and time (enable NTP)",
    retryable: false,
  }),
  TLS_HOSTNAME_MISMATCH: (f) => ({
    what: `the certificate of ${f.target} is issued for other host names${f.detail ? ` (${f.detail})` : ''}`,
    cause: 'baseUrl uses an alias, an IP address or an internal name that the certificate does not list',
    fix: "use in baseUrl a host name the certificate lists (see its subject alternative names), or ask the server's administrators to add this name to the certificate",
    retryable: false,
  }),
  TLS_HANDSHAKE_FAILED: (f) => ({
    what: `the TLS handshake with ${f.target} failed${f.detail ? ` (${f.detail})` : ''}`,
    cause:
      'the port speaks plain HTTP (baseUrl should start with http://), the server demands a client certificate, or no common protocol version',
    fix: 'check the scheme and port in baseUrl; if the server requires a client certificate, set tls.certFile and tls.keyFile',
    retryable: false,
  }),
  TLS_HANDSHAKE_TIMEOUT: (f) => ({
    what: `${f.target} accepted the connection but did not answer the TLS handshake within ${f.timeoutMs ?? '?'} ms`,
    cause: 'the port is not a TLS port, or the server or a firewall holds connections without answering',
    fix: 'check the scheme and port in baseUrl; check that the server is healthy; on a slow link raise timeouts.connectMs',
    retryable: true,
  }),
  TLS_CLIENT_CERT_REJECTED: (f) => ({
    what: `${f.target} did not accept a client certificate from syncbridge${f.detail ? ` (${f.detail})` : ''}`,
    cause:
      'the server requires a client certificate (mutual TLS) and none, an expired one, or one from a CA it does not trust was sent',
    fix: "set tls.certFile and tls.keyFile (and tls.passphrase if the key is encrypted) to a certificate the server's administrators issued for the integration",
    retryable: false,
  }),
  NETWORK: (f) => ({
    what: `the connection to ${f.target} failed${via(f)}${f.detail ? ` (${f.detail})` : ''}`,
    cause: 'a network problem syncbridge does not recognise',
    fix: 'check baseUrl, the network and any proxy settings; run `syncbridge test-connection` for a staged diagnosis',
    retryable: true,
  }),
};

/** The explanation of a connection code for the given facts. */
export function explainConnection(code: ConnectionCode, facts: ConnectionFacts): Explanation {
  return explain[code](facts);
}

/** Every connection code, for documentation checks. */
export const connectionCodes = Object.keys(explain) as ConnectionCode[];

/** One message naming the system, what happened, the likely cause and the fix. */
export function connectionMessage(explanation: Pick<Explanation, 'what' | 'cause' | 'fix'>, system: string): string {
  return `${system}: ${explanation.what}. Likely cause: ${explanation.cause}. Fix: ${explanation.fix}.`;
}

const tlsUntrusted = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REVOKED',
  'INVALID_CA',
  'CERT_CHAIN_TOO_LONG',
]);

/**
 * The connection code for a Node system error code met in a given phase. Connect-level
 * failures while a proxy is in use are the proxy's: once a tunnel is up, a proxy reports
 * target failures with a status (502), not with a socket error.
 */
export function codeForSystemError(
  systemCode: string | undefined,
  phase: 'connect' | 'proxy' | 'tls' | 'response',
): ConnectionCode {
  const code = systemCode ?? '';
  if (tlsUntrusted.has(code)) return 'TLS_UNTRUSTED';
  if (code === 'CERT_HAS_EXPIRED') return 'TLS_EXPIRED';
  if (code === 'CERT_NOT_YET_VALID') return 'TLS_NOT_YET_VALID';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'HOSTNAME_MISMATCH') return 'TLS_HOSTNAME_MISMATCH';
  if (/ALERT_(CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN)$/.test(code))
    return 'TLS_CLIENT_CERT_REJECTED';
  if (code === 'EPROTO' || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) return 'TLS_HANDSHAKE_FAILED';
  if (phase === 'proxy' && code !== 'ECONNRESET') return 'PROXY_UNREACHABLE';
  if (code === 'ENOTFOUND') return 'DNS_NOT_FOUND';
  if (code === 'EAI_AGAIN') return 'DNS_TEMPORARY';
  if (code === 'ECONNREFUSED') return 'TCP_REFUSED';
  if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return 'TCP_TIMEOUT';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || code === 'ECONNABORTED') {
    // A reset during the handshake is how many servers answer an unwanted client.
    return phase === 'tls' ? 'TLS_HANDSHAKE_FAILED' : 'TCP_RESET';
  }
  if (code === 'ENETUNREACH' || code === 'EHOSTUNREACH' || code === 'ENETDOWN' || code === 'EHOSTDOWN')
    return 'NETWORK_UNREACHABLE';
  return 'NETWORK';
}
