import { Column, Entity, Index, JoinColumn, ManyToOne, OneToMany, PrimaryColumn, type Relation } from 'typeorm';
import { bigintAsNumber } from './column-transformers.js';
import { ExactMatch } from './exact-match.decorator.js';
import type { RateLimitRule, RefillInterval } from '../interfaces/quota.interface.js';
import { ApiKeyOwnerEntity } from './api-key-owner.entity.js';
import { ApiKeyPermissionGrantEntity, ApiKeyRoleGrantEntity } from './api-key-grant.entities.js';

/**
 * One issued key. Only its hash is stored; `start` and `last4` are for display.
 * Every name is explicit so that a host naming strategy cannot rename it.
 */
@Entity({ name: 'api_keys' })
@Index('UQ_api_keys_hash', ['hash'], { unique: true })
@Index('IDX_api_keys_owner_created', ['ownerId', 'createdAt', 'id'])
@Index('IDX_api_keys_lineage', ['lineageId'])
@Index('IDX_api_keys_created', ['createdAt', 'id'])
export class ApiKeyEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36, primaryKeyConstraintName: 'PK_api_keys' })
  id: string;

  /** Stable across rotations. */
  @Column({ name: 'lineage_id', type: 'varchar', length: 36 })
  lineageId: string;

  @ExactMatch()
  @Column({ name: 'owner_id', type: 'varchar', length: 191 })
  ownerId: string;

  @Column({ name: 'name', type: 'varchar', length: 200, nullable: true })
  name: string | null;

  @ExactMatch()
  @Column({ name: 'namespace', type: 'varchar', length: 128 })
  namespace: string;

  @ExactMatch()
  @Column({ name: 'environment', type: 'varchar', length: 128, nullable: true })
  environment: string | null;

  @Column({ name: 'start', type: 'varchar', length: 40 })
  start: string;

  @Column({ name: 'last4', type: 'varchar', length: 4 })
  last4: string;

  @ExactMatch()
  @Column({ name: 'hash', type: 'varchar', length: 64 })
  hash: string;

  @Column({ name: 'hash_version', type: 'varchar', length: 32 })
  hashVersion: string;

  @Column({ name: 'meta', type: 'simple-json' })
  meta: Record<string, unknown>;

  /** CIDR blocks or addresses the key may be used from; empty means anywhere. */
  @Column({ name: 'allowed_ips', type: 'simple-json' })
  allowedIps: string[];

  @Column({ name: 'enabled', type: 'boolean' })
  enabled: boolean;

  @Column({ name: 'disabled_by', type: 'varchar', length: 10, nullable: true })
  disabledBy: 'owner' | 'admin' | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: bigintAsNumber })
  createdAt: number;

  @Column({ name: 'updated_at', type: 'bigint', transformer: bigintAsNumber })
  updatedAt: number;

  @Column({ name: 'expires_at', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  expiresAt: number | null;

  @Column({ name: 'max_idle_ms', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  maxIdleMs: number | null;

  @Column({ name: 'last_used_at', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  lastUsedAt: number | null;

  @Column({ name: 'revoked_at', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  revokedAt: number | null;

  @Column({ name: 'rotated_from_id', type: 'varchar', length: 36, nullable: true })
  rotatedFromId: string | null;

  @ManyToOne(() => ApiKeyEntity, { onDelete: 'SET NULL', nullable: true, createForeignKeyConstraints: true })
  @JoinColumn({ name: 'rotated_from_id', foreignKeyConstraintName: 'FK_api_keys_rotated_from' })
  rotatedFrom?: Relation<ApiKeyEntity> | null;

  @Column({ name: 'rotated_to_id', type: 'varchar', length: 36, nullable: true })
  rotatedToId: string | null;

  @ManyToOne(() => ApiKeyEntity, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'rotated_to_id', foreignKeyConstraintName: 'FK_api_keys_rotated_to' })
  rotatedTo?: Relation<ApiKeyEntity> | null;

  @Column({ name: 'rotation_grace_ends_at', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  rotationGraceEndsAt: number | null;

  /** Credits left; null means unlimited. */
  @Column({ name: 'remaining', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  remaining: number | null;

  /**
   * The balance last granted by a create or an update (null for an unlimited key): what
   * `credits.threshold` measures use against when the key has no refill.
   */
  @Column({ name: 'credits_granted', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  creditsGranted: number | null;

  @Column({ name: 'refill_amount', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  refillAmount: number | null;

  @Column({ name: 'refill_interval', type: 'varchar', length: 10, nullable: true })
  refillInterval: RefillInterval | null;

  /** Start of the refill period last applied (compare-and-swap target: one refill per period). */
  @Column({ name: 'last_refill_at', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  lastRefillAt: number | null;

  /** The key's own rate limits; null or empty means `defaultRateLimits`. */
  @Column({ name: 'rate_limits', type: 'simple-json', nullable: true })
  rateLimits: RateLimitRule[] | null;

  /** Per-owner state (shared rate limits). Not a foreign key: the row exists only when set. */
  @ManyToOne(() => ApiKeyOwnerEntity, { createForeignKeyConstraints: false, nullable: true })
  @JoinColumn({ name: 'owner_id' })
  owner?: Relation<ApiKeyOwnerEntity> | null;

  @Column({ name: 'parent_key_id', type: 'varchar', length: 36, nullable: true })
  parentKeyId: string | null;

  @ManyToOne(() => ApiKeyEntity, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'parent_key_id', foreignKeyConstraintName: 'FK_api_keys_parent' })
  parentKey?: Relation<ApiKeyEntity> | null;

  /** Direct permission grants. */
  @OneToMany(() => ApiKeyPermissionGrantEntity, (grant) => grant.key)
  permissionGrants: Relation<ApiKeyPermissionGrantEntity>[];

  @OneToMany(() => ApiKeyRoleGrantEntity, (grant) => grant.key)
  roleGrants: Relation<ApiKeyRoleGrantEntity>[];
}
