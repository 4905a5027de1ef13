import { Logger } from '@nestjs/common';
import type { ApiKeysClock } from '../interfaces/clock.interface.js';
import type { FailedAttemptsOptions, RateLimitStorage, RateLimitStorageRecord } from '../interfaces/quota.interface.js';
import { LruTtlCache } from '../cache/lru-cache.js';
import { counterKey } from './counter-key.js';
import { FailureTable } from './failure-table.js';

/** Clients whose counts one instance remembers; past it the oldest are forgotten. */
const MAX_CLIENTS = 100_000;
const MAX_REMEMBERED_KEYS = 10_000;
const THROTTLER_NAME = 'api-keys:failed-attempts';

/** An attempt counted before its lookup: settle it once the verify answered. @internal */
export interface FailedAttempt {
  /** `failed`: the key was MALFORMED or NOT_FOUND (counted); otherwise the attempt is given back. */
  settle(failed: boolean): Promise<void>;
}

/**
 * What `begin` answers: wait this long (429 TOO_MANY_ATTEMPTS); or go on and settle the
 * attempt; or, for a key already verified valid here, go on with nothing counted
 * (`retryAfterMs` 0, no attempt). @internal
 */
export type FailedAttemptGate = { retryAfterMs: number; attempt?: undefined } | { retryAfterMs: 0; attempt: FailedAttempt };

const KNOWN_VALID: FailedAttemptGate = Object.freeze({ retryAfterMs: 0 });

/**
 * Brute-force protection (SPEC §7). An attempt is counted **before** the lookup — as in flight
 * on this instance — and given back when the key turns out valid, so a burst of N concurrent
 * unknown keys from one client reaches the store at most `limit` times: past `limit` (failures
 * recorded + attempts in flight) the guard answers TOO_MANY_ATTEMPTS before any database work.
 * Failures are recorded in the rate-limit storage when it is shared (Redis), so every instance
 * sees them; when that storage fails, counting falls back to this process and never stops (one
 * warning per outage). Keys this instance has seen verify as valid pass, so a shared address
 * under attack does not lock out its real users.
 * @internal
 */
export class FailedAttempts {
  /**
   * Failures per client in its window: the latest count the shared storage answered, or the
   * count itself when failures are counted in process (no shared storage, or it is down) —
   * one entry per client either way, in fixed memory.
   */
  private readonly counts = new FailureTable(MAX_CLIENTS);
  /**
   * Keys (SHA-256) counted before their lookup and not yet settled, per client, with how many
   * requests carry each: requests repeating a key already in flight are one attempt, so a
   * client's first burst with its one valid key is never refused while that key is looked up.
   */
  private readonly inFlight = new Map<string, Map<string, number>>();
  /**
   * SHA-256 of keys verified valid here, the least recently verified evicted first (a Map
   * evicting its first key walks every deleted slot again: quadratic under many distinct keys).
   */
  private readonly knownValid = new LruTtlCache<string, true>(MAX_REMEMBERED_KEYS);
  private readonly logger = new Logger('ApiKeys');
  private sharedDown = false;

  constructor(
    /** A shared storage to record failures in (Redis, the host's); null records in process only. */
    private readonly shared: RateLimitStorage | null,
    private readonly clock: ApiKeysClock,
    private readonly options: FailedAttemptsOptions,
  ) {}

  /**
   * Counts an attempt of `client` with a key before its lookup, or says how long to wait.
   * `keyHash`: the key's SHA-256 (hex), never the key itself (this state outlives the request).
   */
  begin(client: string, keyHash: string): FailedAttemptGate {
    if (this.knownValid.get(keyHash, 0)) return KNOWN_VALID;
    const now = this.clock.now();
    const recorded = this.counts.get(client, now);
    const hits = recorded?.hits ?? 0;
    const keys = this.inFlight.get(client) ?? new Map<string, number>();
    const pending = keys.size - (keys.has(keyHash) ? 1 : 0); // other keys: this one is counted once
    if (hits + pending >= this.options.limit) {
      return { retryAfterMs: Math.max(1, recorded ? recorded.expiresAt - now : this.options.windowMs) };
    }
    keys.set(keyHash, (keys.get(keyHash) ?? 0) + 1);
    this.inFlight.set(client, keys);
    let settled = false;
    return {
      retryAfterMs: 0,
      attempt: {
        settle: async (failed) => {
          if (settled) return;
          settled = true;
          try {
            if (failed) await this.recordFailure(client);
          } finally {
            // Released only after the failure is recorded, so no attempt slips in between.
            const left = (keys.get(keyHash) ?? 1) - 1;
            if (left > 0) keys.set(keyHash, left);
            else keys.delete(keyHash);
            if (keys.size === 0 && this.inFlight.get(client) === keys) this.inFlight.delete(client);
          }
        },
      },
    };
  }

  /** The key with this SHA-256 verified valid here: its client's later attempts with it are not counted. */
  rememberValid(keyHash: string): void {
    this.knownValid.set(keyHash, true, Number.POSITIVE_INFINITY, 0);
  }

  private async recordFailure(client: string): Promise<void> {
    const shared = this.shared && (await this.incrementShared(client));
    const now = this.clock.now();
    const known = this.counts.get(client, now);
    if (!shared) {
      // In process: a fixed window from the client's first failure.
      const window = known ? { hits: known.hits + 1, expiresAt: known.expiresAt } : { hits: 1, expiresAt: now + this.options.windowMs };
      this.counts.set(client, window, now, true);
      return;
    }
    // The storage's count: of the window this instance knows unless the storage started a new one.
    const expiresAt = now + Math.max(1, shared.timeToExpire) * 1000;
    this.counts.set(client, { hits: shared.totalHits, expiresAt }, now, known !== undefined && shared.totalHits > 1);
  }

  /** Records a failure in the shared storage; null while it is down (counted in process meanwhile). */
  private async incrementShared(client: string): Promise<RateLimitStorageRecord | null> {
    try {
      const record = await this.shared!.increment(
        counterKey('failed', client),
        this.options.windowMs,
        this.options.limit,
        0,
        THROTTLER_NAME,
      );
      if (this.sharedDown) {
        this.sharedDown = false;
        this.logger.log('Failed attempts are counted in the shared rate-limit storage again.');
      }
      return record;
    } catch (error) {
      if (!this.sharedDown) {
        this.sharedDown = true;
        this.logger.warn(
          `The rate-limit storage failed (${(error as Error).message}); counting failed attempts in process until it answers again.`,
        );
      }
      return null;
    }
  }
}
