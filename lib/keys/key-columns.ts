import { randomUUID } from 'node:crypto';
import { DEFAULT_NAMESPACE } from '../api-keys.constants.js';
import { ApiKeyValidationError } from '../api-keys.errors.js';
import { ApiKeyEntity } from '../entities/api-key.entity.js';
import type { CreateApiKeyInput, UpdateApiKeyInput } from '../interfaces/api-key.interface.js';
import { periodStart } from '../quotas/refill-period.js';
import {
  checkIpRules,
  checkLabel,
  checkMeta,
  checkName,
  checkNonNegativeInteger,
  checkOwnerId,
  checkPositiveMs,
  checkRateLimits,
  checkRefill,
  toEpochMs,
} from './api-key-input.js';

/** How a key is stored: its hash and version, and its display parts. @internal */
export interface StoredSecret {
  hash: string;
  version: string;
  start: string;
  last4: string;
}

/**
 * The row of a new key from a checked create input (SPEC §5). `disabledBy` records who created
 * it disabled, so an owner cannot re-enable what an admin disabled.
 * @internal
 */
export function newKeyRow(input: CreateApiKeyInput, secret: StoredSecret, now: number, disabledBy: 'owner' | 'admin'): ApiKeyEntity {
  const entity: ApiKeyEntity = Object.assign(new ApiKeyEntity(), {
    id: randomUUID(),
    ownerId: checkOwnerId(input?.ownerId),
    name: checkName(input.name ?? null),
    namespace: checkLabel('namespace', input.namespace) ?? DEFAULT_NAMESPACE,
    environment: checkLabel('environment', input.environment ?? undefined) ?? null,
    start: secret.start,
    last4: secret.last4,
    hash: secret.hash,
    hashVersion: secret.version,
    meta: checkMeta(input.meta) ?? {},
    allowedIps: checkIpRules(input.allowedIps) ?? [],
    enabled: input.enabled ?? true,
    disabledBy: input.enabled === false ? disabledBy : null,
    createdAt: now,
    updatedAt: now,
    expiresAt: toEpochMs('expiresAt', input.expiresAt) ?? null,
    maxIdleMs: checkPositiveMs('maxIdleMs', input.maxIdleMs),
    lastUsedAt: null,
    revokedAt: null,
    rotatedFromId: null,
    rotatedToId: null,
    rotationGraceEndsAt: null,
    parentKeyId: null,
    rateLimits: checkRateLimits('rateLimits', input.rateLimits) ?? null,
    ...creditColumns(input.remaining ?? null, input.refill ?? null, now),
  });
  entity.lineageId = entity.id;
  return entity;
}

/**
 * The columns a patch sets (SPEC §11: omitted keeps, `null` clears, a value sets), checked.
 * `enabled` and the grants are decided against the stored row, by the caller.
 * @internal
 */
export function patchColumns(patch: UpdateApiKeyInput, now: number): Partial<ApiKeyEntity> {
  const set: Partial<ApiKeyEntity> = {};
  if (patch.name !== undefined) set.name = checkName(patch.name);
  if (patch.meta !== undefined) set.meta = patch.meta === null ? {} : checkMeta(patch.meta)!;
  if (patch.expiresAt !== undefined) set.expiresAt = toEpochMs('expiresAt', patch.expiresAt) ?? null;
  if (patch.maxIdleMs !== undefined) set.maxIdleMs = checkPositiveMs('maxIdleMs', patch.maxIdleMs);
  if (patch.allowedIps !== undefined) set.allowedIps = patch.allowedIps === null ? [] : checkIpRules(patch.allowedIps)!;
  if (patch.rateLimits !== undefined) set.rateLimits = patch.rateLimits === null ? null : checkRateLimits('rateLimits', patch.rateLimits)!;
  Object.assign(set, creditColumns(patch.remaining, patch.refill, now));
  if (patch.enabled !== undefined && typeof patch.enabled !== 'boolean') {
    throw ApiKeyValidationError.field('enabled', 'enabled must be a boolean');
  }
  return set;
}

/** Patch fields that a rotated key no longer uses: its successor's row carries them (SPEC §6). */
export const LINEAGE_FIELDS = [
  'permissions',
  'roles',
  'allowedIps',
  'rateLimits',
  'remaining',
  'refill',
  'maxIdleMs',
  'expiresAt',
] as const;

/** The columns of `set` whose value differs from the stored row: what an update writes. @internal */
export function changedColumns(before: ApiKeyEntity, set: Partial<ApiKeyEntity>): Partial<ApiKeyEntity> {
  const changed: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(set)) {
    const previous = (before as unknown as Record<string, unknown>)[column];
    if (JSON.stringify(previous) !== JSON.stringify(value)) changed[column] = value;
  }
  return changed as Partial<ApiKeyEntity>;
}

/**
 * The successor of a rotated key (SPEC §11): it inherits everything but the secret — the
 * balance included, which moves with it — and starts a fresh row in the same lineage.
 * @internal
 */
export function successorRow(old: ApiKeyEntity, secret: StoredSecret, now: number): ApiKeyEntity {
  const { lineageId, ownerId, name, namespace, environment, meta, allowedIps, enabled, disabledBy, expiresAt, maxIdleMs, parentKeyId } =
    old;
  const { remaining, creditsGranted, refillAmount, refillInterval, lastRefillAt, rateLimits } = old;
  return Object.assign(new ApiKeyEntity(), {
    ...{ lineageId, ownerId, name, namespace, environment, meta, allowedIps, enabled, disabledBy, expiresAt, maxIdleMs, parentKeyId },
    ...{ remaining, creditsGranted, refillAmount, refillInterval, lastRefillAt, rateLimits },
    id: randomUUID(),
    start: secret.start,
    last4: secret.last4,
    hash: secret.hash,
    hashVersion: secret.version,
    createdAt: now,
    updatedAt: now,
    lastUsedAt: null,
    revokedAt: null,
    rotatedFromId: old.id,
    rotatedToId: null,
    rotationGraceEndsAt: null,
  });
}

/**
 * Credit columns for a create or a patch (SPEC §11): `remaining: null` makes the key
 * unlimited and clears the refill; `refill: null` keeps `remaining`. A new refill counts
 * from the current period (the next one refills).
 */
function creditColumns(remainingInput: unknown, refillInput: unknown, now: number): Partial<ApiKeyEntity> {
  const columns: Partial<ApiKeyEntity> = {};
  const remaining = checkNonNegativeInteger('remaining', remainingInput);
  const refill = checkRefill(refillInput);
  if (remaining !== undefined) Object.assign(columns, { remaining, creditsGranted: remaining });
  if (remaining === null || refill === null) Object.assign(columns, { refillAmount: null, refillInterval: null, lastRefillAt: null });
  if (refill) {
    if (remaining === null) throw ApiKeyValidationError.field('refill', 'a refill needs remaining credits (remaining is null)');
    Object.assign(columns, {
      refillAmount: refill.amount,
      refillInterval: refill.interval,
      lastRefillAt: periodStart(refill.interval, now),
    });
  }
  return columns;
}
