import { ApiKeyValidationError } from '../api-keys.errors.js';
import { identifierProblem, type IdentifierKind } from './identifiers.js';
import { API_KEY_STATUSES, type ApiKeyStatus, type ListApiKeysQuery, type RevokeManyFilter } from '../interfaces/api-key.interface.js';
import { decodeCursor, type KeyCursor } from '../store/key-cursor.js';
import { isValidIpRule } from '../verification/ip-allow-list.js';
import { REFILL_INTERVALS, type RateLimitRule, type RefillInterval, type RefillRule } from '../interfaces/quota.interface.js';

/**
 * Checks of service inputs that hold whoever calls (host code or the admin API), so a bad
 * value is a 400-style ApiKeyValidationError and never reaches the database.
 * @internal
 */
export function toEpochMs(field: string, value: Date | string | number | null | undefined): number | null | undefined {
  if (value === undefined || value === null) return value;
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) throw ApiKeyValidationError.field(field, `${field} must be a valid date`);
  return ms;
}

/** An identifier of SPEC §11 (see identifiers.ts), or a 400-style error naming `field`. */
export function checkIdentifier(kind: IdentifierKind, field: string, value: unknown): string {
  const problem = identifierProblem(kind, value);
  if (problem) throw ApiKeyValidationError.field(field, `${field} ${problem}`);
  return value as string;
}

export function checkOwnerId(ownerId: unknown, field = 'ownerId'): string {
  return checkIdentifier('ownerId', field, ownerId);
}

/** Most names in one grant list. */
export const MAX_GRANTS = 100;

/** Permission names (`field` 'permissions') or role names (`field` 'roles'), de-duplicated. */
export function checkNames(field: 'permissions' | 'roles', names: unknown): string[] | undefined {
  if (names === undefined) return undefined;
  if (!Array.isArray(names) || names.length > MAX_GRANTS) {
    throw ApiKeyValidationError.field(field, `${field} must be an array of at most ${MAX_GRANTS} names`);
  }
  const kind = field === 'roles' ? 'role' : 'permission';
  for (const name of names) checkIdentifier(kind, field, name);
  return [...new Set(names as string[])];
}

export function checkIpRules(rules: unknown): string[] | undefined {
  if (rules === undefined) return undefined;
  if (!Array.isArray(rules) || rules.some((r) => typeof r !== 'string' || !isValidIpRule(r))) {
    throw ApiKeyValidationError.field('allowedIps', 'allowedIps must be IP addresses or CIDR blocks');
  }
  return rules as string[];
}

export function checkNonNegativeInteger(field: string, value: unknown): number | null | undefined {
  if (value === undefined || value === null) return value;
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw ApiKeyValidationError.field(field, `${field} must be an integer ≥ 0`);
  }
  return value as number;
}

export function checkMeta(meta: unknown): Record<string, unknown> | undefined {
  if (meta === undefined) return undefined;
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) {
    throw ApiKeyValidationError.field('meta', 'meta must be an object');
  }
  if (JSON.stringify(meta).length > 8192) throw ApiKeyValidationError.field('meta', 'meta must be at most 8 KB as JSON');
  return meta as Record<string, unknown>;
}

/** A namespace or environment label (undefined stays undefined). */
export function checkLabel(field: 'namespace' | 'environment', value: unknown): string | undefined {
  return value === undefined ? undefined : checkIdentifier(field, field, value);
}
export const MAX_RATE_LIMITS = 10;

/** Named limits: unique names, integer limit ≥ 1 and window ≥ 1 ms, mode enforce or report. */
export function checkRateLimits(field: string, value: unknown): RateLimitRule[] | undefined {
  if (value === undefined) return undefined;
  const fail = (message: string) => ApiKeyValidationError.field(field, message);
  if (!Array.isArray(value) || value.length > MAX_RATE_LIMITS) throw fail(`${field} must be an array of at most ${MAX_RATE_LIMITS} limits`);
  const names = new Set<string>();
  return value.map((rule: Record<string, unknown>) => {
    if (!rule || typeof rule !== 'object') throw fail(`${field} must hold { name, limit, windowMs } objects`);
    const { limit, windowMs, mode } = rule;
    const problem = identifierProblem('rateLimitName', rule.name);
    if (problem) throw fail(`${field}: name ${problem}`);
    const name = rule.name as string;
    if (names.has(name)) throw fail(`${field}: the name '${name}' is used twice`);
    names.add(name);
    if (!Number.isSafeInteger(limit) || (limit as number) < 1) throw fail(`${field}: limit must be an integer ≥ 1`);
    if (!Number.isSafeInteger(windowMs) || (windowMs as number) < 1) throw fail(`${field}: windowMs must be an integer ≥ 1`);
    if (mode !== undefined && mode !== 'enforce' && mode !== 'report') throw fail(`${field}: mode must be 'enforce' or 'report'`);
    return { name, limit: limit as number, windowMs: windowMs as number, ...(mode ? { mode: mode as 'enforce' | 'report' } : {}) };
  });
}

