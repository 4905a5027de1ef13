import type { EntityManager } from 'typeorm';

/**
 * What a change did, in the words of the audit trail (SPEC §8). `owner.rate_limits_set`
 * records `setOwnerRateLimits`, which the spec's list leaves out but a reviewer asks about.
 */
export type ApiKeyChangeAction =
  | 'key.created'
  | 'key.imported'
  | 'key.updated'
  | 'key.rotated'
  | 'key.revoked'
  | 'keys.revoked'
  | 'keys.purged'
  | 'key.child_created'
  | 'key.roles_set'
  | 'key.permissions_set'
  | 'role.created'
  | 'role.deleted'
  | 'permission.created'
  | 'permission.deleted'
  | 'owner.rate_limits_set'
  | 'secret.put'
  | 'secret.deleted';

/**
 * One change a mutation recorded in its transaction. `details` goes to the audit row and the
 * event: it never holds a raw key, a hash or a secret value.
 */
export interface ApiKeyChange {
  action: ApiKeyChangeAction;
  keyId?: string;
  ownerId?: string;
  details?: Record<string, unknown>;
  /**
   * Every key whose verify outcome the change can alter, when that is not just `keyId` (a bulk
   * revoke, a role edit): events and cache invalidation reach each one.
   */
  keys?: Array<{ id: string; ownerId: string }>;
}

/** A change as the hooks see it: with who made it, from where and when. */
export interface RecordedChange extends ApiKeyChange {
  actorId: string;
  ip?: string;
  /** Epoch ms from the library clock. */
  at: number;
}

/** The transaction a mutation runs in, and where it records what it changed. */
export interface ChangeTransaction {
  readonly manager: EntityManager;
  /** The time of the change (the library clock, read once). */
  readonly at: number;
  record(change: ApiKeyChange): void;
}

/**
 * A step every change goes through (DESIGN: the change pipeline). `inTransaction` runs inside
 * the change's transaction after the mutation — a throw rolls the whole change back (the audit
 * writer); `afterCommit` runs once it committed — a throw is logged and never fails the change
 * (events, cache invalidation). A mutation that changed nothing records nothing, and no hook
 * sees it. Register one in a feature's `changeHooks`.
 */
export interface ApiKeyChangeHook {
  inTransaction?(manager: EntityManager, changes: readonly RecordedChange[]): Promise<void>;
  afterCommit?(changes: readonly RecordedChange[]): void | Promise<void>;
}
