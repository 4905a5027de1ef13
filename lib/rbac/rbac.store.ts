import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { ApiKeyPermissionGrantEntity, ApiKeyRoleGrantEntity, ApiKeyRolePermissionEntity } from '../entities/api-key-grant.entities.js';
import { ApiKeyPermissionEntity } from '../entities/api-key-permission.entity.js';
import { ApiKeyRoleEntity } from '../entities/api-key-role.entity.js';
import type { ApiKeyStore } from '../store/api-key.store.js';
import { insertUnlessExists } from '../store/sql-dialect.js';

/** A key that holds a role or a permission directly. @internal */
export interface GrantHolder {
  id: string;
  ownerId: string;
  /**
   * Whether the key's own grants can still matter: not revoked, and not rotated (a rotated key
   * is verified through its successor's grants, and its own can no longer be changed).
   */
  live: boolean;
}

/** A row of the catalog with whether this transaction just inserted it. @internal */
export interface EnsuredRow<T> {
  row: T;
  created: boolean;
}

/**
 * The SQL of roles and permissions (SPEC §8): the catalog, what each role carries, and who holds
 * what. Writes take the transaction's manager (they run inside the change pipeline); reads outside
 * a transaction are queued with the writes on SQLite, so they never see a transaction's
 * uncommitted rows on the shared connection. A key's own grants stay in ApiKeyStore.
 * @internal
 */
export class RbacStore {
  constructor(private readonly keys: ApiKeyStore) {}

  private get dataSource() {
    return this.keys.dataSource;
  }

  /** SQLite has no row locks: its writes run one at a time. */
  private get locks(): boolean {
    return !this.keys.writes.serializes;
  }

  /** A page of permissions ordered by name, after `after`. */
  listPermissions(after: string | undefined, limit: number): Promise<ApiKeyPermissionEntity[]> {
    return this.keys.writes.write(() => {
      const query = this.dataSource.getRepository(ApiKeyPermissionEntity).createQueryBuilder('p');
      if (after !== undefined) query.where('p.name > :after', { after });
      return query.orderBy('p.name', 'ASC').limit(limit).getMany();
    });
  }

  /** A page of roles ordered by name, after `after`, each with the permissions it carries. */
  listRoles(after: string | undefined, limit: number): Promise<Array<{ role: ApiKeyRoleEntity; permissions: string[] }>> {
    return this.keys.writes.write(async () => {
      const query = this.dataSource.getRepository(ApiKeyRoleEntity).createQueryBuilder('r');
      if (after !== undefined) query.where('r.name > :after', { after });
      const roles = await query.orderBy('r.name', 'ASC').limit(limit).getMany();
      const carried = await this.permissionsOfRoles(
        this.dataSource.manager,
        roles.map((role) => role.id),
      );
      return roles.map((role) => ({ role, permissions: carried.get(role.id) ?? [] }));
    });
  }

  /** Inserts the permission unless it exists, then locks its row until the transaction ends. */
  async ensurePermission(
    manager: EntityManager,
    name: string,
    description: string | null,
    now: number,
  ): Promise<EnsuredRow<ApiKeyPermissionEntity>> {
    const id = randomUUID();
    await insertUnlessExists(manager, ApiKeyPermissionEntity, { id, name, description, createdAt: now });
    const row = (await this.lockPermission(manager, name))!;
    return { row, created: row.id === id };
  }

  /** The permission's row, locked for update until the transaction ends; null if there is none. */
  lockPermission(manager: EntityManager, name: string): Promise<ApiKeyPermissionEntity | null> {
    const query = manager.getRepository(ApiKeyPermissionEntity).createQueryBuilder('p').where('p.name = :name', { name });
    return (this.locks ? query.setLock('pessimistic_write') : query).getOne();
  }

  async setPermissionDescription(manager: EntityManager, id: string, description: string | null): Promise<void> {
    await manager.getRepository(ApiKeyPermissionEntity).update({ id }, { description });
  }

  /** Keys holding the permission directly, and how many roles carry it. */
  async permissionUsage(manager: EntityManager, permissionId: string): Promise<{ keys: GrantHolder[]; roles: number }> {
    const keys = await this.holders(manager, ApiKeyPermissionGrantEntity, 'permission_id', permissionId);
    const roles = await manager
      .getRepository(ApiKeyRolePermissionEntity)
      .createQueryBuilder('rp')
      .where('rp.permission_id = :permissionId', { permissionId })
      .getCount();
    return { keys, roles };
  }

