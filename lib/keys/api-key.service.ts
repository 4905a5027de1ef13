import { Inject, Injectable } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { API_KEYS_RESOLVED_OPTIONS } from '../api-keys.internal-constants.js';
import type { ResolvedApiKeysOptions } from '../api-keys.options.js';
import { ApiKeyValidationError, KeyExistsError, KeyNotRotatableError } from '../api-keys.errors.js';
import { ApiKeyChanges } from '../changes/api-key-changes.js';
import { ChildKeys } from '../children/child-keys.js';
import { ApiKeyEvents } from '../events/api-key-events.js';
import type {
  ActorContext,
  ApiKey,
  ApiKeyPage,
  CreateApiKeyInput,
  CreateChildKeyInput,
  ImportApiKeyInput,
  ListApiKeysQuery,
  RevokeManyFilter,
  RevokeManyOptions,
  UpdateApiKeyInput,
  UpdateContext,
} from '../interfaces/api-key.interface.js';
import type { ApiKeyEvent } from '../interfaces/api-key-event.interface.js';
import type { VerifyOptions, VerifyResult } from '../interfaces/verify-result.interface.js';
import type { RateLimitRule } from '../interfaces/quota.interface.js';
import { OwnerRateLimits } from '../quotas/owner-rate-limits.js';
import { ApiKeyStore } from '../store/api-key.store.js';
import { isKeyHashCollision } from '../store/driver-errors.js';
import { pageOf } from '../store/key-cursor.js';
import { ApiKeyVerifier } from '../verification/api-key-verifier.js';
import { checkListQuery, checkNames, checkNonNegativeInteger, checkRevokeFilter, filterDetails } from './api-key-input.js';
import { newKeyRow, patchColumns, successorRow, type StoredSecret } from './key-columns.js';
import { planUpdate } from './key-update.js';
import { directPermissionsOf, roleNamesOf } from './api-key.view.js';
import { ApiKeyViews } from './api-key-views.js';
import { KeySecrets } from './key-secrets.js';
import { LastUsedTracker } from './last-used-tracker.js';

/**
 * Issues, verifies and manages API keys. Keys are returned raw exactly once (create, rotate)
 * and stored only as hashes. Every change runs through the change pipeline (one transaction,
 * then its audit, events and cache steps) and takes an optional `ctx` naming the actor.
 *
 * @example
 * const { key, apiKey } = await apiKeys.create({ ownerId: 'acme', permissions: ['billing:read'] });
 * const result = await apiKeys.verify(key, { permissions: ['billing:read'] }); // result.code === 'VALID'
 */
@Injectable()
export class ApiKeyService {
  /** Every library event; never carries raw keys. */
  readonly events$: Observable<ApiKeyEvent>;

  constructor(
    private readonly store: ApiKeyStore,
    private readonly secrets: KeySecrets,
    private readonly verifier: ApiKeyVerifier,
    private readonly lastUsed: LastUsedTracker,
    private readonly changes: ApiKeyChanges,
    private readonly children: ChildKeys,
    private readonly views: ApiKeyViews,
    private readonly ownerRateLimits: OwnerRateLimits,
    events: ApiKeyEvents,
    @Inject(API_KEYS_RESOLVED_OPTIONS) private readonly options: ResolvedApiKeysOptions,
  ) {
    this.events$ = events.events$;
  }

  /** Issues a key. The raw `key` is in this answer only. */
  async create(input: CreateApiKeyInput, ctx: UpdateContext = {}): Promise<{ key: string; apiKey: ApiKey }> {
    const { key, secret } = this.secrets.issue();
    const apiKey = await this.insertKey(input, secret, ctx, ctx.ownerScoped ? 'owner' : 'admin', 'key.created');
    return { key, apiKey };
  }

  /**
   * Imports a key issued elsewhere: its raw value (hashed now with the current version) or
   * its SHA-256 hex hash (upgraded to the current version on its first verify).
   */
  async import(input: ImportApiKeyInput, ctx: ActorContext = {}): Promise<ApiKey> {
    const secret = await this.secrets.imported(input);
    const { key: _key, hash: _hash, ...rest } = input;
    return this.insertKey(rest, secret, ctx, 'admin', 'key.imported');
  }

