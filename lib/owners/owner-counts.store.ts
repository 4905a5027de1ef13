import { IsNull, type EntityManager } from 'typeorm';
import { ApiKeyEntity } from '../entities/api-key.entity.js';
import { ApiKeyOwnerEntity } from '../entities/api-key-owner.entity.js';
import type { ApiKeyStore } from '../store/api-key.store.js';
import { qualifiedTable, sqlFamilyOf, type SqlFamily } from '../store/sql-dialect.js';

/**
 * Creates an owner row with no keys if it is missing, taking the row's lock on every database,
 * so that concurrent first creates of one owner queue up on it: PostgreSQL waits for a
 * concurrent insert of the same owner and skips; MySQL/MariaDB take an exclusive lock through
 * ON DUPLICATE KEY UPDATE (INSERT IGNORE would take a shared one, and two transactions
 * upgrading shared locks to update the count deadlock); SQLite runs one write at a time.
 */
const ENSURE_OWNER: Record<SqlFamily, (table: string) => string> = {
  postgres: (t) => `INSERT INTO ${t} ("owner_id", "active_keys") VALUES ($1, 0) ON CONFLICT ("owner_id") DO NOTHING`,
  mysql: (t) => `INSERT INTO ${t} (\`owner_id\`, \`active_keys\`) VALUES (?, 0) ON DUPLICATE KEY UPDATE \`owner_id\` = \`owner_id\``,
  sqlite: (t) => `INSERT OR IGNORE INTO ${t} ("owner_id", "active_keys") VALUES (?, 0)`,
};

/**
 * `api_key_owners.active_keys`: how many keys of each owner are neither revoked nor purged
 * (SPEC §5, §11). Every statement runs in the transaction of the change that moves the count,
 * and takes the owner row's lock, so counts stay exact under any concurrency.
 * @internal
 */
export class OwnerCountsStore {
  private ensureSql: string | undefined;

  constructor(private readonly store: ApiKeyStore) {}

  /**
   * Counts one more key for the owner if that keeps it within `cap` (null: no cap): one
   * conditional UPDATE of the owner row, after creating the row if it is missing. False when
   * the owner already holds `cap` keys (or more).
   */
  async claim(manager: EntityManager, ownerId: string, cap: number | null): Promise<boolean> {
    if (await this.increment(manager, ownerId, cap)) return true;
    await manager.query((this.ensureSql ??= this.ensureStatement()), [ownerId]);
    return this.increment(manager, ownerId, cap);
  }

  /** Counts `count` fewer keys for the owner (never below zero). */
  async release(manager: EntityManager, ownerId: string, count: number): Promise<void> {
    await manager
      .createQueryBuilder()
      .update(ApiKeyOwnerEntity)
      .set({ activeKeys: () => 'CASE WHEN active_keys > :count THEN active_keys - :count ELSE 0 END' })
      .where('owner_id = :ownerId', { ownerId, count })
      .execute();
  }

  /**
   * Sets the owner's count to the keys it holds now, under the owner row's lock: a change
   * that counts a key takes that lock before it commits, so the count read after it is exact
   * (a later one adds its own key on top).
   */
  async recount(manager: EntityManager, ownerId: string): Promise<void> {
    if (!this.store.writes.serializes) {
      await manager
        .createQueryBuilder(ApiKeyOwnerEntity, 'o')
        .select('o.owner_id', 'ownerId')
        .where('o.owner_id = :ownerId', { ownerId })
        .setLock('pessimistic_write')
        .getRawOne();
    }
    const activeKeys = await manager.getRepository(ApiKeyEntity).countBy({ ownerId, revokedAt: IsNull() });
    await manager.createQueryBuilder().update(ApiKeyOwnerEntity).set({ activeKeys }).where('owner_id = :ownerId', { ownerId }).execute();
  }

  private async increment(manager: EntityManager, ownerId: string, cap: number | null): Promise<boolean> {
    const update = manager
      .createQueryBuilder()
      .update(ApiKeyOwnerEntity)
      .set({ activeKeys: () => 'active_keys + 1' })
      .where('owner_id = :ownerId', { ownerId });
    if (cap !== null) update.andWhere('active_keys < :cap', { cap });
    return (await update.execute()).affected === 1;
  }

  private ensureStatement(): string {
    const dataSource = this.store.dataSource;
    return ENSURE_OWNER[sqlFamilyOf(dataSource.options.type)](qualifiedTable(dataSource, ApiKeyOwnerEntity));
  }
}
