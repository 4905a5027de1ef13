import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Brackets, type DataSource, type EntityManager } from 'typeorm';
import { Observable, Subject } from 'rxjs';
import { DEFAULT_NAMESPACE } from '../api-keys.constants.js';
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
import { periodStart } from '../quotas/refill-period.js';
import { ApiKeyStore, type KeyCursor } from '../store/api-key.store.js';
import { ApiKeyVerifier } from '../verification/api-key-verifier.js';
import {
  checkIpRules,
  checkLabel,
  checkMeta,
  checkNames,
  checkNonNegativeInteger,
  checkOwnerId,
  checkRateLimits,
  checkRefill,
  toEpochMs,
} from './api-key-input.js';
import { directPermissionsOf, roleNamesOf, toApiKey } from './api-key.view.js';
import { KeyFormat } from './key-format.js';
import { KeyHasher, SHA256_HASH_VERSION } from './key-hasher.js';
import { LastUsedTracker } from './last-used-tracker.js';

const DEFAULT_LIST_LIMIT = 20;
/** Keys revoked per UPDATE statement in a bulk revoke. */
const REVOKE_BATCH = 500;

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
    const set: Partial<ApiKeyEntity> = {};
    if (patch.name !== undefined) set.name = checkName(patch.name);
    if (patch.meta !== undefined) set.meta = patch.meta === null ? {} : checkMeta(patch.meta)!;
    if (patch.expiresAt !== undefined) set.expiresAt = toEpochMs('expiresAt', patch.expiresAt) ?? null;
    if (patch.maxIdleMs !== undefined) set.maxIdleMs = checkPositiveMs('maxIdleMs', patch.maxIdleMs);
    if (patch.allowedIps !== undefined) set.allowedIps = patch.allowedIps === null ? [] : checkIpRules(patch.allowedIps)!;
    if (patch.rateLimits !== undefined) set.rateLimits = patch.rateLimits === null ? null : checkRateLimits('rateLimits', patch.rateLimits)!;
    const now = this.options.clock.now();
    Object.assign(set, creditColumns(patch.remaining, patch.refill, now));
    if (patch.enabled !== undefined && typeof patch.enabled !== 'boolean') {
      throw ApiKeyValidationError.field('enabled', 'enabled must be a boolean');
    }
    const permissions = checkNames('permissions', patch.permissions);
    const roles = checkNames('roles', patch.roles);

    const { before, after } = await this.store.writes.transaction(async (manager) => {
      await this.store.lockKey(manager, id); // an update and a rotation of one key queue up
      const before = await this.requireKey(id, manager);
      // A rotated key is verified through its successor's row: its limits, grants and credits
      // no longer apply, so changing them would answer 200 and change nothing.
      const lineageFields = ['permissions', 'roles', 'allowedIps', 'rateLimits', 'remaining', 'refill', 'maxIdleMs', 'expiresAt'] as const;
      const sent = lineageFields.filter((field) => patch[field] !== undefined);
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
      await manager.getRepository(ApiKeyEntity).update({ id }, { ...changed, updatedAt: now } as object);
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
      const next: ApiKeyEntity = Object.assign(new ApiKeyEntity(), {
        ...pickInherited(old),
        id: randomUUID(),
        start: parsed.start,
        last4: parsed.last4,
        hash,
        hashVersion: version,
        createdAt: now,
        updatedAt: now,
        lastUsedAt: null,
        revokedAt: null,
        rotatedFromId: old.id,
        rotatedToId: null,
        rotationGraceEndsAt: null,
      });
      await this.store.insert(manager, next, directPermissionsOf(old), roleNamesOf(old), now);
      const claimed = await manager
        .createQueryBuilder()
        .update(ApiKeyEntity)
        .set({ rotatedToId: next.id, rotationGraceEndsAt: now + gracePeriodMs, updatedAt: now })
        .where('id = :id AND revoked_at IS NULL AND rotation_grace_ends_at IS NULL', { id })
        .execute();
      if (claimed.affected !== 1) throw new KeyNotRotatableError(); // a concurrent rotation won
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
      const result = await manager
        .createQueryBuilder()
        .update(ApiKeyEntity)
        .set({ revokedAt: now, updatedAt: now })
        .where('id = :id AND revoked_at IS NULL', { id })
        .execute();
      return { key: (await this.store.findById(id, manager))!, changed: result.affected === 1 };
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
    const revoked = await this.store.writes.transaction(async (manager) => {
      // Lock the matching rows, then revoke exactly those: each gets its own key.revoked event.
      const query = manager
        .createQueryBuilder(ApiKeyEntity, 'k')
        .select('k.id', 'id')
        .addSelect('k.owner_id', 'ownerId')
        .where('k.revoked_at IS NULL');
      if (ownerId !== undefined) query.andWhere('k.owner_id = :ownerId', { ownerId });
      if (namespace !== undefined) query.andWhere('k.namespace = :namespace', { namespace });
      if (createdBefore !== undefined) query.andWhere('k.created_at < :createdBefore', { createdBefore });
      if (options.exceptLineageId) query.andWhere('k.lineage_id <> :exceptLineageId', { exceptLineageId: options.exceptLineageId });
      if (!this.store.writes.serializes) query.setLock('pessimistic_write');
      const rows: Array<{ id: string; ownerId: string }> = await query.getRawMany();
      for (let i = 0; i < rows.length; i += REVOKE_BATCH) {
        const ids = rows.slice(i, i + REVOKE_BATCH).map((row) => row.id);
        await manager.createQueryBuilder().update(ApiKeyEntity).set({ revokedAt: now, updatedAt: now }).where('id IN (:...ids)', { ids }).execute();
      }
      return rows;
    });
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
    return this.store.writes.write(async () => {
      const result = await this.store.dataSource
        .createQueryBuilder()
        .delete()
        .from(ApiKeyEntity)
        .where(
          new Brackets((q) =>
            q
              .where('revoked_at <= :cutoff', { cutoff })
              .orWhere('expires_at <= :cutoff')
              .orWhere('rotation_grace_ends_at <= :cutoff'),
          ),
        )
        .execute();
      return result.affected ?? 0;
    });
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

  private async insertKey(
    input: CreateApiKeyInput,
    stored: { hash: string; version: string; start: string; last4: string },
    disabledBy: 'owner' | 'admin' = 'admin',
  ): Promise<ApiKey> {
    const ownerId = checkOwnerId(input?.ownerId);
    const now = this.options.clock.now();
    const permissions = checkNames('permissions', input.permissions) ?? [];
    const roles = checkNames('roles', input.roles) ?? [];
    const expiresAt = toEpochMs('expiresAt', input.expiresAt) ?? null;
    const entity: ApiKeyEntity = Object.assign(new ApiKeyEntity(), {
      id: randomUUID(),
      ownerId,
      name: checkName(input.name ?? null),
      namespace: checkLabel('namespace', input.namespace) ?? DEFAULT_NAMESPACE,
      environment: checkLabel('environment', input.environment ?? undefined) ?? null,
      start: stored.start,
      last4: stored.last4,
      hash: stored.hash,
      hashVersion: stored.version,
      meta: checkMeta(input.meta) ?? {},
      allowedIps: checkIpRules(input.allowedIps) ?? [],
      enabled: input.enabled ?? true,
      disabledBy: input.enabled === false ? disabledBy : null,
      createdAt: now,
      updatedAt: now,
      expiresAt,
      maxIdleMs: checkPositiveMs('maxIdleMs', input.maxIdleMs),
      lastUsedAt: null,
      revokedAt: null,
      rotatedFromId: null,
      rotatedToId: null,
      rotationGraceEndsAt: null,
      parentKeyId: null,
      rateLimits: checkRateLimits('rateLimits', input.rateLimits) ?? null,
      ...creditColumns(input.remaining ?? null, input.refill ?? null, now),
    });
    entity.lineageId = entity.id;
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

function checkName(name: unknown): string | null {
  if (name === null) return null;
  if (typeof name !== 'string' || name.length > 200) throw ApiKeyValidationError.field('name', 'name must be a string of at most 200 characters');
  return name;
}

function checkPositiveMs(field: string, value: unknown): number | null {
  const ms = checkNonNegativeInteger(field, value);
  if (ms === 0) throw ApiKeyValidationError.field(field, `${field} must be positive`);
  return ms ?? null;
}

/** What a successor takes over from the key it replaces (SPEC §11), the balance included. */
function pickInherited(old: ApiKeyEntity): Partial<ApiKeyEntity> {
  const { lineageId, ownerId, name, namespace, environment, meta, allowedIps, enabled, disabledBy, expiresAt, maxIdleMs, parentKeyId } = old;
  const { remaining, refillAmount, refillInterval, lastRefillAt, rateLimits } = old;
  return {
    ...{ lineageId, ownerId, name, namespace, environment, meta, allowedIps, enabled, disabledBy, expiresAt, maxIdleMs, parentKeyId },
    ...{ remaining, refillAmount, refillInterval, lastRefillAt, rateLimits },
  };
}

/**
 * Credit columns for a create or a patch (SPEC §11): `remaining: null` makes the key
 * unlimited and clears the refill; `refill: null` keeps `remaining`. A new refill counts
 * from the current period (the next one refills).
 */
function creditColumns(remainingInput: unknown, refillInput: unknown, now: number): Partial<ApiKeyEntity> {
  const columns: Partial<ApiKeyEntity> = {};
  const remaining = checkNonNegativeInteger('remaining', remainingInput);
  const refill = checkRefill(refillInput);
  if (remaining !== undefined) columns.remaining = remaining;
  if (remaining === null || refill === null) Object.assign(columns, { refillAmount: null, refillInterval: null, lastRefillAt: null });
  if (refill) {
    if (remaining === null) throw ApiKeyValidationError.field('refill', 'a refill needs remaining credits (remaining is null)');
    Object.assign(columns, { refillAmount: refill.amount, refillInterval: refill.interval, lastRefillAt: periodStart(refill.interval, now) });
  }
  return columns;
}

function changedColumns(before: ApiKeyEntity, set: Partial<ApiKeyEntity>): Partial<ApiKeyEntity> {
  const changed: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(set)) {
    const previous = (before as unknown as Record<string, unknown>)[column];
    if (JSON.stringify(previous) !== JSON.stringify(value)) changed[column] = value;
  }
  return changed as Partial<ApiKeyEntity>;
}

function sameNames(a: string[], b: string[]): boolean {
  return a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
}

function encodeCursor(cursor: KeyCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url');
}

function decodeCursor(cursor: string): KeyCursor {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Number.isSafeInteger(createdAt) && typeof id === 'string' && id.length <= 36) return { createdAt, id };
  } catch {
    // fall through to the validation error
  }
  throw ApiKeyValidationError.field('cursor', 'cursor is not a cursor this API returned');
}

function isUniqueViolation(error: unknown): boolean {
  const e = (error as { driverError?: { code?: string; errno?: number }; code?: string }) ?? {};
  const code = e.driverError?.code ?? e.code;
  return code === '23505' || code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
