import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from './column-transformers.js';
import { ExactMatch } from './exact-match.decorator.js';

/** A named permission (`billing:read`, `billing:*`). Created on first grant if unknown. */
@Entity({ name: 'api_key_permissions' })
@Index('UQ_api_key_permissions_name', ['name'], { unique: true })
export class ApiKeyPermissionEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36, primaryKeyConstraintName: 'PK_api_key_permissions' })
  id: string;

  @ExactMatch()
  @Column({ name: 'name', type: 'varchar', length: 200 })
  name: string;

  @Column({ name: 'description', type: 'varchar', length: 500, nullable: true })
  description: string | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: bigintAsNumber })
  createdAt: number;
}
