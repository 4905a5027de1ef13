import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ApiKeyChangeHook, RecordedChange } from '../interfaces/api-key-change.interface.js';
import { KeyFormat } from '../keys/key-format.js';
import { TimeOrderedIds } from '../usage/usage-buffer.js';
import type { ApiKeyAuditEventEntity } from './api-key-audit-event.entity.js';
import { unsafeDetail } from './audit-details.js';
import { AuditStore } from './audit.store.js';

/**
 * Writes the audit trail (SPEC §8): one row per recorded change, inside the change's own
 * transaction, so a failed insert rolls the change back and a rolled-back change leaves no row.
 * A no-op records no change, so it writes nothing. Runs before the event publisher (FEATURES).
 * @internal
 */
@Injectable()
export class AuditWriterHook implements ApiKeyChangeHook {
  private readonly ids = new TimeOrderedIds();

  constructor(
    private readonly store: AuditStore,
    private readonly format: KeyFormat,
  ) {}

  async inTransaction(manager: EntityManager, changes: readonly RecordedChange[]): Promise<void> {
    await this.store.insert(
      manager,
      changes.map((change) => this.rowOf(change)),
    );
  }

  private rowOf(change: RecordedChange): ApiKeyAuditEventEntity {
    const details = change.details ?? {};
    const problem = unsafeDetail(details, this.format);
    if (problem) throw new Error(`nest-api-keys: refused to audit ${change.action}: ${problem}`);
    return {
      id: this.ids.next(change.at),
      action: change.action,
      actorId: change.actorId,
      keyId: change.keyId ?? null,
      ownerId: change.ownerId ?? (change.action.startsWith('keys.') ? soleOwnerOf(change.keys) : null),
      ip: change.ip ?? null,
      at: change.at,
      details,
    };
  }
}

/**
 * The owner of a bulk revoke or a purge when its keys all have one, so that the owner's own
 * audit view shows it; null when they span owners. Role and permission edits stay ownerless:
 * they are administrators' changes, whatever keys they reach.
 */
function soleOwnerOf(keys: RecordedChange['keys']): string | null {
  const owners = new Set((keys ?? []).map((key) => key.ownerId));
  return owners.size === 1 ? [...owners][0] : null;
}
