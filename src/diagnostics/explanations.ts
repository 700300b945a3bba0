import { SyncbridgeError } from '../errors/syncbridge-error.js';
import {
  connectionCodes,
  connectionMessage,
  explainConnection,
  type ConnectionCode,
  type ConnectionFacts,
  type Explanation,
} from '../http/connection-codes.js';

/** Facts for the HTTP- and API-level explanations, on top of the connection facts. */
export interface DiagnosisFacts extends ConnectionFacts {
  /** The URL probed, without credentials or query. */
  url?: string | undefined;
  /** The system's own message (already redacted), quoted in the explanation. */
  remote?: string | undefined;
  /** Seconds to wait, for rate limits. */
  retryAfterSeconds?: number | undefined;
  /** Where a redirect pointed (origin and path only). */
  location?: string | undefined;
  /** The project or entity type looked for. */
  name?: string | undefined;
}

/**
 * Where the troubleshooting guide is for a user of the package: it ships in the npm package
 * (`files` in package.json), so this path opens from the project that installed syncbridge.
 */
export const troubleshootingGuide = 'node_modules/syncbridge/docs/troubleshooting.md';

const quoted = (f: DiagnosisFacts) => (f.remote ? `: "${f.remote}"` : '');

const httpLevel: Record<string, (f: DiagnosisFacts) => Explanation> = {
  CONFIG_INVALID: (f) => ({
    what: `the configuration of ${f.system} is invalid${f.detail ? ` (${f.detail})` : ''}`,
    cause: 'a setting has a wrong form',
    fix: 'correct the setting named above',
    retryable: false,
  }),
  TLS_FILE_UNREADABLE: (f) => ({
    what: `a TLS file of ${f.system} could not be used${f.detail ? ` (${f.detail})` : ''}`,
    cause: 'a path in tls.caFile, tls.certFile or tls.keyFile is wrong, unreadable, or the file is not PEM',
    fix: 'point the setting at a readable PEM file (convert DER with `openssl x509 -inform der -in ca.cer -out ca.pem`)',
    retryable: false,
  }),
  HTTP_NOT_FOUND: (f) => ({
    what: `${f.url ?? f.target} answered 404 Not Found`,
    cause:
      "baseUrl is not the application's root: a missing or extra context path (e.g. https://host/jira for Jira Data Center, https://dev.azure.com/<organization> for Azure DevOps), or another application on that address",
    fix: 'set baseUrl to the address you open the application at in a browser, without any page path; check the organization/collection name',
    retryable: false,
  }),
  HTTP_NOT_JSON: (f) => ({
    what: `${f.url ?? f.target} returned an HTML page instead of JSON${f.location ? ` (after a redirect to ${f.location})` : ''}`,
    cause:
      "a single sign-on or login page, a reverse proxy or captive portal in front of the API, or a baseUrl that points at a web page instead of the application's root",
    fix: 'open the URL in a browser to see which page answers; fix baseUrl, or ask the administrators to let API calls with a token through without the login page',
    retryable: false,
  }),
  HTTP_REDIRECTED: (f) => ({
    what: `${f.url ?? f.target} redirected to ${f.location ?? 'another address'}`,
    cause:
      f.location?.startsWith('https://') && f.url?.startsWith('http://')
        ? 'the server only speaks HTTPS'
        : 'a login page (single sign-on) or a moved server answers instead of the API',
    fix:
      f.location?.startsWith('https://') && f.url?.startsWith('http://')
        ? 'use https:// in baseUrl'
        : 'set baseUrl to the address the application lives at; if the redirect goes to a login page, ask the administrators to let API calls with a token through',
    retryable: false,
  }),
  HTTP_UNEXPECTED: (f) => ({
    what: `${f.url ?? f.target} answered ${f.detail ?? 'an unexpected status'}${quoted(f)}`,
    cause: 'something other than the expected application answers at baseUrl',
    fix: 'check baseUrl and any proxy in front of the server',
    retryable: false,
  }),
  AUTH: (f) => ({
    what: `${f.system} rejected the credentials (401 Unauthorized)${quoted(f)}`,
    cause:
      'a wrong, expired or revoked token or password, a wrong auth.type for this deployment (Jira Cloud: e-mail + API token; Jira Data Center: personal access token as bearer; Azure DevOps: PAT), or a deactivated integration user',
    fix: 'create a new token for the integration user, check auth.type and the e-mail/user name, and that the user is active',
    retryable: false,
  }),
  PERMISSION: (f) => ({
    what: `${f.system} refused access (403 Forbidden)${quoted(f)}`,
    cause:
      'the integration user lacks a permission this call needs (the message above names it when the system tells), or the token scope is too narrow',
    fix: "grant the integration user the permission named (e.g. Jira 'Browse projects', Azure DevOps 'View work items in this node'), or create a token with the needed scopes",
    retryable: false,
  }),
  RATE_LIMITED: (f) => ({
    what: `${f.system} is rate-limiting this client (429 Too Many Requests)${f.retryAfterSeconds === undefined ? '' : `; it asks to retry in ${f.retryAfterSeconds} s`}`,
    cause: 'too many requests from this integration user (other tools or syncs share the same account limit)',
    fix: `wait${f.retryAfterSeconds === undefined ? ' a minute' : ` ${f.retryAfterSeconds} s`} and run again; lower the sync frequency or batch sizes if it keeps happening`,
    retryable: true,
  }),
  TIMEOUT: (f) => ({
    what: `${f.target} accepted the connection but sent no HTTP answer within ${f.timeoutMs ?? '?'} ms`,
    cause: 'the server is overloaded or hung, or a proxy or firewall holds the connection open',
    fix: 'check that the server responds in a browser; raise timeouts.requestMs if it is merely slow',
    retryable: true,
  }),
  TRANSIENT: (f) => ({
    what: `${f.url ?? f.target} answered ${f.detail ?? 'a server error'}${quoted(f)}`,
    cause: 'the server or a gateway in front of it has a temporary problem',
    fix: 'try again later; syncbridge retries on its own during a sync',
    retryable: true,
  }),
  PROTOCOL: (f) => ({
    what: `${f.url ?? f.target} answered with an unexpected body${f.detail ? ` (${f.detail})` : ''}`,
    cause: 'an unsupported server version or another application at baseUrl',
    fix: 'check baseUrl and the server version',
    retryable: false,
  }),
  API_PROJECT_NOT_FOUND: (f) => ({
    what: `project ${f.name ? `"${f.name}" ` : ''}does not exist or is not visible to the integration user${f.detail ? ` (${f.detail})` : ''}`,
    cause: 'a typo in the project key/name, or the integration user has no permission to browse it',
    fix: 'check the project in the mapping; grant the integration user access to the project',
    retryable: false,
  }),
  API_TYPE_NOT_FOUND: (f) => ({
    what: `entity type ${f.name ? `"${f.name}" ` : ''}does not exist in the project or is not available to the integration user${f.detail ? ` (${f.detail})` : ''}`,
    cause: 'a typo in the type name, or the type is not part of the project (its scheme or process)',
    fix: 'use one of the type names the project offers (listed above when known), or add the type to the project',
    retryable: false,
  }),
};

