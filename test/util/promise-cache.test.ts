import { describe, expect, it } from 'vitest';
import { PromiseCache } from 'syncbridge/connector-kit';

describe('PromiseCache', () => {
  it('shares one load between concurrent callers and keeps its value', async () => {
    const cache = new PromiseCache<string, number>();
    let loads = 0;
    const load = async () => ++loads;
    expect(await Promise.all([cache.get('a', load), cache.get('a', load)])).toEqual([1, 1]);
    expect(await cache.get('a', load)).toBe(1);
    expect(await cache.get('b', load)).toBe(2);
  });

  it('forgets a failed load so the next call tries again', async () => {
    const cache = new PromiseCache<string, string>();
    await expect(cache.get('k', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.get('k', async () => 'up')).toBe('up');
    cache.clear();
    expect(await cache.get('k', async () => 'again')).toBe('again');
  });
});
