import { Injectable } from '@nestjs/common';
import { ForbiddenGrantError } from '../api-keys.errors.js';
import { ApiKeyChanges } from '../changes/api-key-changes.js';
import type { ApiKeyEntity } from '../entities/api-key.entity.js';
import type { CreateChildKeyInput, UpdateContext } from '../interfaces/api-key.interface.js';
import { checkNames } from '../keys/api-key-input.js';
import { statusOf } from '../keys/api-key.view.js';
import { newKeyRow } from '../keys/key-columns.js';
import { KeySecrets } from '../keys/key-secrets.js';
import { LastUsedTracker } from '../keys/last-used-tracker.js';
import { ApiKeyStore } from '../store/api-key.store.js';
import { checkChildWithin } from './child-grants.js';

/**
 * Issues child keys (SPEC §6, §8): a key under a live parent that holds at most what the
 * parent holds. Omitted owner, namespace, environment, allowed IPs and expiry are the
 * parent's; permissions and roles default to none. The parent's row is share-locked for the
 * transaction, so a concurrent revocation or rotation of the parent either lands first (and
 * the child is refused) or after (and ends the child at once, SPEC §6), while children of one
 * parent are created side by side.
 * @internal
 */
@Injectable()
export class ChildKeys {
  constructor(
    private readonly store: ApiKeyStore,
    private readonly secrets: KeySecrets,
    private readonly changes: ApiKeyChanges,
    private readonly lastUsed: LastUsedTracker,
  ) {}

  /** The child's raw key (this answer only) and its stored row. */
  async create(parentId: string, input: CreateChildKeyInput, ctx: UpdateContext): Promise<{ key: string; row: ApiKeyEntity }> {
    const permissions = checkNames('permissions', input?.permissions) ?? [];
    const roles = checkNames('roles', input?.roles) ?? [];
    const { key, secret } = this.secrets.issue();
    const row = await this.changes.run(ctx, async (tx) => {
      await this.store.shareLockKey(tx.manager, parentId);
      const parent = await this.store.requireById(parentId, tx.manager);
      this.checkParent(parent, tx.at);
      const child = newKeyRow(
        {
          ...input,
          ownerId: input.ownerId ?? parent.ownerId,
          namespace: input.namespace ?? parent.namespace,
          environment: input.environment === undefined ? parent.environment : input.environment,
          allowedIps: input.allowedIps ?? parent.allowedIps ?? [],
          expiresAt: input.expiresAt === undefined ? parent.expiresAt : input.expiresAt,
        },
        secret,
        tx.at,
        ctx.ownerScoped ? 'owner' : 'admin',
      );
      child.parentKeyId = parent.id;
      checkChildWithin({ ...child, permissions, roles }, parent);
      await this.store.insert(tx.manager, child, permissions, roles, tx.at);
      tx.record({
        action: 'key.child_created',
        keyId: child.id,
        ownerId: child.ownerId,
        details: { parentKeyId: parent.id, permissions, roles },
      });
      return (await this.store.findById(child.id, tx.manager))!;
    });
    return { key, row };
  }

  /** Only an active key that is not a child itself can have children (depth 1). */
  private checkParent(parent: ApiKeyEntity, now: number): void {
    if (parent.parentKeyId !== null) throw new ForbiddenGrantError('A child key cannot have children of its own.');
    const status = statusOf(parent, now, this.lastUsed.pendingFor(parent.id));
    if (status !== 'active') throw new ForbiddenGrantError(`The parent key is ${status}: only an active key can have children.`);
  }
}
