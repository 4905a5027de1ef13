import { IsISO8601, IsOptional } from 'class-validator';
import { IsIdentifier } from './validation-rules.js';

/** Body of `POST /keys/revoke`: at least one filter. */
export class RevokeManyDto {
  @IsOptional()
  @IsIdentifier('ownerId')
  ownerId?: string;

  @IsOptional()
  @IsIdentifier('namespace')
  namespace?: string;

  @IsOptional()
  @IsISO8601({ strict: true })
  createdBefore?: string;
}
