import { LruTtlCache } from './lru-cache.js';

describe('LruTtlCache', () => {
  it('answers live entries and forgets expired ones when read', () => {
    const cache = new LruTtlCache<string, number>(10);
    cache.set('a', 1, 100, 0);
    expect(cache.get('a', 99)).toBe(1);
    expect(cache.get('a', 100)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('evicts the least recently used past maxEntries, a read counting as a use', () => {
    const removed: string[] = [];
    const cache = new LruTtlCache<string, number>(3, (key) => removed.push(key));
    for (const key of ['a', 'b', 'c']) cache.set(key, 0, 1000, 0);
    expect(cache.get('a', 1)).toBe(0); // a is now the most recent: b is the oldest
    cache.set('d', 0, 1000, 1);
    expect(removed).toEqual(['b']);
    expect([cache.get('a', 2), cache.get('b', 2), cache.get('c', 2), cache.get('d', 2)]).toEqual([0, undefined, 0, 0]);
    expect(cache.size).toBe(3);
  });

  it('replacing a key removes the old entry first (onRemove hears of it) and keeps one entry', () => {
    const removed: Array<[string, number]> = [];
    const cache = new LruTtlCache<string, number>(3, (key, value) => removed.push([key, value]));
    cache.set('a', 1, 1000, 0);
    cache.set('a', 2, 1000, 0);
    expect(removed).toEqual([['a', 1]]);
    expect(cache.get('a', 0)).toBe(2);
    expect(cache.size).toBe(1);
  });

  it('drops expired entries from the cold end on writes, so stale entries do not wait for pressure', () => {
    const cache = new LruTtlCache<string, number>(100);
    for (let i = 0; i < 10; i++) cache.set(`old${i}`, i, 10, 0);
    for (let i = 0; i < 5; i++) cache.set(`new${i}`, i, 1000, 20);
    expect(cache.size).toBe(5);
  });

  it('delete and clear call onRemove for every entry', () => {
    const removed: string[] = [];
    const cache = new LruTtlCache<string, number>(10, (key) => removed.push(key));
    for (const key of ['a', 'b', 'c']) cache.set(key, 0, 1000, 0);
    expect(cache.delete('b')).toBe(true);
    expect(cache.delete('b')).toBe(false);
    cache.clear();
    expect(removed.sort()).toEqual(['a', 'b', 'c']);
    expect(cache.size).toBe(0);
    cache.set('e', 1, 1000, 0);
    expect(cache.get('e', 0)).toBe(1);
  });

  it('stays at maxEntries under 100k distinct keys and never iterates its map (O(1) per write)', () => {
    const cache = new LruTtlCache<string, number>(1000);
    const iterate = jest.spyOn(Map.prototype, 'keys');
    const values = jest.spyOn(Map.prototype, 'values');
    const entries = jest.spyOn(Map.prototype, 'entries');
    try {
      let largest = 0;
      for (let i = 0; i < 100_000; i++) {
        cache.set(`k${i}`, i, 1e12, 0);
        if (i % 3 === 0) cache.get(`k${i - 500}`, 0);
        largest = Math.max(largest, cache.size);
      }
      expect(largest).toBe(1000);
      expect(iterate).not.toHaveBeenCalled();
      expect(values).not.toHaveBeenCalled();
      expect(entries).not.toHaveBeenCalled();
    } finally {
      jest.restoreAllMocks();
    }
    expect(cache.size).toBe(1000);
    expect(cache.get('k99999', 0)).toBe(99_999);
    expect(cache.get('k0', 0)).toBeUndefined();
  });
});
