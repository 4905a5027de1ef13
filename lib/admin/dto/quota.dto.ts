import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { REFILL_INTERVALS, type RefillInterval } from '../../interfaces/quota.interface.js';

/** `refill` in admin bodies. */
export class RefillDto {
  @IsInt() @Min(1) @Max(Number.MAX_SAFE_INTEGER)
  amount: number;

  @IsIn(REFILL_INTERVALS)
  interval: RefillInterval;
}

/** One entry of `rateLimits` in admin bodies. */
export class RateLimitDto {
  @Matches(/^[A-Za-z0-9_.:-]{1,64}$/)
  name: string;

  @IsInt() @Min(1) @Max(Number.MAX_SAFE_INTEGER)
  limit: number;

  @IsInt() @Min(1) @Max(Number.MAX_SAFE_INTEGER)
  windowMs: number;

  @IsOptional() @IsIn(['enforce', 'report'])
  mode?: 'enforce' | 'report';
}
