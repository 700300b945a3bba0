import type { ResolvedSystem } from 'syncbridge';
import {
  createHttpClient,
  jsonObjectSchema,
  systemHttpOptions,
  type ConnectorContext,
  type HttpClient,
  type ParsedErrorBody,
} from 'syncbridge/connector-kit';
import { z } from 'zod';
import type { ResolvedJiraOptions } from './options.js';

/** The shared HTTP client plus the REST path prefix of the configured API version. */
export interface JiraClient {
  http: HttpClient;
  /** `rest/api/3/<path>` (or `2`). */
  api(path: string): string;
  version: '2' | '3';
}

// Each part is read on its own: a gateway's odd `errors` must not hide good `errorMessages`.
const jiraErrorBodySchema = z.object({
  errorMessages: z.array(z.unknown()).catch([]),
  errors: jsonObjectSchema.catch({}),
  message: z.string().optional().catch(undefined),
});

/**
 * Reads Jira's error body (`ErrorCollection`: `errorMessages` and per-field `errors`) so
 * that a failed write names the field. Also understands the `message` form some gateways use.
 * A 503 with `Retry-After` is Jira Cloud saying a resource limit was reached: Atlassian asks to
 * handle it like a rate limit, and like a 429 the request was not processed, so it is repeated
 * even when it is a POST (an attachment upload, a create); a bare 503 is not.
 * @see https://developer.atlassian.com/cloud/jira/platform/rest/v3/intro/#status-codes
 * @see https://developer.atlassian.com/cloud/jira/platform/rate-limiting/
 */
function parseJiraError(body: unknown, response: Response): ParsedErrorBody {
  const parsed = jiraErrorBodySchema.safeParse(body);
  if (!parsed.success) return { messages: [], fieldErrors: {} };
  const { errorMessages, errors, message } = parsed.data;
  const messages = errorMessages.filter((m): m is string => typeof m === 'string');
  if (messages.length === 0 && message !== undefined) messages.push(message);
  const fieldErrors = Object.fromEntries(
    Object.entries(errors).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
  const limited = response.status === 503 && response.headers.has('retry-after');
  return { messages, fieldErrors, ...(limited ? { code: 'RATE_LIMITED' as const } : {}) };
}

/** Builds the client for one Jira system: auth (API token, basic or PAT as bearer), retries, proxy, TLS, redaction. */
export function createJiraClient(
  system: ResolvedSystem,
  options: ResolvedJiraOptions,
  context: ConnectorContext,
): JiraClient {
  const http = createHttpClient({
    ...systemHttpOptions(system),
    patScheme: 'bearer',
    // Jira's XSRF check rejects some POSTs from non-browser clients without this header.
    headers: { 'x-atlassian-token': 'no-check' },
    parseError: parseJiraError,
    onRequest: context.onRequest,
    logger: context.logger,
  });
  return { http, version: options.apiVersion, api: (path) => `rest/api/${options.apiVersion}/${path}` };
}
