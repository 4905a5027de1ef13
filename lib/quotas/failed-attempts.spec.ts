import { Logger } from '@nestjs/common';
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
  tracker(request: unknown): string {
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

  /** One attempt with an unknown key that turns out a failure (MALFORMED or NOT_FOUND). */
  async function failOnce(client: string, subject: FailedAttempts = attempts): Promise<void> {
    const gate = subject.begin(client, format.generate());
    if (!gate.attempt) throw new Error(`${client} is blocked`);
    await gate.attempt.settle(true);
  }

  async function fail(client: string, times: number): Promise<void> {
    for (let i = 0; i < times; i++) await failOnce(client);
  }

  /** How long `client` must wait before trying `rawKey` (0: it may; the probe is given back). */
  async function waitFor(client: string, rawKey: string, subject: FailedAttempts = attempts): Promise<number> {
    const gate = subject.begin(client, rawKey);
    await gate.attempt?.settle(false);
    return gate.retryAfterMs;
  }

  it('requests repeating a key in flight are one attempt: a first burst with one key is never refused', async () => {
    const key = format.generate();
    const gates = Array.from({ length: 50 }, () => attempts.begin('1.2.3.4', key)); // limit 5, none settled
    expect(gates.every((gate) => gate.attempt !== undefined)).toBe(true);
    // Distinct keys still count one each: 4 more fit beside it, the fifth does not.
    const others = Array.from({ length: 5 }, () => attempts.begin('1.2.3.4', format.generate()));
    expect(others.map((gate) => gate.retryAfterMs)).toEqual([0, 0, 0, 0, 60_000]);
    for (const gate of [...gates, ...others]) await gate.attempt?.settle(false);
    expect(attempts['inFlight'].size).toBe(0);
  });

  it('a client blocked by failures counted elsewhere is refused even for a key it has in flight', async () => {
    const other = new FailedAttempts(storage, clock, { limit: 5, windowMs: 60_000 }); // another instance
    const key = format.generate();
    const first = attempts.begin('1.2.3.4', key);
    for (let i = 0; i < 4; i++) await failOnce('1.2.3.4', other);
    await failOnce('1.2.3.4'); // this instance now reads 5 failures from the shared storage
    expect(attempts.begin('1.2.3.4', key).retryAfterMs).toBe(60_000);
    await first.attempt!.settle(true);
  });

  it('allows exactly `limit` failures in a window, then blocks the client until the window ends', async () => {
    const probe = format.generate();
    for (let i = 0; i < 5; i++) {
      expect(await waitFor('1.2.3.4', probe)).toBe(0);
      await failOnce('1.2.3.4');
    }
    expect(await waitFor('1.2.3.4', probe)).toBe(60_000);
    expect(await waitFor('1.2.3.4', format.generate())).toBe(60_000);
    expect(await waitFor('1.2.3.4', 'not even a key')).toBe(60_000);

    now += 45_000;
    expect(await waitFor('1.2.3.4', probe)).toBe(15_000);
    now += 15_000;
    expect(await waitFor('1.2.3.4', probe)).toBe(0);
    // The storage window ended too: a fresh allowance of 5.
    await fail('1.2.3.4', 4);
    expect(await waitFor('1.2.3.4', probe)).toBe(0);
    await fail('1.2.3.4', 1);
    expect(await waitFor('1.2.3.4', probe)).toBe(60_000);
  });

  it('blocks only until the end of the window the failures fell in', async () => {
    await fail('1.2.3.4', 2);
    now += 50_000;
    await fail('1.2.3.4', 3);
    expect(await waitFor('1.2.3.4', format.generate())).toBe(10_000);
  });

  it('does not add up failures from different windows', async () => {
    await fail('1.2.3.4', 4);
    now += 60_000;
    await fail('1.2.3.4', 4);
    expect(await waitFor('1.2.3.4', format.generate())).toBe(0);
  });

  it('counts per client: a blocked address does not block another', async () => {
    await fail('1.2.3.4', 5);
    expect(await waitFor('1.2.3.4', format.generate())).toBeGreaterThan(0);
    expect(await waitFor('5.6.7.8', format.generate())).toBe(0);
    expect(await waitFor('::1', format.generate())).toBe(0);
  });

  it('lets a key already verified valid here through a blocked client, and only that key', async () => {
    const known = format.generate();
    attempts.rememberValid(known);
    await fail('1.2.3.4', 5);
    expect(await waitFor('1.2.3.4', known)).toBe(0);
    expect(await waitFor('1.2.3.4', format.generate())).toBe(60_000);
  });

  it('counts in the shared storage under an encoded failed: key with the configured window and no block', async () => {
    const calls: unknown[][] = [];
    const recording: RateLimitStorage = {
      increment: (...args: [string, number, number, number, string]): Promise<RateLimitStorageRecord> => {
        calls.push(args);
        return storage.increment(...args);
      },
    };
    const counted = new FailedAttempts(recording, clock, { limit: 3, windowMs: 30_000 });
    await failOnce('1.2.3.4', counted);
    await failOnce('2001:db8:1:2::/64', counted);
    expect(calls).toEqual([
      ['failed:1.2.3.4', 30_000, 3, 0, 'api-keys:failed-attempts'],
      ['failed:2001%3Adb8%3A1%3A2%3A%3A%2F64', 30_000, 3, 0, 'api-keys:failed-attempts'],
    ]);
  });

  it('blocks on what a shared storage reports, even for failures counted elsewhere', async () => {
    // Another instance already counted 4 failures of this client in the shared storage.
    const shared = new InMemoryRateLimitStorage(clock);
    attempts = new FailedAttempts(shared, clock, { limit: 5, windowMs: 60_000 });
    for (let i = 0; i < 4; i++) await shared.increment('failed:1.2.3.4', 60_000, 5, 0, 'api-keys:failed-attempts');
    await failOnce('1.2.3.4');
    expect(await waitFor('1.2.3.4', format.generate())).toBe(60_000);
  });

  it('remembers at most 10,000 valid keys, forgetting the least recently verified', async () => {
    const first = format.generate();
    const second = format.generate();
    attempts.rememberValid(first);
    attempts.rememberValid(second);
    attempts.rememberValid(first); // verified again: now the most recent
    for (let i = 0; i < 9_999; i++) attempts.rememberValid(`sk_filler${i}`);
    await fail('1.2.3.4', 5);
    expect(await waitFor('1.2.3.4', second)).toBe(60_000);
    expect(await waitFor('1.2.3.4', first)).toBe(0);
  });

  describe('client address (ApiKeyGuard.getTracker)', () => {
    const probe = new TrackerProbe();

    it('treats ::ffff:1.2.3.4 and 1.2.3.4 as the same client', () => {
      expect(probe.tracker({ ip: '::ffff:1.2.3.4' })).toBe('1.2.3.4');
      expect(probe.tracker({ ip: '::FFFF:1.2.3.4' })).toBe('1.2.3.4');
      expect(probe.tracker({ ip: '1.2.3.4' })).toBe('1.2.3.4');
      expect(probe.tracker({ socket: { remoteAddress: '::ffff:1.2.3.4' } })).toBe('1.2.3.4');
    });

    it('counts IPv6 clients by their /64, and a request without an address as one shared client', () => {
      expect(probe.tracker({ ip: '2001:db8::1' })).toBe('2001:db8:0:0::/64');
      expect(probe.tracker({ ip: '2001:db8::2' })).toBe('2001:db8:0:0::/64');
      expect(probe.tracker({ ip: '::1' })).toBe('0:0:0:0::/64');
      expect(probe.tracker({ ip: '::ffff:not-an-ip' })).toBe('::ffff:not-an-ip');
      expect(probe.tracker({})).toBe('unknown');
    });

    it('so failures from the mapped form block the plain form and the other way round', async () => {
      const mapped = probe.tracker({ ip: '::ffff:1.2.3.4' });
      const plain = probe.tracker({ socket: { remoteAddress: '1.2.3.4' } });
      await fail(mapped, 3);
      await fail(plain, 2);
      expect(await waitFor(plain, format.generate())).toBe(60_000);
      expect(await waitFor(mapped, format.generate())).toBe(60_000);
      expect(await waitFor(probe.tracker({ ip: '::ffff:1.2.3.5' }), format.generate())).toBe(0);
    });
  });

  describe('counted before the lookup (SPEC §7)', () => {
    it('a burst of concurrent unknown keys from one client gets exactly `limit` attempts through', async () => {
      const gates = Array.from({ length: 50 }, () => attempts.begin('1.2.3.4', format.generate()));
      const through = gates.filter((g) => g.attempt);
      expect(through).toHaveLength(5);
      expect(gates.filter((g) => g.retryAfterMs > 0)).toHaveLength(45);
      await Promise.all(through.map((g) => g.attempt!.settle(true)));
      expect(await waitFor('1.2.3.4', format.generate())).toBe(60_000);
    });

    it('gives a valid attempt back: valid keys never use up the allowance', async () => {
      for (let i = 0; i < 20; i++) {
        const gate = attempts.begin('1.2.3.4', format.generate());
        await gate.attempt!.settle(false);
      }
      expect(await waitFor('1.2.3.4', format.generate())).toBe(0);
    });

    it('settling twice counts once', async () => {
      const gate = attempts.begin('1.2.3.4', format.generate());
      await gate.attempt!.settle(true);
      await gate.attempt!.settle(true);
      await fail('1.2.3.4', 4);
      expect(await waitFor('1.2.3.4', format.generate())).toBe(60_000);
    });
  });

  describe('a shared storage that fails', () => {
    const down: RateLimitStorage = { increment: async () => Promise.reject(new Error('redis down')) };

    it('counts in process instead, and still blocks at the limit', async () => {
      const degraded = new FailedAttempts(down, clock, { limit: 3, windowMs: 60_000 });
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      try {
        for (let i = 0; i < 3; i++) await failOnce('1.2.3.4', degraded);
        expect(await waitFor('1.2.3.4', format.generate(), degraded)).toBe(60_000);
        for (let i = 0; i < 5; i++) await failOnce(`9.9.9.${i}`, degraded);
        expect(warn).toHaveBeenCalledTimes(1); // once per outage, not once per request
      } finally {
        warn.mockRestore();
      }
    });

    it('logs once when the storage answers again', async () => {
      let failing = true;
      const flaky: RateLimitStorage = {
        increment: (...args: [string, number, number, number, string]) =>
          failing ? Promise.reject(new Error('x')) : storage.increment(...args),
      };
      const subject = new FailedAttempts(flaky, clock, { limit: 100, windowMs: 60_000 });
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
      try {
        await failOnce('1.2.3.4', subject);
        failing = false;
        await failOnce('1.2.3.4', subject);
        await failOnce('1.2.3.4', subject);
        expect([warn.mock.calls.length, log.mock.calls.length]).toEqual([1, 1]);
      } finally {
        warn.mockRestore();
        log.mockRestore();
      }
    });
  });
});
