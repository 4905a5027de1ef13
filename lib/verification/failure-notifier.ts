import type { ApiKeysClock } from '../interfaces/clock.interface.js';
import type { ApiKeyEvent } from '../interfaces/api-key-event.interface.js';
import type { VerifyResult } from '../interfaces/verify-result.interface.js';
import type { ApiKeyVerificationHook, VerificationRecord } from './verification-hook.js';

/** One event per key and code per this many ms. */
export const FAILURE_EVENT_DEBOUNCE_MS = 60_000;
const MAX_TRACKED = 10_000;

/**
 * Turns failed verifications of a stored key into events, debounced per key and code so that
 * a client hammering a revoked key cannot flood the handlers: `ratelimit.exceeded` for
 * RATE_LIMITED, `key.verification_failed` for every other failure. Unknown and malformed
 * keys have no owner to tell and emit nothing.
 * @internal
 */
export class FailureNotifier implements ApiKeyVerificationHook {
  private readonly lastSent = new Map<string, number>();

  constructor(
    private readonly clock: ApiKeysClock,
    private readonly emit: (event: ApiKeyEvent) => void,
  ) {}

  /** A failed verification of a stored key, unless it was a dry run. */
  afterVerify({ key, result, options }: VerificationRecord): void {
    if (!result.valid && key && !options.dryRun) this.notify(key, result);
  }

  notify(key: { id: string; ownerId: string }, result: VerifyResult): void {
    const now = this.clock.now();
    const debounceKey = `${key.id}:${result.code}`;
    const last = this.lastSent.get(debounceKey);
    if (last !== undefined && now - last < FAILURE_EVENT_DEBOUNCE_MS) return;
    if (this.lastSent.size >= MAX_TRACKED) this.lastSent.clear();
    this.lastSent.set(debounceKey, now);
    const limited = result.code === 'RATE_LIMITED';
    this.emit({
      type: limited ? 'ratelimit.exceeded' : 'key.verification_failed',
      keyId: key.id,
      ownerId: key.ownerId,
      actorId: 'system',
      at: now,
      details: limited ? { code: result.code, limit: result.rateLimit?.name } : { code: result.code },
    });
  }
}
