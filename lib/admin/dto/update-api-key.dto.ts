import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { MAX_RATE_LIMITS } from '../../keys/api-key-input.js';
import { RateLimitDto, RefillDto } from './quota.dto.js';
import { IsGrantList, IsIpRule } from './validation-rules.js';

/** Body of `PATCH /keys/:id`: omitted keeps, `null` clears, a value sets. */
export class UpdateApiKeyDto {
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string | null;

  @IsOptional()
  @IsObject()
  meta?: Record<string, unknown> | null;

  @IsOptional()
  @IsISO8601({ strict: true })
  expiresAt?: string | null;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  maxIdleMs?: number | null;

  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @IsOptional()
  @IsGrantList()
  permissions?: string[];

  @IsOptional()
  @IsGrantList('role')
  roles?: string[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsIpRule({ each: true })
  allowedIps?: string[] | null;

  /** Usage credits (root admins only); null means unlimited. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  remaining?: number | null;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RefillDto)
  refill?: RefillDto | null;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_RATE_LIMITS)
  @ValidateNested({ each: true })
  @Type(() => RateLimitDto)
  rateLimits?: RateLimitDto[] | null;
}
