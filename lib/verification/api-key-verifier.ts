import { Logger } from '@nestjs/common';
import type { ApiKeyEntity } from '../entities/api-key.entity.js';
import type { ResolvedApiKeysOptions } from '../api-keys.options.js';
import type { VerifyOptions, VerifyResult } from '../interfaces/verify-result.interface.js';
import { checkNonNegativeInteger } from '../keys/api-key-input.js';
import { effectivePermissionsOf, roleNamesOf, toPrincipal } from '../keys/api-key.view.js';
import type { KeyFormat } from '../keys/key-format.js';
import type { HashCandidate, KeyHasher } from '../keys/key-hasher.js';
import type { LastUsedTracker } from '../keys/last-used-tracker.js';
import type { CreditLedger } from '../quotas/credit-ledger.js';
import type { RateLimiter, RateLimitBucket } from '../quotas/rate-limiter.js';
import { intersectGrants } from '../rbac/permission-matcher.js';
import type { ApiKeyLookup } from '../store/api-key-lookup.js';
import type { ApiKeyStore } from '../store/api-key.store.js';
import { withStoreDeadline, type Deadline } from '../store/store-availability.js';
import { ipAllowed } from './ip-allow-list.js';
import type { ApiKeyVerificationHook, VerificationRecord } from './verification-hook.js';
import { checkTags } from './verify-tags.js';
import { runKeyChecks, type VerifySubject } from './verify-chain.js';
import type { VerifyCode } from '../interfaces/verify-code.interface.js';
import { VERIFY_MESSAGES } from './verify-codes.js';

/** A rotated key's successors are followed at most this far (A → B → C …). */
const MAX_LINEAGE_DEPTH = 8;
/** Times a spend is retried on a successor when a rotation moved the balance meanwhile. */
const MAX_SPEND_ATTEMPTS = 3;
/**
 * Times a verify reads its rows again because a change committed while it ran (a cache only):
 * the last read comes from the store, past the evicted rows, so it is as fresh as any.
 */
const MAX_READS = 3;
/** What verifyStored answers when a change committed after its rows were read: read them again. */
const STALE = Symbol('stale');

/**
 * The verification of SPEC §6, start to end, in its one fixed order:
 * MALFORMED (no database) → NOT_FOUND → the stored-key checks of KEY_CHECKS (IP, revoked,
 * disabled, expired, rotation grace, idle, permissions; a child's parent with them) →
 * RATE_LIMITED → USAGE_EXCEEDED → VALID. Only a call that passed everything before a step is
 * counted by it: a rate-limited call spends no credits. Rate limits and credits always go to
 * the shared stores, and a child key spends its parent's.
 * @internal
 */
export class ApiKeyVerifier {
  private readonly logger = new Logger('ApiKeys');
  private readonly pendingLastUsedAt = (keyId: string) => this.lastUsed.pendingFor(keyId);

  constructor(
    private readonly format: KeyFormat,
    private readonly hasher: KeyHasher,
    private readonly lookup: ApiKeyLookup,
    private readonly store: ApiKeyStore,
    private readonly lastUsed: LastUsedTracker,
    private readonly rateLimiter: RateLimiter,
    private readonly ledger: CreditLedger,
    private readonly hooks: ApiKeyVerificationHook[],
    private readonly options: ResolvedApiKeysOptions,
  ) {}

  async verify(raw: string, options: VerifyOptions): Promise<VerifyResult> {
    return this.verifyNow(raw, options);
  }

  /**
   * `verify`, answered without a promise when the warm path decides (see verifyCached): the
   * guard saves its awaits on most requests. Bad options throw synchronously. `sha256`: the
   * key's SHA-256 when the caller already made it.
   */
  verifyNow(raw: string, options: VerifyOptions, sha256?: string): VerifyResult | Promise<VerifyResult> {
    const cost = checkNonNegativeInteger('cost', options.cost) ?? 1;
    checkTags(options.tags);
    const seen: Progress = { spent: 0 };
    if (!this.format.parse(raw)) return this.finish(failure('MALFORMED'), seen, options);
    const candidates = this.hasher.candidates(raw, sha256);
    const cached = this.verifyCached(candidates, options, seen);
    if (cached) return this.finish(cached, seen, options);
    return this.verifyFromStore(candidates, cost, options, seen);
  }

