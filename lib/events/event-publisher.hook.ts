import { Injectable } from '@nestjs/common';
import type { ApiKeyEvent, ApiKeyEventType } from '../interfaces/api-key-event.interface.js';
import type { ApiKeyChangeAction, ApiKeyChangeHook, RecordedChange } from '../interfaces/api-key-change.interface.js';
import { ApiKeyEvents } from './api-key-events.js';

/** The event each change action publishes (actions without one publish none). */
const EVENT_OF: Partial<Record<ApiKeyChangeAction, { type: ApiKeyEventType; details?: Record<string, unknown> }>> = {
  'key.created': { type: 'key.created' },
  'key.imported': { type: 'key.created', details: { imported: true } },
  'key.child_created': { type: 'key.created', details: { child: true } },
  'key.updated': { type: 'key.updated' },
  'key.roles_set': { type: 'key.updated' },
  'key.permissions_set': { type: 'key.updated' },
  // A role redefined with other permissions: every key holding it (the change's `keys`).
  'role.created': { type: 'key.updated' },
  'key.rotated': { type: 'key.rotated' },
  'key.revoked': { type: 'key.revoked' },
  'keys.revoked': { type: 'key.revoked', details: { bulk: true } },
};

/**
 * Publishes the key events of SPEC §8 once a change committed: one per key (a bulk revoke
 * tells each revoked key's owner). Never before the commit, so no handler hears of a change
 * that was rolled back.
 * @internal
 */
@Injectable()
export class EventPublisherHook implements ApiKeyChangeHook {
  constructor(private readonly events: ApiKeyEvents) {}

  afterCommit(changes: readonly RecordedChange[]): void {
    for (const change of changes) {
      const event = EVENT_OF[change.action];
      if (!event) continue;
      const targets = change.keys ?? (change.keyId ? [{ id: change.keyId, ownerId: change.ownerId ?? '' }] : []);
      for (const target of targets) this.events.emit(this.eventFor(change, event, target));
    }
  }

  private eventFor(
    change: RecordedChange,
    event: { type: ApiKeyEventType; details?: Record<string, unknown> },
    target: { id: string; ownerId: string },
  ): ApiKeyEvent {
    const details = { ...event.details, ...change.details };
    return {
      type: event.type,
      keyId: target.id,
      ownerId: target.ownerId,
      actorId: change.actorId,
      at: change.at,
      ...(Object.keys(details).length > 0 ? { details } : {}),
    };
  }
}
