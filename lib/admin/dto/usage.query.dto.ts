import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsOptional } from 'class-validator';
import type { UsageGranularity } from '../../interfaces/usage.interface.js';
import { MAX_VERIFY_TAGS } from '../../verification/verify-tags.js';
import { IsCursor, IsIdentifier, IsPageLimit, IsQueryTime } from './validation-rules.js';

/** Query of `GET /keys/:id/usage`. */
export class KeyUsageQueryDto {
  /** Bucket size. Default 'hour'. */
  @IsOptional()
  @IsIn(['hour', 'day'])
  granularity?: UsageGranularity;

  /** Start of the period. Default 24 hours (hourly) or 30 days (daily) before `until`. */
  @IsOptional()
  @IsQueryTime()
  since?: string;

  /** End of the period (exclusive). Default now. */
  @IsOptional()
  @IsQueryTime()
  until?: string;
}

/** Query of `GET /keys/:id/verifications`. */
export class VerificationLogQueryDto {
  @IsOptional()
  @IsPageLimit()
  limit?: number;

  @IsOptional()
  @IsCursor()
  cursor?: string;

  /** Only verifications carrying every one of these tags: `?tags=a&tags=b`. */
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? [value] : value))
  @IsArray()
  @ArrayMaxSize(MAX_VERIFY_TAGS)
  @IsIdentifier('tag', { each: true })
  tags?: string[];
}

/** Query of `GET /stats`. */
export class StatsQueryDto {
  /** Only this owner's keys (an owner-scoped actor always gets its own). */
  @IsOptional()
  @IsIdentifier('ownerId')
  ownerId?: string;

  /** Start of the period. Default 24 hours before `until`. */
  @IsOptional()
  @IsQueryTime()
  since?: string;

  /** End of the period (exclusive). Default now. */
  @IsOptional()
  @IsQueryTime()
  until?: string;
}
