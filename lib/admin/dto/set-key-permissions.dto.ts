import { IsGrantList, IsUnreservedPermission } from './validation-rules.js';

/** Body of `PUT /keys/:id/permissions`: the key's whole set of direct permissions. */
export class SetKeyPermissionsDto {
  @IsGrantList()
  @IsUnreservedPermission({ each: true })
  permissions: string[];
}
