import { Injectable } from '@nestjs/common';
import { ApiKeyValidationError } from '../api-keys.errors.js';
import type { ApiKeyAuditEvent, ApiKeyAuditPage, ApiKeyAuditQuery } from '../interfaces/audit.interface.js';
import { checkIdentifier } from '../keys/api-key-input.js';
import { checkLimit, timeOf } from '../usage/usage-query.js';
import type { ApiKeyAuditEventEntity } from './api-key-audit-event.entity.js';
import { API_KEY_AUDIT_ACTIONS } from './audit-actions.js';
import { decodeAuditCursor, encodeAuditCursor } from './audit-cursor.js';
import { AuditStore, type AuditFilter } from './audit.store.js';

const KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The audit trail (SPEC §8): every change the library made — create, import, update, rotate,
 * revoke, bulk revoke, purge, child keys, roles and permissions, secrets — with who made it
 * (`key:<id>` for a root key, the host's actor, `cli`, or `system`), from where and when.
 * Written in the change's own transaction; read here newest first with a keyset cursor, so pages
 * stay disjoint and complete while changes go on.
 *
 * @example
 * const { items, nextCursor } = await audit.list({ keyId, limit: 50 });
 * // items: [{ id, action: 'key.revoked', actorId: 'key:…', keyId, ownerId: 'acme', at: '2031-03-03T09:15:00.000Z', ip: '10.0.0.7', details: {} }, …]
 * const older = await audit.list({ keyId, limit: 50, cursor: nextCursor });
 */
@Injectable()
export class ApiKeyAuditService {
  constructor(private readonly store: AuditStore) {}

  /**
   * Changes matching every filter given, newest first. `since` is inclusive, `until` exclusive
   * (a Date, an ISO string or epoch ms); `limit` 1–100 (default 20); a bad value is a
   * validation error naming its field.
   */
  async list(query: ApiKeyAuditQuery = {}): Promise<ApiKeyAuditPage> {
    if (query === null || typeof query !== 'object') throw ApiKeyValidationError.field('query', 'the query must be an object');
    const filter = filterOf(query);
    const limit = checkLimit(query.limit, 20);
    const cursor = query.cursor === undefined ? undefined : decodeAuditCursor(query.cursor);
    const rows = await this.store.page(filter, limit + 1, cursor);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toAuditEvent),
      nextCursor: rows.length > limit ? encodeAuditCursor({ at: last.at, id: last.id }) : null,
    };
  }
}

function filterOf(query: ApiKeyAuditQuery): AuditFilter {
  const filter: AuditFilter = {};
  if (query.keyId !== undefined) {
    if (typeof query.keyId !== 'string' || !KEY_ID.test(query.keyId)) throw ApiKeyValidationError.field('keyId', 'keyId must be a key id');
    filter.keyId = query.keyId.toLowerCase();
  }
  if (query.ownerId !== undefined) filter.ownerId = checkIdentifier('ownerId', 'ownerId', query.ownerId);
  if (query.actorId !== undefined) filter.actorId = checkIdentifier('ownerId', 'actorId', query.actorId);
  if (query.action !== undefined) {
    if (!(API_KEY_AUDIT_ACTIONS as readonly unknown[]).includes(query.action)) {
      throw ApiKeyValidationError.field('action', `action must be one of ${API_KEY_AUDIT_ACTIONS.join(', ')}`);
    }
    filter.action = query.action;
  }
  filter.since = timeOf('since', query.since);
  filter.until = timeOf('until', query.until);
  if (filter.since === undefined) delete filter.since;
  if (filter.until === undefined) delete filter.until;
  return filter;
}

function toAuditEvent(row: ApiKeyAuditEventEntity): ApiKeyAuditEvent {
  const event: ApiKeyAuditEvent = {
    id: row.id,
    action: row.action as ApiKeyAuditEvent['action'],
    actorId: row.actorId,
    at: new Date(row.at).toISOString(),
    details: row.details ?? {},
  };
  if (row.keyId) event.keyId = row.keyId;
  if (row.ownerId) event.ownerId = row.ownerId;
  if (row.ip) event.ip = row.ip;
  return event;
}
