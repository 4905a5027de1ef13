import { Logger } from '@nestjs/common';
import { ApiKeyEntity } from '../entities/api-key.entity.js';
import { REFILL_INTERVALS, type RefillInterval } from '../interfaces/quota.interface.js';
import type { ApiKeyStore } from '../store/api-key.store.js';
import { sqlDialectFor, type RefillPeriods, type SqlDialect } from '../store/sql-dialect.js';
import type { Deadline } from '../store/store-availability.js';
import { nextPeriodStart, periodStart } from './refill-period.js';
import { SpendBatcher } from './spend-batcher.js';

/** The columns credits are decided on. */
type Credits = Pick<ApiKeyEntity, 'remaining' | 'refillAmount' | 'refillInterval' | 'lastRefillAt'>;

/**
 * Credits of a key, always against the database (a cached row's `remaining` is only a hint):
 * a lazy refill at most once per period (compare-and-swap on `last_refill_at`) and the
 * decrement in ONE conditional statement on PostgreSQL and SQLite; MySQL/MariaDB refill first,
 * then decrement. No read-then-write anywhere, so N concurrent calls on R credits admit
 * exactly min(N, R).
 * @internal
 */
export class CreditLedger {
  private dialectInstance: SqlDialect | undefined;
  private readonly logger = new Logger('ApiKeys');

  /** Concurrent spends of one key go to the database as one statement (see SpendBatcher). */
  private readonly batcher = new SpendBatcher((keyId, cost, now) =>
    this.store.writes.write(() => this.dialect.spendCredits(keyId, cost, refillPeriods(now))),
  );

  constructor(private readonly store: ApiKeyStore) {}

  /** Built on first use: the entity metadata it reads is checked at boot by SchemaCheck. */
  private get dialect(): SqlDialect {
    return (this.dialectInstance ??= sqlDialectFor(this.store.dataSource));
  }

  /** Whether the key's refill has a period it has not been applied to yet. */
  refillDue(key: Credits, now: number): boolean {
    if (key.refillInterval === null || key.refillAmount === null) return false;
    return key.lastRefillAt === null || key.lastRefillAt < periodStart(key.refillInterval, now);
  }

  /** The balance the key would have after a due refill, without writing anything. */
  balanceWithRefill(key: Credits, now: number): number | null {
    if (key.remaining === null) return null;
    return this.refillDue(key, now) ? Math.max(key.remaining, key.refillAmount!) : key.remaining;
  }

  /**
   * The balance with a due refill, read from the store now (a dry run or a cost of 0 decides
   * nothing on a cached row); null for an unlimited key.
   */
  async currentBalance(key: ApiKeyEntity, now: number): Promise<number | null> {
    const stored = await this.store.writes.write(() =>
      this.store.dataSource
        .getRepository(ApiKeyEntity)
        .createQueryBuilder('k')
        .select(['k.id', 'k.remaining', 'k.refillAmount', 'k.refillInterval', 'k.lastRefillAt'])
        .where('k.id = :id', { id: key.id })
        .getOne(),
    );
    return this.balanceWithRefill(stored ?? key, now);
  }

  /**
   * Applies a due refill: `remaining` becomes `refill.amount` unless it is larger, and the
   * period is claimed so that concurrent callers at the boundary refill exactly once.
   */
  async refill(key: Credits & { id: string }, now: number): Promise<void> {
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

  /**
   * Takes `cost` credits, applying a due refill first: the new balance, or null when nothing
   * was taken (too few credits, revoked, or the balance moved to a successor). One statement on
   * PostgreSQL and SQLite; on MySQL/MariaDB a refill the row says is due goes first (a cached
   * row never claims a refill too few: `last_refill_at` only grows), then the spend — unless
   * the caller gave up meanwhile. Spends of the same key that arrive while one runs share the
   * next statement.
   */
  async spend(key: ApiKeyEntity, cost: number, now: number, deadline?: Deadline): Promise<number | null> {
    if (!this.dialect.refillsWithSpend && this.refillDue(key, now)) {
      await this.refill(key, now);
      if (deadline?.expired) return null;
    }
    return this.batcher.spend(key.id, cost, now);
  }

  /**
   * After a denied spend: applies a refill that is due (the one-statement spend wrote nothing,
   * its refill included) and answers the balance, so a denial reports what the key holds.
   */
  async refillAfterDenial(key: ApiKeyEntity, now: number): Promise<number | undefined> {
    if (key.remaining === null) return undefined;
    if (!this.refillDue(key, now)) return key.remaining;
    await this.refill(key, now);
    return this.balanceWithRefill(key, now)!;
  }

  /** Puts back credits taken by a call its caller had already given up on (answered 503). */
  giveBack(keyId: string, cost: number): void {
    this.store.writes
      .write(() =>
        this.store.dataSource
          .createQueryBuilder()
          .update(ApiKeyEntity)
          .set({ remaining: () => 'remaining + :cost' })
          .where('id = :id AND remaining IS NOT NULL', { id: keyId, cost })
          .execute(),
      )
      .catch((error) => this.logger.warn(`Could not give back ${cost} credits of key ${keyId}: ${(error as Error).message}`));
  }

  /** How long until a refill brings credits back; undefined without a refill. */
  retryAfterMs(key: ApiKeyEntity, now: number): number | undefined {
    return key.refillInterval ? nextPeriodStart(key.refillInterval, now) - now : undefined;
  }
}

/** The start of the period holding `now`, for each refill interval. */
function refillPeriods(now: number): RefillPeriods {
  const periods = {} as Record<RefillInterval, number>;
  for (const interval of REFILL_INTERVALS) periods[interval] = periodStart(interval, now);
  return periods;
}
