import type { ApiKeyChangeAction } from './api-key-change.interface.js';
import type { UsageTime } from './usage.interface.js';

/** An action of the audit trail (SPEC §8). */
export type ApiKeyAuditAction = ApiKeyChangeAction;

/**
 * One change of the audit trail: who (`actorId`: `key:<id>` for a root key, the host's actor,
 * `cli` or `system`), what, on which key and owner, from where and when. `details` never holds a
 * raw key, a hash or a secret value.
 */
export interface ApiKeyAuditEvent {
  id: string;
  action: ApiKeyAuditAction;
  actorId: string;
  keyId?: string;
  ownerId?: string;
  /** The time of the change (UTC), as an ISO string. */
  at: string;
  ip?: string;
  details: Record<string, unknown>;
}

/** Filters of `ApiKeyAuditService.list` (they combine), newest first. */
export interface ApiKeyAuditQuery {
  keyId?: string;
  ownerId?: string;
  actorId?: string;
  action?: ApiKeyAuditAction;
  /** Changes at or after this time. */
  since?: UsageTime;
  /** Changes before this time. */
  until?: UsageTime;
  /** 1–100, default 20. */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
}

/** A page of the audit trail; `nextCursor` is null on the last page. */
export interface ApiKeyAuditPage {
  items: ApiKeyAuditEvent[];
  nextCursor: string | null;
}
