import { IsOptional } from 'class-validator';
import { IsDescription, IsIdentifier, IsUnreservedPermission } from './validation-rules.js';

/** Body of `POST /permissions`. */
export class CreatePermissionDto {
  @IsIdentifier('permission')
  @IsUnreservedPermission()
  name: string;

  /** Replaces the description of an existing permission; omitted or null means none. */
  @IsOptional()
  @IsDescription()
  description?: string | null;
}
