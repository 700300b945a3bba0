/**
 * Field names (case, `-` and `_` ignored) whose values are secrets wherever they appear in a
 * logged or reported object. `key` is deliberately absent: it names items and projects.
 */
const exactSecretNames = new Set([
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'pat',
  'token',
  'apikey',
  'privatekey',
  'credential',
  'credentials',
]);
const secretNameEndings =
  /(password|passwd|passphrase|secret|accesstoken|apitoken|authtoken|refreshtoken|idtoken|bearertoken|sessiontoken|personalaccesstoken)$/;

/**
 * Whether a field name marks a secret (`token`, `password`, `authorization`, `pat`, `apiKey`,
 * `clientSecret`, `proxyPassword`...). Item fields such as `key` or `id` never do.
 */
export function isSecretFieldName(name: string): boolean {
  const plain = name.toLowerCase().replace(/[-_]/g, '');
  return exactSecretNames.has(plain) || secretNameEndings.test(plain);
}

/** Replaces credentials in URLs (`https://user:pass@host`) with `***`. */
export function redactUrl(url: string): string {
  return url.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)([^/\s:@]+)(?::[^/\s@]*)?@/gi, '$1***:***@');
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Whether a secret looks like a credential rather than a word: long enough, and mixing letters
 * with digits or symbols (or too long to be a word). Such a value is masked wherever it
 * appears; a word-like one (a password `token`) only where it stands as a credential, so that
 * ordinary words of a message are left alone.
 */
function looksLikeCredential(secret: string): boolean {
  if (secret.length < 8) return false;
  return (/[a-z]/i.test(secret) && /[^a-z\s]/i.test(secret)) || (secret.length >= 20 && !/\s/.test(secret));
}

/** Masks one known secret in a text: as the whole text, as a credential-like token, or where the text shows it as a credential. */
function maskSecret(text: string, secret: string): string {
  if (text.trim() === secret) return '***';
  if (looksLikeCredential(secret)) return text.split(secret).join('***');
  const value = escapeRegExp(secret);
  const end = `(?=$|[\\s"'&,;)}\\]>])`;
  return text
    .replace(new RegExp(`\\b(bearer|basic)(\\s+)${value}${end}`, 'gi'), '$1$2***')
    .replace(
      new RegExp(`([A-Za-z][\\w-]*)(["']?\\s*[:=]\\s*["']?)${value}${end}`, 'g'),
      (whole, name: string, sep: string) => (isSecretFieldName(name) ? `${name}${sep}***` : whole),
    );
}

/**
 * Returns a copy of `value` with secrets removed, for logs, error details and reports:
 * - values of secret-named fields (`token`, `password`, `authorization`, `pat`, `apiKey`...,
 *   see {@link isSecretFieldName}) become `***`; other fields, `key` included, are kept;
 * - credentials in URLs are masked;
 * - each known secret in `secrets` (of 4 characters or more) is masked where it is a whole
 *   value; a credential-like one (e.g. `ATATT3xFf…`) also wherever it appears, a word-like one
 *   (e.g. `token`) only where a text shows it as a credential (`Bearer token`,
 *   `password=token`), so that the words of a message are never replaced.
 */
export function redact(value: unknown, secrets: readonly string[] = []): unknown {
  const known = [...new Set(secrets.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
  const scrub = (text: string): string => known.reduce(maskSecret, redactUrl(text));
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return scrub(v);
    if (depth > 8 || v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    if (v instanceof Error) return { name: v.name, message: scrub(v.message) };
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v))
      out[k] = isSecretFieldName(k) && x !== undefined && x !== null && x !== '' ? '***' : walk(x, depth + 1);
    return out;
  };
  return walk(value, 0);
}
