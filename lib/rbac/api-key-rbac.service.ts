import { Injectable } from '@nestjs/common';
import { ApiKeyNotFoundError, KeyRotatedError, PermissionInUseError, RoleInUseError } from '../api-keys.errors.js';
import { ApiKeyChanges } from '../changes/api-key-changes.js';
import type { ApiKeyEntity } from '../entities/api-key.entity.js';
import type { ApiKeyPermissionEntity } from '../entities/api-key-permission.entity.js';
import type { ActorContext, ApiKey } from '../interfaces/api-key.interface.js';
import type { ApiKeyChange } from '../interfaces/api-key-change.interface.js';
import type { ApiKeyPermission, ApiKeyPermissionPage, ApiKeyRole, ApiKeyRolePage, RbacListQuery } from '../interfaces/rbac.interface.js';
import { checkIdentifier } from '../keys/api-key-input.js';
import { ApiKeyViews } from '../keys/api-key-views.js';
import { directPermissionsOf, roleNamesOf } from '../keys/api-key.view.js';
import { ApiKeyStore } from '../store/api-key.store.js';
import {
  checkDescription,
  checkPermissionList,
  checkPermissionName,
  checkRbacListQuery,
  checkRoleList,
  encodeNameCursor,
  sameNames,
} from './rbac-input.js';
import { RbacStore, type GrantHolder } from './rbac.store.js';

/** Longest string taken as a key id: anything longer cannot be one (ids are UUIDs). */
const MAX_KEY_ID_LENGTH = 64;

/**
 * Roles and permissions (SPEC §8): a catalog of permissions, roles that carry sets of them, and
 * each key's direct permissions and roles. A key's effective permissions are its direct grants
 * plus those of its roles, with the wildcard rules of SPEC §11, read afresh on every
 * verification: a change is seen on the very next request.
 *
 * Assigning replaces, never merges; concurrent replacements of one key end as exactly one of the
 * submitted sets. `createRole` of an existing name replaces the permissions it carries (and
 * `createPermission` its description). A role or permission still in use cannot be deleted:
 * `ROLE_IN_USE` / `PERMISSION_IN_USE` (409). Every change runs through the change pipeline and is
 * recorded (`permission.created`, `permission.deleted`, `role.created`, `role.deleted`,
 * `key.roles_set`, `key.permissions_set`); a call that changes nothing records nothing.
 *
 * @example
 * await rbac.createRole('billing-reader', ['billing:read', 'invoices:*']);
 * await rbac.assignRoles(apiKey.id, ['billing-reader']);            // replaces the key's roles
 * const { key } = await apiKeys.verify(raw, { permissions: ['invoices:pdf'] });
 * key?.permissions; // ['billing:read', 'invoices:*']: effective, direct ∪ the roles'
 */
@Injectable()
export class ApiKeyRbacService {
  constructor(
    private readonly store: RbacStore,
    private readonly keys: ApiKeyStore,
    private readonly changes: ApiKeyChanges,
    private readonly views: ApiKeyViews,
  ) {}

  /**
   * Defines a permission in the catalog. Defining an existing one again replaces its description
   * (none when omitted); the same definition again changes and records nothing. Permissions are
   * also created when first granted, without a description.
   */
  async createPermission(name: string, options: { description?: string | null } = {}, ctx: ActorContext = {}): Promise<ApiKeyPermission> {
    const permission = checkPermissionName('name', name);
    const description = checkDescription(options?.description);
    const row = await this.changes.run(ctx, async (tx) => {
      const { row, created } = await this.store.ensurePermission(tx.manager, permission, description, tx.at);
      if (created) {
        tx.record({ action: 'permission.created', details: { permission, description } });
      } else if (row.description !== description) {
        await this.store.setPermissionDescription(tx.manager, row.id, description);
        tx.record({ action: 'permission.created', details: { permission, description, previousDescription: row.description } });
        row.description = description;
      }
      return row;
    });
    return toPermission(row);
  }

  /**
   * Deletes a permission that nothing uses any more. Held by a role, or directly by a key that
   * can still verify (not revoked, not rotated), it throws PermissionInUseError (409): take it
   * from them first. Grants held by revoked or rotated keys go with it. Unknown: ApiKeyNotFoundError.
   */
  async deletePermission(name: string, ctx: ActorContext = {}): Promise<void> {
    const permission = checkIdentifier('permission', 'name', name);
    await this.changes.run(ctx, async (tx) => {
      const row = await this.store.lockPermission(tx.manager, permission);
      if (!row) throw new ApiKeyNotFoundError(`No permission is named '${permission}'.`);
      const usage = await this.store.permissionUsage(tx.manager, row.id);
      const live = usage.keys.filter((key) => key.live).length;
      if (live > 0 || usage.roles > 0) throw new PermissionInUseError(permission, { keys: live, roles: usage.roles });
      await this.store.deletePermission(tx.manager, row.id);
      tx.record({ action: 'permission.deleted', details: { permission }, ...affected(usage.keys) });
    });
  }

  /** The catalog's permissions by name, a page at a time (`limit` 1–100, default 100). */
  async listPermissions(query: RbacListQuery = {}): Promise<ApiKeyPermissionPage> {
    const { limit, after } = checkRbacListQuery('permission', query);
    const rows = await this.store.listPermissions(after, limit + 1);
    return page(rows.slice(0, limit).map(toPermission), rows.length > limit);
  }

