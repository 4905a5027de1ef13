import { SetMetadata } from '@nestjs/common';
import { REQUIRE_ROLES_KEY } from '../api-keys.constants.js';

/**
 * Roles the route needs (all of them), checked against the key's roles. A key without the
 * role is denied with 403 INSUFFICIENT_PERMISSIONS.
 *
 * @example
 * @RequireRoles('admin')
 */
export const RequireRoles = (...roles: string[]): MethodDecorator & ClassDecorator => SetMetadata(REQUIRE_ROLES_KEY, roles);
