import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { API_KEY_STATUSES, type ApiKeyStatus } from '../../interfaces/api-key.interface.js';
import { IsIdentifier } from './validation-rules.js';

/** Query of `GET /keys`. */
export class ListApiKeysQueryDto {
  @IsOptional()
  @IsIdentifier('ownerId')
  ownerId?: string;

  @IsOptional()
  @IsIdentifier('namespace')
  namespace?: string;

  @IsOptional()
  @IsIn(API_KEY_STATUSES)
  status?: ApiKeyStatus;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}
