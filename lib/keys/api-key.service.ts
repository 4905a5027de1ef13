import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { Observable, Subject } from 'rxjs';
import {
  API_KEYS_DATA_SOURCE,
  API_KEYS_RATE_LIMIT_STORAGE,
  API_KEYS_RESOLVED_OPTIONS,
} from '../api-keys.internal-constants.js';
import type { ResolvedApiKeysOptions } from '../api-keys.options.js';
import {
  ApiKeyNotFoundError,
  ApiKeyValidationError,
  KeyDisabledByAdminError,
  KeyExistsError,
  KeyNotRotatableError,
  KeyRotatedError,
} from '../api-keys.errors.js';
import { ApiKeyEntity } from '../entities/api-key.entity.js';
import type {
  ActorContext,
  ApiKey,
  ApiKeyPage,
  CreateApiKeyInput,
  ImportApiKeyInput,
  ListApiKeysQuery,
  RevokeManyFilter,
  UpdateApiKeyInput,
} from '../interfaces/api-key.interface.js';
import type { ApiKeyEvent, ApiKeyEventType } from '../interfaces/api-key-event.interface.js';
import { API_KEY_STATUSES } from '../interfaces/api-key.interface.js';
import type { VerifyOptions, VerifyResult } from '../interfaces/verify-result.interface.js';
import type { RateLimitRule, RateLimitStorage } from '../interfaces/quota.interface.js';
import { ApiKeyStore } from '../store/api-key.store.js';
import { isUniqueViolation } from '../store/driver-errors.js';
import { decodeCursor, encodeCursor } from '../store/key-cursor.js';
import { ApiKeyVerifier } from '../verification/api-key-verifier.js';
import { checkLabel, checkNames, checkNonNegativeInteger, checkOwnerId, checkRateLimits, toEpochMs } from './api-key-input.js';
import { changedColumns, LINEAGE_FIELDS, newKeyRow, patchColumns, successorRow, type StoredSecret } from './key-columns.js';
import { directPermissionsOf, roleNamesOf, toApiKey } from './api-key.view.js';
import { KeyFormat } from './key-format.js';
import { KeyHasher, SHA256_HASH_VERSION } from './key-hasher.js';
import { LastUsedTracker } from './last-used-tracker.js';

const DEFAULT_LIST_LIMIT = 20;

/**
 * Who creates or changes a key: a key an owner-scoped actor disables (or creates disabled) is
 * `disabledBy: 'owner'`; such an actor may not re-enable an admin's disable.
 */
export interface UpdateContext extends ActorContext {
  ownerScoped?: boolean;
}

/** `revokeMany` options the admin API uses: the calling key's lineage is never revoked. */
export interface RevokeManyOptions {
  exceptLineageId?: string;
}

/**
 * Issues, verifies and manages API keys. Keys are returned raw exactly once (create, rotate)
 * and stored only as hashes. Every method takes an optional `ctx` naming the actor.
 *
 * @example
 * const { key, apiKey } = await apiKeys.create({ ownerId: 'acme', permissions: ['billing:read'] });
 * const result = await apiKeys.verify(key, { permissions: ['billing:read'] }); // result.code === 'VALID'
 */
@Injectable()
export class ApiKeyService implements OnModuleInit, OnModuleDestroy {
  /** Every library event; never carries raw keys. */
  readonly events$: Observable<ApiKeyEvent>;
  private readonly events = new Subject<ApiKeyEvent>();
  private readonly format: KeyFormat;
  private readonly hasher: KeyHasher;
  private readonly store: ApiKeyStore;
  private readonly lastUsed: LastUsedTracker;
  private readonly verifier: ApiKeyVerifier;
  private readonly logger = new Logger('ApiKeys');

  constructor(
    @Inject(API_KEYS_DATA_SOURCE) dataSource: DataSource,
    @Inject(API_KEYS_RESOLVED_OPTIONS) private readonly options: ResolvedApiKeysOptions,
    @Inject(API_KEYS_RATE_LIMIT_STORAGE) rateLimitStorage: RateLimitStorage,
  ) {
    this.format = new KeyFormat(options.keyPrefix, options.keyBytes, options.legacyKeyPattern);
    this.hasher = new KeyHasher(options.pepper);
    this.store = new ApiKeyStore(dataSource);
    this.lastUsed = new LastUsedTracker(this.store, options.lastUsedWriteIntervalMs);
    this.verifier = new ApiKeyVerifier(this.format, this.hasher, this.store, this.lastUsed, rateLimitStorage, options, (event) =>
      this.emitRaw(event),
    );
    this.events$ = this.events.asObservable();
  }

