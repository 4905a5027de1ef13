import type { RateLimitStorage } from '../interfaces/quota.interface.js';
import { InMemoryRateLimitStorage } from './in-memory-rate-limit.storage.js';

const START = Date.UTC(2030, 0, 1);

describe('InMemoryRateLimitStorage', () => {
  let now: number;
  /** Typed as the ThrottlerStorage contract it implements. */
  let storage: RateLimitStorage;

  beforeEach(() => {
    now = START;
    storage = new InMemoryRateLimitStorage({ now: () => now });
  });

  const hit = (key = 'k', ttl = 60_000, limit = 5, blockDuration = 0) => storage.increment(key, ttl, limit, blockDuration, 'test');

  it('counts hits in one fixed window and answers times in seconds', async () => {
    const hits: number[] = [];
    for (let i = 0; i < 7; i++) hits.push((await hit()).totalHits);
    expect(hits).toEqual([1, 2, 3, 4, 5, 6, 7]);

    now += 10_500;
    expect(await hit()).toEqual({ totalHits: 8, timeToExpire: 50, isBlocked: false, timeToBlockExpire: 0 });
  });

  it('rounds the time to expiry up to whole seconds', async () => {
    await hit('k', 1_500);
    now += 1;
    expect((await hit('k', 1_500)).timeToExpire).toBe(2);
    now += 1_000;
    expect((await hit('k', 1_500)).timeToExpire).toBe(1);
  });

  it('starts a new window exactly when the old one ends, on the clock', async () => {
    for (let i = 0; i < 3; i++) await hit();
    now += 59_999;
    expect((await hit()).totalHits).toBe(4);
    now += 1; // START + 60000: the window [START, START + 60000) is over
    expect(await hit()).toEqual({ totalHits: 1, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 });
  });

  it('keeps separate counters per key', async () => {
    await hit('a');
    await hit('a');
    expect((await hit('b')).totalHits).toBe(1);
    expect((await hit('a')).totalHits).toBe(3);
  });

  it('never reports a block without a block duration, however far over the limit', async () => {
    for (let i = 0; i < 20; i++) {
      const record = await hit('k', 60_000, 2, 0);
      expect(record.isBlocked).toBe(false);
      expect(record.timeToBlockExpire).toBe(0);
    }
  });

  it('blocks for blockDuration once over the limit and stretches the window to cover the block', async () => {
    await hit('k', 10_000, 2, 30_000);
    expect((await hit('k', 10_000, 2, 30_000)).isBlocked).toBe(false); // at the limit, not over
    // The third hit is over the limit: blocked from here for 30 s.
    expect(await hit('k', 10_000, 2, 30_000)).toEqual({ totalHits: 3, timeToExpire: 30, isBlocked: true, timeToBlockExpire: 30 });
    now += 20_000; // the 10 s window alone would be over, the block keeps it
    const during = await hit('k', 10_000, 2, 30_000);
    expect(during).toEqual({ totalHits: 4, timeToExpire: 10, isBlocked: true, timeToBlockExpire: 10 });
    now += 10_000;
    expect(await hit('k', 10_000, 2, 30_000)).toEqual({ totalHits: 1, timeToExpire: 10, isBlocked: false, timeToBlockExpire: 0 });
  });

  it('drops expired windows as it goes (no rescan): a stream of new clients keeps the map at the live ones', async () => {
    for (let i = 0; i < 10_000; i++) await hit(`old-${i}`, 1_000);
    await hit('live', 120_000);
    await hit('live', 120_000);
    now += 5_000; // every old-* window is over, 'live' is not
    for (let i = 0; i < 6_000; i++) await hit(`new-${i}`, 1_000); // each write drops up to two expired
    const size = (storage as InMemoryRateLimitStorage).size;
    expect(size).toBe(6_000 + 1); // the new windows and 'live'
    expect((await hit('live', 120_000)).totalHits).toBe(3);
  });

  it('holds at most maxEntries windows, forgetting the oldest first', async () => {
    const small = new InMemoryRateLimitStorage({ now: () => now }, { maxEntries: 1_000 });
    for (let i = 0; i < 5_000; i++) await small.increment(`k-${i}`, 60_000, 5, 0, 'test');
    expect(small.size).toBe(1_000);
    expect((await small.increment('k-4999', 60_000, 5, 0, 'test')).totalHits).toBe(2); // recent: kept
    expect((await small.increment('k-0', 60_000, 5, 0, 'test')).totalHits).toBe(1); // oldest: forgotten
  });
});