/** A refill: integer amount ≥ 1 and a calendar interval. */
export function checkRefill(value: unknown): RefillRule | null | undefined {
  if (value === undefined || value === null) return value;
  const { amount, interval } = (value ?? {}) as Record<string, unknown>;
  if (typeof value !== 'object' || !Number.isSafeInteger(amount) || (amount as number) < 1) {
    throw ApiKeyValidationError.field('refill', 'refill.amount must be an integer ≥ 1');
  }
  if (!REFILL_INTERVALS.includes(interval as RefillInterval)) {
    throw ApiKeyValidationError.field('refill', `refill.interval must be one of ${REFILL_INTERVALS.join(', ')}`);
  }
  return { amount: amount as number, interval: interval as RefillInterval };
}

/** A key's display name (not an identifier: it is never compared), or null. */
export function checkName(name: unknown): string | null {
  if (name === null) return null;
  if (typeof name !== 'string' || name.length > 200)
    throw ApiKeyValidationError.field('name', 'name must be a string of at most 200 characters');
  return name;
}

/** A duration in ms that must be positive when set. */
export function checkPositiveMs(field: string, value: unknown): number | null {
  const ms = checkNonNegativeInteger(field, value);
  if (ms === 0) throw ApiKeyValidationError.field(field, `${field} must be positive`);
  return ms ?? null;
}

/** The default page size of a list. */
export const DEFAULT_LIST_LIMIT = 20;

/** A list query, checked: `limit` 1–100 (default 20), a known status, identifiers, a cursor this API returned. */
export function checkListQuery(query: ListApiKeysQuery): {
  limit: number;
  ownerId?: string;
  namespace?: string;
  status?: ApiKeyStatus;
  cursor?: KeyCursor;
} {
  const limit = query.limit ?? DEFAULT_LIST_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw ApiKeyValidationError.field('limit', 'limit must be an integer from 1 to 100');
  }
  if (query.status !== undefined && !API_KEY_STATUSES.includes(query.status)) {
    throw ApiKeyValidationError.field('status', `status must be one of ${API_KEY_STATUSES.join(', ')}`);
  }
  return {
    limit,
    ownerId: query.ownerId === undefined ? undefined : checkOwnerId(query.ownerId),
    namespace: checkLabel('namespace', query.namespace),
    status: query.status,
    cursor: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
  };
}

/** A bulk-revoke filter, checked: a null filter is no filter, and at least one must be given (SPEC §9). */
export function checkRevokeFilter(filter: RevokeManyFilter): { ownerId?: string; namespace?: string; createdBefore?: number } {
  const ownerId = filter.ownerId == null ? undefined : checkOwnerId(filter.ownerId);
  const namespace = filter.namespace == null ? undefined : checkLabel('namespace', filter.namespace);
  const createdBefore = toEpochMs('createdBefore', filter.createdBefore) ?? undefined;
  if (ownerId === undefined && namespace === undefined && createdBefore === undefined) {
    throw ApiKeyValidationError.field('filter', 'give at least one of ownerId, namespace, createdBefore');
  }
  return { ownerId, namespace, createdBefore };
}

/** A checked bulk-revoke filter as an audit row shows it (times as ISO strings). */
export function filterDetails(filter: { ownerId?: string; namespace?: string; createdBefore?: number }): Record<string, unknown> {
  const { createdBefore, ...rest } = filter;
  return { ...rest, ...(createdBefore !== undefined ? { createdBefore: new Date(createdBefore).toISOString() } : {}) };
}