  /** Every other verify: reads through the lookup under the store deadline. */
  private async verifyFromStore(candidates: HashCandidate[], cost: number, options: VerifyOptions, seen: Progress): Promise<VerifyResult> {
    const result = await withStoreDeadline(async (deadline) => {
      for (let read = 1; ; read++) {
        const outcome = await this.verifyStored(candidates, cost, options, deadline, seen, read < MAX_READS);
        if (outcome !== STALE) return outcome;
      }
    }, this.options.storeTimeoutMs);
    return this.finish(result, seen, options);
  }

  /**
   * The warm path: a plain key (not rotated, not a child) whose row is cached and whose call
   * spends nothing shared (no credits, no rate limit) is decided from that row alone — no
   * store call, no deadline timer, no await, and so no change can commit in the middle of it.
   * Undefined when any of that does not hold: verifyStored decides, with the same checks.
   */
  private verifyCached(candidates: HashCandidate[], options: VerifyOptions, seen: Progress): VerifyResult | undefined {
    const found = this.lookup.peekByHashes?.(candidates.map((c) => c.hash));
    if (found === undefined || found.rotationGraceEndsAt !== null || found.parentKeyId !== null) return undefined;
    if (found.remaining !== null || (!options.dryRun && this.hasRateLimits(found))) return undefined;
    if (options.ownerId !== undefined && found.ownerId !== options.ownerId) return failure('NOT_FOUND');
    seen.key = seen.effective = found;
    const chain: KeyChain = { lineage: [found], parent: null };
    const grants = grantsOf(chain);
    const now = this.options.clock.now();
    const code = this.check(chain, grants, now, options);
    if (code) return this.denial(code, options);
    return this.accept({ valid: true, code: 'VALID', message: VERIFY_MESSAGES.VALID }, found, chain, grants, candidates[0], now, options);
  }

  /** Runs the verification hooks (failure events, usage, thresholds); none of them may fail the call. */
  private finish(result: VerifyResult, seen: Progress, options: VerifyOptions): VerifyResult {
    if (this.hooks.length === 0) return result;
    const { key, effective, spent } = seen; // named, not spread: a spread costs more than the rest of a warm verify
    const record: VerificationRecord = { at: this.options.clock.now(), result, options, key, effective, spent };
    for (const hook of this.hooks) {
      try {
        hook.afterVerify(record);
      } catch (error) {
        this.logger.warn(`A verification hook (${hook.constructor.name}) threw: ${(error as Error).message}`);
      }
    }
    return result;
  }

  private async verifyStored(
    candidates: HashCandidate[],
    cost: number,
    options: VerifyOptions,
    deadline: Deadline,
    seen: Progress,
    staleRetry: boolean,
  ): Promise<VerifyResult | typeof STALE> {
    // Rows may come from the cache: a change that commits after they were read and before
    // anything is consumed sends the verify back to read them again (a revoke is never
    // answered VALID by a verify that was in flight when it committed).
    const stamp = this.lookup.stamp?.();
    const found = await this.lookup.findByHashes(candidates.map((c) => c.hash));
    if (!found || (options.ownerId !== undefined && found.ownerId !== options.ownerId)) return failure('NOT_FOUND');
    seen.key = found;
    let chain = await this.loadChain(found);
    if (!chain) {
      // A successor or the parent was purged, or the chain is too long: the key ended. IP still comes first.
      return failure(ipAllowed(found.allowedIps ?? [], options.ip) ? 'REVOKED' : 'IP_NOT_ALLOWED');
    }

    let budget = (seen.effective = budgetOf(chain));
    let grants = grantsOf(chain);
    const now = this.options.clock.now();
    const code = this.check(chain, grants, now, options);
    if (code) return this.denial(code, options);
    if (staleRetry && stamp !== undefined && this.lookup.changedSince!(stamp)) return STALE;

    const result: VerifyResult = { valid: true, code: 'VALID', message: VERIFY_MESSAGES.VALID };
    if (deadline.expired) return result; // the caller already answered 503: consume nothing
    if (!options.dryRun) {
      const limits = await this.rateLimiter.consume(this.rateLimitBuckets(budget));
      if (limits.state) result.rateLimit = limits.state;
      if (limits.wouldRateLimit) result.wouldRateLimit = limits.wouldRateLimit;
      if (limits.deniedBy) return { ...result, ...failure('RATE_LIMITED'), retryAfterMs: limits.retryAfterMs };
    }

    if (budget.remaining !== null) {
      if (options.dryRun || cost === 0) {
        // A cached row's balance is only a hint: with a cache, the store says what it is.
        const balance = stamp !== undefined ? await this.ledger.currentBalance(budget, now) : this.ledger.balanceWithRefill(budget, now)!;
        if (balance !== null) {
          if (balance < cost) return this.usageExceeded(budget, now, balance);
          result.remaining = balance;
        }
      } else {
        for (let attempt = 1; ; attempt++) {
          if (deadline.expired) return result;
          // One conditional statement (with a due refill, where the database allows it): the
          // only place credits are decided.
          const balance = await this.ledger.spend(budget, cost, now, deadline);
          if (deadline.expired) {
            // The caller already answered 503: a credit taken after it is given back.
            if (balance !== null) this.ledger.giveBack(budget.id, cost);
            return result;
          }
          if (balance !== null) {
            result.remaining = balance;
            seen.spent = cost;
            break;
          }
          // Nothing taken: too few credits, the key changed (revoked, made unlimited), or a
          // rotation moved the balance to a successor meanwhile (or ended a child's parent); the
          // chain is read again (from the store, past any cache) and checked, so a denial
          // reports the balance as it is (SPEC §11).
          const fresh = await this.store.findById(found.id);
          const reloaded = fresh ? await this.loadChain(fresh, this.store) : null;
          if (!reloaded) return this.usageExceeded(budget, now);
          const next = budgetOf(reloaded);
          grants = grantsOf(reloaded);
          const recheck = this.check(reloaded, grants, now, options);
          if (recheck) return this.denial(recheck, options);
          chain = reloaded;
          if (next.remaining === null) {
            seen.effective = next; // made unlimited meanwhile
            break;
          }
          if (next.id === budget.id || attempt >= MAX_SPEND_ATTEMPTS) {
            return this.usageExceeded(next, now, await this.ledger.refillAfterDenial(next, now));
          }
          budget = seen.effective = next;
        }
      }
    }

    return this.accept(result, found, chain, grants, candidates[0], now, options);
  }

