import { SetMetadata } from '@nestjs/common';
import { REQUIRE_PERMISSIONS_KEY } from '../api-keys.constants.js';

/** What `@RequirePermissions` stores: a list means all of them, `{ anyOf }` means one. */
export type PermissionRequirement = string[] | { anyOf: string[] };

/**
 * Permissions the route needs. Wildcards in the key's grants apply (`billing:*` covers
 * `billing:read`); a method-level decorator overrides the class-level one.
 *
 * @example
 * @RequirePermissions('billing:read', 'billing:write')   // both
 * @RequirePermissions({ anyOf: ['billing:read', 'billing:admin'] })
 */
export function RequirePermissions(...permissions: string[]): MethodDecorator & ClassDecorator;
export function RequirePermissions(requirement: { anyOf: string[] }): MethodDecorator & ClassDecorator;
export function RequirePermissions(...args: Array<string | { anyOf: string[] }>): MethodDecorator & ClassDecorator {
  const requirement: PermissionRequirement =
    args.length === 1 && typeof args[0] === 'object' ? { anyOf: [...args[0].anyOf] } : (args as string[]);
  if (!Array.isArray(requirement) && requirement.anyOf.length === 0) {
    throw new Error('@RequirePermissions({ anyOf }) needs at least one permission.');
  }
  return SetMetadata(REQUIRE_PERMISSIONS_KEY, requirement);
}
