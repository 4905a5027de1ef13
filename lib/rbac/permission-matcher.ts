import { RESERVED_PERMISSION_NAMESPACE } from '../api-keys.constants.js';

/**
 * Whether one grant covers one required permission (SPEC §11). Wildcards expand only in
 * grants and only at segment boundaries: `billing:*` covers `billing:read` and
 * `billing:invoices:read`, not `billingx:read`. `*` covers everything outside the reserved
 * `api_keys:` namespace, which only a literal grant or `api_keys:*` opens.
 */
export function grantCovers(grant: string, required: string): boolean {
  if (grant === required) return true;
  if (grant === '*') return !required.startsWith(RESERVED_PERMISSION_NAMESPACE);
  if (!grant.endsWith(':*')) return false;
  const base = grant.slice(0, -1); // keeps the trailing ':'
  return required.length > base.length && required.startsWith(base);
}

/** Whether a set of grants covers one required permission. */
export function grantsCover(grants: readonly string[], required: string): boolean {
  return grants.some((grant) => grantCovers(grant, required));
}

/** Whether grants satisfy a requirement: a list needs all, `{ anyOf }` needs one. */
export function satisfiesRequirement(
  grants: readonly string[],
  requirement: readonly string[] | { anyOf: readonly string[] } | undefined,
): boolean {
  if (!requirement) return true;
  if (Array.isArray(requirement)) return requirement.every((p) => grantsCover(grants, p));
  // An empty anyOf is satisfied by nothing: a misconfigured route fails closed.
  return (requirement as { anyOf: readonly string[] }).anyOf.some((p) => grantsCover(grants, p));
}

/** Permission names: segments of `[A-Za-z0-9_.-]` separated by `:`, `*` only as a whole last segment. */
export const PERMISSION_NAME_PATTERN = /^(\*|[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)*(:\*)?)$/;

/**
 * The grants two sets both hold, wildcard-aware (SPEC §11): a wildcard grant is the set of
 * names it covers, and two such sets are either nested or disjoint, so each pair contributes
 * the narrower grant or nothing. `billing:*` ∩ `billing:read` is `billing:read`; `*` ∩
 * `api_keys:admin` is nothing (`*` never covers the reserved namespace).
 */
export function intersectGrants(a: readonly string[], b: readonly string[]): string[] {
  const both = new Set<string>();
  for (const x of a) {
    for (const y of b) {
      if (grantCovers(y, x)) both.add(x);
      else if (grantCovers(x, y)) both.add(y);
    }
  }
  return [...both].sort();
}
