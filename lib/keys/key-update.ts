import { ApiKeyValidationError, KeyDisabledByAdminError, KeyRotatedError } from '../api-keys.errors.js';
import type { ApiKeyEntity } from '../entities/api-key.entity.js';
import type { UpdateApiKeyInput } from '../interfaces/api-key.interface.js';
import { directPermissionsOf, roleNamesOf } from './api-key.view.js';
import { changedColumns, LINEAGE_FIELDS } from './key-columns.js';

/** What an update writes: the changed columns, the grants it replaces, and the names of both. @internal */
export interface UpdatePlan {
  columns: Partial<ApiKeyEntity>;
  grants: { permissions?: string[]; roles?: string[] };
  /** Every changed field; empty for a patch that changes nothing. */
  fields: string[];
}

/**
 * Decides an update against the stored row (SPEC §11): a rotated key refuses fields only its
 * successor carries; only an administrator re-enables what an administrator disabled; a refill
 * needs credits; and only what differs from the row is written.
 * @internal
 */
export function planUpdate(
  before: ApiKeyEntity,
  patch: UpdateApiKeyInput,
  set: Partial<ApiKeyEntity>,
  names: { permissions?: string[]; roles?: string[] },
  ownerScoped: boolean,
): UpdatePlan {
  // A rotated key is verified through its successor's row: its limits, grants and credits no
  // longer apply, so changing them would answer 200 and change nothing.
  const sent = LINEAGE_FIELDS.filter((field) => patch[field] !== undefined);
  if (before.rotationGraceEndsAt !== null && sent.length > 0) throw new KeyRotatedError(sent, before.rotatedToId);
  if (patch.enabled !== undefined && patch.enabled !== before.enabled) {
    if (patch.enabled && ownerScoped && before.disabledBy === 'admin') throw new KeyDisabledByAdminError();
    set.enabled = patch.enabled;
    set.disabledBy = patch.enabled ? null : ownerScoped ? 'owner' : 'admin';
  }
  if (set.refillInterval && (set.remaining === undefined ? before.remaining : set.remaining) === null) {
    throw ApiKeyValidationError.field('refill', 'a refill needs remaining credits: set remaining too');
  }
  const columns = changedColumns(before, set);
  const grants = {
    ...(names.permissions !== undefined && !sameNames(names.permissions, directPermissionsOf(before))
      ? { permissions: names.permissions }
      : {}),
    ...(names.roles !== undefined && !sameNames(names.roles, roleNamesOf(before)) ? { roles: names.roles } : {}),
  };
  return { columns, grants, fields: [...Object.keys(columns), ...Object.keys(grants)] };
}

function sameNames(a: string[], b: string[]): boolean {
  return a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
}
