import type { z } from 'zod';

/**
 * Reads a webhook delivery's body as JSON and validates it with `schema`, for a connector's
 * `webhooks.verify` (after it checked the signature): the parsed payload, or the 400 answer
 * naming the first problem's path. `what` names the kind of delivery expected ("a Jira webhook").
 */
export function parseWebhookBody<T>(
  body: Uint8Array,
  schema: z.ZodType<T>,
  what: string,
): { ok: true; payload: T } | { ok: false; status: 400; reason: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    return { ok: false, status: 400, reason: 'the body is not JSON' };
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, payload: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, status: 400, reason: `not ${what}: ${issue?.path.join('.') || 'body'}: ${issue?.message}` };
}
