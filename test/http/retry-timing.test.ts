import { describe, expect, it } from 'vitest';
import { retryAfterMs } from 'syncbridge/connector-kit';

const now = () => Date.parse('2026-12-01T12:00:00Z');
const wait = (headers: Record<string, string>) => retryAfterMs(new Headers(headers), now);

describe('how long a rate-limited system asks to wait', () => {
  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(wait({ 'retry-after': '120' })).toBe(120_000);
    expect(wait({ 'retry-after': ' 1.5 ' })).toBe(1_500);
    expect(wait({ 'retry-after': 'Tue, 01 Dec 2026 12:00:30 GMT' })).toBe(30_000);
    expect(wait({ 'retry-after': 'Tue, 01 Dec 2026 11:59:00 GMT' })).toBe(0);
  });

  it('falls back to X-RateLimit-Reset as epoch seconds (Azure DevOps, GitHub) or a date (Jira)', () => {
    expect(wait({ 'x-ratelimit-reset': String(now() / 1000 + 45) })).toBe(45_000);
    expect(wait({ 'x-ratelimit-reset': String(now() / 1000 - 5) })).toBeUndefined();
    expect(wait({ 'x-ratelimit-reset': '2026-12-01T12:01:00Z' })).toBe(60_000);
    expect(wait({ 'retry-after': '2', 'x-ratelimit-reset': String(now() / 1000 + 45) })).toBe(2_000);
  });

  it('gives no wait for missing or unreadable headers', () => {
    expect(wait({})).toBeUndefined();
    expect(wait({ 'retry-after': 'soon' })).toBeUndefined();
    expect(wait({ 'retry-after': '', 'x-ratelimit-reset': 'later' })).toBeUndefined();
  });
});
