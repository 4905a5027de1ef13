import type { ApiKeysClock } from '../interfaces/clock.interface.js';
import type { RateLimitRule, RateLimitStorage } from '../interfaces/quota.interface.js';
import type { RateLimitState } from '../interfaces/verify-result.interface.js';
import { counterKey } from './counter-key.js';

/** A limit and the counter it draws from: a key's lineage, or its owner. @internal */
export interface RateLimitBucket {
  scope: { kind: 'key' | 'owner'; id: string };
  rule: RateLimitRule;
}

/** @internal */
export interface RateLimitOutcome {
  /** The enforced limit that denied the call. */
  deniedBy?: RateLimitRule;
  /** The enforced limit with the least remaining (the denying one on denial). */
  state?: RateLimitState;
  /** The first report-mode limit that would have denied. */
  wouldRateLimit?: string;
  retryAfterMs?: number;
}

/**
 * Counts a call against its limits through the ThrottlerStorage contract, from the shortest
 * window to the longest (SPEC §11): a call denied by one limit is not counted by the limits
 * after it. Report-mode limits count but never deny.
 * @internal
 */
export class RateLimiter {
  constructor(
    private readonly storage: RateLimitStorage,
    private readonly clock: ApiKeysClock,
  ) {}

  async consume(buckets: RateLimitBucket[]): Promise<RateLimitOutcome> {
    const outcome: RateLimitOutcome = {};
    const ordered = [...buckets].sort((a, b) => a.rule.windowMs - b.rule.windowMs);
    for (const { scope, rule } of ordered) {
      const record = await this.storage.increment(
        counterKey(scope.kind, scope.id, rule.name, rule.windowMs),
        rule.windowMs,
        rule.limit,
        0,
        `api-keys:${rule.name}`,
      );
      const exceeded = record.totalHits > rule.limit;
      if (rule.mode === 'report') {
        if (exceeded) outcome.wouldRateLimit ??= rule.name;
        continue;
      }
      const state: RateLimitState = {
        name: rule.name,
        limit: rule.limit,
        remaining: Math.max(0, rule.limit - record.totalHits),
        resetAt: this.clock.now() + record.timeToExpire * 1000,
      };
      if (exceeded) {
        return { ...outcome, deniedBy: rule, state, retryAfterMs: Math.max(1000, record.timeToExpire * 1000) };
      }
      if (!outcome.state || state.remaining < outcome.state.remaining) outcome.state = state;
    }
    return outcome;
  }
}