  /**
   * Issues a child of `parentId` that can only narrow it (SPEC §6, §8): permissions within the
   * parent's effective set (wildcard-aware), roles the parent holds, addresses inside its
   * allow-list, an expiry by its own. It spends the parent's credits and rate limits and fails
   * whenever the parent would. An escalation throws ForbiddenGrantError; README "Child keys".
   */
  async createChildKey(
    parentId: string,
    input: CreateChildKeyInput = {},
    ctx: UpdateContext = {},
  ): Promise<{ key: string; apiKey: ApiKey }> {
    const { key, row } = await this.children.create(parentId, input, ctx);
    return { key, apiKey: this.views.of(row) };
  }

  /**
   * Verifies a raw key against the checks of SPEC §6 in order and answers the first failure
   * or VALID; a VALID call is counted by the key's rate limits and spends `cost` credits
   * (default 1). A malformed key costs no database work. Throws StoreUnavailableError when a
   * store is down or slower than `storeTimeoutMs`, and ApiKeyValidationError for a bad cost.
   */
  verify(raw: string, options: VerifyOptions = {}): Promise<VerifyResult> {
    return this.verifier.verify(raw, options);
  }

  /**
   * The guard's verify: a result without a promise when the key cache decides, and the key's
   * SHA-256 reused when the guard already made it.
   * @internal
   */
  verifyNow(raw: string, options: VerifyOptions, sha256?: string): VerifyResult | Promise<VerifyResult> {
    return this.verifier.verifyNow(raw, options, sha256);
  }

  /** A key by id, or null. Never includes the hash. */
  async get(id: string): Promise<ApiKey | null> {
    const key = await this.store.findById(id);
    return key ? this.views.of(key) : null;
  }

  /** A page of keys, newest first. Pass `nextCursor` back as `cursor` for the next page. */
  async list(query: ListApiKeysQuery = {}): Promise<ApiKeyPage> {
    const checked = checkListQuery(query);
    // The SQL idle test reads the stored lastUsedAt while each item's status also counts this
    // instance's unwritten uses: write those first so the filter and the statuses agree.
    if (checked.status === 'active' || checked.status === 'idle') await this.lastUsed.flush();
    const rows = await this.store.list({ ...checked, limit: checked.limit + 1, now: this.options.clock.now() });
    const { page, nextCursor } = pageOf(rows, checked.limit);
    return { items: page.map((key) => this.views.of(key)), nextCursor };
  }

  /**
   * Changes a key: an omitted field is kept, `null` clears it, a value sets it. Only the
   * changed columns are written. A change that changes nothing writes (and records) nothing.
   */
  async update(id: string, patch: UpdateApiKeyInput, ctx: UpdateContext = {}): Promise<ApiKey> {
    const set = patchColumns(patch, this.options.clock.now());
    const permissions = checkNames('permissions', patch.permissions);
    const roles = checkNames('roles', patch.roles);
    const after = await this.changes.run(ctx, async (tx) => {
      await this.store.lockKey(tx.manager, id); // an update and a rotation of one key queue up
      const before = await this.store.requireById(id, tx.manager);
      const plan = planUpdate(before, patch, set, { permissions, roles }, ctx.ownerScoped === true);
      if (plan.fields.length === 0) return before;
      await this.store.updateColumns(tx.manager, id, plan.columns, tx.at);
      if (plan.grants.permissions || plan.grants.roles)
        await this.store.replaceGrants(tx.manager, id, plan.grants.permissions, plan.grants.roles, tx.at);
      tx.record({ action: 'key.updated', keyId: id, ownerId: before.ownerId, details: { changed: plan.fields, ...plan.grants } });
      return (await this.store.findById(id, tx.manager))!;
    });
    return this.views.of(after);
  }

  /**
   * Issues a successor that inherits everything but the secret; the old key keeps working
   * for `gracePeriodMs` (default 0), reading the successor's row. Of two concurrent
   * rotations of one key exactly one succeeds; the other gets KeyNotRotatableError.
   */
  async rotate(id: string, options: { gracePeriodMs?: number } = {}, ctx: ActorContext = {}): Promise<{ key: string; apiKey: ApiKey }> {
    const gracePeriodMs = checkNonNegativeInteger('gracePeriodMs', options.gracePeriodMs) ?? 0;
    const { key, secret } = this.secrets.issue();
    const successor = await this.changes.run(ctx, async (tx) => {
      // Lock first: the successor's foreign key to the old row takes a shared lock there,
      // and two rotations holding it would deadlock on the claim below (MySQL/MariaDB).
      await this.store.lockKey(tx.manager, id);
      const old = await this.store.requireById(id, tx.manager);
      if (old.revokedAt !== null || old.rotationGraceEndsAt !== null) throw new KeyNotRotatableError();
      const next = successorRow(old, secret, tx.at);
      await this.store.insert(tx.manager, next, directPermissionsOf(old), roleNamesOf(old), tx.at);
      if (!(await this.store.claimRotation(tx.manager, id, next.id, tx.at + gracePeriodMs, tx.at))) {
        throw new KeyNotRotatableError(); // a concurrent rotation won
      }
      tx.record({ action: 'key.rotated', keyId: next.id, ownerId: next.ownerId, details: { rotatedFromId: id, gracePeriodMs } });
      return (await this.store.findById(next.id, tx.manager))!;
    });
    return { key, apiKey: this.views.of(successor) };
  }

