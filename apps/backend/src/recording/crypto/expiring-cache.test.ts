import { describe, expect, it } from 'vitest';
import { ExpiringCache } from './expiring-cache.ts';

function cacheWithClock(limits: { maxEntries: number; ttlMs: number }) {
  const clock = { now: 1_000 };
  return { clock, cache: new ExpiringCache<string, number>(limits, () => clock.now) };
}

describe('ExpiringCache', () => {
  it('never returns an entry once its time to live is over, even if it was used meanwhile', () => {
    const { clock, cache } = cacheWithClock({ maxEntries: 10, ttlMs: 60_000 });
    cache.set('a', 1);
    clock.now += 59_999;
    expect(cache.get('a')).toBe(1);
    clock.now += 1;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('lets the least recently used entry go when full', () => {
    const { cache } = cacheWithClock({ maxEntries: 3, ttlMs: 60_000 });
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    expect(cache.get('a')).toBe(1);
    cache.set('d', 4);
    expect(cache.size).toBe(3);
    expect(cache.get('b')).toBeUndefined();
    expect([cache.get('a'), cache.get('c'), cache.get('d')]).toEqual([1, 3, 4]);
    // Setting a key again replaces its value and counts as a use.
    cache.set('a', 10);
    cache.set('e', 5);
    expect(cache.get('c')).toBeUndefined();
    expect(cache.get('a')).toBe(10);
  });

  it('drops expired entries nobody asks for again, within one more lifetime', () => {
    const { clock, cache } = cacheWithClock({ maxEntries: 100, ttlMs: 1_000 });
    for (let i = 0; i < 50; i++) cache.set(`old${i}`, i);
    clock.now += 1_000;
    cache.set('new', 1);
    expect(cache.size).toBe(1);
  });

  it('forgets an entry on delete', () => {
    const { cache } = cacheWithClock({ maxEntries: 10, ttlMs: 60_000 });
    cache.set('a', 1);
    cache.delete('a');
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