  /** A call that passed every step: its use noted, an older hash upgraded, the principal attached. */
  private accept(
    result: VerifyResult,
    found: ApiKeyEntity,
    chain: KeyChain,
    grants: Grants,
    current: HashCandidate,
    now: number,
    options: VerifyOptions,
  ): VerifyResult {
    if (!options.dryRun) for (const key of chain.lineage) this.lastUsed.note(key.id, now);
    if (found.hashVersion !== this.hasher.currentVersion) this.upgradeHash(found, current);
    result.key = toPrincipal(found, effectiveOf(chain), grants.permissions, grants.roles, expiryOf(chain));
    return result;
  }

  private check(chain: KeyChain, grants: Grants, now: number, options: VerifyOptions): VerifyCode | null {
    // Fields named one by one: spreading the two objects cost a sixth of a warm verify.
    const subject: VerifySubject = {
      lineage: chain.lineage,
      parent: chain.parent,
      permissions: grants.permissions,
      roles: grants.roles,
      now,
      pendingLastUsedAt: this.pendingLastUsedAt,
    };
    return runKeyChecks(subject, options);
  }

  /** The key's own limits (or the defaults) and its owner's shared limits. */
  private rateLimitBuckets(key: ApiKeyEntity): RateLimitBucket[] {
    return [
      ...this.ownRateLimits(key).map((rule) => ({ scope: { kind: 'key' as const, id: key.lineageId }, rule })),
      ...(key.owner?.rateLimits ?? []).map((rule) => ({ scope: { kind: 'owner' as const, id: key.ownerId }, rule })),
    ];
  }

  /** Whether a call of this key counts against any rate limit (rateLimitBuckets is not empty). */
  private hasRateLimits(key: ApiKeyEntity): boolean {
    return this.ownRateLimits(key).length > 0 || (key.owner?.rateLimits?.length ?? 0) > 0;
  }

  /** The key's own limits, or the defaults when it has none. */
  private ownRateLimits(key: ApiKeyEntity) {
    return key.rateLimits?.length ? key.rateLimits : this.options.defaultRateLimits;
  }

