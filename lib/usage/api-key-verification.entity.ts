import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../entities/column-transformers.js';
import { ExactMatch } from '../entities/exact-match.decorator.js';

/**
 * One verification of a stored key (the per-verification log, SPEC §8): the most recent
 * verifications of each key, written in batches by the usage recorder and trimmed to the
 * newest VERIFICATIONS_KEPT_PER_KEY per key. Ids, not foreign keys: the log outlives a purged key
 * until retention removes it. `id` is time-ordered (the UUID version 7 layout), so rows of one
 * instance in the same millisecond keep their order.
 */
@Entity({ name: 'api_key_verifications' })
@Index('IDX_api_key_verifications_key_at', ['keyId', 'at', 'id'])
@Index('IDX_api_key_verifications_at', ['at'])
export class ApiKeyVerificationEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36, primaryKeyConstraintName: 'PK_api_key_verifications' })
  id: string;

  @Column({ name: 'key_id', type: 'varchar', length: 36 })
  keyId: string;

  @ExactMatch()
  @Column({ name: 'owner_id', type: 'varchar', length: 191 })
  ownerId: string;

  /** Epoch ms from the library clock. */
  @Column({ name: 'at', type: 'bigint', transformer: bigintAsNumber })
  at: number;

  @Column({ name: 'code', type: 'varchar', length: 32 })
  code: string;

  /** Credits this verification spent. */
  @Column({ name: 'cost', type: 'bigint', transformer: bigintAsNumber })
  cost: number;

  @Column({ name: 'ip', type: 'varchar', length: 45, nullable: true })
  ip: string | null;

  /**
   * The verification's tags, stored as `\ntag\ntag\n` (tags hold no control characters), so
   * that "has tag t" is an exact substring test for `\nt\n` on every database.
   */
  @ExactMatch()
  @Column({ name: 'tags', type: 'text', nullable: true })
  tags: string | null;
}
