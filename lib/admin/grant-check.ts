import { Injectable } from '@nestjs/common';
import { ApiKeyStore } from '../store/api-key.store.js';
import type { OwnerScope } from './owner-scope.js';

/**
 * What an owner-scoped actor may grant on a new key or a child (OwnerScope.checkGrants), with
 * the named roles' stored permissions: a role carries what it holds now, not what its name says.
 * @internal
 */
@Injectable()
export class AdminGrantCheck {
  constructor(private readonly store: ApiKeyStore) {}

  async check(scope: OwnerScope, permissions?: string[], roles?: string[]): Promise<void> {
    if (!scope.isScoped) return;
    scope.checkGrants(permissions, roles, roles?.length ? await this.store.findRolePermissions(roles) : undefined);
  }
}
