import { ApiKeyNotFoundError } from '../api-keys.errors.js';
import { randomUUID } from 'node:crypto';
import { Brackets, In, type DataSource, type EntityManager, type SelectQueryBuilder } from 'typeorm';
import { ApiKeyEntity } from '../entities/api-key.entity.js';
import { ApiKeyOwnerEntity } from '../entities/api-key-owner.entity.js';
import { ApiKeyPermissionEntity } from '../entities/api-key-permission.entity.js';
import type { RateLimitRule } from '../interfaces/quota.interface.js';
import { ApiKeyRoleEntity } from '../entities/api-key-role.entity.js';
import { API_KEY_STATUSES, type ApiKeyStatus } from '../interfaces/api-key.interface.js';
import type { KeyCursor } from './key-cursor.js';
import { KeyLoader } from './key-loader.js';
import { keyShareLockMode, sqlFamilyOf } from './sql-dialect.js';
import { WriteSerializer } from './write-serializer.js';

/** The same graph KeyLoader builds, as TypeORM relations: for loading a page of keys at once. */
const KEY_RELATIONS = {
  permissionGrants: { permission: true },
  roleGrants: { role: { permissionGrants: { permission: true } } },
  owner: true,
} as const;

/** Names of the join tables, fixed by the entities. @internal */
const PERMISSION_GRANTS = 'api_key_permission_grants';
const ROLE_GRANTS = 'api_key_role_grants';

/** Keys revoked (or purged) per statement in a bulk change. */
const REVOKE_BATCH = 500;

/** Filters of a bulk revoke, checked (at least one is set). @internal */
export interface RevokeFilter {
  ownerId?: string;
  namespace?: string;
  createdBefore?: number;
  /** The calling key's lineage, never revoked by its own bulk revoke. */
  exceptLineageId?: string;
}

export interface KeyListFilter {
  ownerId?: string;
  namespace?: string;
  status?: ApiKeyStatus;
  cursor?: KeyCursor;
  limit: number;
  now: number;
}

/**
 * Every query the library makes against the key tables, in one place. Writes go through
 * the WriteSerializer so that SQLite never interleaves them with a transaction.
 * @internal
 */
export class ApiKeyStore {
  readonly writes: WriteSerializer;
  private loaderInstance: KeyLoader | undefined;

  constructor(readonly dataSource: DataSource) {
    this.writes = WriteSerializer.for(dataSource);
  }

  /** Built on first use: the entity metadata it reads is checked at boot by SchemaCheck. */
  private get loader(): KeyLoader {
    return (this.loaderInstance ??= new KeyLoader(this.dataSource));
  }

  private get keys() {
    return this.dataSource.getRepository(ApiKeyEntity);
  }

  /**
   * The key stored under one of these hashes, with its grants and owner limits. Queued with
   * the writes on SQLite, so a verify never reads a library transaction's uncommitted rows
   * (say, grants deleted and not yet re-inserted) on the shared connection.
   */
  findByHashes(hashes: string[]): Promise<ApiKeyEntity | null> {
    return this.writes.write(() => this.loader.byHashes(hashes));
  }

  /** A key by id with its grants and owner limits; inside a transaction, pass its manager. */
  findById(id: string, manager?: EntityManager): Promise<ApiKeyEntity | null> {
    return manager ? this.loader.byId(id, manager) : this.writes.write(() => this.loader.byId(id));
  }

  /** A key by id inside a change's transaction, or ApiKeyNotFoundError (404 KEY_NOT_FOUND). */
  async requireById(id: string, manager: EntityManager): Promise<ApiKeyEntity> {
    const key = await this.loader.byId(id, manager);
    if (!key) throw new ApiKeyNotFoundError();
    return key;
  }

  /** Runs every statement the key lookup uses once, so that a missing column fails at boot. */
  probeKeyLookup(): Promise<void> {
    return this.loader.probe();
  }

  /**
   * Holds a key's row lock until the transaction ends, so that concurrent changes of one key
   * queue up instead of deadlocking. SQLite needs none: the WriteSerializer runs our writes one at a time.
   */
  async lockKey(manager: EntityManager, id: string): Promise<void> {
    if (this.writes.serializes) return;
    await manager
      .createQueryBuilder(ApiKeyEntity, 'k')
      .select('k.id', 'id')
      .where('k.id = :id', { id })
      .setLock('pessimistic_write')
      .getRawOne();
  }

  /**
   * Holds a shared lock on a key's row until the transaction ends: a change that locks or
   * updates the row (revoke, rotate, disable) waits for it, other shared holders do not — so
   * children of one parent are created side by side while the parent cannot die under them.
   */
  async shareLockKey(manager: EntityManager, id: string): Promise<void> {
    if (this.writes.serializes) return;
    await manager
      .createQueryBuilder(ApiKeyEntity, 'k')
      .select('k.id', 'id')
      .where('k.id = :id', { id })
      .setLock('pessimistic_read')
      .getRawOne();
  }

