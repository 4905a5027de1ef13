import { ApiKeyGuard } from '../guard/api-key.guard.js';
import type { RateLimitStorage, RateLimitStorageRecord } from '../interfaces/quota.interface.js';
import { KeyFormat } from '../keys/key-format.js';
import { FailedAttempts } from './failed-attempts.js';
import { InMemoryRateLimitStorage } from './in-memory-rate-limit.storage.js';

const START = Date.UTC(2030, 0, 1);
const format = new KeyFormat('sk', 32);

/** Exposes the guard's protected client hook; nothing else of the guard is used. */
class TrackerProbe extends ApiKeyGuard {
  constructor() {
    super(null as never, null as never, null as never, null as never, null);
  }
  tracker(request: unknown): string | undefined {
    return this.getTracker(request);
  }
}

describe('FailedAttempts', () => {
  let now: number;
  let storage: RateLimitStorage;
  let attempts: FailedAttempts;
  const clock = { now: () => now };

  beforeEach(() => {
    now = START;
    storage = new InMemoryRateLimitStorage(clock);
    attempts = new FailedAttempts(storage, clock, { limit: 5, windowMs: 60_000 });
  });

  async function fail(client: string | undefined, times: number): Promise<void> {
    for (let i = 0; i < times; i++) await attempts.recordFailure(client);
  }

  it('allows exactly `limit` failures in a window, then blocks the client until the window ends', async () => {
    const probe = format.generate();
    for (let i = 0; i < 5; i++) {
      expect(attempts.retryAfterMs('1.2.3.4', probe)).toBe(0);
      await attempts.recordFailure('1.2.3.4');
    }
    expect(attempts.retryAfterMs('1.2.3.4', probe)).toBe(60_000);
    expect(attempts.retryAfterMs('1.2.3.4', format.generate())).toBe(60_000);
    expect(attempts.retryAfterMs('1.2.3.4', 'not even a key')).toBe(60_000);

    now += 45_000;
    expect(attempts.retryAfterMs('1.2.3.4', probe)).toBe(15_000);
    now += 15_000;
    expect(attempts.retryAfterMs('1.2.3.4', probe)).toBe(0);
    // The storage window ended too: a fresh allowance of 5.
    await fail('1.2.3.4', 4);
    expect(attempts.retryAfterMs('1.2.3.4', probe)).toBe(0);
    await fail('1.2.3.4', 1);
    expect(attempts.retryAfterMs('1.2.3.4', probe)).toBe(60_000);
  });

  it('blocks only until the end of the window the failures fell in', async () => {
    await fail('1.2.3.4', 2);
    now += 50_000;
    await fail('1.2.3.4', 3);
    expect(attempts.retryAfterMs('1.2.3.4', format.generate())).toBe(10_000);
  });

  it('does not add up failures from different windows', async () => {
    await fail('1.2.3.4', 4);
    now += 60_000;
    await fail('1.2.3.4', 4);
    expect(attempts.retryAfterMs('1.2.3.4', format.generate())).toBe(0);
  });

  it('counts per client: a blocked address does not block another', async () => {
    await fail('1.2.3.4', 5);
    expect(attempts.retryAfterMs('1.2.3.4', format.generate())).toBeGreaterThan(0);
    expect(attempts.retryAfterMs('5.6.7.8', format.generate())).toBe(0);
    expect(attempts.retryAfterMs('::1', format.generate())).toBe(0);
  });

  it('lets a key already verified valid here through a blocked client, and only that key', async () => {
    const known = format.generate();
    attempts.rememberValid(known);
    await fail('1.2.3.4', 10);
    expect(attempts.retryAfterMs('1.2.3.4', known)).toBe(0);
    expect(attempts.retryAfterMs('1.2.3.4', format.generate())).toBe(60_000);
  });

  it('never counts or blocks a request without a client address', async () => {
    const spy = { increment: jest.fn() } as unknown as RateLimitStorage;
    const withSpy = new FailedAttempts(spy, clock, { limit: 1, windowMs: 60_000 });
    await withSpy.recordFailure(undefined);
    await withSpy.recordFailure('');
    expect(spy.increment).not.toHaveBeenCalled();
    expect(withSpy.retryAfterMs(undefined, format.generate())).toBe(0);
  });

  it('counts in the rate-limit storage under a failed: key with the configured window and no block', async () => {
    const calls: unknown[][] = [];
    const recording: RateLimitStorage = {
      increment: (...args: [string, number, number, number, string]): Promise<RateLimitStorageRecord> => {
        calls.push(args);
        return storage.increment(...args);
      },
    };
    const counted = new FailedAttempts(recording, clock, { limit: 3, windowMs: 30_000 });
    await counted.recordFailure('1.2.3.4');
    expect(calls).toEqual([['failed:1.2.3.4', 30_000, 3, 0, 'api-keys:failed-attempts']]);
  });

  it('blocks on what a shared storage reports, even for failures counted elsewhere', async () => {
    // Another instance already counted 4 failures of this client in the shared storage.
    for (let i = 0; i < 4; i++) await storage.increment('failed:1.2.3.4', 60_000, 5, 0, 'api-keys:failed-attempts');
    await attempts.recordFailure('1.2.3.4');
    expect(attempts.retryAfterMs('1.2.3.4', format.generate())).toBe(60_000);
  });

  it('remembers at most 10,000 valid keys, forgetting the least recently verified', async () => {
    const first = format.generate();
    const second = format.generate();
    attempts.rememberValid(first);
    attempts.rememberValid(second);
    attempts.rememberValid(first); // verified again: now the most recent
    for (let i = 0; i < 9_999; i++) attempts.rememberValid(`sk_filler${i}`);
    await fail('1.2.3.4', 5);
    expect(attempts.retryAfterMs('1.2.3.4', second)).toBe(60_000);
    expect(attempts.retryAfterMs('1.2.3.4', first)).toBe(0);
  });

  describe('client address (ApiKeyGuard.getTracker)', () => {
    const probe = new TrackerProbe();

    it('treats ::ffff:1.2.3.4 and 1.2.3.4 as the same client', () => {
      expect(probe.tracker({ ip: '::ffff:1.2.3.4' })).toBe('1.2.3.4');
      expect(probe.tracker({ ip: '::FFFF:1.2.3.4' })).toBe('1.2.3.4');
      expect(probe.tracker({ ip: '1.2.3.4' })).toBe('1.2.3.4');
      expect(probe.tracker({ socket: { remoteAddress: '::ffff:1.2.3.4' } })).toBe('1.2.3.4');
    });

    it('leaves real IPv6 addresses alone and answers undefined without an address', () => {
      expect(probe.tracker({ ip: '2001:db8::1' })).toBe('2001:db8::1');
      expect(probe.tracker({ ip: '::1' })).toBe('::1');
      expect(probe.tracker({ ip: '::ffff:not-an-ip' })).toBe('::ffff:not-an-ip');
      expect(probe.tracker({})).toBeUndefined();
    });

    it('so failures from the mapped form block the plain form and the other way round', async () => {
      const mapped = probe.tracker({ ip: '::ffff:1.2.3.4' });
      const plain = probe.tracker({ socket: { remoteAddress: '1.2.3.4' } });
      await fail(mapped, 3);
      await fail(plain, 2);
      expect(attempts.retryAfterMs(plain, format.generate())).toBe(60_000);
      expect(attempts.retryAfterMs(mapped, format.generate())).toBe(60_000);
      expect(attempts.retryAfterMs(probe.tracker({ ip: '::ffff:1.2.3.5' }), format.generate())).toBe(0);
    });
  });
});