  /** Revokes a key. Idempotent: a revoked key is answered unchanged, and nothing is recorded. */
  async revoke(id: string, ctx: ActorContext = {}): Promise<ApiKey> {
    const key = await this.changes.run(ctx, async (tx) => {
      const before = await this.store.requireById(id, tx.manager);
      if (await this.store.revokeOne(tx.manager, id, tx.at)) tx.record({ action: 'key.revoked', keyId: id, ownerId: before.ownerId });
      return (await this.store.findById(id, tx.manager))!;
    });
    return this.views.of(key);
  }

  /** Revokes every unrevoked key matching all given filters (at least one). Answers the count. */
  async revokeMany(filter: RevokeManyFilter, ctx: ActorContext = {}, options: RevokeManyOptions = {}): Promise<number> {
    const checked = checkRevokeFilter(filter);
    return this.changes.run(ctx, async (tx) => {
      const revoked = await this.store.revokeMatching(tx.manager, { ...checked, exceptLineageId: options.exceptLineageId }, tx.at);
      if (revoked.length > 0)
        tx.record({ action: 'keys.revoked', details: { count: revoked.length, filter: filterDetails(checked) }, keys: revoked });
      return revoked.length;
    });
  }

  /** Hard-deletes keys revoked, expired or rotated more than `olderThanMs` ago. Answers the count. */
  async purge(options: { olderThanMs: number }, ctx: ActorContext = {}): Promise<number> {
    const olderThanMs = checkNonNegativeInteger('olderThanMs', options?.olderThanMs);
    if (olderThanMs == null) throw ApiKeyValidationError.field('olderThanMs', 'olderThanMs is required');
    return this.changes.run(ctx, async (tx) => {
      const purged = await this.store.purge(tx.manager, tx.at - olderThanMs);
      if (purged.length > 0) tx.record({ action: 'keys.purged', details: { count: purged.length, olderThanMs }, keys: purged });
      return purged.length;
    });
  }

  /**
   * Sets the rate limits every key of an owner draws from, together with its own (`null` or
   * `[]` removes them). Counters are shared across the owner's keys.
   */
  setOwnerRateLimits(
    ownerId: string,
    rateLimits: RateLimitRule[] | null,
    ctx: ActorContext = {},
  ): Promise<{ ownerId: string; rateLimits: RateLimitRule[] }> {
    return this.ownerRateLimits.set(ownerId, rateLimits, ctx);
  }

  /** Whether a string carries this module's key prefix (or the legacy pattern). */
  looksLikeKey(value: string): boolean {
    return this.secrets.looksLikeKey(value);
  }

  /** Writes pending `lastUsedAt` values now (they are written on an interval and at shutdown). */
  flushLastUsed(): Promise<void> {
    return this.lastUsed.flush();
  }

  private async insertKey(
    input: CreateApiKeyInput,
    secret: StoredSecret,
    ctx: ActorContext,
    disabledBy: 'owner' | 'admin',
    action: 'key.created' | 'key.imported',
  ): Promise<ApiKey> {
    const permissions = checkNames('permissions', input.permissions) ?? [];
    const roles = checkNames('roles', input.roles) ?? [];
    const row = newKeyRow(input, secret, this.options.clock.now(), disabledBy);
    const saved = await this.changes
      .run(ctx, async (tx) => {
        await this.store.insert(tx.manager, row, permissions, roles, tx.at);
        tx.record({ action, keyId: row.id, ownerId: row.ownerId, details: { namespace: row.namespace, permissions, roles } });
        return (await this.store.findById(row.id, tx.manager))!;
      })
      .catch((error) => {
        if (isKeyHashCollision(error)) throw new KeyExistsError();
        throw error;
      });
    return this.views.of(saved);
  }
}
