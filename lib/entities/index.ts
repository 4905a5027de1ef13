import { ApiKeyEntity } from './api-key.entity.js';
import { ApiKeyPermissionGrantEntity, ApiKeyRoleGrantEntity, ApiKeyRolePermissionEntity } from './api-key-grant.entities.js';
import { ApiKeyOwnerEntity } from './api-key-owner.entity.js';
import { ApiKeyPermissionEntity } from './api-key-permission.entity.js';
import { ApiKeyRoleEntity } from './api-key-role.entity.js';

export {
  ApiKeyEntity,
  ApiKeyOwnerEntity,
  ApiKeyPermissionEntity,
  ApiKeyRoleEntity,
  ApiKeyPermissionGrantEntity,
  ApiKeyRoleGrantEntity,
  ApiKeyRolePermissionEntity,
};

/**
 * Every entity of the library: spread it into the host's TypeORM `entities`.
 *
 * @example
 * TypeOrmModule.forRoot({ type: 'postgres', entities: [...API_KEYS_ENTITIES, ...yours] })
 */
export const API_KEYS_ENTITIES = [
  ApiKeyEntity,
  ApiKeyOwnerEntity,
  ApiKeyPermissionEntity,
  ApiKeyRoleEntity,
  ApiKeyPermissionGrantEntity,
  ApiKeyRoleGrantEntity,
  ApiKeyRolePermissionEntity,
];
