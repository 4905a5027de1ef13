import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** Body of `POST /keys/:id/rotate`. */
export class RotateApiKeyDto {
  /** How long the old key keeps working, in ms (default 0). */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(365 * 24 * 60 * 60 * 1000)
  gracePeriodMs?: number;
}
