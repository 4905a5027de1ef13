import { ApiKeyEntity } from '../entities/api-key.entity.js';
import type { ApiKeyStore } from '../store/api-key.store.js';
import { sqlDialectFor, type SqlDialect } from '../store/sql-dialect.js';
import { nextPeriodStart, periodStart } from './refill-period.js';

/**
 * Credits of a key, always against the database (never a cache): a lazy refill at most once
 * per period (compare-and-swap on `last_refill_at`), then one atomic conditional decrement.
 * No read-then-write anywhere, so N concurrent calls on R credits admit exactly min(N, R).
 * @internal
 */
export class CreditLedger {
  private dialectInstance: SqlDialect | undefined;

  constructor(private readonly store: ApiKeyStore) {}

  /** Built on first use: the entity metadata it reads is checked at boot by SchemaCheck. */
  private get dialect(): SqlDialect {
    return (this.dialectInstance ??= sqlDialectFor(this.store.dataSource));
  }

  /** Whether the key's refill has a period it has not been applied to yet. */
  refillDue(key: ApiKeyEntity, now: number): boolean {
    if (key.refillInterval === null || key.refillAmount === null) return false;
    return key.lastRefillAt === null || key.lastRefillAt < periodStart(key.refillInterval, now);
  }

  /** The balance the key would have after a due refill, without writing anything. */
  balanceWithRefill(key: ApiKeyEntity, now: number): number | null {
    if (key.remaining === null) return null;
    return this.refillDue(key, now) ? Math.max(key.remaining, key.refillAmount!) : key.remaining;
  }

  /**
   * Applies a due refill: `remaining` becomes `refill.amount` unless it is larger, and the
   * period is claimed so that concurrent callers at the boundary refill exactly once.
   */
  async refill(key: ApiKeyEntity, now: number): Promise<void> {
    const period = periodStart(key.refillInterval!, now);
    await this.store.writes.write(() =>
      this.store.dataSource
        .createQueryBuilder()
        .update(ApiKeyEntity)
        .set({ remaining: () => 'CASE WHEN remaining < :amount THEN :amount ELSE remaining END', lastRefillAt: period })
        .where('id = :id AND remaining IS NOT NULL AND rotation_grace_ends_at IS NULL', { id: key.id })
        .andWhere('(last_refill_at IS NULL OR last_refill_at < :period)', { period, amount: key.refillAmount })
        .execute(),
    );
  }

  /** Takes `cost` credits; the new balance, or null when the key lacks them (or no longer holds the balance). */
  spend(keyId: string, cost: number): Promise<number | null> {
    return this.store.writes.write(() => this.dialect.spendCredits(keyId, cost));
  }

  /** How long until a refill brings credits back; undefined without a refill. */
  retryAfterMs(key: ApiKeyEntity, now: number): number | undefined {
    return key.refillInterval ? nextPeriodStart(key.refillInterval, now) - now : undefined;
  }
}
