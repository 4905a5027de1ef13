import type { ApiKeysClock } from '../interfaces/clock.interface.js';
import type { RateLimitStorage, RateLimitStorageRecord } from '../interfaces/quota.interface.js';
import { ExpiringMap } from './expiring-map.js';

interface Window {
  hits: number;
  expiresAt: number;
  blockedUntil: number;
}

/** Windows one in-process storage holds at most (about 200 bytes each). */
export const DEFAULT_MAX_WINDOWS = 200_000;

export interface InMemoryRateLimitStorageOptions {
  /** Most windows held; past it the oldest is forgotten (its count restarts). Default 200,000. */
  maxEntries?: number;
}

/**
 * The default rate-limit storage: fixed windows in process memory, timed by the library
 * clock (so tests move windows without sleeping). Counts are exact within one instance;
 * use `RedisThrottlerStorage` to share them across instances. Memory is bounded
 * (`maxEntries`) and expired windows are dropped in amortised O(1) per call, so a flood of
 * distinct keys costs the same per call at 10 thousand windows as at a million.
 */
export class InMemoryRateLimitStorage implements RateLimitStorage {
  private readonly windows: ExpiringMap<Window>;

  constructor(
    private readonly clock: ApiKeysClock,
    options: InMemoryRateLimitStorageOptions = {},
  ) {
    this.windows = new ExpiringMap(options.maxEntries ?? DEFAULT_MAX_WINDOWS);
  }

  /** Windows held now (live, or expired and not yet dropped). */
  get size(): number {
    return this.windows.size;
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    _throttlerName?: string,
  ): Promise<RateLimitStorageRecord> {
    const now = this.clock.now();
    let window = this.windows.get(key, now);
    if (!window) {
      window = { hits: 0, expiresAt: now + ttl, blockedUntil: 0 };
      this.windows.set(key, window, ttl, now);
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
}
