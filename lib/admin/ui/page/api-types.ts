// The admin API's JSON as the page receives it (dates are ISO strings on the wire).

export type KeyStatus = 'active' | 'revoked' | 'disabled' | 'expired' | 'rotated' | 'idle';

export const KEY_STATUSES: readonly KeyStatus[] = ['active', 'revoked', 'disabled', 'expired', 'rotated', 'idle'];

export interface WireApiKey {
  id: string;
  lineageId: string;
  ownerId: string;
  name: string | null;
  namespace: string;
  environment: string | null;
  start: string;
  last4: string;
  meta: Record<string, unknown>;
  permissions: string[];
  roles: string[];
  allowedIps: string[];
  enabled: boolean;
  disabledBy: 'owner' | 'admin' | null;
  status: KeyStatus;
  remaining: number | null;
  refill: { amount: number; interval: string; lastRefillAt: string | null } | null;
  rateLimits: Array<{ name: string; limit: number; windowMs: number; mode?: string }>;
  createdAt: string;
  updatedAt: string;
  expiresAt: string | null;
  maxIdleMs: number | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  rotatedFromId: string | null;
  rotatedToId: string | null;
  rotationGraceEndsAt: string | null;
  parentKeyId: string | null;
}

export interface KeyPage {
  items: WireApiKey[];
  nextCursor: string | null;
}

/** Create and rotate answer the raw key once, with the stored key. */
export interface IssuedKey {
  key: string;
  apiKey: WireApiKey;
}

/** `GET ui/context` (the server's AdminPageContext). */
export interface PageContext {
  auth: 'admin-key' | 'host-session';
  actorId: string;
  ownerId: string | null;
  grantablePermissions: string[] | null;
  maxKeyTtlMs: number | null;
  maxGracePeriodMs: number | null;
}

export interface CreateKeyBody {
  name?: string;
  ownerId?: string;
  permissions?: string[];
  expiresAt?: string;
  remaining?: number;
}

/** One bucket of `GET keys/:id/usage` (every bucket of the period is present, empty ones with zeros). */
export interface UsageBucket {
  /** The bucket's start (UTC). */
  at: string;
  total: number;
  valid: number;
  /** Verifications per outcome code; codes that did not occur are absent. */
  byCode: Record<string, number>;
  /** Credits spent in the bucket. */
  spent: number;
}

export type UsageGranularity = 'hour' | 'day';

export interface UsageSeries {
  granularity: UsageGranularity;
  /** Oldest first. */
  buckets: UsageBucket[];
}

/** One entry of `GET keys/:id/verifications`, newest first. */
export interface VerificationLogEntry {
  at: string;
  code: string;
  cost: number;
  ip?: string;
  tags?: string[];
}

export interface VerificationLogPage {
  items: VerificationLogEntry[];
  nextCursor: string | null;
}

/**
 * One entry of `GET audit-events` (SPEC §8): `at` is the time of the change; `createdAt` is
 * read too, should a server name it so.
 */
export interface AuditEvent {
  id: string;
  action: string;
  actorId: string;
  keyId?: string | null;
  ownerId?: string | null;
  /** ISO time of the change. */
  at: string;
  ip?: string | null;
  details?: Record<string, unknown> | null;
}

export interface AuditEventPage {
  items: AuditEvent[];
  nextCursor: string | null;
}
