import type { SystemConfig } from '../config/system.js';
import { redactUrl } from './redact.js';

/** The environment variables proxy resolution reads (defaults to `process.env`). */
export type ProxyEnv = Readonly<Record<string, string | undefined>>;

/** The proxy a request goes through, after the system setting and the environment were weighed. */
export interface ResolvedProxy {
  /** The proxy URL, credentials included (never print it; use {@link ResolvedProxy.display}). */
  url: URL;
  /** The proxy URL with credentials masked, safe for messages and logs. */
  display: string;
  /** Where the setting came from, so a message can tell the user what to change. */
  source: 'system' | 'HTTPS_PROXY' | 'https_proxy' | 'HTTP_PROXY' | 'http_proxy';
  /** The `Proxy-Authorization` value built from the URL's credentials, if it has any. */
  authorization: string | undefined;
}

const defaultPort = (protocol: string) => (protocol === 'https:' ? '443' : '80');

/**
 * Whether `target` bypasses the proxy under a `NO_PROXY`-style list. Follows curl's
 * convention: entries are host names matched as suffixes on a label boundary
 * (`example.com` and `.example.com` both cover `a.example.com`), optionally with
 * `:port`, IP addresses match exactly, `*` disables the proxy for every host.
 * `localhost` and `127.0.0.1` are NOT bypassed unless listed, as in curl.
 */
export function bypassesProxy(target: URL, noProxy: readonly string[]): boolean {
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = target.port || defaultPort(target.protocol);
  for (const raw of noProxy) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    // Split a trailing :port, leaving bare IPv6 addresses alone.
    const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry);
    const name = (match?.[1] ?? entry).replace(/^\[|\]$/g, '').replace(/^\*?\./, '');
    const entryPort = match?.[2];
    if (entryPort !== undefined && entryPort !== port) continue;
    if (host === name || host.endsWith(`.${name}`)) return true;
  }
  return false;
}

/** Splits a `NO_PROXY` value into entries. */
function parseNoProxy(value: string | undefined): string[] {
  return (value ?? '').split(/[,\s]+/).filter((entry) => entry !== '');
}

function basicFromUrl(url: URL): string | undefined {
  if (url.username === '' && url.password === '') return undefined;
  const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return `Basic ${Buffer.from(credentials).toString('base64')}`;
}

function resolved(value: string, source: ResolvedProxy['source']): ResolvedProxy | undefined {
  // A bare `host:port` (common in HTTP_PROXY) means an HTTP proxy.
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  return { url, display: redactUrl(url.toString()), source, authorization: basicFromUrl(url) };
}

/**
 * The proxy for a request to `target`: the system's own `proxy` setting wins (`false`
 * means no proxy at all); otherwise `HTTPS_PROXY`/`https_proxy` for https targets and
 * `HTTP_PROXY`/`http_proxy` for http targets, minus the hosts in `NO_PROXY`/`no_proxy`.
 */
export function resolveProxy(
  target: URL,
  setting: SystemConfig['proxy'],
  env: ProxyEnv = process.env,
): ResolvedProxy | undefined {
  if (setting === false) return undefined;
  if (setting !== undefined) {
    if (bypassesProxy(target, setting.noProxy ?? [])) return undefined;
    return resolved(setting.url, 'system');
  }
  const noProxy = parseNoProxy(env.NO_PROXY ?? env.no_proxy);
  if (bypassesProxy(target, noProxy)) return undefined;
  const names =
    target.protocol === 'https:' ? (['HTTPS_PROXY', 'https_proxy'] as const) : (['HTTP_PROXY', 'http_proxy'] as const);
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') return resolved(value.trim(), name);
  }
  return undefined;
}

/** The secrets a proxy URL carries (password, the encoded header), for redaction. */
export function proxySecrets(proxy: ResolvedProxy | undefined): string[] {
  if (!proxy) return [];
  const out: string[] = [];
  if (proxy.url.password !== '') out.push(proxy.url.password, decodeURIComponent(proxy.url.password));
  if (proxy.authorization) out.push(proxy.authorization, proxy.authorization.slice('Basic '.length));
  return out;
}
