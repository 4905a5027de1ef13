import { Body, HttpCode, Post } from '@nestjs/common';
import type { AdminActor } from '../interfaces/api-keys-options.interface.js';
import type { VerifyResult } from '../interfaces/verify-result.interface.js';
import { ApiKeyService } from '../keys/api-key.service.js';
import { AdminOperation } from '../openapi/admin-operation.decorator.js';
import { VerifyResultModel } from '../openapi/response.models.js';
import { CurrentAdminActor } from './admin-actor.decorator.js';
import { AdminController } from './admin-controller.decorator.js';
import { VerifyApiKeyDto } from './dto/verify-api-key.dto.js';

/**
 * `POST /verify`: verify a key for a backend that does not run this module. Owner-scoped
 * actors get NOT_FOUND for keys of other owners, whatever their state.
 * @internal
 */
@AdminController()
export class VerifyAdminController {
  constructor(private readonly apiKeys: ApiKeyService) {}

  @Post('verify')
  @HttpCode(200)
  @AdminOperation({ summary: 'Verify an API key', response: VerifyResultModel })
  verify(@Body() body: VerifyApiKeyDto, @CurrentAdminActor() actor: AdminActor): Promise<VerifyResult> {
    return this.apiKeys.verify(body.key, { permissions: body.permissions, cost: body.cost, tags: body.tags, ownerId: actor.ownerId });
  }
}
