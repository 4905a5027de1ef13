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
import { Type } from 'class-transformer';
import { MAX_RATE_LIMITS } from '../../keys/api-key-input.js';
import { RateLimitDto, RefillDto } from './quota.dto.js';
import { IsGrantList, IsIdentifier, IsIpRule } from './validation-rules.js';

/** Body of `POST /keys` and `POST /keys/:id/children`. */
export class CreateApiKeyDto {
  /** Required for root admins; an owner-scoped actor's own owner by default. */
  @IsOptional()
  @IsIdentifier('ownerId')
  ownerId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string | null;

  @IsOptional()
  @IsIdentifier('namespace')
  namespace?: string;

  @IsOptional()
  @IsIdentifier('environment')
  environment?: string | null;

  @IsOptional()
  @IsObject()
  meta?: Record<string, unknown>;

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
  allowedIps?: string[];

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
  rateLimits?: RateLimitDto[];
}
