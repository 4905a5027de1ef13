import type { ApiKeysClock } from '../interfaces/clock.interface.js';
import type { FailedAttemptsOptions, RateLimitStorage } from '../interfaces/quota.interface.js';
import { sha256Hex } from '../keys/key-hasher.js';

const MAX_BLOCKED_CLIENTS = 100_000;
const MAX_REMEMBERED_KEYS = 10_000;

/**
 * Brute-force protection (SPEC §7): MALFORMED and NOT_FOUND answers count against the
 * client in the rate-limit storage (shared across instances when it is); past the limit
 * the client is blocked here, in process, until the window ends, and the guard answers
 * TOO_MANY_ATTEMPTS before any database work. Keys this instance has seen verify as valid
 * are let through, so a shared address under attack does not lock out real users.
 * @internal
 */
export class FailedAttempts {
  private readonly blockedUntil = new Map<string, number>();
  /** SHA-256 of keys verified valid here, oldest first (insertion order). */
  private readonly knownValid = new Map<string, true>();

  constructor(
    private readonly storage: RateLimitStorage,
    private readonly clock: ApiKeysClock,
    private readonly options: FailedAttemptsOptions,
  ) {}

  /** Milliseconds the client must still wait, or 0 when it may try `rawKey`. */
  retryAfterMs(client: string | undefined, rawKey: string): number {
    if (!client) return 0;
    const until = this.blockedUntil.get(client);
    if (until === undefined) return 0;
    const left = until - this.clock.now();
    if (left <= 0) {
      this.blockedUntil.delete(client);
      return 0;
    }
    return this.knownValid.has(sha256Hex(rawKey)) ? 0 : left;
  }

  async recordFailure(client: string | undefined): Promise<void> {
    if (!client) return;
    const record = await this.storage.increment(
      `failed:${client}`,
      this.options.windowMs,
      this.options.limit,
      0,
      'api-keys:failed-attempts',
    );
    // `limit` failures are allowed per window: the one that reaches it blocks the next attempt.
    if (record.totalHits >= this.options.limit) {
      if (this.blockedUntil.size >= MAX_BLOCKED_CLIENTS) this.evictExpired();
      this.blockedUntil.set(client, this.clock.now() + Math.max(1, record.timeToExpire) * 1000);
    }
  }

  rememberValid(rawKey: string): void {
    const hash = sha256Hex(rawKey);
    this.knownValid.delete(hash);
    this.knownValid.set(hash, true);
    if (this.knownValid.size > MAX_REMEMBERED_KEYS) this.knownValid.delete(this.knownValid.keys().next().value!);
  }

  private evictExpired(): void {
    const now = this.clock.now();
    for (const [client, until] of this.blockedUntil) if (until <= now) this.blockedUntil.delete(client);
    // Still full: forget the oldest blocks rather than grow without bound.
    for (const client of this.blockedUntil.keys()) {
      if (this.blockedUntil.size < MAX_BLOCKED_CLIENTS) break;
      this.blockedUntil.delete(client);
    }
  }
}
