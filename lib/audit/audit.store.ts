import type { DataSource, EntityManager } from 'typeorm';
import { WriteSerializer } from '../store/write-serializer.js';
import { ApiKeyAuditEventEntity } from './api-key-audit-event.entity.js';

/** Which rows a page reads: filters combine. @internal */
export interface AuditFilter {
  keyId?: string;
  ownerId?: string;
  actorId?: string;
  action?: string;
  /** Epoch ms, inclusive. */
  since?: number;
  /** Epoch ms, exclusive. */
  until?: number;
}

/** The position after the last row of a page. @internal */
export interface AuditCursor {
  at: number;
  id: string;
}

/**
 * Every query of the audit trail (`api_key_audit_events`). Rows are inserted by the change's own
 * transaction (its manager); reads go through the WriteSerializer shared with the key store, so
 * that on SQLite a read never sees a library transaction's uncommitted rows.
 * @internal
 */
export class AuditStore {
  readonly writes: WriteSerializer;

  constructor(readonly dataSource: DataSource) {
    this.writes = WriteSerializer.for(dataSource);
  }

  /** Inserts the rows of one change set in ONE statement, inside its transaction. */
  async insert(manager: EntityManager, rows: ApiKeyAuditEventEntity[]): Promise<void> {
    await manager.createQueryBuilder().insert().into(ApiKeyAuditEventEntity).values(rows).updateEntity(false).execute();
  }

  /** At most `limit` rows after `cursor`, newest first (keyset paging on (at, id)). */
  page(filter: AuditFilter, limit: number, cursor?: AuditCursor): Promise<ApiKeyAuditEventEntity[]> {
    const query = this.dataSource.getRepository(ApiKeyAuditEventEntity).createQueryBuilder('e');
    const conditions: Array<[string, Record<string, unknown>]> = [];
    if (filter.keyId !== undefined) conditions.push(['e.key_id = :keyId', { keyId: filter.keyId }]);
    if (filter.ownerId !== undefined) conditions.push(['e.owner_id = :ownerId', { ownerId: filter.ownerId }]);
    if (filter.actorId !== undefined) conditions.push(['e.actor_id = :actorId', { actorId: filter.actorId }]);
    if (filter.action !== undefined) conditions.push(['e.action = :action', { action: filter.action }]);
    if (filter.since !== undefined) conditions.push(['e.at >= :since', { since: filter.since }]);
    if (filter.until !== undefined) conditions.push(['e.at < :until', { until: filter.until }]);
    if (cursor) {
      conditions.push(['(e.at < :cursorAt OR (e.at = :cursorAt AND e.id < :cursorId))', { cursorAt: cursor.at, cursorId: cursor.id }]);
    }
    query.where('1 = 1');
    for (const [sql, parameters] of conditions) query.andWhere(sql, parameters);
    return this.writes.write(() => query.orderBy('e.at', 'DESC').addOrderBy('e.id', 'DESC').limit(limit).getMany());
  }
}
