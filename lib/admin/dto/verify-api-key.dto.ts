import { IsInt, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { IsGrantList } from './validation-rules.js';

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
}
