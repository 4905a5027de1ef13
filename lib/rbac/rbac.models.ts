import type { Type } from '@nestjs/common';
import type { ApiKeyPermission, ApiKeyPermissionPage, ApiKeyRole, ApiKeyRolePage } from '../interfaces/rbac.interface.js';
import { defineModel, pageOf } from '../openapi/response.models.js';

/** A permission of the catalog over HTTP. @internal */
export const ApiKeyPermissionModel = defineModel<ApiKeyPermission>('ApiKeyPermission', {
  name: { type: 'string' },
  description: { type: 'string', nullable: true },
  createdAt: { type: 'string', format: 'date-time' },
});

/** A role over HTTP. @internal */
export const ApiKeyRoleModel = defineModel<ApiKeyRole>('ApiKeyRole', {
  name: { type: 'string' },
  permissions: { type: 'array', items: { type: 'string' }, description: 'The permissions the role carries, sorted.' },
  createdAt: { type: 'string', format: 'date-time' },
});

/** @internal */
export const ApiKeyPermissionPageModel = pageOf(ApiKeyPermissionModel, 'ApiKeyPermissionPage') as Type<ApiKeyPermissionPage>;

/** @internal */
export const ApiKeyRolePageModel = pageOf(ApiKeyRoleModel, 'ApiKeyRolePage') as Type<ApiKeyRolePage>;
