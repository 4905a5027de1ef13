import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { MaxKeysReachedError } from '../api-keys.errors.js';
import { API_KEYS_RESOLVED_OPTIONS } from '../api-keys.internal-constants.js';
import type { ResolvedApiKeysOptions } from '../api-keys.options.js';
import type { ApiKeyChangeHook, RecordedChange } from '../interfaces/api-key-change.interface.js';
import { OwnerCountsStore } from './owner-counts.store.js';

/**
 * Keeps `activeKeys` exact in the transaction of every change that moves it, and enforces
 * `maxKeysPerOwner` there (SPEC §11): a create, import or child creation claims a slot with a
 * conditional update of the owner row — past the cap it throws 409 MAX_KEYS_REACHED and the
 * whole change rolls back; a rotation counts its successor without the cap (a rotation replaces
 * a key, and must never be refused when a key leaks); a revoke or bulk revoke gives slots
 * back; a purge recounts the owners it touched (it deletes revoked and unrevoked keys alike).
 * Counting runs whether or not a cap is set, so turning the cap on later is exact.
 * @internal
 */
@Injectable()
export class OwnerCountsHook implements ApiKeyChangeHook {
  constructor(
    private readonly counts: OwnerCountsStore,
    @Inject(API_KEYS_RESOLVED_OPTIONS) private readonly options: ResolvedApiKeysOptions,
  ) {}

  async inTransaction(manager: EntityManager, changes: readonly RecordedChange[]): Promise<void> {
    for (const change of changes) {
      switch (change.action) {
        case 'key.created':
        case 'key.imported':
        case 'key.child_created': {
          const cap = this.options.maxKeysPerOwner;
          if (!(await this.counts.claim(manager, change.ownerId!, cap))) throw new MaxKeysReachedError(cap!);
          break;
        }
        case 'key.rotated':
          await this.counts.claim(manager, change.ownerId!, null);
          break;
        case 'key.revoked':
          await this.counts.release(manager, change.ownerId!, 1);
          break;
        case 'keys.revoked':
          // Owners in one order, so that two bulk changes never wait on each other's rows.
          for (const [ownerId, count] of [...countByOwner(change.keys ?? [])].sort(byOwner))
            await this.counts.release(manager, ownerId, count);
          break;
        case 'keys.purged':
          for (const [ownerId] of [...countByOwner(change.keys ?? [])].sort(byOwner)) await this.counts.recount(manager, ownerId);
          break;
      }
    }
  }
}

function countByOwner(keys: ReadonlyArray<{ ownerId: string }>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { ownerId } of keys) counts.set(ownerId, (counts.get(ownerId) ?? 0) + 1);
  return counts;
}

const byOwner = ([a]: [string, number], [b]: [string, number]) => (a < b ? -1 : a > b ? 1 : 0);
