import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Per-owner state shared by all of that owner's keys. */
@Entity({ name: 'api_key_owners' })
export class ApiKeyOwnerEntity {
  @PrimaryColumn({ name: 'owner_id', type: 'varchar', length: 191, primaryKeyConstraintName: 'PK_api_key_owners' })
  ownerId: string;

  /** Keys of this owner that are not revoked or purged. */
  @Column({ name: 'active_keys', type: 'int', default: 0 })
  activeKeys: number;
}
