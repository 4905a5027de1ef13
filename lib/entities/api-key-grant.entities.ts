import { Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import type { ApiKeyEntity } from './api-key.entity.js';
import { ApiKeyPermissionEntity } from './api-key-permission.entity.js';
import type { ApiKeyRoleEntity } from './api-key-role.entity.js';

// Join tables as entities (not @JoinTable) so that their indexes and constraints have fixed
// names too: a host naming strategy renames nothing, and the migrations match exactly.
// Entity targets are resolved by table name to avoid import cycles between the files.

/** A direct permission grant of a key. */
@Entity({ name: 'api_key_permission_grants' })
@Index('IDX_api_key_permission_grants_permission', ['permissionId'])
export class ApiKeyPermissionGrantEntity {
  @PrimaryColumn({ name: 'key_id', type: 'varchar', length: 36, primaryKeyConstraintName: 'PK_api_key_permission_grants' })
  keyId: string;

  @PrimaryColumn({ name: 'permission_id', type: 'varchar', length: 36, primaryKeyConstraintName: 'PK_api_key_permission_grants' })
  permissionId: string;

  @ManyToOne('ApiKeyEntity', 'permissionGrants', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'key_id', foreignKeyConstraintName: 'FK_api_key_permission_grants_key' })
  key?: Relation<ApiKeyEntity>;

  @ManyToOne(() => ApiKeyPermissionEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'permission_id', foreignKeyConstraintName: 'FK_api_key_permission_grants_permission' })
  permission: Relation<ApiKeyPermissionEntity>;
}

/** A role held by a key. */
@Entity({ name: 'api_key_role_grants' })
@Index('IDX_api_key_role_grants_role', ['roleId'])
export class ApiKeyRoleGrantEntity {
  @PrimaryColumn({ name: 'key_id', type: 'varchar', length: 36, primaryKeyConstraintName: 'PK_api_key_role_grants' })
  keyId: string;

  @PrimaryColumn({ name: 'role_id', type: 'varchar', length: 36, primaryKeyConstraintName: 'PK_api_key_role_grants' })
  roleId: string;

  @ManyToOne('ApiKeyEntity', 'roleGrants', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'key_id', foreignKeyConstraintName: 'FK_api_key_role_grants_key' })
  key?: Relation<ApiKeyEntity>;

  @ManyToOne('ApiKeyRoleEntity', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'role_id', foreignKeyConstraintName: 'FK_api_key_role_grants_role' })
  role: Relation<ApiKeyRoleEntity>;
}

/** A permission carried by a role. */
@Entity({ name: 'api_key_role_permissions' })
@Index('IDX_api_key_role_permissions_permission', ['permissionId'])
export class ApiKeyRolePermissionEntity {
  @PrimaryColumn({ name: 'role_id', type: 'varchar', length: 36, primaryKeyConstraintName: 'PK_api_key_role_permissions' })
  roleId: string;

  @PrimaryColumn({ name: 'permission_id', type: 'varchar', length: 36, primaryKeyConstraintName: 'PK_api_key_role_permissions' })
  permissionId: string;

  @ManyToOne('ApiKeyRoleEntity', 'permissionGrants', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'role_id', foreignKeyConstraintName: 'FK_api_key_role_permissions_role' })
  role?: Relation<ApiKeyRoleEntity>;

  @ManyToOne(() => ApiKeyPermissionEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'permission_id', foreignKeyConstraintName: 'FK_api_key_role_permissions_permission' })
  permission: Relation<ApiKeyPermissionEntity>;
}
