/**
 * Checks a response body against the schema an API description (OpenAPI 3 or Swagger 2)
 * declares for an operation and status, so simulators can prove they answer in the
 * vendor's shapes. Covers the subset vendors' descriptions use: `type`, `required`,
 * `properties`, `additionalProperties`, `items`, `enum`, `$ref`, `allOf`/`oneOf`/`anyOf`
 * and `nullable`. Formats and numeric limits are not checked.
 */

type Schema = Record<string, unknown>;
type Spec = Record<string, unknown>;

/** Which response of which operation to check. */
export interface OperationRef {
  method: string;
  /** The path template as written in the description (`/rest/api/3/issue/{issueIdOrKey}`) or a concrete path. */
  path: string;
  status: number | string;
}

function resolveRef(spec: Spec, ref: string): Schema {
  if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported: ${ref}`);
  let node: unknown = spec;
  for (const part of ref.slice(2).split('/'))
    node = (node as Record<string, unknown>)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  if (!node || typeof node !== 'object') throw new Error(`unresolved $ref ${ref}`);
  return node as Schema;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** In Swagger 2 descriptions generated from .NET (Azure DevOps), a bare `{"type": "object"}` means any JSON value (`JToken`), as their own examples show. */
function isBareSwaggerObject(spec: Spec, schema: Schema): boolean {
  return (
    spec.swagger === '2.0' &&
    schema.type === 'object' &&
    !schema.properties &&
    schema.additionalProperties === undefined &&
    !schema.allOf &&
    !schema.oneOf &&
    !schema.anyOf
  );
}

function validate(spec: Spec, schema: Schema, value: unknown, at: string, errors: string[]): void {
  if (typeof schema.$ref === 'string') {
    validate(spec, resolveRef(spec, schema.$ref), value, at, errors);
    return;
  }
  if (isBareSwaggerObject(spec, schema)) return;
  if (value === null && (schema.nullable === true || schema['x-nullable'] === true)) return;
  if (Array.isArray(schema.allOf)) for (const part of schema.allOf as Schema[]) validate(spec, part, value, at, errors);
  for (const key of ['oneOf', 'anyOf'] as const) {
    const options = schema[key];
    if (!Array.isArray(options)) continue;
    const passing = (options as Schema[]).filter((option) => {
      const inner: string[] = [];
      validate(spec, option, value, at, inner);
      return inner.length === 0;
    });
    if (passing.length === 0 || (key === 'oneOf' && passing.length > 1))
      errors.push(`${at}: matches ${passing.length} of the ${key} alternatives`);
  }
  const type = schema.type as string | undefined;
  const actual = typeOf(value);
  if (type && !(type === actual || (type === 'number' && actual === 'integer'))) {
    errors.push(`${at}: expected ${type}, got ${actual}`);
    return;
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value))
    errors.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (actual === 'array' && schema.items)
    (value as unknown[]).forEach((item, i) => {
      validate(spec, schema.items as Schema, item, `${at}[${i}]`, errors);
    });
  if (actual === 'object' && (type === 'object' || schema.properties || schema.additionalProperties !== undefined)) {
    const object = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const name of (schema.required ?? []) as string[])
      if (!(name in object)) errors.push(`${at}: missing required property '${name}'`);
    for (const [name, child] of Object.entries(object)) {
      const declared = properties[name];
      if (declared) validate(spec, declared, child, `${at}.${name}`, errors);
      else if (schema.additionalProperties === false && !Array.isArray(schema.allOf))
        errors.push(`${at}: property '${name}' is not in the schema`);
      else if (schema.additionalProperties && typeof schema.additionalProperties === 'object')
        validate(spec, schema.additionalProperties as Schema, child, `${at}.${name}`, errors);
    }
  }
}

function findOperation(spec: Spec, method: string, path: string): { template: string; operation: Schema } {
  const paths = (spec.paths ?? {}) as Record<string, Record<string, Schema>>;
  const lower = method.toLowerCase();
  if (paths[path]?.[lower]) return { template: path, operation: paths[path][lower] as Schema };
  for (const [template, operations] of Object.entries(paths)) {
    const pattern = new RegExp(
      `^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`,
    );
    if (pattern.test(path) && operations[lower]) return { template, operation: operations[lower] as Schema };
  }
  throw new Error(`the API description has no operation ${method.toUpperCase()} ${path}`);
}

/** The declared response schema of an operation and status (OpenAPI 3 `content['application/json'].schema` or Swagger 2 `schema`), or undefined when the description declares no body. */
export function responseSchema(spec: Spec, operation: OperationRef): Schema | undefined {
  const { template, operation: op } = findOperation(spec, operation.method, operation.path);
  const responses = (op.responses ?? {}) as Record<string, Schema>;
  let response = responses[String(operation.status)] ?? responses.default;
  if (!response)
    throw new Error(`${operation.method.toUpperCase()} ${template} declares no response ${operation.status}`);
  if (typeof response.$ref === 'string') response = resolveRef(spec, response.$ref);
  const content = response.content as Record<string, { schema?: Schema }> | undefined;
  if (content) return (content['application/json'] ?? Object.values(content)[0])?.schema;
  return response.schema as Schema | undefined;
}

/**
 * Throws, listing every mismatch, unless `body` matches what the description declares for
 * the operation's response with this status.
 */
export function assertMatchesOperation(spec: unknown, operation: OperationRef, body: unknown): void {
  const schema = responseSchema(spec as Spec, operation);
  if (!schema) return;
  const errors: string[] = [];
  validate(spec as Spec, schema, body, '$', errors);
  if (errors.length > 0) {
    throw new Error(
      `${operation.method.toUpperCase()} ${operation.path} ${operation.status} does not match the API description:\n  ${errors.slice(0, 20).join('\n  ')}`,
    );
  }
}

/**
 * The declared request body schema of an operation (OpenAPI 3 `requestBody.content[mediaType].schema`,
 * Swagger 2 the `in: body` parameter's `schema`), or undefined when it declares none.
 * `mediaType` picks the content type; the JSON one (else the first) by default.
 */
export function requestSchema(
  spec: unknown,
  operation: Omit<OperationRef, 'status'>,
  mediaType?: string,
): Record<string, unknown> | undefined {
  const { operation: op } = findOperation(spec as Spec, operation.method, operation.path);
  let body = op.requestBody as Schema | undefined;
  if (body && typeof body.$ref === 'string') body = resolveRef(spec as Spec, body.$ref);
  const content = body?.content as Record<string, { schema?: Schema }> | undefined;
  if (content)
    return (content[mediaType ?? 'application/json'] ?? (mediaType ? undefined : Object.values(content)[0]))?.schema;
  const parameters = (op.parameters ?? []) as Schema[];
  const resolved = parameters.map((p) => (typeof p.$ref === 'string' ? resolveRef(spec as Spec, p.$ref) : p));
  return resolved.find((p) => p.in === 'body')?.schema as Schema | undefined;
}

/**
 * Throws, listing every mismatch, unless `body` matches the request body the description
 * declares for the operation (so a simulator's tests prove they send what the vendor takes).
 */
export function assertMatchesRequest(
  spec: unknown,
  operation: Omit<OperationRef, 'status'>,
  body: unknown,
  mediaType?: string,
): void {
  const schema = requestSchema(spec, operation, mediaType);
  if (!schema)
    throw new Error(
      `${operation.method.toUpperCase()} ${operation.path} declares no request body${mediaType ? ` of type ${mediaType}` : ''}`,
    );
  const errors: string[] = [];
  validate(spec as Spec, schema, body, '$', errors);
  if (errors.length > 0) {
    throw new Error(
      `${operation.method.toUpperCase()} ${operation.path} request does not match the API description:\n  ${errors.slice(0, 20).join('\n  ')}`,
    );
  }
}
