import type { ApiKeyChangeAction } from '../interfaces/api-key-change.interface.js';

/** Every action of the audit trail, as the route validates `action` against. */
export const API_KEY_AUDIT_ACTIONS = [
  'key.created',
  'key.imported',
  'key.updated',
  'key.rotated',
  'key.revoked',
  'keys.revoked',
  'keys.purged',
  'key.child_created',
  'key.roles_set',
  'key.permissions_set',
  'role.created',
  'role.deleted',
  'permission.created',
  'permission.deleted',
  'owner.rate_limits_set',
  'secret.put',
  'secret.deleted',
] as const satisfies readonly ApiKeyChangeAction[];

// Fails to compile when ApiKeyChangeAction gains an action this list lacks.
type Missing = Exclude<ApiKeyChangeAction, (typeof API_KEY_AUDIT_ACTIONS)[number]>;
const exhaustive: [Missing] extends [never] ? true : Missing = true;
void exhaustive;
