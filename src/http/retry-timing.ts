/**
 * Parses `Retry-After` (delta seconds or an HTTP date) and the common rate-limit reset
 * headers into a wait in milliseconds. All such parsing lives here.
 */
export function retryAfterMs(headers: Headers, now: () => number = Date.now): number | undefined {
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null && retryAfter.trim() !== '') {
    const value = retryAfter.trim();
    if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
    const at = Date.parse(value);
    if (!Number.isNaN(at)) return Math.max(0, at - now());
  }
  // X-RateLimit-Reset: epoch seconds (GitHub, Azure DevOps) or an ISO date (Jira).
  const reset = headers.get('x-ratelimit-reset');
  if (reset !== null && reset.trim() !== '') {
    const value = reset.trim();
    if (/^\d+$/.test(value)) {
      const epochMs = Number(value) * 1000;
      return epochMs > now() ? epochMs - now() : undefined;
    }
    const at = Date.parse(value);
    if (!Number.isNaN(at)) return Math.max(0, at - now());
  }
  return undefined;
}
