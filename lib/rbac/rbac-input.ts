import { ADMIN_PERMISSION, RESERVED_PERMISSION_NAMESPACE } from '../api-keys.constants.js';
import { ApiKeyValidationError } from '../api-keys.errors.js';
import type { RbacListQuery } from '../interfaces/rbac.interface.js';
import { checkIdentifier, checkNames } from '../keys/api-key-input.js';
import { identifierProblem } from '../keys/identifiers.js';

/**
 * Checks of ApiKeyRbacService inputs, whoever calls (host code or the admin API): a bad value is
 * a 400-style ApiKeyValidationError before any statement runs.
 * @internal
 */

/** The only grants of the reserved `api_keys:` namespace that mean something (SPEC §9). */
export const RESERVED_GRANTS: readonly string[] = [ADMIN_PERMISSION, `${RESERVED_PERMISSION_NAMESPACE}*`];

/**
 * Why a permission name may not be defined or granted through RBAC, or null. The `api_keys:`
 * namespace belongs to the library: only a literal `api_keys:admin` or `api_keys:*` grant opens
 * the admin API, so a name like `api_keys:read` would look like an authority and grant nothing.
 */
export function reservedPermissionProblem(name: string): string | null {
  if (!name.startsWith(RESERVED_PERMISSION_NAMESPACE) || RESERVED_GRANTS.includes(name)) return null;
  return `must not be in the reserved ${RESERVED_PERMISSION_NAMESPACE} namespace, where only ${RESERVED_GRANTS.join(' and ')} exist`;
}

/** A permission name RBAC may define or grant: an identifier of SPEC §11 outside the reserved names. */
export function checkPermissionName(field: string, value: unknown): string {
  const name = checkIdentifier('permission', field, value);
  const reserved = reservedPermissionProblem(name);
  if (reserved) throw ApiKeyValidationError.field(field, `${field} ${reserved}`);
  return name;
}

/** A required list of permission names (at most 100, de-duplicated, sorted). */
export function checkPermissionList(field: string, value: unknown): string[] {
  if (value === undefined || value === null) throw ApiKeyValidationError.field(field, `${field} is required`);
  const names = checkNames('permissions', value)!;
  for (const name of names) {
    const reserved = reservedPermissionProblem(name);
    if (reserved) throw ApiKeyValidationError.field(field, `${field} entries ${reserved}`);
  }
  return names.sort();
}

/** A required list of role names (at most 100, de-duplicated, sorted). */
export function checkRoleList(field: string, value: unknown): string[] {
  if (value === undefined || value === null) throw ApiKeyValidationError.field(field, `${field} is required`);
  return checkNames('roles', value)!.sort();
}

/** Most characters (code points, as the databases count them) of a permission's description. */
export const MAX_DESCRIPTION_LENGTH = 500;

// Controls, format characters (zero-width, bidi overrides), lone surrogates and line separators:
// a description is one line of display text. Single-character class: linear on any input.
const INVISIBLE_OR_CONTROL = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;

/** Why `value` is not a description, or null. Counts code points: the column is 500 characters on every database. */
export function descriptionProblem(value: unknown): string | null {
  if (typeof value !== 'string') return 'must be a string';
  if (value.length > 2 * MAX_DESCRIPTION_LENGTH || [...value].length > MAX_DESCRIPTION_LENGTH) {
    return `must be at most ${MAX_DESCRIPTION_LENGTH} characters`;
  }
  if (INVISIBLE_OR_CONTROL.test(value)) return 'must not contain control or invisible characters';
  return null;
}

/** A description, or null for none (`undefined`, `null` and `''` all mean none). */
export function checkDescription(value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  const problem = descriptionProblem(value);
  if (problem) throw ApiKeyValidationError.field('description', `description ${problem}`);
  return value as string;
}

/** The default and largest page of a catalog listing. */
export const MAX_RBAC_PAGE = 100;

/** A listing query, checked: `limit` 1–100 (default 100) and a cursor this API returned. */
export function checkRbacListQuery(kind: 'permission' | 'role', query: RbacListQuery | undefined): { limit: number; after?: string } {
  const limit = query?.limit ?? MAX_RBAC_PAGE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RBAC_PAGE) {
    throw ApiKeyValidationError.field('limit', `limit must be an integer from 1 to ${MAX_RBAC_PAGE}`);
  }
  return { limit, ...(query?.cursor === undefined ? {} : { after: decodeNameCursor(kind, query.cursor) }) };
}

/** The opaque `nextCursor` of a catalog page: base64url of `[lastName]`. */
export function encodeNameCursor(name: string): string {
  return Buffer.from(JSON.stringify([name])).toString('base64url');
}

function decodeNameCursor(kind: 'permission' | 'role', cursor: unknown): string {
  if (typeof cursor === 'string' && cursor.length <= 1024) {
    try {
      const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      if (Array.isArray(decoded) && decoded.length === 1 && identifierProblem(kind, decoded[0]) === null) return decoded[0];
    } catch {
      // fall through to the validation error
    }
  }
  throw ApiKeyValidationError.field('cursor', 'cursor is not a cursor this API returned');
}

/** Whether two name lists hold the same names. */
export function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
}
