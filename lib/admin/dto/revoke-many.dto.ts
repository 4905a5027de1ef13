import { IsISO8601, IsOptional, IsString, Length, Matches } from 'class-validator';
import { LABEL_PATTERN } from './validation-rules.js';

/** Body of `POST /keys/revoke`: at least one filter. */
export class RevokeManyDto {
  @IsOptional() @IsString() @Length(1, 191)
  ownerId?: string;

  @IsOptional() @Matches(LABEL_PATTERN)
  namespace?: string;

  @IsOptional() @IsISO8601({ strict: true })
  createdBefore?: string;
}
