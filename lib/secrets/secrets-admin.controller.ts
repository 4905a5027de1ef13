import { Body, Delete, Get, HttpCode, Inject, Param, Put } from '@nestjs/common';
import { ApiKeyNotFoundError, SecretsNotConfiguredError } from '../api-keys.errors.js';
import { API_KEYS_RESOLVED_OPTIONS } from '../api-keys.internal-constants.js';
import type { ResolvedApiKeysOptions } from '../api-keys.options.js';
import { AdminChangeContext, CurrentAdminActor } from '../admin/admin-actor.decorator.js';
import { AdminController } from '../admin/admin-controller.decorator.js';
import { PutSecretDto } from '../admin/dto/put-secret.dto.js';
import { OwnerScope } from '../admin/owner-scope.js';
import { ParseIdentifierPipe } from '../admin/parse-identifier.pipe.js';
import type { UpdateContext } from '../interfaces/api-key.interface.js';
import type { AdminActor } from '../interfaces/api-keys-options.interface.js';
import type { SecretMetadata } from '../interfaces/secrets.interface.js';
import { AdminOperation } from '../openapi/admin-operation.decorator.js';
import type { ErrorCodes } from '../openapi/error-responses.js';
import { ApiKeySecretsService } from './api-key-secrets.service.js';
import { SecretListModel, SecretMetadataModel, SecretModel } from './secrets.models.js';

const OWNER = new ParseIdentifierPipe('ownerId');
const NAME = new ParseIdentifierPipe('secretName', { field: 'name' });

/** What every secrets route can answer besides the guard's denials. */
const ERRORS = { 400: ['VALIDATION_FAILED'], 501: ['SECRETS_NOT_CONFIGURED'] } satisfies ErrorCodes;
const READ_ERRORS = { ...ERRORS, 500: ['SECRET_UNREADABLE'] } satisfies ErrorCodes;

const ADMIN_ONLY = 'The /owners/:ownerId/secrets routes are for administrators; manage your own secrets at /secrets.';
const OWNERS_ONLY = 'An administrator has no secrets of its own: use /owners/:ownerId/secrets.';

/**
 * The secrets vault over HTTP (SPEC §9): `/owners/:ownerId/secrets…` for administrators (an
 * owner-scoped actor gets 403 there, whatever the owner), `/secrets…` for the acting owner's own
 * (an administrator, who has no owner, gets 400 there). Writes and listings answer metadata;
 * a GET answers the decrypted value too only with `adminPolicy.revealSecrets: true`. Without
 * the `secrets` keyring every route answers 501 SECRETS_NOT_CONFIGURED.
 * @internal
 */
@AdminController()
export class SecretsAdminController {
  constructor(
    private readonly secrets: ApiKeySecretsService,
    @Inject(API_KEYS_RESOLVED_OPTIONS) private readonly options: ResolvedApiKeysOptions,
  ) {}

  @Get('owners/:ownerId/secrets')
  @AdminOperation({ summary: "List an owner's secrets (metadata only)", response: SecretListModel, errors: ERRORS })
  listOf(@Param('ownerId', OWNER) ownerId: string, @CurrentAdminActor() actor: AdminActor) {
    this.admin(actor);
    return this.list(ownerId);
  }

  @Put('owners/:ownerId/secrets/:name')
  @AdminOperation({ summary: "Store or replace an owner's secret", response: SecretMetadataModel, errors: ERRORS })
  putOf(
    @Param('ownerId', OWNER) ownerId: string,
    @Param('name', NAME) name: string,
    @Body() body: PutSecretDto,
    @CurrentAdminActor() actor: AdminActor,
    @AdminChangeContext() ctx: UpdateContext,
  ): Promise<SecretMetadata> {
    this.admin(actor);
    return this.secrets.put(ownerId, name, body.value, ctx);
  }

  @Get('owners/:ownerId/secrets/:name')
  @AdminOperation({
    summary: "Get an owner's secret (the value only with adminPolicy.revealSecrets)",
    response: SecretModel,
    errors: READ_ERRORS,
  })
  getOf(@Param('ownerId', OWNER) ownerId: string, @Param('name', NAME) name: string, @CurrentAdminActor() actor: AdminActor) {
    this.admin(actor);
    return this.read(ownerId, name);
  }

  @Delete('owners/:ownerId/secrets/:name')
  @HttpCode(204)
  @AdminOperation({ summary: "Delete an owner's secret", errors: ERRORS })
  async deleteOf(
    @Param('ownerId', OWNER) ownerId: string,
    @Param('name', NAME) name: string,
    @CurrentAdminActor() actor: AdminActor,
    @AdminChangeContext() ctx: UpdateContext,
  ): Promise<void> {
    this.admin(actor);
    await this.remove(ownerId, name, ctx);
  }

  @Get('secrets')
  @AdminOperation({ summary: 'List your own secrets (metadata only)', response: SecretListModel, errors: ERRORS })
  listOwn(@CurrentAdminActor() actor: AdminActor) {
    return this.list(this.own(actor));
  }

  @Put('secrets/:name')
  @AdminOperation({ summary: 'Store or replace one of your secrets', response: SecretMetadataModel, errors: ERRORS })
  putOwn(
    @Param('name', NAME) name: string,
    @Body() body: PutSecretDto,
    @CurrentAdminActor() actor: AdminActor,
    @AdminChangeContext() ctx: UpdateContext,
  ): Promise<SecretMetadata> {
    return this.secrets.put(this.own(actor), name, body.value, ctx);
  }

  @Get('secrets/:name')
  @AdminOperation({
    summary: 'Get one of your secrets (the value only with adminPolicy.revealSecrets)',
    response: SecretModel,
    errors: READ_ERRORS,
  })
  getOwn(@Param('name', NAME) name: string, @CurrentAdminActor() actor: AdminActor) {
    return this.read(this.own(actor), name);
  }

  @Delete('secrets/:name')
  @HttpCode(204)
  @AdminOperation({ summary: 'Delete one of your secrets', errors: ERRORS })
  async deleteOwn(@Param('name', NAME) name: string, @CurrentAdminActor() actor: AdminActor, @AdminChangeContext() ctx: UpdateContext) {
    await this.remove(this.own(actor), name, ctx);
  }

  /** 501 before anything else when there is no keyring; then 403 for an owner-scoped actor. */
  private admin(actor: AdminActor): void {
    this.configured();
    new OwnerScope(actor, this.options).assertAdmin(ADMIN_ONLY);
  }

  /** 501 before anything else when there is no keyring; then the actor's own owner (400 for an administrator). */
  private own(actor: AdminActor): string {
    this.configured();
    return new OwnerScope(actor, this.options).ownOwnerId(OWNERS_ONLY);
  }

  private configured(): void {
    if (!this.secrets.configured) throw new SecretsNotConfiguredError();
  }

  private async list(ownerId: string): Promise<{ items: SecretMetadata[] }> {
    return { items: await this.secrets.list(ownerId) };
  }

  private async read(ownerId: string, name: string): Promise<SecretMetadata & { value?: string }> {
    const found =
      this.options.adminPolicy.revealSecrets === true
        ? await this.secrets.reveal(ownerId, name)
        : await this.secrets.metadata(ownerId, name);
    if (!found) throw new ApiKeyNotFoundError('Secret not found.');
    return found;
  }

  private async remove(ownerId: string, name: string, ctx: UpdateContext): Promise<void> {
    if (!(await this.secrets.delete(ownerId, name, ctx))) throw new ApiKeyNotFoundError('Secret not found.');
  }
}
