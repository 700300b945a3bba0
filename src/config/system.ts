import { z } from 'zod';
import { jsonObjectSchema } from '../util/json-object.js';

/**
 * How a connector authenticates. Secrets are usually written as `${env:NAME}` references
 * in YAML and resolved when the config loads; they are never printed.
 */
export const systemAuthSchema = z.discriminatedUnion('type', [
  /** HTTP basic with user name and password (Jira Data Center, Azure DevOps Server). */
  z.strictObject({ type: z.literal('basic'), username: z.string().min(1), password: z.string().min(1) }),
  /** E-mail and API token (Jira Cloud); sent as HTTP basic. */
  z.strictObject({ type: z.literal('apiToken'), email: z.string().min(1), token: z.string().min(1) }),
  /** Personal access token; the adapter decides how it is sent (ADO: basic with empty user, Jira DC: bearer). */
  z.strictObject({ type: z.literal('pat'), token: z.string().min(1) }),
  /** A bearer token sent as is. */
  z.strictObject({ type: z.literal('bearer'), token: z.string().min(1) }),
  /** An OAuth 2.0 access token (sent as bearer). */
  z.strictObject({ type: z.literal('oauth'), accessToken: z.string().min(1) }),
  /** No authentication (simulators, test systems). */
  z.strictObject({ type: z.literal('none') }),
]);

/** How a connector authenticates; see {@link systemAuthSchema}. */
export type SystemAuth = z.infer<typeof systemAuthSchema>;

/** An explicit proxy; `false` disables the environment's proxy for this system. */
export const proxySchema = z.union([
  z.literal(false),
  z.strictObject({
    /** `http://user:pass@proxy:3128`; credentials in it are never printed. */
    url: z.string().url(),
    /** Host names (or `.suffix`) that bypass the proxy. */
    noProxy: z.array(z.string()).optional(),
  }),
]);

/** Trust and client-certificate settings for HTTPS. */
export const tlsSchema = z.strictObject({
  /** Path of a PEM file with extra certificate authorities (added to Node's defaults). */
  caFile: z.string().optional(),
  /** PEM text of extra certificate authorities. */
  caPem: z.string().optional(),
  /** Path of a PEM client certificate. */
  certFile: z.string().optional(),
  /** Path of the PEM private key of the client certificate. */
  keyFile: z.string().optional(),
  /** Passphrase of the client key. */
  passphrase: z.string().optional(),
  /** Accept any certificate. For test systems only: logged loudly at every start. @default false */
  insecureSkipVerify: z.boolean().optional(),
});

/** One configured system. */
export const systemSchema = z.strictObject({
  /** The adapter kind (`jira`, `azure-devops`, `memory`, or a custom connector's kind). */
  adapter: z.string().min(1),
  /** Root URL of the system (`https://acme.atlassian.net`, `https://dev.azure.com/acme`). */
  baseUrl: z.string().url(),
  /** Authentication. */
  auth: systemAuthSchema,
  /** Proxy for this system; default: from `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY`. */
  proxy: proxySchema.optional(),
  /** TLS trust settings. */
  tls: tlsSchema.optional(),
  /** The integration user (id or e-mail) whose writes are never synced back; default: who the credentials log in as. */
  integrationUser: z.string().optional(),
  /** Timeouts in milliseconds. */
  timeouts: z
    .strictObject({
      /** Per request, including the response body. @default 30000 */
      requestMs: z.number().int().positive().optional(),
      /** To establish a connection. @default 10000 */
      connectMs: z.number().int().positive().optional(),
    })
    .optional(),
  /** Retries of transient failures (429, 5xx, network) by the HTTP client, with exponential backoff. */
  retry: z
    .strictObject({
      /** Retries after the first attempt. @default 4 */
      retries: z.number().int().min(0).max(20).optional(),
      /** First backoff in ms. @default 250 */
      minTimeoutMs: z.number().int().nonnegative().optional(),
      /** Longest backoff in ms. @default 30000 */
      maxTimeoutMs: z.number().int().nonnegative().optional(),
      /** Longest wait a `Retry-After` may impose before the error is handed up instead. @default 60000 */
      maxRetryAfterMs: z.number().int().nonnegative().optional(),
    })
    .optional(),
  /** Adapter-specific options, validated by the adapter. */
  options: jsonObjectSchema.optional(),
});

/** One configured system (as written in the config). */
export type SystemConfig = z.infer<typeof systemSchema>;

/** A system with its configured id. */
export type ResolvedSystem = SystemConfig & { id: string };
