import type { RateLimitRule, RefillRule, RefillState } from './quota.interface.js';

/** Lifecycle status of a key, in the precedence of the verify chain (SPEC §6, §11). */
export type ApiKeyStatus = 'active' | 'revoked' | 'disabled' | 'expired' | 'rotated' | 'idle';

export const API_KEY_STATUSES: readonly ApiKeyStatus[] = ['active', 'revoked', 'disabled', 'expired', 'rotated', 'idle'];

/**
 * A stored key as the services and the admin API show it: never the hash, never the raw
 * key. Dates serialise to ISO strings over HTTP.
 */
export interface ApiKey {
  id: string;
  lineageId: string;
  ownerId: string;
  name: string | null;
  namespace: string;
  environment: string | null;
  /** Prefix plus the first 4 body characters, for display. */
  start: string;
  last4: string;
  hashVersion: string;
  meta: Record<string, unknown>;
  /** Direct permission grants (roles add theirs on verify). */
  permissions: string[];
  roles: string[];
  allowedIps: string[];
  enabled: boolean;
  disabledBy: 'owner' | 'admin' | null;
  status: ApiKeyStatus;
  /** Credits left; null means unlimited. */
  remaining: number | null;
  refill: RefillState | null;
  /** The key's own rate limits (empty: `defaultRateLimits` apply). */
  rateLimits: RateLimitRule[];
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date | null;
  maxIdleMs: number | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  rotatedFromId: string | null;
  rotatedToId: string | null;
  rotationGraceEndsAt: Date | null;
  parentKeyId: string | null;
}

/** Who made a change: recorded with it. The actor defaults to `'system'`. */
export interface ActorContext {
  actorId?: string;
  ip?: string;
}

/**
 * Who creates or changes a key: a key an owner-scoped actor disables (or creates disabled) is
 * `disabledBy: 'owner'`; such an actor may not re-enable an admin's disable.
 */
export interface UpdateContext extends ActorContext {
  ownerScoped?: boolean;
}

/** `revokeMany` options the admin API uses: the calling key's lineage is never revoked. */
export interface RevokeManyOptions {
  exceptLineageId?: string;
}

/** Input of `ApiKeyService.create`. */
export interface CreateApiKeyInput {
  ownerId: string;
  name?: string | null;
  namespace?: string;
  environment?: string | null;
  meta?: Record<string, unknown>;
  permissions?: string[];
  roles?: string[];
  /** CIDR blocks or single addresses; empty means any address. */
  allowedIps?: string[];
  expiresAt?: Date | string | number | null;
  maxIdleMs?: number | null;
  enabled?: boolean;
  /** Usage credits; omitted or null means unlimited. */
  remaining?: number | null;
  /** Resets `remaining` to `amount` each period (needs `remaining`). */
  refill?: RefillRule | null;
  rateLimits?: RateLimitRule[];
}

/**
 * Input of `ApiKeyService.createChildKey`: the create input, whose owner, namespace,
 * environment, allowed IPs and expiry default to the parent's. A child has no credits, refill
 * or rate limits of its own: it spends its parent's.
 */
export type CreateChildKeyInput = Omit<CreateApiKeyInput, 'ownerId'> & { ownerId?: string };

/** Input of `ApiKeyService.import`: an existing raw key, or its SHA-256 hex hash. */
export type ImportApiKeyInput = CreateApiKeyInput & ({ key: string; hash?: never } | { hash: string; key?: never });

/** Patch of `ApiKeyService.update`: omitted keeps, `null` clears, a value sets (SPEC §11). */
export interface UpdateApiKeyInput {
  name?: string | null;
  meta?: Record<string, unknown> | null;
  expiresAt?: Date | string | number | null;
  maxIdleMs?: number | null;
  enabled?: boolean;
  permissions?: string[];
  roles?: string[];
  allowedIps?: string[] | null;
  /** `null` makes the key unlimited and clears its refill. */
  remaining?: number | null;
  /** `null` removes the refill and keeps `remaining`. */
  refill?: RefillRule | null;
  /** `null` or `[]` falls back to `defaultRateLimits`. */
  rateLimits?: RateLimitRule[] | null;
}

/** Filters of `ApiKeyService.list`. */
export interface ListApiKeysQuery {
  ownerId?: string;
  namespace?: string;
  status?: ApiKeyStatus;
  /** 1–100, default 20. */
  limit?: number;
  cursor?: string;
}

export interface ApiKeyPage {
  items: ApiKey[];
  nextCursor: string | null;
}

/** Filters of `ApiKeyService.revokeMany`: at least one. */
export interface RevokeManyFilter {
  ownerId?: string;
  namespace?: string;
  createdBefore?: Date | string | number;
}
