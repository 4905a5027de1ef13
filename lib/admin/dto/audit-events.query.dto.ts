import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { API_KEY_AUDIT_ACTIONS } from '../../audit/audit-actions.js';
import type { ApiKeyAuditAction } from '../../interfaces/audit.interface.js';
import { IsCursor, IsIdentifier, IsPageLimit, IsQueryTime } from './validation-rules.js';

/** Query of `GET /audit-events`: filters combine; newest first. */
export class AuditEventsQueryDto {
  @IsOptional()
  @IsUUID('all')
  keyId?: string;

  /** Only this owner's changes (an owner-scoped actor always gets its own). */
  @IsOptional()
  @IsIdentifier('ownerId')
  ownerId?: string;

  /** `key:<id>` for a root key, the host's actor id, `cli` or `system`. */
  @IsOptional()
  @IsIdentifier('ownerId')
  actorId?: string;

  @IsOptional()
  @IsIn(API_KEY_AUDIT_ACTIONS)
  action?: ApiKeyAuditAction;

  /** Changes at or after this time. */
  @IsOptional()
  @IsQueryTime()
  since?: string;

  /** Changes before this time. */
  @IsOptional()
  @IsQueryTime()
  until?: string;

  @IsOptional()
  @IsPageLimit()
  limit?: number;

  @IsOptional()
  @IsCursor()
  cursor?: string;
}