/** The explanation of any code a diagnosis reports (connection, HTTP or API level). */
export function explainCode(code: string, facts: DiagnosisFacts): Explanation {
  if ((connectionCodes as string[]).includes(code)) return explainConnection(code as ConnectionCode, facts);
  const entry = httpLevel[code];
  if (entry) return entry(facts);
  return {
    what: `${facts.system} failed with ${code}${facts.detail ? ` (${facts.detail})` : ''}`,
    cause: `see ${troubleshootingGuide} for this code`,
    fix: `see ${troubleshootingGuide}#${code.toLowerCase()}`,
    retryable: false,
  };
}

/** Codes with an explanation here (besides the connection codes), for documentation checks. */
export const explainedCodes = [...connectionCodes, ...Object.keys(httpLevel)];

/**
 * The error an adapter throws (from `checkProject`, or at sync time) when a project or
 * entity type does not exist or is not visible to the integration user. `available`, when
 * known, is listed so the user can pick the right name.
 */
export function apiNotFoundError(
  kind: 'project' | 'type',
  options: { system: string; name: string; available?: readonly string[] },
): SyncbridgeError {
  const code = kind === 'project' ? 'API_PROJECT_NOT_FOUND' : 'API_TYPE_NOT_FOUND';
  const shown = options.available?.slice(0, 20) ?? [];
  const detail = shown.length
    ? `visible: ${shown.join(', ')}${(options.available?.length ?? 0) > shown.length ? ', ...' : ''}`
    : undefined;
  const explanation = explainCode(code, { system: options.system, target: options.system, name: options.name, detail });
  return new SyncbridgeError(code, connectionMessage(explanation, options.system), {
    system: options.system,
    details: {
      name: options.name,
      ...(shown.length ? { available: shown } : {}),
      cause: explanation.cause,
      fix: explanation.fix,
    },
  });
}
