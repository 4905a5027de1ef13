import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { RateLimitRule } from '../interfaces/quota.interface.js';
import { ExactMatch } from './exact-match.decorator.js';

/** Per-owner state shared by all of that owner's keys. */
@Entity({ name: 'api_key_owners' })
export class ApiKeyOwnerEntity {
  @ExactMatch()
  @PrimaryColumn({ name: 'owner_id', type: 'varchar', length: 191, primaryKeyConstraintName: 'PK_api_key_owners' })
  ownerId: string;

  /** Keys of this owner that are not revoked or purged. */
  @Column({ name: 'active_keys', type: 'int', default: 0 })
  activeKeys: number;

  /** Rate limits every key of this owner draws from, together with its own. */
  @Column({ name: 'rate_limits', type: 'simple-json', nullable: true })
  rateLimits: RateLimitRule[] | null;
}
