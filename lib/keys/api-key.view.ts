import type { ApiKeyEntity } from '../entities/api-key.entity.js';
import type { ApiKey, ApiKeyStatus } from '../interfaces/api-key.interface.js';
import type { ApiKeyPrincipal } from '../interfaces/api-key-principal.interface.js';

/**
 * A key's status, in verify-chain precedence (SPEC §6, §11): a revoked and expired key is
 * `revoked`. `ApiKeyStore.whereStatus` is the SQL form of this rule.
 * @internal
 */
export function statusOf(key: ApiKeyEntity, now: number, pendingLastUsedAt?: number): ApiKeyStatus {
  if (key.revokedAt !== null) return 'revoked';
  if (!key.enabled) return 'disabled';
  if (key.expiresAt !== null && now >= key.expiresAt) return 'expired';
  if (key.rotationGraceEndsAt !== null) return 'rotated';
  return isIdle(key, now, pendingLastUsedAt) ? 'idle' : 'active';
}

/**
 * Whether a key has been unused longer than its `maxIdleMs`: its last use is the later of the
 * stored `lastUsedAt` (or `createdAt`) and a use this instance has not written yet (SPEC §6).
 * `ApiKeyStore.whereStatus` is the SQL form.
 * @internal
 */
export function isIdle(key: ApiKeyEntity, now: number, pendingLastUsedAt?: number): boolean {
  if (key.maxIdleMs === null) return false;
  return now - Math.max(key.lastUsedAt ?? key.createdAt, pendingLastUsedAt ?? 0) > key.maxIdleMs;
}

const toDate = (ms: number | null) => (ms === null ? null : new Date(ms));

/** The public shape of a stored key: no hash, dates as Date. @internal */
export function toApiKey(key: ApiKeyEntity, now: number, pendingLastUsedAt?: number): ApiKey {
  const lastUsedAt = Math.max(key.lastUsedAt ?? 0, pendingLastUsedAt ?? 0) || null;
  return {
    id: key.id,
    lineageId: key.lineageId,
    ownerId: key.ownerId,
    name: key.name,
    namespace: key.namespace,
    environment: key.environment,
    start: key.start,
    last4: key.last4,
    hashVersion: key.hashVersion,
    meta: key.meta ?? {},
    permissions: directPermissionsOf(key),
    roles: roleNamesOf(key),
    allowedIps: key.allowedIps ?? [],
    enabled: key.enabled,
    disabledBy: key.disabledBy,
    status: statusOf(key, now, pendingLastUsedAt),
    remaining: key.remaining ?? null,
    refill:
      key.refillInterval && key.refillAmount !== null
        ? { amount: key.refillAmount, interval: key.refillInterval, lastRefillAt: toDate(key.lastRefillAt) }
        : null,
    rateLimits: key.rateLimits ?? [],
    createdAt: new Date(key.createdAt),
    updatedAt: new Date(key.updatedAt),
    expiresAt: toDate(key.expiresAt),
    maxIdleMs: key.maxIdleMs,
    lastUsedAt: toDate(lastUsedAt),
    revokedAt: toDate(key.revokedAt),
    rotatedFromId: key.rotatedFromId,
    rotatedToId: key.rotatedToId,
    rotationGraceEndsAt: toDate(key.rotationGraceEndsAt),
    parentKeyId: key.parentKeyId,
  };
}

/** Direct permission names of a loaded key, sorted. @internal */
export function directPermissionsOf(key: ApiKeyEntity): string[] {
  return (key.permissionGrants ?? []).map((grant) => grant.permission.name).sort();
}

/** Role names of a loaded key, sorted. @internal */
export function roleNamesOf(key: ApiKeyEntity): string[] {
  return (key.roleGrants ?? []).map((grant) => grant.role.name).sort();
}

/** Direct grants ∪ the permissions of every role. @internal */
export function effectivePermissionsOf(key: ApiKeyEntity): string[] {
  const names = new Set(directPermissionsOf(key));
  for (const grant of key.roleGrants ?? []) {
    for (const carried of grant.role?.permissionGrants ?? []) names.add(carried.permission.name);
  }
  return [...names].sort();
}

/**
 * The verified caller as handlers see it: the presented key's id, the effective row's fields,
 * and the effective permissions and roles (for a child key, only what its parent holds too, and
 * the earlier of its own and its parent's expiry). @internal
 */
export function toPrincipal(
  presented: ApiKeyEntity,
  effective: ApiKeyEntity,
  permissions: string[],
  roles: string[] = roleNamesOf(effective),
  expiresAt: number | null = effective.expiresAt,
): ApiKeyPrincipal {
  return {
    id: presented.id,
    lineageId: effective.lineageId,
    ownerId: effective.ownerId,
    namespace: effective.namespace,
    environment: effective.environment,
    name: effective.name,
    permissions,
    roles,
    meta: effective.meta ?? {},
    expiresAt: toDate(expiresAt),
  };
}
