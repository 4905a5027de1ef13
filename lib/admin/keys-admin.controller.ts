import { Body, Get, HttpCode, Inject, Param, Patch, Post, Query, Req } from '@nestjs/common';
import { REQUEST_API_KEY_PROPERTY } from '../api-keys.constants.js';
import { ApiKeyValidationError } from '../api-keys.errors.js';
import { API_KEYS_RESOLVED_OPTIONS } from '../api-keys.internal-constants.js';
import type { ResolvedApiKeysOptions } from '../api-keys.options.js';
import type { ApiKey, ApiKeyPage, UpdateContext } from '../interfaces/api-key.interface.js';
import type { AdminActor } from '../interfaces/api-keys-options.interface.js';
import { ApiKeyService } from '../keys/api-key.service.js';
import { AdminOperation } from '../openapi/admin-operation.decorator.js';
import { ApiKeyModel, ApiKeyPageModel, CreatedApiKeyModel, RevokeManyResultModel } from '../openapi/response.models.js';
import { AdminChangeContext, CurrentAdminActor } from './admin-actor.decorator.js';
import { AdminController } from './admin-controller.decorator.js';
import { CreateApiKeyDto } from './dto/create-api-key.dto.js';
import { ListApiKeysQueryDto } from './dto/list-api-keys.query.dto.js';
import { RevokeManyDto } from './dto/revoke-many.dto.js';
import { RotateApiKeyDto } from './dto/rotate-api-key.dto.js';
import { UpdateApiKeyDto } from './dto/update-api-key.dto.js';
import { AdminGrantCheck } from './grant-check.js';
import { OwnerScope } from './owner-scope.js';
import { ParseKeyIdPipe } from './parse-key-id.pipe.js';

/**
 * `/keys` routes of the admin API (SPEC §9). Owner-scoped actors see and change only their
 * own keys; every rule for them lives in OwnerScope.
 * @internal
 */
@AdminController('keys')
export class KeysAdminController {
  constructor(
    private readonly apiKeys: ApiKeyService,
    private readonly grants: AdminGrantCheck,
    @Inject(API_KEYS_RESOLVED_OPTIONS) private readonly options: ResolvedApiKeysOptions,
  ) {}

  @Post()
  @AdminOperation({
    summary: 'Create an API key',
    response: CreatedApiKeyModel,
    errors: { 403: ['FORBIDDEN_GRANT'], 409: ['MAX_KEYS_REACHED'] },
  })
  async create(@Body() body: CreateApiKeyDto, @CurrentAdminActor() actor: AdminActor, @AdminChangeContext() ctx: UpdateContext) {
    const scope = this.scope(actor);
    scope.rejectServerSetFields(body);
    const ownerId = scope.ownerFor(body.ownerId);
    if (!ownerId) throw ApiKeyValidationError.field('ownerId', 'ownerId is required');
    await this.grants.check(scope, body.permissions, body.roles);
    const expiresAt = scope.capExpiry(body.expiresAt, this.options.clock.now(), true);
    return this.apiKeys.create({ ...body, ...scope.defaults(), ownerId, expiresAt }, ctx);
  }

  @Get()
  @AdminOperation({ summary: 'List API keys, newest first', response: ApiKeyPageModel })
  list(@Query() query: ListApiKeysQueryDto, @CurrentAdminActor() actor: AdminActor): Promise<ApiKeyPage> {
    const scope = this.scope(actor);
    return this.apiKeys.list({ ...query, ownerId: scope.ownerFor(query.ownerId) });
  }

  @Post('revoke')
  @HttpCode(200)
  @AdminOperation({ summary: 'Revoke the keys matching a filter', response: RevokeManyResultModel })
  async revokeMany(
    @Body() body: RevokeManyDto,
    @CurrentAdminActor() actor: AdminActor,
    @AdminChangeContext() ctx: UpdateContext,
    @Req() request: any,
  ) {
    const scope = this.scope(actor);
    // Checked before the scope fills in the actor's own owner: `{ ownerId: null }` is no filter.
    if (body.ownerId == null && body.namespace == null && body.createdBefore == null) {
      throw ApiKeyValidationError.field('filter', 'give at least one of ownerId, namespace, createdBefore');
    }
    const filter = { ...body, ownerId: scope.ownerFor(body.ownerId ?? undefined) };
    const revoked = await this.apiKeys.revokeMany(filter, ctx, {
      exceptLineageId: request[REQUEST_API_KEY_PROPERTY]?.lineageId,
    });
    return { revoked };
  }

  @Get(':id')
  @AdminOperation({ summary: 'Get an API key', response: ApiKeyModel })
  async get(@Param('id', ParseKeyIdPipe) id: string, @CurrentAdminActor() actor: AdminActor): Promise<ApiKey> {
    return this.scope(actor).assertOwns(await this.apiKeys.get(id));
  }

  @Patch(':id')
  @AdminOperation({
    summary: 'Update an API key (omitted keeps, null clears)',
    response: ApiKeyModel,
    errors: { 403: ['FORBIDDEN_GRANT', 'KEY_DISABLED_BY_ADMIN'], 409: ['KEY_ROTATED'] },
  })
  async update(
    @Param('id', ParseKeyIdPipe) id: string,
    @Body() body: UpdateApiKeyDto,
    @CurrentAdminActor() actor: AdminActor,
    @AdminChangeContext() ctx: UpdateContext,
  ): Promise<ApiKey> {
    const scope = this.scope(actor);
    scope.assertOwns(await this.apiKeys.get(id));
    scope.rejectServerSetFields(body);
    await this.grants.check(scope, body.permissions, body.roles);
    const expiresAt = scope.capExpiry(body.expiresAt, this.options.clock.now(), false);
    return this.apiKeys.update(id, { ...body, expiresAt }, ctx);
  }

  @Post(':id/rotate')
  @AdminOperation({ summary: 'Rotate an API key', response: CreatedApiKeyModel, errors: { 409: ['KEY_NOT_ROTATABLE'] } })
  async rotate(
    @Param('id', ParseKeyIdPipe) id: string,
    @Body() body: RotateApiKeyDto,
    @CurrentAdminActor() actor: AdminActor,
    @AdminChangeContext() ctx: UpdateContext,
  ) {
    const scope = this.scope(actor);
    scope.assertOwns(await this.apiKeys.get(id));
    scope.checkGracePeriod(body.gracePeriodMs);
    return this.apiKeys.rotate(id, body, ctx);
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @AdminOperation({ summary: 'Revoke an API key (idempotent)', response: ApiKeyModel })
  async revoke(@Param('id', ParseKeyIdPipe) id: string, @CurrentAdminActor() actor: AdminActor, @AdminChangeContext() ctx: UpdateContext) {
    this.scope(actor).assertOwns(await this.apiKeys.get(id));
    return this.apiKeys.revoke(id, ctx);
  }

  private scope(actor: AdminActor): OwnerScope {
    return new OwnerScope(actor, this.options);
  }
}
