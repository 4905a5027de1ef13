import type { ApiKeysClock } from '../interfaces/clock.interface.js';
import type { RateLimitStorage, RateLimitStorageRecord } from '../interfaces/quota.interface.js';

interface Window {
  hits: number;
  expiresAt: number;
  blockedUntil: number;
}

/** Expired windows are swept once the map holds this many. */
const SWEEP_THRESHOLD = 10_000;

/**
 * The default rate-limit storage: fixed windows in process memory, timed by the library
 * clock (so tests move windows without sleeping). Counts are exact within one instance;
 * use `RedisThrottlerStorage` to share them across instances.
 */
export class InMemoryRateLimitStorage implements RateLimitStorage {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly clock: ApiKeysClock) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number): Promise<RateLimitStorageRecord> {
    const now = this.clock.now();
    let window = this.windows.get(key);
    if (!window || now >= window.expiresAt) {
      if (this.windows.size >= SWEEP_THRESHOLD) this.sweep(now);
      window = { hits: 0, expiresAt: now + ttl, blockedUntil: 0 };
      this.windows.set(key, window);
    }
    window.hits += 1;
    if (window.hits > limit && blockDuration > 0 && window.blockedUntil <= now) {
      window.blockedUntil = now + blockDuration;
      window.expiresAt = Math.max(window.expiresAt, window.blockedUntil);
    }
    const blocked = window.blockedUntil > now;
    return {
      totalHits: window.hits,
      timeToExpire: Math.ceil((window.expiresAt - now) / 1000),
      isBlocked: blocked,
      timeToBlockExpire: blocked ? Math.ceil((window.blockedUntil - now) / 1000) : 0,
    };
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (now >= window.expiresAt) this.windows.delete(key);
  }
}
