import type { Type } from '@nestjs/common';
import type { ApiKeyAuditEvent, ApiKeyAuditPage } from '../interfaces/audit.interface.js';
import { defineModel, pageOf } from '../openapi/response.models.js';
import { API_KEY_AUDIT_ACTIONS } from './audit-actions.js';

// Response models of GET /audit-events for the OpenAPI document (inert classes without swagger).

/** @internal */
export const AuditEventModel = defineModel<ApiKeyAuditEvent>('AuditEvent', {
  id: { type: 'string', format: 'uuid' },
  action: { type: 'string', enum: [...API_KEY_AUDIT_ACTIONS] },
  actorId: { type: 'string', description: '`key:<id>` for a root key, the host actor, `cli` or `system`.' },
  keyId: { type: 'string', format: 'uuid', optional: true },
  ownerId: { type: 'string', optional: true },
  at: { type: 'string', format: 'date-time', description: 'The time of the change (UTC).' },
  ip: { type: 'string', optional: true, description: 'The client address of the change, when it had one.' },
  details: { type: 'object', description: 'What changed: ids, names and counts, never a key, a hash or a secret.' },
});

/** @internal */
export const AuditEventPageModel = pageOf(AuditEventModel, 'AuditEventPage') as Type<ApiKeyAuditPage>;
