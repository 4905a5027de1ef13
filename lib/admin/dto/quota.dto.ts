import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { REFILL_INTERVALS, type RefillInterval } from '../../interfaces/quota.interface.js';
import { IsIdentifier } from './validation-rules.js';

/** `refill` in admin bodies. */
export class RefillDto {
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  amount: number;

  @IsIn(REFILL_INTERVALS)
  interval: RefillInterval;
}

/** One entry of `rateLimits` in admin bodies. */
export class RateLimitDto {
  @IsIdentifier('rateLimitName')
  name: string;

  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  limit: number;

  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  windowMs: number;

  @IsOptional()
  @IsIn(['enforce', 'report'])
  mode?: 'enforce' | 'report';
}
