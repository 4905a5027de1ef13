import { Inject, Injectable, Logger } from '@nestjs/common';
import { API_KEYS_CHANGE_HOOKS, API_KEYS_RESOLVED_OPTIONS } from '../api-keys.internal-constants.js';
import type { ResolvedApiKeysOptions } from '../api-keys.options.js';
import type { ActorContext } from '../interfaces/api-key.interface.js';
import type { ApiKeyChangeHook, ChangeTransaction, RecordedChange } from '../interfaces/api-key-change.interface.js';
import { checkIdentifier } from '../keys/api-key-input.js';
import { ApiKeyStore } from '../store/api-key.store.js';
import { ApiKeyValidationError } from '../api-keys.errors.js';

/** The actor of a change made without one. */
export const SYSTEM_ACTOR = 'system';

/**
 * The change pipeline: every mutation of the library runs as
 * `changes.run(ctx, async (tx) => { …; tx.record({ action, keyId, ownerId, details }) })` — one
 * transaction, the changes it recorded, then each hook's `inTransaction` (still inside it) and,
 * once committed, each hook's `afterCommit`. Adding audit rows, events or cache invalidation
 * is a hook, never an edit of the services.
 * @internal
 */
@Injectable()
export class ApiKeyChanges {
  private readonly logger = new Logger('ApiKeys');

  constructor(
    private readonly store: ApiKeyStore,
    @Inject(API_KEYS_RESOLVED_OPTIONS) private readonly options: ResolvedApiKeysOptions,
    @Inject(API_KEYS_CHANGE_HOOKS) private readonly hooks: ApiKeyChangeHook[],
  ) {}

  async run<T>(ctx: ActorContext | undefined, work: (tx: ChangeTransaction) => Promise<T>): Promise<T> {
    checkActorContext(ctx);
    let recorded: RecordedChange[] = [];
    const result = await this.store.writes.transaction(async (manager) => {
      // A transaction retried after a deadlock runs the work again from scratch.
      recorded = [];
      const at = this.options.clock.now();
      const who = { actorId: ctx?.actorId || SYSTEM_ACTOR, ...(ctx?.ip ? { ip: ctx.ip } : {}), at };
      const value = await work({ manager, at, record: (change) => void recorded.push({ ...change, ...who }) });
      if (recorded.length > 0) for (const hook of this.hooks) await hook.inTransaction?.(manager, recorded);
      return value;
    });
    if (recorded.length > 0) await this.afterCommit(recorded);
    return result;
  }

  private async afterCommit(changes: RecordedChange[]): Promise<void> {
    for (const hook of this.hooks) {
      try {
        await hook.afterCommit?.(changes);
      } catch (error) {
        this.logger.warn(`An after-commit step of ${changes[0].action} failed: ${(error as Error).message}`);
      }
    }
  }
}

/** Longest client address the audit trail stores (an IPv6 address with an IPv4 tail). */
const MAX_IP_LENGTH = 45;

/**
 * Who made a change is recorded with it, so it must fit the audit trail: an actor id is an
 * identifier (SPEC §11) and an address at most 45 characters. Checked before any work, so a bad
 * context is a validation error rather than a failed audit insert.
 */
function checkActorContext(ctx: ActorContext | undefined): void {
  if (ctx?.actorId) checkIdentifier('ownerId', 'actorId', ctx.actorId);
  if (ctx?.ip !== undefined && (typeof ctx.ip !== 'string' || ctx.ip.length > MAX_IP_LENGTH)) {
    throw ApiKeyValidationError.field('ip', `ip must be a client address of at most ${MAX_IP_LENGTH} characters`);
  }
}
