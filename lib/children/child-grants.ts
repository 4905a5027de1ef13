import { ApiKeyValidationError, ForbiddenGrantError } from '../api-keys.errors.js';
import type { ApiKeyEntity } from '../entities/api-key.entity.js';
import { effectivePermissionsOf, roleNamesOf } from '../keys/api-key.view.js';
import { grantsCover } from '../rbac/permission-matcher.js';
import { ruleOutside } from '../verification/ip-allow-list.js';

/**
 * What a child key holds, as the narrowing rules read it: its direct grants and the columns
 * that could widen it. @internal
 */
export interface ChildGrants {
  ownerId: string;
  namespace: string;
  environment: string | null;
  permissions: string[];
  roles: string[];
  allowedIps: string[];
  expiresAt: number | null;
  remaining: number | null;
  refillInterval: string | null;
  rateLimits: unknown[] | null;
}

/** The parts of a child that the narrowing rules check; an update checks only those it changed. @internal */
export type ChildGrantField = 'owner' | 'permissions' | 'roles' | 'allowedIps' | 'expiresAt' | 'credits';

export const ALL_CHILD_GRANT_FIELDS: readonly ChildGrantField[] = ['owner', 'permissions', 'roles', 'allowedIps', 'expiresAt', 'credits'];

/**
 * Refuses a child that would hold more than its parent (SPEC §6, §8): another owner, namespace
 * or environment; a permission the parent's effective set (direct ∪ roles') does not cover,
 * wildcard-aware — a requested wildcard must lie inside one the parent holds; a role the
 * parent does not hold; an address the parent's allow-list does not admit; a later expiry, or
 * none under a parent that expires. Each is 403 FORBIDDEN_GRANT. Credits, refills and rate
 * limits of its own are 400: a child spends its parent's. `fields` limits the check to what
 * an update changed.
 * @internal
 */
export function checkChildWithin(
  child: ChildGrants,
  parent: ApiKeyEntity,
  fields: readonly ChildGrantField[] = ALL_CHILD_GRANT_FIELDS,
): void {
  const checks = new Set(fields);
  if (checks.has('credits')) {
    const own = [
      ...(child.remaining !== null ? ['remaining'] : []),
      ...(child.refillInterval !== null ? ['refill'] : []),
      ...(child.rateLimits?.length ? ['rateLimits'] : []),
    ];
    if (own.length > 0) {
      throw new ApiKeyValidationError(
        own.map((field) => ({ field, messages: [`a child key spends its parent's credits and rate limits: set ${field} on the parent`] })),
      );
    }
  }
  if (checks.has('owner')) {
    if (child.ownerId !== parent.ownerId) throw new ForbiddenGrantError("A child key belongs to its parent's owner.");
    if (child.namespace !== parent.namespace || child.environment !== parent.environment) {
      throw new ForbiddenGrantError("A child key stays in its parent's namespace and environment.");
    }
  }
  if (checks.has('permissions')) {
    const held = effectivePermissionsOf(parent);
    const beyond = child.permissions.find((permission) => !grantsCover(held, permission));
    if (beyond !== undefined) throw new ForbiddenGrantError(`The parent key does not hold '${beyond}'; a child can only narrow it.`);
  }
  if (checks.has('roles')) {
    const held = new Set(roleNamesOf(parent));
    const beyond = child.roles.find((role) => !held.has(role));
    if (beyond !== undefined) throw new ForbiddenGrantError(`The parent key does not hold the role '${beyond}'.`);
  }
  if (checks.has('allowedIps')) {
    const beyond = ruleOutside(child.allowedIps, parent.allowedIps ?? []);
    if (beyond !== null) {
      throw new ForbiddenGrantError(
        beyond === '*'
          ? 'The parent key is limited to its allowedIps; a child cannot allow every address.'
          : `allowedIps '${beyond}' is outside the parent key's allowedIps.`,
      );
    }
  }
  if (checks.has('expiresAt') && parent.expiresAt !== null && (child.expiresAt === null || child.expiresAt > parent.expiresAt)) {
    throw new ForbiddenGrantError(`A child key must expire by its parent's expiry (${new Date(parent.expiresAt).toISOString()}).`);
  }
}

/** A stored child's grants, for the rules above. @internal */
export function childGrantsOf(key: ApiKeyEntity): ChildGrants {
  return {
    ownerId: key.ownerId,
    namespace: key.namespace,
    environment: key.environment,
    permissions: (key.permissionGrants ?? []).map((grant) => grant.permission.name),
    roles: roleNamesOf(key),
    allowedIps: key.allowedIps ?? [],
    expiresAt: key.expiresAt,
    remaining: key.remaining,
    refillInterval: key.refillInterval,
    rateLimits: key.rateLimits,
  };
}
