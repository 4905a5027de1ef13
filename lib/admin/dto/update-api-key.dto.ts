import { ArrayMaxSize, IsArray, IsBoolean, IsInt, IsISO8601, IsObject, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { IsGrantList, IsIpRule } from './validation-rules.js';

/** Body of `PATCH /keys/:id`: omitted keeps, `null` clears, a value sets. */
export class UpdateApiKeyDto {
  @IsOptional() @IsString() @MaxLength(200)
  name?: string | null;

  @IsOptional() @IsObject()
  meta?: Record<string, unknown> | null;

  @IsOptional() @IsISO8601({ strict: true })
  expiresAt?: string | null;

  @IsOptional() @IsInt() @Min(1) @Max(Number.MAX_SAFE_INTEGER)
  maxIdleMs?: number | null;

  @IsOptional() @IsBoolean()
  enabled?: boolean;

  @IsOptional() @IsGrantList()
  permissions?: string[];

  @IsOptional() @IsGrantList()
  roles?: string[];

  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsIpRule({ each: true })
  allowedIps?: string[] | null;
}