  /**
   * Defines a role as carrying exactly `permissions` (unknown permissions are created). Defining
   * an existing role again replaces the permissions it carries, for every key that holds it, from
   * the next request on; the same set again changes and records nothing.
   */
  async createRole(name: string, permissions: string[], ctx: ActorContext = {}): Promise<ApiKeyRole> {
    const role = checkIdentifier('role', 'name', name);
    const carried = checkPermissionList('permissions', permissions);
    const row = await this.changes.run(ctx, async (tx) => {
      const { row, created } = await this.store.ensureRole(tx.manager, role, tx.at);
      const before = created ? [] : await this.store.rolePermissions(tx.manager, row.id);
      if (!created && sameNames(before, carried)) return row;
      await this.store.replaceRolePermissions(tx.manager, row.id, carried, tx.at);
      if (created) {
        tx.record({ action: 'role.created', details: { role, permissions: carried } });
      } else {
        // Every key holding the role now verifies with other permissions: each one hears of it.
        const holders = await this.store.roleHolders(tx.manager, row.id);
        tx.record({ action: 'role.created', details: { role, permissions: carried, previousPermissions: before }, ...affected(holders) });
      }
      return row;
    });
    return { name: row.name, permissions: carried, createdAt: new Date(row.createdAt) };
  }

  /**
   * Deletes a role that no key which can still verify (not revoked, not rotated) holds; else
   * RoleInUseError (409): take it from those keys first. Unknown: ApiKeyNotFoundError.
   */
  async deleteRole(name: string, ctx: ActorContext = {}): Promise<void> {
    const role = checkIdentifier('role', 'name', name);
    await this.changes.run(ctx, async (tx) => {
      const row = await this.store.lockRole(tx.manager, role);
      if (!row) throw new ApiKeyNotFoundError(`No role is named '${role}'.`);
      const holders = await this.store.roleHolders(tx.manager, row.id);
      const live = holders.filter((key) => key.live).length;
      if (live > 0) throw new RoleInUseError(role, live);
      await this.store.deleteRole(tx.manager, row.id);
      tx.record({ action: 'role.deleted', details: { role }, ...affected(holders) });
    });
  }

  /** Roles by name with the permissions each carries, a page at a time (`limit` 1–100, default 100). */
  async listRoles(query: RbacListQuery = {}): Promise<ApiKeyRolePage> {
    const { limit, after } = checkRbacListQuery('role', query);
    const rows = await this.store.listRoles(after, limit + 1);
    const items = rows
      .slice(0, limit)
      .map(({ role, permissions }) => ({ name: role.name, permissions, createdAt: new Date(role.createdAt) }));
    return page(items, rows.length > limit);
  }

  /** Makes `roles` the key's whole set of roles (unknown roles are created, empty). Answers the key. */
  async assignRoles(keyId: string, roles: string[], ctx: ActorContext = {}): Promise<ApiKey> {
    return this.assign('roles', keyId, checkRoleList('roles', roles), ctx);
  }

  /** Makes `permissions` the key's whole set of direct permissions. Answers the key. */
  async assignPermissions(keyId: string, permissions: string[], ctx: ActorContext = {}): Promise<ApiKey> {
    return this.assign('permissions', keyId, checkPermissionList('permissions', permissions), ctx);
  }

  /**
   * Replaces one kind of a key's grants under the key's row lock, so that concurrent replacements
   * queue up and the last one wins whole. A rotated key is verified through its successor: its
   * own grants no longer count, so changing them is KeyRotatedError.
   */
  private async assign(kind: 'roles' | 'permissions', keyId: string, names: string[], ctx: ActorContext): Promise<ApiKey> {
    if (typeof keyId !== 'string' || keyId.length === 0 || keyId.length > MAX_KEY_ID_LENGTH) throw new ApiKeyNotFoundError();
    const key = await this.changes.run(ctx, async (tx) => {
      await this.keys.lockKey(tx.manager, keyId);
      const before = await this.keys.requireById(keyId, tx.manager);
      if (before.rotationGraceEndsAt !== null) throw new KeyRotatedError([kind], before.rotatedToId);
      const current = kind === 'roles' ? roleNamesOf(before) : directPermissionsOf(before);
      if (sameNames(current, names)) return before;
      await this.keys.replaceGrants(
        tx.manager,
        keyId,
        kind === 'permissions' ? names : undefined,
        kind === 'roles' ? names : undefined,
        tx.at,
      );
      await this.keys.updateColumns(tx.manager, keyId, {}, tx.at);
      tx.record({
        action: kind === 'roles' ? 'key.roles_set' : 'key.permissions_set',
        keyId,
        ownerId: before.ownerId,
        details: { [kind]: names, previous: current },
      });
      return (await this.keys.findById(keyId, tx.manager)) as ApiKeyEntity;
    });
    return this.views.of(key);
  }
}

function toPermission(row: ApiKeyPermissionEntity): ApiKeyPermission {
  return { name: row.name, description: row.description ?? null, createdAt: new Date(row.createdAt) };
}

function page<T extends { name: string }>(items: T[], more: boolean): { items: T[]; nextCursor: string | null } {
  return { items, nextCursor: more ? encodeNameCursor(items[items.length - 1].name) : null };
}

/** The keys a change reached, for its events and cache invalidation (none: no `keys`). */
function affected(holders: GrantHolder[]): Pick<ApiKeyChange, 'keys'> {
  return holders.length > 0 ? { keys: holders.map(({ id, ownerId }) => ({ id, ownerId })) } : {};
}
