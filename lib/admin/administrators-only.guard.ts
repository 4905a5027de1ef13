import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { API_KEYS_RESOLVED_OPTIONS, REQUEST_ADMIN_ACTOR_PROPERTY } from '../api-keys.internal-constants.js';
import type { ResolvedApiKeysOptions } from '../api-keys.options.js';
import { ForbiddenError } from '../api-keys.errors.js';
import type { AdminActor } from '../interfaces/api-keys-options.interface.js';
import { OwnerScope } from './owner-scope.js';

/**
 * Keeps owner-scoped (self-service) actors out of admin routes that act across owners, such as
 * the RBAC routes: 403 FORBIDDEN before any pipe or handler runs, so the answer is the same for
 * every id, name and body. Runs after AdminAccessGuard (which names the actor); without an actor
 * it refuses too.
 * @internal
 */
@Injectable()
export class AdministratorsOnlyGuard implements CanActivate {
  constructor(@Inject(API_KEYS_RESOLVED_OPTIONS) private readonly options: ResolvedApiKeysOptions) {}

  canActivate(context: ExecutionContext): boolean {
    const actor: AdminActor | undefined = context.switchToHttp().getRequest()?.[REQUEST_ADMIN_ACTOR_PROPERTY];
    if (!actor) throw new ForbiddenError();
    new OwnerScope(actor, this.options).assertAdministrator();
    return true;
  }
}
