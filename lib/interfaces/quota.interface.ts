import type { ThrottlerStorage } from '@nestjs/throttler';

/** How often a key's credits are reset (UTC calendar periods, SPEC §11). */
export type RefillInterval = 'hourly' | 'daily' | 'weekly' | 'monthly';

export const REFILL_INTERVALS: readonly RefillInterval[] = ['hourly', 'daily', 'weekly', 'monthly'];

/** Credits reset to `amount` once per period (never lowering a larger balance). */
export interface RefillRule {
  amount: number;
  interval: RefillInterval;
}

/** A refill as stored: with the start of the period it last applied to. */
export interface RefillState extends RefillRule {
  lastRefillAt: Date | null;
}

/**
 * A named fixed-window rate limit. `mode: 'report'` never denies: it names itself in the
 * verify result's `wouldRateLimit` (for rolling out a new limit).
 */
export interface RateLimitRule {
  name: string;
  limit: number;
  windowMs: number;
  mode?: 'enforce' | 'report';
}

/**
 * Where rate-limit counters live: `@nestjs/throttler`'s storage contract, re-exported so
 * implementers need no deep import. The built-in storage is in-process; use
 * `RedisThrottlerStorage` (or any ThrottlerStorage) when several instances share limits.
 */
export type RateLimitStorage = ThrottlerStorage;

/** What `RateLimitStorage.increment` answers (`timeToExpire` and `timeToBlockExpire` in seconds). */
export interface RateLimitStorageRecord {
  totalHits: number;
  timeToExpire: number;
  isBlocked: boolean;
  timeToBlockExpire: number;
}

/** Brute-force protection: failed verifications (MALFORMED, NOT_FOUND) per client. */
export interface FailedAttemptsOptions {
  /** Failures allowed per window before the client is blocked. Default 30. */
  limit: number;
  /** Window in ms. Default 60000. */
  windowMs: number;
}
