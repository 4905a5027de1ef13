import { IsIn, IsOptional } from 'class-validator';
import { API_KEY_STATUSES, type ApiKeyStatus } from '../../interfaces/api-key.interface.js';
import { IsCursor, IsIdentifier, IsPageLimit } from './validation-rules.js';

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
  @IsPageLimit()
  limit?: number;

  @IsOptional()
  @IsCursor()
  cursor?: string;
}
