import { RemoteError, type ResolvedSystem } from 'syncbridge';
import {
  createHttpClient,
  jsonObjectSchema,
  systemHttpOptions,
  type ConnectorContext,
  type HttpClient,
  type HttpRequest,
  type ParsedErrorBody,
} from 'syncbridge/connector-kit';
import { z } from 'zod';

/** api-version of most calls. */
export const apiVersion = '7.1';
/** api-version of the comments API (still preview in 7.1). */
export const commentsApiVersion = '7.1-preview.4';

/** The error body Azure DevOps answers with. */
const adoErrorBodySchema = z.object({
  message: z.string().optional(),
  typeKey: z.string().optional(),
  typeName: z.string().optional(),
  errorCode: z.number().optional(),
  customProperties: jsonObjectSchema.nullish(),
});

const ruleErrorSchema = z.object({ fieldReferenceName: z.string().nullish(), errorMessage: z.string().nullish() });

/** Per-field messages of every rule a save broke (`customProperties.RuleValidationErrors`). */
function ruleFieldErrors(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of Array.isArray(raw) ? raw : []) {
    const rule = ruleErrorSchema.safeParse(entry);
    if (rule.success && rule.data.fieldReferenceName && rule.data.errorMessage)
      out[rule.data.fieldReferenceName] = rule.data.errorMessage;
  }
  return out;
}

/**
 * Reads Azure DevOps' error body `{ $id, innerException, message, typeName, typeKey,
 * errorCode, eventId }`: the message (prefixed with `typeKey`), per-field messages of
 * rule violations (every field in `RuleValidationErrors`, by reference name), and a precise
 * code where the `typeKey` tells more than the status.
 */
function parseAdoError(body: unknown): ParsedErrorBody {
  const parsed = adoErrorBodySchema.safeParse(body);
  if (!parsed.success || !parsed.data.message) return { messages: [] };
  const { message, typeKey, customProperties } = parsed.data;
  const result: ParsedErrorBody = { messages: [typeKey ? `${typeKey}: ${message}` : message] };
  const fieldErrors = ruleFieldErrors(customProperties?.RuleValidationErrors);
  const field = customProperties?.FieldReferenceName;
  if (typeof field === 'string' && !(field in fieldErrors)) fieldErrors[field] = message;
  // TF401347 (an area or iteration path that does not exist) names its field only in the message.
  const tree = typeKey === 'WorkItemFieldInvalidTreeNameException' ? /field '([^']+)'/.exec(message)?.[1] : undefined;
  if (tree) fieldErrors[tree] = message;
  if (Object.keys(fieldErrors).length > 0) result.fieldErrors = fieldErrors;
  if (typeKey === 'TestPatchOperationFailedException') result.code = 'REVISION_MISMATCH';
  else if (typeKey === 'RuleValidationException' || typeKey === 'WorkItemFieldInvalidTreeNameException')
    result.code = 'VALIDATION';
  return result;
}

/** Whether an error is the WIQL result cap (VS402337), which the query splits around. */
export function isResultCapError(error: unknown): boolean {
  return error instanceof RemoteError && error.remoteMessages.some((m) => m.includes('VS402337'));
}

/** The two HTTP clients a connector needs: the organization, and the identities host. */
export interface AdoClients {
  org: HttpClient;
  identities: HttpClient;
}

/** Creates the HTTP clients: PAT as basic auth with an empty user name, bearer as is. */
export function createAdoClients(
  system: ResolvedSystem,
  identitiesBaseUrl: string,
  context: ConnectorContext,
): AdoClients {
  const common = {
    ...systemHttpOptions(system),
    patScheme: 'basic' as const,
    parseError: parseAdoError,
    onRequest: context.onRequest,
    logger: context.logger,
  };
  const org = createHttpClient({ ...common, baseUrl: system.baseUrl });
  const identities =
    identitiesBaseUrl === system.baseUrl ? org : createHttpClient({ ...common, baseUrl: identitiesBaseUrl });
  return { org, identities };
}

/** A request with `api-version` added. */
export function versioned<T>(request: HttpRequest<T>, version = apiVersion): HttpRequest<T> {
  return { ...request, query: { ...request.query, 'api-version': version } };
}

/** `{count, value}`: the envelope of Azure DevOps list responses. */
export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ count: z.number().optional(), value: z.array(item) });
}

/** An `IdentityRef` as embedded in work items and comments. */
export const identityRefSchema = z.object({
  id: z.string().optional(),
  displayName: z.string().nullish(),
  uniqueName: z.string().nullish(),
  descriptor: z.string().nullish(),
});

/** A `WorkItem` as the service returns it (fields are validated per kind later). */
export const workItemJsonSchema = z.object({
  id: z.number().int(),
  rev: z.number().int(),
  fields: jsonObjectSchema,
  /** Links to work items and resources, when asked for (`$expand=relations`) and in answers to writes. */
  relations: z.array(z.object({ rel: z.string(), url: z.string(), attributes: jsonObjectSchema.nullish() })).nullish(),
});

/** A work item as returned by the service. */
export type WorkItemJson = z.infer<typeof workItemJsonSchema>;
