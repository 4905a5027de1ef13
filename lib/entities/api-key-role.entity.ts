import { Column, Entity, Index, JoinTable, ManyToMany, PrimaryColumn, type Relation } from 'typeorm';
import { epochMs } from './column-transformers.js';
import { ApiKeyPermissionEntity } from './api-key-permission.entity.js';

/** A named set of permissions that keys can hold. */
@Entity({ name: 'api_key_roles' })
@Index('UQ_api_key_roles_name', ['name'], { unique: true })
export class ApiKeyRoleEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36, primaryKeyConstraintName: 'PK_api_key_roles' })
  id: string;

  @Column({ name: 'name', type: 'varchar', length: 100 })
  name: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;

  @ManyToMany(() => ApiKeyPermissionEntity)
  @JoinTable({
    name: 'api_key_role_permissions',
    joinColumn: { name: 'role_id', referencedColumnName: 'id', foreignKeyConstraintName: 'FK_api_key_role_permissions_role' },
    inverseJoinColumn: {
      name: 'permission_id',
      referencedColumnName: 'id',
      foreignKeyConstraintName: 'FK_api_key_role_permissions_permission',
    },
  })
  permissions: Relation<ApiKeyPermissionEntity>[];
}
