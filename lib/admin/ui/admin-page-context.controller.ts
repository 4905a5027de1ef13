import { Controller, Get, Header, Inject, UseFilters, UseGuards, VERSION_NEUTRAL } from '@nestjs/common';
import { RESERVED_PERMISSION_NAMESPACE } from '../../api-keys.constants.js';
import { API_KEYS_RESOLVED_OPTIONS } from '../../api-keys.internal-constants.js';
import type { ResolvedApiKeysOptions } from '../../api-keys.options.js';
import { SkipApiKey } from '../../decorators/skip-api-key.decorator.js';
import type { AdminActor, ApiKeysAdminOptions } from '../../interfaces/api-keys-options.interface.js';
import { AdminAccessGuard } from '../admin-access.guard.js';
import { CurrentAdminActor } from '../admin-actor.decorator.js';
import { API_KEYS_ADMIN_OPTIONS } from '../api-keys-admin.options.js';
import { ApiKeysErrorFilter } from '../api-keys-error.filter.js';
import { OwnerScope } from '../owner-scope.js';
import { pageAuth } from './admin-page-assets.js';
import type { AdminPageContext } from './admin-page.interface.js';

/**
 * `GET {path}/ui/context`: who the page's caller is and what it may do, behind the same
 * protection as the rest of the admin API (so it also tells the page that its admin key or
 * session works).
 * @internal
 */
@Controller({ path: 'ui', version: VERSION_NEUTRAL })
@SkipApiKey()
@UseGuards(AdminAccessGuard)
@UseFilters(ApiKeysErrorFilter)
export class AdminPageContextController {
  constructor(
    @Inject(API_KEYS_RESOLVED_OPTIONS) private readonly options: ResolvedApiKeysOptions,
    @Inject(API_KEYS_ADMIN_OPTIONS) private readonly admin: ApiKeysAdminOptions,
  ) {}

  @Get('context')
  @Header('Cache-Control', 'no-store')
  context(@CurrentAdminActor() actor: AdminActor): AdminPageContext {
    const scope = new OwnerScope(actor, this.options);
    const grantable = scope.grantablePermissions();
    return {
      auth: pageAuth(this.admin),
      actorId: actor.actorId,
      ownerId: scope.isScoped ? (actor.ownerId ?? null) : null,
      // The reserved namespace is never grantable by an owner, so the page never offers it.
      grantablePermissions: grantable && grantable.filter((p) => !p.startsWith(RESERVED_PERMISSION_NAMESPACE)),
      maxKeyTtlMs: scope.isScoped ? (this.options.adminPolicy.maxKeyTtlMs ?? null) : null,
      maxGracePeriodMs: scope.isScoped ? this.options.adminPolicy.maxGracePeriodMs : null,
    };
  }
}