  onModuleInit(): void {
    this.lastUsed.start();
  }

  /** Writes pending `lastUsedAt` values before the DataSource closes. */
  async onModuleDestroy(): Promise<void> {
    await this.lastUsed.stop();
  }

  /** Whether a string carries this module's key prefix (or the legacy pattern). */
  looksLikeKey(value: string): boolean {
    return this.format.hasPrefix(value);
  }

  /** Issues a key. The raw `key` is in this answer only. */
  async create(input: CreateApiKeyInput, ctx: UpdateContext = {}): Promise<{ key: string; apiKey: ApiKey }> {
    const key = this.format.generate();
    const parsed = this.format.parse(key)!;
    const stored = { ...this.hasher.hash(key), start: parsed.start, last4: parsed.last4 };
    const apiKey = await this.insertKey(input, stored, ctx.ownerScoped ? 'owner' : 'admin');
    this.emit('key.created', apiKey, ctx);
    return { key, apiKey };
  }

  /**
   * Imports a key issued elsewhere: its raw value (hashed now with the current version) or
   * its SHA-256 hex hash (upgraded to the current version on its first verify).
   */
  async import(input: ImportApiKeyInput, ctx: ActorContext = {}): Promise<ApiKey> {
    let stored: { hash: string; version: string; start: string; last4: string };
    if (typeof input.key === 'string') {
      const parsed = this.format.parse(input.key);
      if (!parsed) {
        throw ApiKeyValidationError.field('key', 'key matches neither the key format of keyPrefix nor legacyKeyPattern');
      }
      stored = { ...this.hasher.hash(input.key), start: parsed.start, last4: parsed.last4 };
      // Under a pepper the same key may already be stored under another version (an older
      // pepper, or its imported SHA-256 hash), which the unique index cannot see.
      const candidates = this.hasher.candidates(input.key);
      if (candidates.length > 1 && (await this.store.findByHashes(candidates.map((c) => c.hash)))) {
        throw new KeyExistsError();
      }
    } else if (typeof input.hash === 'string' && /^[0-9a-f]{64}$/i.test(input.hash)) {
      stored = { hash: input.hash.toLowerCase(), version: SHA256_HASH_VERSION, start: '', last4: '' };
    } else {
      throw ApiKeyValidationError.field('key', 'give either key (the raw key) or hash (its SHA-256 as 64 hex characters)');
    }
    const { key: _key, hash: _hash, ...rest } = input;
    const apiKey = await this.insertKey(rest, stored);
    this.emit('key.created', apiKey, ctx, { imported: true });
    return apiKey;
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

  /** A key by id, or null. Never includes the hash. */
  async get(id: string): Promise<ApiKey | null> {
    const key = await this.store.findById(id);
    return key ? this.view(key) : null;
  }

  /** A page of keys, newest first. Pass `nextCursor` back as `cursor` for the next page. */
  async list(query: ListApiKeysQuery = {}): Promise<ApiKeyPage> {
    const limit = query.limit ?? DEFAULT_LIST_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw ApiKeyValidationError.field('limit', 'limit must be an integer from 1 to 100');
    }
    if (query.status !== undefined && !API_KEY_STATUSES.includes(query.status)) {
      throw ApiKeyValidationError.field('status', `status must be one of ${API_KEY_STATUSES.join(', ')}`);
    }
    // The SQL idle test reads the stored lastUsedAt while each item's status also counts this
    // instance's unwritten uses: write those first so the filter and the statuses agree.
    if (query.status === 'active' || query.status === 'idle') await this.lastUsed.flush();
    const rows = await this.store.list({
      ownerId: query.ownerId === undefined ? undefined : checkOwnerId(query.ownerId),
      namespace: checkLabel('namespace', query.namespace),
      status: query.status,
      cursor: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
      limit: limit + 1,
      now: this.options.clock.now(),
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((key) => this.view(key)),
      nextCursor: rows.length > limit ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
    };
  }

  /**
   * Changes a key: an omitted field is kept, `null` clears it, a value sets it. Only the
   * changed columns are written. A change that changes nothing writes nothing.
   */
  async update(id: string, patch: UpdateApiKeyInput, ctx: UpdateContext = {}): Promise<ApiKey> {
    const now = this.options.clock.now();
    const set = patchColumns(patch, now);
    const permissions = checkNames('permissions', patch.permissions);
    const roles = checkNames('roles', patch.roles);

    const { before, after } = await this.store.writes.transaction(async (manager) => {
      await this.store.lockKey(manager, id); // an update and a rotation of one key queue up
      const before = await this.requireKey(id, manager);
      // A rotated key is verified through its successor's row: its limits, grants and credits
      // no longer apply, so changing them would answer 200 and change nothing.
      const sent = LINEAGE_FIELDS.filter((field) => patch[field] !== undefined);
      if (before.rotationGraceEndsAt !== null && sent.length > 0) {
        throw new KeyRotatedError(sent, before.rotatedToId);
      }
      if (patch.enabled !== undefined && patch.enabled !== before.enabled) {
        if (patch.enabled && ctx.ownerScoped && before.disabledBy === 'admin') {
          throw new KeyDisabledByAdminError();
        }
        set.enabled = patch.enabled;
        set.disabledBy = patch.enabled ? null : ctx.ownerScoped ? 'owner' : 'admin';
      }
      if (set.refillInterval && (set.remaining === undefined ? before.remaining : set.remaining) === null) {
        throw ApiKeyValidationError.field('refill', 'a refill needs remaining credits: set remaining too');
      }
      const changed = changedColumns(before, set);
      const grantsChanged =
        (permissions !== undefined && !sameNames(permissions, directPermissionsOf(before))) ||
        (roles !== undefined && !sameNames(roles, roleNamesOf(before)));
      if (Object.keys(changed).length === 0 && !grantsChanged) return { before, after: before };
      await this.store.updateColumns(manager, id, changed, now);
      if (grantsChanged) await this.store.replaceGrants(manager, id, permissions, roles, now);
      return { before, after: (await this.store.findById(id, manager))! };
    });
    const view = this.view(after);
    if (after !== before) this.emit('key.updated', view, ctx);
    return view;
  }

  /**
   * Issues a successor that inherits everything but the secret; the old key keeps working
   * for `gracePeriodMs` (default 0), reading the successor's row. Of two concurrent
   * rotations of one key exactly one succeeds; the other gets KeyNotRotatableError.
   */
  async rotate(id: string, options: { gracePeriodMs?: number } = {}, ctx: ActorContext = {}): Promise<{ key: string; apiKey: ApiKey }> {
    const gracePeriodMs = checkNonNegativeInteger('gracePeriodMs', options.gracePeriodMs) ?? 0;
    const key = this.format.generate();
    const parsed = this.format.parse(key)!;
    const { version, hash } = this.hasher.hash(key);
    const now = this.options.clock.now();
    const successor = await this.store.writes.transaction(async (manager) => {
      // Lock first: the successor's foreign key to the old row takes a shared lock there,
      // and two rotations holding it would deadlock on the claim below (MySQL/MariaDB).
      await this.store.lockKey(manager, id);
      const old = await this.requireKey(id, manager);
      if (old.revokedAt !== null || old.rotationGraceEndsAt !== null) throw new KeyNotRotatableError();
      const next = successorRow(old, { hash, version, start: parsed.start, last4: parsed.last4 }, now);
      await this.store.insert(manager, next, directPermissionsOf(old), roleNamesOf(old), now);
      const claimed = await this.store.claimRotation(manager, id, next.id, now + gracePeriodMs, now);
      if (!claimed) throw new KeyNotRotatableError(); // a concurrent rotation won
      return (await this.store.findById(next.id, manager))!;
    });
    const apiKey = this.view(successor);
    this.emit('key.rotated', apiKey, ctx, { rotatedFromId: id, gracePeriodMs });
    return { key, apiKey };
  }

  /** Revokes a key. Idempotent: a revoked key is answered unchanged. */
  async revoke(id: string, ctx: ActorContext = {}): Promise<ApiKey> {
    const now = this.options.clock.now();
    const { key, changed } = await this.store.writes.transaction(async (manager) => {
      await this.requireKey(id, manager);
      const changed = await this.store.revokeOne(manager, id, now);
      return { key: (await this.store.findById(id, manager))!, changed };
    });
    const view = this.view(key);
    if (changed) this.emit('key.revoked', view, ctx);
    return view;
  }

  /** Revokes every unrevoked key matching all given filters (at least one). Answers the count. */
  async revokeMany(filter: RevokeManyFilter, ctx: ActorContext = {}, options: RevokeManyOptions = {}): Promise<number> {
    // A null filter is no filter: at least one must be given (SPEC §9), or nothing is revoked.
    const ownerId = filter.ownerId == null ? undefined : checkOwnerId(filter.ownerId);
    const namespace = filter.namespace == null ? undefined : checkLabel('namespace', filter.namespace);
    const createdBefore = toEpochMs('createdBefore', filter.createdBefore) ?? undefined;
    if (ownerId === undefined && namespace === undefined && createdBefore === undefined) {
      throw ApiKeyValidationError.field('filter', 'give at least one of ownerId, namespace, createdBefore');
    }
    const now = this.options.clock.now();
    const revoked = await this.store.writes.transaction((manager) =>
      this.store.revokeMatching(manager, { ownerId, namespace, createdBefore, exceptLineageId: options.exceptLineageId }, now),
    );
    const actorId = ctx.actorId ?? 'system';
    for (const row of revoked) {
      this.emitRaw({ type: 'key.revoked', keyId: row.id, ownerId: row.ownerId, actorId, at: now, details: { bulk: true } });
    }
    return revoked.length;
  }

  /** Hard-deletes keys revoked, expired or rotated more than `olderThanMs` ago. Answers the count. */
  async purge(options: { olderThanMs: number }, _ctx: ActorContext = {}): Promise<number> {
    const olderThanMs = checkNonNegativeInteger('olderThanMs', options?.olderThanMs);
    if (olderThanMs == null) throw ApiKeyValidationError.field('olderThanMs', 'olderThanMs is required');
    const cutoff = this.options.clock.now() - olderThanMs;
    return this.store.writes.transaction((manager) => this.store.purge(manager, cutoff));
  }

  /**
   * Sets the rate limits every key of an owner draws from, together with its own (`null` or
   * `[]` removes them). Counters are shared across the owner's keys.
   */
  async setOwnerRateLimits(ownerId: string, rateLimits: RateLimitRule[] | null): Promise<{ ownerId: string; rateLimits: RateLimitRule[] }> {
    checkOwnerId(ownerId);
    const rules = rateLimits === null ? [] : checkRateLimits('rateLimits', rateLimits)!;
    await this.store.writes.write(() => this.store.saveOwnerRateLimits(ownerId, rules));
    return { ownerId, rateLimits: rules };
  }

  /** Permissions of each named role that exists (unknown roles are absent). */
  rolePermissions(roles: string[]): Promise<Map<string, string[]>> {
    return this.store.findRolePermissions(roles);
  }

  /** Shapes a stored row for callers, with this instance's unwritten last use. @internal */
  view(key: ApiKeyEntity): ApiKey {
    return toApiKey(key, this.options.clock.now(), this.lastUsed.pendingFor(key.id));
  }

  /** Writes pending `lastUsedAt` values now (they are written on an interval and at shutdown). */
  flushLastUsed(): Promise<void> {
    return this.lastUsed.flush();
  }

  private async insertKey(input: CreateApiKeyInput, stored: StoredSecret, disabledBy: 'owner' | 'admin' = 'admin'): Promise<ApiKey> {
    const now = this.options.clock.now();
    const permissions = checkNames('permissions', input.permissions) ?? [];
    const roles = checkNames('roles', input.roles) ?? [];
    const entity = newKeyRow(input, stored, now, disabledBy);
    const saved = await this.store.writes
      .transaction(async (manager) => {
        await this.store.insert(manager, entity, permissions, roles, now);
        return (await this.store.findById(entity.id, manager))!;
      })
      .catch((error) => {
        if (isUniqueViolation(error)) throw new KeyExistsError();
        throw error;
      });
    return this.view(saved);
  }

  private async requireKey(id: string, manager: EntityManager): Promise<ApiKeyEntity> {
    const key = await this.store.findById(id, manager);
    if (!key) throw new ApiKeyNotFoundError();
    return key;
  }

  private emit(type: ApiKeyEventType, key: ApiKey, ctx: ActorContext, details?: Record<string, unknown>): void {
    this.emitRaw({ type, keyId: key.id, ownerId: key.ownerId, actorId: ctx.actorId ?? 'system', at: this.options.clock.now(), details });
  }

  private emitRaw(event: ApiKeyEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch (error) {
      this.logger.warn(`onEvent handler threw for ${event.type}: ${(error as Error).message}`);
    }
    this.events.next(event);
  }
}

function sameNames(a: string[], b: string[]): boolean {
  return a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
}