  /** Deletes a permission and every grant of it. */
  async deletePermission(manager: EntityManager, id: string): Promise<void> {
    await manager.createQueryBuilder().delete().from(ApiKeyPermissionGrantEntity).where('permission_id = :id', { id }).execute();
    await manager.createQueryBuilder().delete().from(ApiKeyRolePermissionEntity).where('permission_id = :id', { id }).execute();
    await manager.createQueryBuilder().delete().from(ApiKeyPermissionEntity).where('id = :id', { id }).execute();
  }

  /** Inserts the role unless it exists, then locks its row until the transaction ends. */
  async ensureRole(manager: EntityManager, name: string, now: number): Promise<EnsuredRow<ApiKeyRoleEntity>> {
    const id = randomUUID();
    await insertUnlessExists(manager, ApiKeyRoleEntity, { id, name, createdAt: now });
    const row = (await this.lockRole(manager, name))!;
    return { row, created: row.id === id };
  }

  /** The role's row, locked for update until the transaction ends; null if there is none. */
  lockRole(manager: EntityManager, name: string): Promise<ApiKeyRoleEntity | null> {
    const query = manager.getRepository(ApiKeyRoleEntity).createQueryBuilder('r').where('r.name = :name', { name });
    return (this.locks ? query.setLock('pessimistic_write') : query).getOne();
  }

  /** The names of the permissions a role carries, sorted. */
  async rolePermissions(manager: EntityManager, roleId: string): Promise<string[]> {
    return (await this.permissionsOfRoles(manager, [roleId])).get(roleId) ?? [];
  }

  /** Makes `names` the whole set of permissions the role carries (unknown names are created). */
  async replaceRolePermissions(manager: EntityManager, roleId: string, names: string[], now: number): Promise<void> {
    const ids = await this.keys.ensureNamed(manager, ApiKeyPermissionEntity, names, now);
    await manager.createQueryBuilder().delete().from(ApiKeyRolePermissionEntity).where('role_id = :roleId', { roleId }).execute();
    if (ids.length === 0) return;
    await manager
      .createQueryBuilder()
      .insert()
      .into(ApiKeyRolePermissionEntity)
      .values(ids.map((permissionId) => ({ roleId, permissionId })))
      .execute();
  }

  /** Keys holding the role. */
  roleHolders(manager: EntityManager, roleId: string): Promise<GrantHolder[]> {
    return this.holders(manager, ApiKeyRoleGrantEntity, 'role_id', roleId);
  }

  /** Deletes a role and every grant of it. */
  async deleteRole(manager: EntityManager, id: string): Promise<void> {
    await manager.createQueryBuilder().delete().from(ApiKeyRoleGrantEntity).where('role_id = :id', { id }).execute();
    await manager.createQueryBuilder().delete().from(ApiKeyRolePermissionEntity).where('role_id = :id', { id }).execute();
    await manager.createQueryBuilder().delete().from(ApiKeyRoleEntity).where('id = :id', { id }).execute();
  }

  private async holders(
    manager: EntityManager,
    grant: typeof ApiKeyPermissionGrantEntity | typeof ApiKeyRoleGrantEntity,
    column: 'permission_id' | 'role_id',
    id: string,
  ): Promise<GrantHolder[]> {
    const rows: Array<{ id: string; ownerId: string; revokedAt: unknown; rotationGraceEndsAt: unknown }> = await manager
      .createQueryBuilder(grant, 'g')
      .innerJoin('g.key', 'k')
      .select('k.id', 'id')
      .addSelect('k.owner_id', 'ownerId')
      .addSelect('k.revoked_at', 'revokedAt')
      .addSelect('k.rotation_grace_ends_at', 'rotationGraceEndsAt')
      .where(`g.${column} = :id`, { id })
      .orderBy('k.id', 'ASC')
      .getRawMany();
    return rows.map((row) => ({
      id: row.id,
      ownerId: row.ownerId,
      live: row.revokedAt === null && row.rotationGraceEndsAt === null,
    }));
  }

  private async permissionsOfRoles(manager: EntityManager, roleIds: string[]): Promise<Map<string, string[]>> {
    if (roleIds.length === 0) return new Map();
    const rows: Array<{ roleId: string; name: string }> = await manager
      .createQueryBuilder(ApiKeyRolePermissionEntity, 'rp')
      .innerJoin('rp.permission', 'p')
      .select('rp.role_id', 'roleId')
      .addSelect('p.name', 'name')
      .where('rp.role_id IN (:...roleIds)', { roleIds })
      .getRawMany();
    const byRole = new Map<string, string[]>();
    for (const row of rows) byRole.set(row.roleId, [...(byRole.get(row.roleId) ?? []), row.name]);
    for (const names of byRole.values()) names.sort();
    return byRole;
  }
}
