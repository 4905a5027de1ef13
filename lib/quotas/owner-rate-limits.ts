import { Injectable } from '@nestjs/common';
import { ApiKeyChanges } from '../changes/api-key-changes.js';
import type { ActorContext } from '../interfaces/api-key.interface.js';
import type { RateLimitRule } from '../interfaces/quota.interface.js';
import { checkOwnerId, checkRateLimits } from '../keys/api-key-input.js';
import { ApiKeyStore } from '../store/api-key.store.js';

/**
 * The rate limits every key of an owner draws from, next to its own: one change through the
 * pipeline (recorded as `owner.rate_limits_set`).
 * @internal
 */
@Injectable()
export class OwnerRateLimits {
  constructor(
    private readonly store: ApiKeyStore,
    private readonly changes: ApiKeyChanges,
  ) {}

  /** Replaces the owner's rules; `null` or `[]` removes them. */
  async set(
    ownerId: string,
    rateLimits: RateLimitRule[] | null,
    ctx: ActorContext,
  ): Promise<{ ownerId: string; rateLimits: RateLimitRule[] }> {
    checkOwnerId(ownerId);
    const rules = rateLimits === null ? [] : checkRateLimits('rateLimits', rateLimits)!;
    await this.changes.run(ctx, async (tx) => {
      await this.store.saveOwnerRateLimits(tx.manager, ownerId, rules);
      tx.record({ action: 'owner.rate_limits_set', ownerId, details: { rateLimits: rules } });
    });
    return { ownerId, rateLimits: rules };
  }
}
