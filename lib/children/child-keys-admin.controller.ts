import { Body, Inject, Param, Post } from '@nestjs/common';
import { AdminChangeContext, CurrentAdminActor } from '../admin/admin-actor.decorator.js';
import { AdminController } from '../admin/admin-controller.decorator.js';
import { CreateApiKeyDto } from '../admin/dto/create-api-key.dto.js';
import { AdminGrantCheck } from '../admin/grant-check.js';
import { OwnerScope } from '../admin/owner-scope.js';
import { ParseKeyIdPipe } from '../admin/parse-key-id.pipe.js';
import { API_KEYS_RESOLVED_OPTIONS } from '../api-keys.internal-constants.js';
import type { ResolvedApiKeysOptions } from '../api-keys.options.js';
import type { ApiKey, UpdateContext } from '../interfaces/api-key.interface.js';
import type { AdminActor } from '../interfaces/api-keys-options.interface.js';
import { ApiKeyService } from '../keys/api-key.service.js';
import { AdminOperation } from '../openapi/admin-operation.decorator.js';
import { CreatedApiKeyModel } from '../openapi/response.models.js';

/**
 * `POST /keys/:id/children` (SPEC §9): a child of a key, from the create body. Owner-scoped
 * actors reach only their own keys (another owner's answers 404), send no server-set field,
 * grant only what `grantablePermissions`/`grantableRoles` allow, and get an expiry within
 * `maxKeyTtlMs` — on top of the child rules, which hold for everyone (403 FORBIDDEN_GRANT).
 * @internal
 */
@AdminController('keys')
export class ChildKeysAdminController {
  constructor(
    private readonly apiKeys: ApiKeyService,
    private readonly grants: AdminGrantCheck,
    @Inject(API_KEYS_RESOLVED_OPTIONS) private readonly options: ResolvedApiKeysOptions,
  ) {}

  @Post(':id/children')
  @AdminOperation({
    summary: 'Create a child key that can only narrow its parent',
    response: CreatedApiKeyModel,
    errors: { 403: ['FORBIDDEN_GRANT'], 409: ['MAX_KEYS_REACHED'] },
  })
  async create(
    @Param('id', ParseKeyIdPipe) id: string,
    @Body() body: CreateApiKeyDto,
    @CurrentAdminActor() actor: AdminActor,
    @AdminChangeContext() ctx: UpdateContext,
  ) {
    const scope = new OwnerScope(actor, this.options);
    const parent = scope.assertOwns(await this.apiKeys.get(id));
    scope.rejectServerSetFields(body);
    const ownerId = scope.ownerFor(body.ownerId);
    await this.grants.check(scope, body.permissions, body.roles);
    const expiresAt = this.expiryFor(scope, body.expiresAt, parent);
    return this.apiKeys.createChildKey(id, { ...body, ownerId, expiresAt }, ctx);
  }

  /**
   * The expiry asked for, capped for owner-scoped actors by `maxKeyTtlMs`. Omitted, it is the
   * parent's (the service's default) unless that is later than the cap allows.
   */
  private expiryFor(scope: OwnerScope, requested: string | null | undefined, parent: ApiKey): string | null | undefined {
    const now = this.options.clock.now();
    const capped = scope.capExpiry(requested, now, true);
    if (requested !== undefined || capped === undefined) return capped;
    const parentExpiry = parent.expiresAt?.getTime() ?? null;
    return parentExpiry !== null && parentExpiry <= Date.parse(capped!) ? undefined : capped;
  }
}
