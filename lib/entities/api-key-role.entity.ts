import { Column, Entity, Index, OneToMany, PrimaryColumn, type Relation } from 'typeorm';
import { bigintAsNumber } from './column-transformers.js';
import { ExactMatch } from './exact-match.decorator.js';
import { ApiKeyRolePermissionEntity } from './api-key-grant.entities.js';

/** A named set of permissions that keys can hold. */
@Entity({ name: 'api_key_roles' })
@Index('UQ_api_key_roles_name', ['name'], { unique: true })
export class ApiKeyRoleEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36, primaryKeyConstraintName: 'PK_api_key_roles' })
  id: string;

  @ExactMatch()
  @Column({ name: 'name', type: 'varchar', length: 128 })
  name: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: bigintAsNumber })
  createdAt: number;

  @OneToMany(() => ApiKeyRolePermissionEntity, (grant) => grant.role)
  permissionGrants: Relation<ApiKeyRolePermissionEntity>[];
}
