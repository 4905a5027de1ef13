import type { RateLimitRule, RateLimitStorage, RateLimitStorageRecord } from '../interfaces/quota.interface.js';
import { InMemoryRateLimitStorage } from './in-memory-rate-limit.storage.js';
import { RateLimiter, type RateLimitBucket } from './rate-limiter.js';

const START = Date.UTC(2030, 0, 1);

/** The in-process storage, with every increment recorded. */
class RecordingStorage implements RateLimitStorage {
  readonly calls: { key: string; ttl: number; limit: number; blockDuration: number; throttlerName: string }[] = [];
  constructor(private readonly inner: RateLimitStorage) {}
  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<RateLimitStorageRecord> {
    this.calls.push({ key, ttl, limit, blockDuration, throttlerName });
    return this.inner.increment(key, ttl, limit, blockDuration, throttlerName);
  }
  countFor(key: string): number {
    return this.calls.filter((c) => c.key === key).length;
  }
}

describe('RateLimiter', () => {
  let now: number;
  let storage: RecordingStorage;
  let limiter: RateLimiter;
  const clock = { now: () => now };
  /** 'key:L1' → the bucket scope { kind: 'key', id: 'L1' }. */
  const on = (rule: RateLimitRule, scope = 'key:L1'): RateLimitBucket => {
    const [kind, ...id] = scope.split(':');
    return { scope: { kind: kind as 'key' | 'owner', id: id.join(':') }, rule };
  };

  beforeEach(() => {
    now = START;
    storage = new RecordingStorage(new InMemoryRateLimitStorage(clock));
    limiter = new RateLimiter(storage, clock);
  });

  it('answers nothing and counts nothing without limits', async () => {
    expect(await limiter.consume([])).toEqual({});
    expect(storage.calls).toHaveLength(0);
  });

  it('keys the counter by scope, name and window, with no block, under a namespaced throttler name', async () => {
    await limiter.consume([on({ name: 'minute', limit: 3, windowMs: 60_000 }, 'owner:acme')]);
    expect(storage.calls).toEqual([
      { key: 'owner:acme:minute:60000', ttl: 60_000, limit: 3, blockDuration: 0, throttlerName: 'api-keys:minute' },
    ]);
  });

  it('passes exactly `limit` calls per window with a remaining countdown, then denies with the retry time', async () => {
    const rule = { name: 'rl', limit: 5, windowMs: 60_000 };
    const outcomes = [];
    for (let i = 0; i < 7; i++) outcomes.push(await limiter.consume([on(rule)]));
    expect(outcomes.slice(0, 5).map((o) => o.deniedBy)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(outcomes.slice(0, 5).map((o) => o.state!.remaining)).toEqual([4, 3, 2, 1, 0]);
    expect(outcomes[0].state).toEqual({ name: 'rl', limit: 5, remaining: 4, resetAt: START + 60_000 });
    for (const denied of outcomes.slice(5)) {
      expect(denied.deniedBy).toEqual(rule);
      expect(denied.state).toEqual({ name: 'rl', limit: 5, remaining: 0, resetAt: START + 60_000 });
      expect(denied.retryAfterMs).toBe(60_000);
    }

    now += 45_000;
    const later = await limiter.consume([on(rule)]);
    expect(later.retryAfterMs).toBe(15_000);
    expect(later.state!.resetAt).toBe(START + 60_000);

    now = START + 60_000; // the window is over
    const fresh = await limiter.consume([on(rule)]);
    expect(fresh.deniedBy).toBeUndefined();
    expect(fresh.state).toEqual({ name: 'rl', limit: 5, remaining: 4, resetAt: START + 120_000 });
  });

  it('never answers a retry shorter than one second', async () => {
    const rule = { name: 'tiny', limit: 1, windowMs: 200 };
    await limiter.consume([on(rule)]);
    const denied = await limiter.consume([on(rule)]);
    expect(denied.deniedBy).toEqual(rule);
    expect(denied.retryAfterMs).toBe(1000);
  });

  it('checks the shortest window first, whatever the order given', async () => {
    const minute = { name: 'minute', limit: 3, windowMs: 60_000 };
    const second = { name: 'second', limit: 10, windowMs: 1_000 };
    const hour = { name: 'hour', limit: 100, windowMs: 3_600_000 };
    await limiter.consume([on(hour), on(minute), on(second)]);
    expect(storage.calls.map((c) => c.key)).toEqual(['key:L1:second:1000', 'key:L1:minute:60000', 'key:L1:hour:3600000']);
  });

  it('does not count a call denied by a shorter limit against the longer ones (proved with the clock)', async () => {
    const burst = { name: 'burst', limit: 2, windowMs: 1_000 };
    const minute = { name: 'minute', limit: 3, windowMs: 60_000 };
    const codes: string[] = [];
    const consume = async () => {
      const outcome = await limiter.consume([on(minute), on(burst)]);
      codes.push(outcome.deniedBy?.name ?? 'ok');
      return outcome;
    };
    for (let i = 0; i < 5; i++) await consume(); // ok, ok, burst × 3
    expect(storage.countFor('key:L1:burst:1000')).toBe(5);
    expect(storage.countFor('key:L1:minute:60000')).toBe(2);

    now += 1_000; // a new burst window; the minute window has 2 hits, not 5
    const third = await consume();
    expect(third.deniedBy).toBeUndefined();
    expect(third.state).toEqual({ name: 'minute', limit: 3, remaining: 0, resetAt: START + 60_000 });
    const fourth = await consume();
    expect(fourth.deniedBy).toEqual(minute);
    expect(fourth.retryAfterMs).toBe(59_000);
    expect(codes).toEqual(['ok', 'ok', 'burst', 'burst', 'burst', 'ok', 'minute']);
  });

  it('describes the enforced limit with the least remaining, the earlier one on a tie', async () => {
    const a = { name: 'a', limit: 10, windowMs: 1_000 };
    const b = { name: 'b', limit: 4, windowMs: 60_000 };
    const c = { name: 'c', limit: 5, windowMs: 3_600_000 };
    expect((await limiter.consume([on(a), on(b), on(c)])).state).toMatchObject({ name: 'b', remaining: 3 });

    const tieFirst = { name: 'first', limit: 3, windowMs: 1_000 };
    const tieSecond = { name: 'second', limit: 3, windowMs: 2_000 };
    expect((await limiter.consume([on(tieSecond), on(tieFirst)])).state).toMatchObject({ name: 'first', remaining: 2 });
  });

  it('encodes each part of the counter key: owner t1 with limit x:min and owner t1:x with limit min never share a counter', async () => {
    await limiter.consume([on({ name: 'x:min', limit: 1, windowMs: 60_000 }, 'owner:t1')]);
    const other = await limiter.consume([on({ name: 'min', limit: 1, windowMs: 60_000 }, 'owner:t1:x')]);
    expect(other.deniedBy).toBeUndefined();
    expect(storage.calls.map((c) => c.key)).toEqual(['owner:t1:x%3Amin:60000', 'owner:t1%3Ax:min:60000']);
  });

  it('keeps scopes apart: a key and its owner draw from different counters', async () => {
    const own = { name: 'own', limit: 2, windowMs: 10_000 };
    const org = { name: 'org', limit: 3, windowMs: 60_000 };
    const one = [on(own, 'key:L1'), on(org, 'owner:acme')];
    const two = [on(own, 'key:L2'), on(org, 'owner:acme')];
    expect((await limiter.consume(one)).deniedBy).toBeUndefined();
    expect((await limiter.consume(one)).deniedBy).toBeUndefined();
    expect((await limiter.consume(one)).deniedBy).toEqual(own); // org not counted: still 2
    expect((await limiter.consume(two)).deniedBy).toBeUndefined(); // org 3
    expect((await limiter.consume(two)).deniedBy).toEqual(org);
    expect(storage.countFor('owner:acme:org:60000')).toBe(4);
  });

  describe('report mode', () => {
    const shadow = { name: 'shadow', limit: 2, windowMs: 60_000, mode: 'report' as const };

    it('never denies, names itself once over, and sets no state of its own', async () => {
      const outcomes = [];
      for (let i = 0; i < 5; i++) outcomes.push(await limiter.consume([on(shadow)]));
      expect(outcomes.map((o) => o.deniedBy)).toEqual([undefined, undefined, undefined, undefined, undefined]);
      expect(outcomes.map((o) => o.wouldRateLimit)).toEqual([undefined, undefined, 'shadow', 'shadow', 'shadow']);
      expect(outcomes.every((o) => o.state === undefined && o.retryAfterMs === undefined)).toBe(true);
      expect(storage.countFor('key:L1:shadow:60000')).toBe(5);
    });

    it('names the first report limit that would deny, alongside the enforced state', async () => {
      const shadowShort = { name: 'shadow-short', limit: 1, windowMs: 1_000, mode: 'report' as const };
      const enforced = { name: 'enforced', limit: 10, windowMs: 30_000 };
      await limiter.consume([on(shadow), on(shadowShort), on(enforced)]);
      await limiter.consume([on(shadow), on(shadowShort), on(enforced)]);
      const third = await limiter.consume([on(shadow), on(shadowShort), on(enforced)]);
      expect(third.deniedBy).toBeUndefined();
      expect(third.wouldRateLimit).toBe('shadow-short');
      expect(third.state).toEqual({ name: 'enforced', limit: 10, remaining: 7, resetAt: START + 30_000 });
    });

    it('keeps wouldRateLimit on a denial by a later enforced limit', async () => {
      const shortShadow = { name: 'soft', limit: 1, windowMs: 1_000, mode: 'report' as const };
      const hard = { name: 'hard', limit: 1, windowMs: 60_000 };
      await limiter.consume([on(shortShadow), on(hard)]);
      const denied = await limiter.consume([on(shortShadow), on(hard)]);
      expect(denied).toMatchObject({ deniedBy: hard, wouldRateLimit: 'soft' });
    });
  });
});
