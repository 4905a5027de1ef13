import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../entities/column-transformers.js';
import { ExactMatch } from '../entities/exact-match.decorator.js';

/**
 * Verifications counted per key, UTC hour and outcome code, with the credits they spent
 * (SPEC §8). Each instance adds its increments with one additive upsert per row
 * (`count = count + excluded.count`): nothing is read and written back, so the counts are exact
 * across instances. Days are sums of their hours. Verifications of unknown or malformed keys
 * (NOT_FOUND, MALFORMED) have no key: they are counted under the empty key, owner and namespace,
 * which no stored key can have (identifiers are never empty).
 */
@Entity({ name: 'api_key_usage_rollups' })
@Index('IDX_api_key_usage_rollups_owner', ['ownerId', 'hourStart'])
@Index('IDX_api_key_usage_rollups_namespace', ['namespace', 'hourStart'])
@Index('IDX_api_key_usage_rollups_hour', ['hourStart'])
export class ApiKeyUsageRollupEntity {
  @PrimaryColumn({ name: 'key_id', type: 'varchar', length: 36, primaryKeyConstraintName: 'PK_api_key_usage_rollups' })
  keyId: string;

  /** Start of the UTC hour, epoch ms. */
  @PrimaryColumn({ name: 'hour_start', type: 'bigint', transformer: bigintAsNumber, primaryKeyConstraintName: 'PK_api_key_usage_rollups' })
  hourStart: number;

  @PrimaryColumn({ name: 'code', type: 'varchar', length: 32, primaryKeyConstraintName: 'PK_api_key_usage_rollups' })
  code: string;

  @ExactMatch()
  @Column({ name: 'owner_id', type: 'varchar', length: 191 })
  ownerId: string;

  @ExactMatch()
  @Column({ name: 'namespace', type: 'varchar', length: 128 })
  namespace: string;

  @Column({ name: 'count', type: 'bigint', transformer: bigintAsNumber })
  count: number;

  /** Credits spent by these verifications. */
  @Column({ name: 'spent', type: 'bigint', transformer: bigintAsNumber })
  spent: number;
}
