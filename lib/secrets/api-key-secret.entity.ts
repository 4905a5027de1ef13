import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../entities/column-transformers.js';
import { ExactMatch } from '../entities/exact-match.decorator.js';

/**
 * One third-party secret of an owner, encrypted with AES-256-GCM (SPEC §8). The value is never
 * stored in clear: `ciphertext`, `iv` and `tag` are base64 text (binary-safe on every database
 * and in every dump), and `key_id` names the keyring key that encrypted it. The owner and name
 * are bound into the tag (the AAD), so a row copied elsewhere does not decrypt.
 */
@Entity({ name: 'api_key_secrets' })
@Index('UQ_api_key_secrets_owner_name', ['ownerId', 'name'], { unique: true })
export class ApiKeySecretEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36, primaryKeyConstraintName: 'PK_api_key_secrets' })
  id: string;

  @ExactMatch()
  @Column({ name: 'owner_id', type: 'varchar', length: 191 })
  ownerId: string;

  @ExactMatch()
  @Column({ name: 'name', type: 'varchar', length: 128 })
  name: string;

  /** The keyring key that encrypted this row; `reencrypt()` selects rows by it. */
  @ExactMatch()
  @Column({ name: 'key_id', type: 'varchar', length: 32 })
  keyId: string;

  /** Base64 of the 12-byte IV, fresh per write: also the row's write stamp for re-encryption. */
  @ExactMatch()
  @Column({ name: 'iv', type: 'varchar', length: 16 })
  iv: string;

  /** Base64 of the ciphertext (as long as the UTF-8 value). */
  @Column({ name: 'ciphertext', type: 'text' })
  ciphertext: string;

  /** Base64 of the 16-byte GCM tag. */
  @Column({ name: 'tag', type: 'varchar', length: 24 })
  tag: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: bigintAsNumber })
  createdAt: number;

  @Column({ name: 'updated_at', type: 'bigint', transformer: bigintAsNumber })
  updatedAt: number;
}
