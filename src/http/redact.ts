const secretKeys = /^(authorization|proxy-authorization|cookie|set-cookie|password|passphrase|token|apitoken|api_token|accesstoken|access_token|secret|pat|key|client_secret)$/i;

/** Replaces credentials in URLs (`https://user:pass@host`) with `***`. */
export function redactUrl(url: string): string {
  return url.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)([^/\s:@]+)(?::[^/\s@]*)?@/gi, '$1***:***@');
}

/**
 * Returns a copy of `value` with secrets removed: values of secret-looking keys become
 * `***`, URL credentials are masked and every known secret string is replaced wherever
 * it appears.
 */
export function redact(value: unknown, secrets: readonly string[] = []): unknown {
  const known = secrets.filter((s) => s.length >= 4);
  const scrub = (text: string): string => {
    let out = redactUrl(text);
    for (const secret of known) out = out.split(secret).join('***');
    return out;
  };
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return scrub(v);
    if (depth > 8 || v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    if (v instanceof Error) return { name: v.name, message: scrub(v.message) };
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = secretKeys.test(k) && x !== undefined && x !== null && x !== '' ? '***' : walk(x, depth + 1);
    return out;
  };
  return walk(value, 0);
}
