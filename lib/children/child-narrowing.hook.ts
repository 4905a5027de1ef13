import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ApiKeyChangeHook, RecordedChange } from '../interfaces/api-key-change.interface.js';
import { ApiKeyStore } from '../store/api-key.store.js';
import { checkChildWithin, childGrantsOf, type ChildGrantField } from './child-grants.js';

/** The narrowing rule each changed key field falls under (columns of `key.updated`'s `details.changed`). */
const FIELD_RULES: Record<string, ChildGrantField> = {
  permissions: 'permissions',
  roles: 'roles',
  allowedIps: 'allowedIps',
  expiresAt: 'expiresAt',
  remaining: 'credits',
  refillAmount: 'credits',
  refillInterval: 'credits',
  rateLimits: 'credits',
};

/**
 * Keeps every child within its parent after it was created (SPEC §6): a change of a child's
 * permissions, roles, allowed IPs, expiry or credits — through `update`, or the RBAC routes'
 * `key.permissions_set` and `key.roles_set` — is checked against its parent inside the
 * change's transaction, and an escalation rolls it back with 403 FORBIDDEN_GRANT. Only the
 * fields the change touched are checked, so renaming a child whose parent has since narrowed
 * still works (verification intersects with the parent on every call anyway).
 * @internal
 */
@Injectable()
export class ChildNarrowingHook implements ApiKeyChangeHook {
  constructor(private readonly store: ApiKeyStore) {}

  async inTransaction(manager: EntityManager, changes: readonly RecordedChange[]): Promise<void> {
    for (const change of changes) {
      const fields = checkedFields(change);
      if (!change.keyId || fields.length === 0) continue;
      const child = await this.store.findById(change.keyId, manager);
      if (!child?.parentKeyId) continue;
      const parent = await this.store.findById(child.parentKeyId, manager);
      if (parent) checkChildWithin(childGrantsOf(child), parent, fields);
    }
  }
}

function checkedFields(change: RecordedChange): ChildGrantField[] {
  if (change.action === 'key.permissions_set') return ['permissions'];
  if (change.action === 'key.roles_set') return ['roles'];
  if (change.action !== 'key.updated') return [];
  const changed = change.details?.changed;
  const names = Array.isArray(changed) ? (changed as unknown[]) : [];
  return [...new Set(names.map((name) => FIELD_RULES[String(name)]).filter((rule) => rule !== undefined))];
}
