import { IsGrantList, IsIdentifier, IsUnreservedPermission } from './validation-rules.js';

/** Body of `POST /roles`: the role's whole definition (an existing role's permissions are replaced). */
export class CreateRoleDto {
  @IsIdentifier('role')
  name: string;

  @IsGrantList()
  @IsUnreservedPermission({ each: true })
  permissions: string[];
}
