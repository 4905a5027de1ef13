import { ApiKeyValidationError } from '../api-keys.errors.js';
import { PERMISSION_NAME_PATTERN } from '../rbac/permission-matcher.js';
import { isValidIpRule } from '../verification/ip-allow-list.js';

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

export function checkOwnerId(ownerId: unknown): string {
  if (typeof ownerId !== 'string' || ownerId.length === 0 || ownerId.length > 191) {
    throw ApiKeyValidationError.field('ownerId', 'ownerId must be a non-empty string of at most 191 characters');
  }
  return ownerId;
}

export function checkNames(field: string, names: unknown, pattern = PERMISSION_NAME_PATTERN): string[] | undefined {
  if (names === undefined) return undefined;
  if (!Array.isArray(names) || names.some((n) => typeof n !== 'string' || n.length > 200 || !pattern.test(n))) {
    throw ApiKeyValidationError.field(field, `${field} must be an array of names like 'billing:read'`);
  }
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
