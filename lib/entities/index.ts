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

/** The entities of keys, their owners and grants. @internal */
export const CORE_ENTITIES: Function[] = [
  ApiKeyEntity,
  ApiKeyOwnerEntity,
  ApiKeyPermissionEntity,
  ApiKeyRoleEntity,
  ApiKeyPermissionGrantEntity,
  ApiKeyRoleGrantEntity,
  ApiKeyRolePermissionEntity,
];
