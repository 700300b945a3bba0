import type { z } from 'zod';
import type { RenderContext } from './render.js';
import type { JiraState, SimUser } from './state.js';

/** What a route handler gets: the request, the state, the authenticated user and how to render. */
export interface RouteContext {
  request: Request;
  url: URL;
  state: JiraState;
  user: SimUser;
  render: RenderContext;
  /** Captured path segments of the route's pattern. */
  params: string[];
}

/** One operation: a method and a path pattern below `/rest/api/{2|3}/`. */
export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: RegExp;
  handle(context: RouteContext): Promise<Response> | Response;
}

/** Thrown inside a route to answer with an error response right away. */
export class HttpFailure extends Error {
  constructor(readonly response: Response) {
    super(`HTTP ${response.status}`);
  }
}

/** A JSON response. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json;charset=UTF-8', ...headers },
  });
}

/** An empty 204 response. */
export function noContent(): Response {
  return new Response(null, { status: 204 });
}

/** Jira's error body (`ErrorCollection`): messages plus per-field messages. */
export function jiraError(status: number, errorMessages: string[], errors: Record<string, string> = {}): Response {
  return json({ errorMessages, errors }, status);
}

/** Fails the request with Jira's error body. */
export function fail(status: number, errorMessages: string[], errors: Record<string, string> = {}): never {
  throw new HttpFailure(jiraError(status, errorMessages, errors));
}

/** Reads and validates a JSON request body; a bad body is a 400 as Jira gives it. */
export async function readBody<T>(request: Request, schema: z.ZodType<T>): Promise<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(await request.text());
  } catch {
    return fail(400, ['Unexpected character: was expecting a JSON value.']);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail(400, [
      `Invalid request payload. Refer to the REST API documentation and try again. (${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'})`,
    ]);
  }
  return parsed.data;
}

/** A numeric query parameter within bounds. */
export function intParam(url: URL, name: string, fallback: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) fail(400, [`The '${name}' parameter must be a non-negative integer.`]);
  return Math.min(n, max);
}

/** A list query parameter given as repeated or comma-separated values. */
export function listParam(url: URL, name: string): string[] | undefined {
  const values = url.searchParams
    .getAll(name)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  return values.length > 0 ? values : undefined;
}
