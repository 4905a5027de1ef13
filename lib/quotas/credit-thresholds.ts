import type { ApiKeyEvent } from '../interfaces/api-key-event.interface.js';
import type { ApiKeyVerificationHook, VerificationRecord } from '../verification/verification-hook.js';
import { periodStart } from './refill-period.js';

/** Shares of a key's credits used at which `credits.threshold` fires, in percent. */
export const CREDIT_THRESHOLDS = [80, 90, 100] as const;
const MAX_TRACKED = 10_000;

/**
 * Emits `credits.threshold` (SPEC §8) when a verification's spend crosses 80, 90 or 100 % used
 * of the period's refill amount (of the balance granted, for a key without refill). A threshold
 * fires on the call whose own decrement crosses it: each VALID call reports a distinct balance,
 * so exactly one call, on one instance, crosses each threshold — across instances too. Within a
 * refill period each threshold fires once (a balance raised and spent again in the period does
 * not repeat it); the next period arms them again. A key without refill has no periods: a new
 * balance granted arms them again. Events carry ids and numbers, never the key.
 * @internal
 */
export class CreditThresholds implements ApiKeyVerificationHook {
  private readonly fired = new Set<string>();

  constructor(private readonly emit: (event: ApiKeyEvent) => void) {}

  afterVerify({ at, result, effective, spent, options }: VerificationRecord): void {
    if (!result.valid || spent <= 0 || result.remaining === undefined || !effective || options.dryRun) return;
    const total = effective.refillAmount ?? effective.creditsGranted;
    if (!total || total <= 0) return;
    const after = result.remaining;
    const before = after + spent;
    const period = effective.refillInterval ? periodStart(effective.refillInterval, at) : null;
    for (const threshold of CREDIT_THRESHOLDS) {
      // Used ≥ threshold % ⇔ remaining ≤ total × (100 − threshold) %; integers, no rounding.
      const limit = total * (100 - threshold);
      if (!(before * 100 > limit && after * 100 <= limit)) continue;
      if (period !== null && !this.firstInPeriod(`${effective.id}:${period}:${threshold}`)) continue;
      this.emit({
        type: 'credits.threshold',
        keyId: effective.id,
        ownerId: effective.ownerId,
        actorId: 'system',
        at,
        details: {
          threshold,
          remaining: after,
          total,
          ...(period !== null ? { periodStart: new Date(period).toISOString() } : {}),
        },
      });
    }
  }

  private firstInPeriod(mark: string): boolean {
    if (this.fired.has(mark)) return false;
    if (this.fired.size >= MAX_TRACKED) this.fired.clear();
    this.fired.add(mark);
    return true;
  }
}
