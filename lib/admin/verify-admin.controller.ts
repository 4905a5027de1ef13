import { Body, Controller, HttpCode, Post, UseFilters, UseGuards, UseInterceptors, UsePipes, VERSION_NEUTRAL } from '@nestjs/common';
import { SkipApiKey } from '../decorators/skip-api-key.decorator.js';
import type { AdminActor } from '../interfaces/api-keys-options.interface.js';
import type { VerifyResult } from '../interfaces/verify-result.interface.js';
import { ApiKeyService } from '../keys/api-key.service.js';
import { AdminAccessGuard } from './admin-access.guard.js';
import { AdminDeadlineInterceptor } from './admin-deadline.interceptor.js';
import { CurrentAdminActor } from './admin-actor.decorator.js';
import { adminValidationPipe } from './admin-validation.pipe.js';
import { ApiKeysErrorFilter } from './api-keys-error.filter.js';
import { VerifyApiKeyDto } from './dto/verify-api-key.dto.js';

/**
 * `POST /verify`: verify a key for a backend that does not run this module. Owner-scoped
 * actors get NOT_FOUND for keys of other owners, whatever their state.
 * @internal
 */
@Controller({ version: VERSION_NEUTRAL })
@SkipApiKey()
@UseGuards(AdminAccessGuard)
@UseFilters(ApiKeysErrorFilter)
@UsePipes(adminValidationPipe)
@UseInterceptors(AdminDeadlineInterceptor)
export class VerifyAdminController {
  constructor(private readonly apiKeys: ApiKeyService) {}

  @Post('verify')
  @HttpCode(200)
  verify(@Body() body: VerifyApiKeyDto, @CurrentAdminActor() actor: AdminActor): Promise<VerifyResult> {
    return this.apiKeys.verify(body.key, { permissions: body.permissions, cost: body.cost, ownerId: actor.ownerId });
  }
}