  /** Writes only the given columns of a key (and its updatedAt). */
  async updateColumns(manager: EntityManager, id: string, columns: Partial<ApiKeyEntity>, now: number): Promise<void> {
    await manager.getRepository(ApiKeyEntity).update({ id }, { ...columns, updatedAt: now } as object);
  }

  /**
   * Marks a key rotated to its successor, only if it is still unrevoked and unrotated: false
   * when a concurrent rotation or revocation won.
   */
  async claimRotation(manager: EntityManager, id: string, successorId: string, graceEndsAt: number, now: number): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(ApiKeyEntity)
      .set({ rotatedToId: successorId, rotationGraceEndsAt: graceEndsAt, updatedAt: now })
      .where('id = :id AND revoked_at IS NULL AND rotation_grace_ends_at IS NULL', { id })
      .execute();
    return result.affected === 1;
  }

  /** Revokes one key unless it already is: whether this call revoked it. */
  async revokeOne(manager: EntityManager, id: string, now: number): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(ApiKeyEntity)
      .set({ revokedAt: now, updatedAt: now })
      .where('id = :id AND revoked_at IS NULL', { id })
      .execute();
    return result.affected === 1;
  }

  /**
   * Locks the unrevoked keys matching every given filter (the calling lineage excepted) and
   * revokes exactly those, in batches: the keys it revoked.
   */
  async revokeMatching(manager: EntityManager, filter: RevokeFilter, now: number): Promise<Array<{ id: string; ownerId: string }>> {
    const query = manager
      .createQueryBuilder(ApiKeyEntity, 'k')
      .select('k.id', 'id')
      .addSelect('k.owner_id', 'ownerId')
      .where('k.revoked_at IS NULL');
    if (filter.ownerId !== undefined) query.andWhere('k.owner_id = :ownerId', { ownerId: filter.ownerId });
    if (filter.namespace !== undefined) query.andWhere('k.namespace = :namespace', { namespace: filter.namespace });
    if (filter.createdBefore !== undefined) query.andWhere('k.created_at < :createdBefore', { createdBefore: filter.createdBefore });
    if (filter.exceptLineageId) query.andWhere('k.lineage_id <> :exceptLineageId', { exceptLineageId: filter.exceptLineageId });
    if (!this.writes.serializes) query.setLock('pessimistic_write');
    const rows: Array<{ id: string; ownerId: string }> = await query.getRawMany();
    for (let i = 0; i < rows.length; i += REVOKE_BATCH) {
      const ids = rows.slice(i, i + REVOKE_BATCH).map((row) => row.id);
      await manager
        .createQueryBuilder()
        .update(ApiKeyEntity)
        .set({ revokedAt: now, updatedAt: now })
        .where('id IN (:...ids)', { ids })
        .execute();
    }
    return rows;
  }

  /**
   * Hard-deletes keys revoked, expired or rotated at or before `cutoff`, and the children of
   * those (dead with their parent: the parent link is ON DELETE SET NULL, which would otherwise
   * turn them into keys of their own): the keys it deleted.
   */
  async purge(manager: EntityManager, cutoff: number): Promise<Array<{ id: string; ownerId: string }>> {
    const query = manager
      .createQueryBuilder(ApiKeyEntity, 'k')
      .select('k.id', 'id')
      .addSelect('k.owner_id', 'ownerId')
      .where(
        new Brackets((q) =>
          q.where('k.revoked_at <= :cutoff', { cutoff }).orWhere('k.expires_at <= :cutoff').orWhere('k.rotation_grace_ends_at <= :cutoff'),
        ),
      );
    if (!this.writes.serializes) query.setLock('pessimistic_write');
    const rows: Array<{ id: string; ownerId: string }> = await query.getRawMany();
    rows.push(...(await this.childrenOf(manager, rows)));
    for (let i = 0; i < rows.length; i += REVOKE_BATCH) {
      const ids = rows.slice(i, i + REVOKE_BATCH).map((row) => row.id);
      await manager.createQueryBuilder().delete().from(ApiKeyEntity).where('id IN (:...ids)', { ids }).execute();
    }
    return rows;
  }

  /** The keys (locked) whose parent is one of `parents` and that are not among them. */
  private async childrenOf(manager: EntityManager, parents: Array<{ id: string }>): Promise<Array<{ id: string; ownerId: string }>> {
    const ids = new Set(parents.map((row) => row.id));
    const children: Array<{ id: string; ownerId: string }> = [];
    for (let i = 0; i < parents.length; i += REVOKE_BATCH) {
      const query = manager
        .createQueryBuilder(ApiKeyEntity, 'k')
        .select('k.id', 'id')
        .addSelect('k.owner_id', 'ownerId')
        .where('k.parent_key_id IN (:...parentIds)', { parentIds: parents.slice(i, i + REVOKE_BATCH).map((row) => row.id) });
      if (!this.writes.serializes) query.setLock('pessimistic_write');
      for (const child of (await query.getRawMany()) as Array<{ id: string; ownerId: string }>)
        if (!ids.has(child.id)) children.push(child);
    }
    return children;
  }

  /** Creates the owner row if needed and sets its shared rate limits (only that column). */
  async saveOwnerRateLimits(manager: EntityManager, ownerId: string, rateLimits: RateLimitRule[]): Promise<void> {
    await manager.getRepository(ApiKeyOwnerEntity).upsert({ ownerId, rateLimits }, ['ownerId']);
  }

  /** Permissions of each named role that exists. */
  async findRolePermissions(names: string[]): Promise<Map<string, string[]>> {
    if (names.length === 0) return new Map();
    const roles = await this.dataSource
      .getRepository(ApiKeyRoleEntity)
      .find({ where: { name: In(names) }, relations: { permissionGrants: { permission: true } } });
    return new Map(roles.map((role) => [role.name, role.permissionGrants.map((g) => g.permission.name)]));
  }

  /** Inserts a key with its grants; permissions and roles unknown so far are created. */
  async insert(manager: EntityManager, key: ApiKeyEntity, permissions: string[], roles: string[], now: number) {
    await manager.getRepository(ApiKeyEntity).insert({ ...key, permissionGrants: undefined, roleGrants: undefined } as object);
    await this.replaceGrants(manager, key.id, permissions, roles, now);
  }

  /** Replaces a key's direct permissions and/or roles (undefined leaves one alone). */
  async replaceGrants(
    manager: EntityManager,
    keyId: string,
    permissions: string[] | undefined,
    roles: string[] | undefined,
    now: number,
  ): Promise<void> {
    if (permissions) {
      const ids = await this.ensureNamed(manager, ApiKeyPermissionEntity, permissions, now);
      await this.replaceJoinRows(manager, PERMISSION_GRANTS, 'permission_id', keyId, ids);
    }
    if (roles) {
      const ids = await this.ensureNamed(manager, ApiKeyRoleEntity, roles, now);
      await this.replaceJoinRows(manager, ROLE_GRANTS, 'role_id', keyId, ids);
    }
  }

  /** Writes only `last_used_at`, and never moves it backwards. */
  async writeLastUsed(entries: Array<[string, number]>): Promise<void> {
    if (entries.length === 0) return;
    await this.writes.transaction(async (manager) => {
      for (const [id, at] of entries) {
        await manager
          .createQueryBuilder()
          .update(ApiKeyEntity)
          .set({ lastUsedAt: at })
          .where('id = :id', { id })
          .andWhere(new Brackets((q) => q.where('last_used_at IS NULL').orWhere('last_used_at < :at', { at })))
          .execute();
      }
    });
  }

  /** Moves a row to the current hash version, only if nobody changed its hash meanwhile. */
  async rehash(id: string, fromHash: string, toHash: string, toVersion: string): Promise<void> {
    await this.writes.write(() =>
      this.keys
        .createQueryBuilder()
        .update()
        .set({ hash: toHash, hashVersion: toVersion })
        .where('id = :id AND hash = :fromHash', { id, fromHash })
        .execute(),
    );
  }

  /** How many unrevoked keys are stored under each hash version. */
  async countByHashVersion(): Promise<Map<string, number>> {
    const rows: Array<{ version: string; count: string | number }> = await this.keys
      .createQueryBuilder('k')
      .select('k.hash_version', 'version')
      .addSelect('COUNT(*)', 'count')
      .where('k.revoked_at IS NULL')
      .groupBy('k.hash_version')
      .getRawMany();
    return new Map(rows.map((row) => [row.version, Number(row.count)]));
  }

  /** Page of keys, newest first, keyset-paginated on (created_at, id). */
  async list(filter: KeyListFilter): Promise<ApiKeyEntity[]> {
    const query = this.keys.createQueryBuilder('k').select('k.id', 'id');
    if (filter.ownerId !== undefined) query.andWhere('k.owner_id = :ownerId', { ownerId: filter.ownerId });
    if (filter.namespace !== undefined) query.andWhere('k.namespace = :namespace', { namespace: filter.namespace });
    if (filter.status) this.whereStatus(query, filter.status, filter.now);
    if (filter.cursor) {
      query.andWhere(
        new Brackets((q) =>
          q
            .where('k.created_at < :cursorAt', { cursorAt: filter.cursor!.createdAt })
            .orWhere('k.created_at = :cursorAt AND k.id < :cursorId', { cursorId: filter.cursor!.id }),
        ),
      );
    }
    const rows: Array<{ id: string }> = await query
      .orderBy('k.created_at', 'DESC')
      .addOrderBy('k.id', 'DESC')
      .limit(filter.limit)
      .getRawMany();
    if (rows.length === 0) return [];
    const found = await this.keys.find({ where: { id: In(rows.map((r) => r.id)) }, relations: KEY_RELATIONS });
    const byId = new Map(found.map((k) => [k.id, k]));
    return rows.map((r) => byId.get(r.id)).filter((k): k is ApiKeyEntity => k !== undefined);
  }

  /** How many keys (of one owner, or all) have each status now, by the same rule as `list`'s status filter. */
  async countByStatus(filter: { ownerId?: string; now: number }): Promise<Record<ApiKeyStatus, number>> {
    const counts = await Promise.all(
      API_KEY_STATUSES.map(async (status) => {
        const query = this.keys.createQueryBuilder('k');
        if (filter.ownerId !== undefined) query.andWhere('k.owner_id = :ownerId', { ownerId: filter.ownerId });
        this.whereStatus(query, status, filter.now);
        return [status, await query.getCount()] as const;
      }),
    );
    return Object.fromEntries(counts) as Record<ApiKeyStatus, number>;
  }

  /** SQL form of the status precedence in `statusOf` (revoked > disabled > expired > rotated > idle). */
  private whereStatus(query: SelectQueryBuilder<ApiKeyEntity>, status: ApiKeyStatus, now: number): void {
    const notRevoked = 'k.revoked_at IS NULL';
    const enabled = 'k.enabled = :yes';
    const notExpired = '(k.expires_at IS NULL OR k.expires_at > :now)';
    const notRotated = 'k.rotation_grace_ends_at IS NULL';
    const idle = '(k.max_idle_ms IS NOT NULL AND :now - COALESCE(k.last_used_at, k.created_at) > k.max_idle_ms)';
    const conditions: Record<ApiKeyStatus, string[]> = {
      revoked: ['k.revoked_at IS NOT NULL'],
      disabled: [notRevoked, 'k.enabled = :no'],
      expired: [notRevoked, enabled, 'k.expires_at IS NOT NULL AND k.expires_at <= :now'],
      rotated: [notRevoked, enabled, notExpired, 'k.rotation_grace_ends_at IS NOT NULL'],
      idle: [notRevoked, enabled, notExpired, notRotated, idle],
      active: [notRevoked, enabled, notExpired, notRotated, `NOT ${idle}`],
    };
    query.andWhere(conditions[status].join(' AND '), { now, yes: true, no: false });
  }

  /**
   * Ids of the permission (or role) rows with these names, creating the missing ones. The rows
   * stay share-locked until the transaction ends, so a concurrent delete of one of them (which
   * locks it for update) either finishes first — then the name is created again here — or waits
   * for this grant and sees it: never a grant row pointing at a deleted name.
   * @internal
   */
  async ensureNamed(
    manager: EntityManager,
    entity: typeof ApiKeyPermissionEntity | typeof ApiKeyRoleEntity,
    names: string[],
    now: number,
  ): Promise<string[]> {
    // Sorted: two transactions creating the same new names insert them in one order, not deadlock.
    const unique = [...new Set(names)].sort();
    if (unique.length === 0) return [];
    const repository = manager.getRepository<{ id: string; name: string; createdAt: number }>(entity);
    const lock = keyShareLockMode(sqlFamilyOf(this.dataSource.options.type));
    const find = (wanted: string[]) => {
      const query = repository.createQueryBuilder('n').where('n.name IN (:...wanted)', { wanted });
      return (lock ? query.setLock(lock) : query).getMany();
    };
    const existing = await find(unique);
    const missing = unique.filter((name) => !existing.some((row) => row.name === name));
    if (missing.length > 0) {
      // orIgnore: a concurrent create of the same name is not an error.
      await repository
        .createQueryBuilder()
        .insert()
        .values(missing.map((name) => ({ id: randomUUID(), name, createdAt: now })))
        .orIgnore()
        .execute();
      existing.push(...(await find(missing)));
    }
    return existing.map((row) => row.id);
  }

  private async replaceJoinRows(manager: EntityManager, table: string, column: string, keyId: string, ids: string[]) {
    await manager.createQueryBuilder().delete().from(table).where('key_id = :keyId', { keyId }).execute();
    if (ids.length === 0) return;
    await manager
      .createQueryBuilder()
      .insert()
      .into(table, ['key_id', column])
      .values(ids.map((id) => ({ key_id: keyId, [column]: id })))
      .execute();
  }
}
