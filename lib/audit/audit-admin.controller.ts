import { Get, Inject, Query } from '@nestjs/common';
import { CurrentAdminActor } from '../admin/admin-actor.decorator.js';
import { AdminController } from '../admin/admin-controller.decorator.js';
import { AuditEventsQueryDto } from '../admin/dto/audit-events.query.dto.js';
import { OwnerScope } from '../admin/owner-scope.js';
import { API_KEYS_RESOLVED_OPTIONS } from '../api-keys.internal-constants.js';
import type { ResolvedApiKeysOptions } from '../api-keys.options.js';
import type { AdminActor } from '../interfaces/api-keys-options.interface.js';
import type { ApiKeyAuditPage } from '../interfaces/audit.interface.js';
import { AdminOperation } from '../openapi/admin-operation.decorator.js';
import { ApiKeyAuditService } from './api-key-audit.service.js';
import { AuditEventPageModel } from './audit.models.js';

/**
 * `GET /audit-events` (SPEC §9). An owner-scoped actor reads its own owner's trail only: the
 * filter is forced, and naming another owner is a 400, as on `/stats`.
 * @internal
 */
@AdminController()
export class AuditAdminController {
  constructor(
    private readonly audit: ApiKeyAuditService,
    @Inject(API_KEYS_RESOLVED_OPTIONS) private readonly options: ResolvedApiKeysOptions,
  ) {}

  @Get('audit-events')
  @AdminOperation({ summary: 'The audit trail: every change, newest first', response: AuditEventPageModel })
  list(@Query() query: AuditEventsQueryDto, @CurrentAdminActor() actor: AdminActor): Promise<ApiKeyAuditPage> {
    const ownerId = new OwnerScope(actor, this.options).ownerFor(query.ownerId);
    return this.audit.list({ ...query, ownerId });
  }
}
