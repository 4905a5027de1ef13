import { Get, Inject, Param, Query } from '@nestjs/common';
import { API_KEYS_RESOLVED_OPTIONS } from '../api-keys.internal-constants.js';
import type { ResolvedApiKeysOptions } from '../api-keys.options.js';
import { CurrentAdminActor } from '../admin/admin-actor.decorator.js';
import { AdminController } from '../admin/admin-controller.decorator.js';
import { KeyUsageQueryDto, StatsQueryDto, VerificationLogQueryDto } from '../admin/dto/usage.query.dto.js';
import { OwnerScope } from '../admin/owner-scope.js';
import { ParseKeyIdPipe } from '../admin/parse-key-id.pipe.js';
import type { AdminActor } from '../interfaces/api-keys-options.interface.js';
import type { UsageSeries, UsageStats, VerificationLogPage } from '../interfaces/usage.interface.js';
import { ApiKeyService } from '../keys/api-key.service.js';
import { AdminOperation } from '../openapi/admin-operation.decorator.js';
import { ApiKeyUsageService } from './api-key-usage.service.js';
import { DAY_MS } from './usage-buffer.js';
import { UsageSeriesModel, UsageStatsModel, VerificationLogPageModel } from './usage.models.js';

/** The period `GET /keys/:id/usage` shows without `since`: a day of hours, a month of days. */
const DEFAULT_PERIOD_MS = { hour: DAY_MS, day: 30 * DAY_MS } as const;

/**
 * Usage routes of the admin API (SPEC §9): a key's usage series and verification log, and the
 * stats. Owner-scoped actors see their own keys only (another owner's key answers 404, like a
 * random id) and stats filtered to their owner.
 * @internal
 */
@AdminController()
export class UsageAdminController {
  constructor(
    private readonly usage: ApiKeyUsageService,
    private readonly apiKeys: ApiKeyService,
    @Inject(API_KEYS_RESOLVED_OPTIONS) private readonly options: ResolvedApiKeysOptions,
  ) {}

  @Get('keys/:id/usage')
  @AdminOperation({ summary: "A key's verifications per hour or day, with the credits spent", response: UsageSeriesModel })
  async keyUsage(
    @Param('id', ParseKeyIdPipe) id: string,
    @Query() query: KeyUsageQueryDto,
    @CurrentAdminActor() actor: AdminActor,
  ): Promise<UsageSeries> {
    await this.assertOwns(actor, id);
    const granularity = query.granularity ?? 'hour';
    const until = query.until === undefined ? this.options.clock.now() : Date.parse(query.until);
    const since = query.since ?? until - DEFAULT_PERIOD_MS[granularity];
    return this.usage.usage({ keyId: id, granularity, since, until });
  }

  @Get('keys/:id/verifications')
  @AdminOperation({ summary: "A key's most recent verifications, newest first", response: VerificationLogPageModel })
  async keyVerifications(
    @Param('id', ParseKeyIdPipe) id: string,
    @Query() query: VerificationLogQueryDto,
    @CurrentAdminActor() actor: AdminActor,
  ): Promise<VerificationLogPage> {
    await this.assertOwns(actor, id);
    return this.usage.verifications(id, query);
  }

  @Get('stats')
  @AdminOperation({ summary: 'Keys by status, and the verifications of a period with their success rate', response: UsageStatsModel })
  stats(@Query() query: StatsQueryDto, @CurrentAdminActor() actor: AdminActor): Promise<UsageStats> {
    const ownerId = new OwnerScope(actor, this.options).ownerFor(query.ownerId);
    return this.usage.stats({ ownerId, since: query.since, until: query.until });
  }

  private async assertOwns(actor: AdminActor, id: string): Promise<void> {
    new OwnerScope(actor, this.options).assertOwns(await this.apiKeys.get(id));
  }
}
