import { IsGrantList } from './validation-rules.js';

/** Body of `PUT /keys/:id/roles`: the key's whole set of roles. */
export class SetKeyRolesDto {
  @IsGrantList('role')
  roles: string[];
}
