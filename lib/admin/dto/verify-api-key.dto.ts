import { ArrayMaxSize, IsArray, IsInt, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { MAX_VERIFY_TAGS } from '../../verification/verify-tags.js';
import { IsGrantList, IsIdentifier } from './validation-rules.js';

/** Body of `POST /verify`. */
export class VerifyApiKeyDto {
  @IsString()
  @MaxLength(4096)
  key: string;

  @IsOptional()
  @IsGrantList()
  permissions?: string[];

  @IsOptional()
  @IsInt()
  @Min(0)
  cost?: number;

  /** Labels stored with this verification in the key's log (`GET /keys/:id/verifications?tags=…`). */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_VERIFY_TAGS)
  @IsIdentifier('tag', { each: true })
  tags?: string[];
}
