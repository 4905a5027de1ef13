import type { DataSource } from 'typeorm';
import { ApiKeyPermissionEntity, ApiKeyRoleEntity, type ApiKeyService } from '../../lib/index.js';

/**
 * Gives roles permissions straight in the role-permission table (the roles and permissions are
 * created through a throwaway key first), for suites that need roles carrying permissions.
 */
export async function seedRolePermissions(apiKeys: ApiKeyService, ds: DataSource, roles: Record<string, string[]>): Promise<void> {
  await apiKeys.create({ ownerId: 'role-seed', roles: Object.keys(roles), permissions: Object.values(roles).flat() });
  const permissionId = async (name: string) => (await ds.getRepository(ApiKeyPermissionEntity).findOneByOrFail({ name })).id;
  const roleId = async (name: string) => (await ds.getRepository(ApiKeyRoleEntity).findOneByOrFail({ name })).id;
  const values: Array<{ role_id: string; permission_id: string }> = [];
  for (const [role, permissions] of Object.entries(roles)) {
    for (const permission of permissions) values.push({ role_id: await roleId(role), permission_id: await permissionId(permission) });
  }
  if (values.length > 0)
    await ds.createQueryBuilder().insert().into('api_key_role_permissions', ['role_id', 'permission_id']).values(values).execute();
}
