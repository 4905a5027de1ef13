import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../entities/column-transformers.js';
import { ExactMatch } from '../entities/exact-match.decorator.js';

/**
 * One change of the audit trail (SPEC §8): written in the change's own transaction, one row per
 * recorded change. Ids, not foreign keys: the trail outlives a purged key. `id` is time-ordered
 * (the UUID version 7 layout), so the changes of one instance in one millisecond keep their
 * order under `ORDER BY at, id`. Each filter of `GET /audit-events` has an index ending in
 * (at, id), the order pages are read in.
 */
@Entity({ name: 'api_key_audit_events' })
@Index('IDX_api_key_audit_events_at', ['at', 'id'])
@Index('IDX_api_key_audit_events_key', ['keyId', 'at', 'id'])
@Index('IDX_api_key_audit_events_owner', ['ownerId', 'at', 'id'])
@Index('IDX_api_key_audit_events_actor', ['actorId', 'at', 'id'])
@Index('IDX_api_key_audit_events_action', ['action', 'at', 'id'])
export class ApiKeyAuditEventEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36, primaryKeyConstraintName: 'PK_api_key_audit_events' })
  id: string;

  @Column({ name: 'action', type: 'varchar', length: 32 })
  action: string;

  /** `key:<id>` (a root key), the host's actor id, `cli` or `system`. */
  @ExactMatch()
  @Column({ name: 'actor_id', type: 'varchar', length: 191 })
  actorId: string;

  @ExactMatch()
  @Column({ name: 'key_id', type: 'varchar', length: 36, nullable: true })
  keyId: string | null;

  @ExactMatch()
  @Column({ name: 'owner_id', type: 'varchar', length: 191, nullable: true })
  ownerId: string | null;

  @Column({ name: 'ip', type: 'varchar', length: 45, nullable: true })
  ip: string | null;

  /** Epoch ms from the library clock: the time of the change. */
  @Column({ name: 'at', type: 'bigint', transformer: bigintAsNumber })
  at: number;

  /** What changed (JSON): never a raw key, a hash or a secret value. (`any`: TypeORM's insert typing refuses `unknown`.) */
  @Column({ name: 'details', type: 'simple-json' })
  details: Record<string, any>;
}
