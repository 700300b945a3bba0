import { createHttpClient, type ConnectorContext, type HttpClient, type ParsedErrorBody, type ResolvedSystem } from 'syncbridge';
import type { ResolvedJiraOptions } from './options.js';

/** The shared HTTP client plus the REST path prefix of the configured API version. */
export interface JiraClient {
  http: HttpClient;
  /** `rest/api/3/<path>` (or `2`). */
  api(path: string): string;
  version: '2' | '3';
}

/**
 * Reads Jira's error body (`ErrorCollection`: `errorMessages` and per-field `errors`) so
 * that a failed write names the field. Also understands the `message` form some gateways use.
 * @see https://developer.atlassian.com/cloud/jira/platform/rest/v3/intro/#status-codes
 */
export function parseJiraError(body: unknown): ParsedErrorBody {
  const b = (body ?? {}) as { errorMessages?: unknown; errors?: unknown; message?: unknown };
  const messages = Array.isArray(b.errorMessages) ? b.errorMessages.filter((m): m is string => typeof m === 'string') : [];
  if (messages.length === 0 && typeof b.message === 'string') messages.push(b.message);
  const fieldErrors: Record<string, string> = {};
  if (b.errors && typeof b.errors === 'object') {
    for (const [field, message] of Object.entries(b.errors)) if (typeof message === 'string') fieldErrors[field] = message;
  }
  return { messages, fieldErrors };
}

/** Builds the client for one Jira system: auth (API token, basic or PAT as bearer), retries, proxy, TLS, redaction. */
export function createJiraClient(system: ResolvedSystem, options: ResolvedJiraOptions, context: ConnectorContext): JiraClient {
  const http = createHttpClient({
    system: system.id,
    baseUrl: system.baseUrl,
    auth: system.auth,
    patScheme: 'bearer',
    timeoutMs: system.timeouts?.requestMs,
    connectTimeoutMs: system.timeouts?.connectMs,
    proxy: system.proxy,
    tls: system.tls,
    // Jira's XSRF check rejects some POSTs from non-browser clients without this header.
    headers: { 'x-atlassian-token': 'no-check' },
    parseError: parseJiraError,
    onRequest: context.onRequest,
    logger: context.logger,
  });
  return { http, version: options.apiVersion, api: (path) => `rest/api/${options.apiVersion}/${path}` };
}