  private usageExceeded(key: ApiKeyEntity, now: number, balance?: number): VerifyResult {
    const retryAfterMs = this.ledger.retryAfterMs(key, now);
    return {
      ...failure('USAGE_EXCEEDED'),
      ...(balance !== undefined ? { remaining: balance } : {}),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  }

  /**
   * Everything a presented key's verification reads: its lineage and, for a child key, its
   * parent — each row loaded on its own through `source` (a cache invalidates rows by id, so a
   * change of the parent reaches every child at once). Null (the key fails closed) when a link
   * was purged, the lineage is too long, or the parent is a child itself.
   */
  private async loadChain(presented: ApiKeyEntity, source: ApiKeyLookup = this.lookup): Promise<KeyChain | null> {
    const lineage = await this.loadLineage(presented, source);
    if (!lineage) return null;
    const parentId = lineage[lineage.length - 1].parentKeyId;
    if (parentId === null) return { lineage, parent: null };
    const parent = await source.findById(parentId);
    return parent && parent.parentKeyId === null ? { lineage, parent } : null;
  }

  /**
   * The presented row and each successor it was rotated to; null (the key fails closed) if a
   * link was purged or the chain is longer than MAX_LINEAGE_DEPTH.
   */
  async loadLineage(presented: ApiKeyEntity, source: ApiKeyLookup = this.lookup): Promise<ApiKeyEntity[] | null> {
    const lineage = [presented];
    let current = presented;
    while (current.rotationGraceEndsAt !== null) {
      if (lineage.length >= MAX_LINEAGE_DEPTH || current.rotatedToId === null) return null;
      const next = await source.findById(current.rotatedToId);
      if (!next) return null;
      lineage.push(next);
      current = next;
    }
    return lineage;
  }

  /** A failure; a permission denial names what was required, never what the key holds. */
  private denial(code: VerifyCode, options: VerifyOptions): VerifyResult {
    if (code !== 'INSUFFICIENT_PERMISSIONS') return failure(code);
    const required = Array.isArray(options.permissions)
      ? options.permissions.join(', ')
      : options.permissions
        ? `one of ${options.permissions.anyOf.join(', ')}`
        : '';
    const roles = options.roles?.length ? `role ${options.roles.join(', ')}` : '';
    const needs = [required, roles].filter(Boolean).join('; ');
    return { ...failure(code), message: needs ? `The API key lacks what this call requires: ${needs}.` : VERIFY_MESSAGES[code] };
  }

  private upgradeHash(key: ApiKeyEntity, current: HashCandidate): void {
    this.store
      .rehash(key.id, key.hash, current.hash, current.version)
      .catch((error) => {
        // The code only: a driver's message (e.g. a duplicate entry) can quote the hash.
        this.logger.warn(`Could not upgrade the hash of key ${key.id}: ${(error as { code?: string }).code ?? (error as Error).name}`);
      })
      // A cached row still holds the old hash (and would ask for this upgrade on every verify).
      .finally(() => this.lookup.evict?.([key.id]));
  }
}

/** The rows a verification reads: the presented lineage and, for a child key, its parent. */
type KeyChain = { lineage: ApiKeyEntity[]; parent: ApiKeyEntity | null };
type Grants = Pick<VerifySubject, 'permissions' | 'roles'>;

/** The newest row of the presented lineage: the key's own IPs, grants and expiry. */
const effectiveOf = (chain: KeyChain) => chain.lineage[chain.lineage.length - 1];

/** The row whose credits and rate limits a call spends: a child's parent, else the effective row. */
const budgetOf = (chain: KeyChain) => chain.parent ?? effectiveOf(chain);

/** Effective permissions and roles: the key's own, and for a child only what its parent holds too (SPEC §6). */
function grantsOf(chain: KeyChain): Grants {
  const own = effectiveOf(chain);
  if (!chain.parent) return { permissions: effectivePermissionsOf(own), roles: roleNamesOf(own) };
  const parentRoles = roleNamesOf(chain.parent);
  return {
    permissions: intersectGrants(effectivePermissionsOf(own), effectivePermissionsOf(chain.parent)),
    roles: roleNamesOf(own).filter((role) => parentRoles.includes(role)),
  };
}

/** When the key stops working by expiry: its own, or its parent's when that is earlier. */
function expiryOf(chain: KeyChain): number | null {
  const expiries = [effectiveOf(chain).expiresAt, chain.parent?.expiresAt ?? null].filter((at): at is number => at !== null);
  return expiries.length > 0 ? Math.min(...expiries) : null;
}

function failure(code: VerifyCode): VerifyResult {
  return { valid: false, code, message: VERIFY_MESSAGES[code] };
}

/** What a verification learned on its way, for the verification hooks. */
type Progress = Pick<VerificationRecord, 'key' | 'effective' | 'spent'>;
