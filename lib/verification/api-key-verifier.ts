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
import type { ApiKeyLookup } from '../store/api-key-lookup.js';
import type { ApiKeyStore } from '../store/api-key.store.js';
import { withStoreDeadline, type Deadline } from '../store/store-availability.js';
import { ipAllowed } from './ip-allow-list.js';
import type { ApiKeyVerificationHook, VerificationRecord } from './verification-hook.js';
import { checkTags } from './verify-tags.js';
import { runKeyChecks } from './verify-chain.js';
import type { VerifyCode } from '../interfaces/verify-code.interface.js';
import { VERIFY_MESSAGES } from './verify-codes.js';

/** A rotated key's successors are followed at most this far (A → B → C …). */
const MAX_LINEAGE_DEPTH = 8;
/** Times a spend is retried on a successor when a rotation moved the balance meanwhile. */
const MAX_SPEND_ATTEMPTS = 3;

/**
 * The verification of SPEC §6, start to end, in its one fixed order:
 * MALFORMED (no database) → NOT_FOUND → the stored-key checks of KEY_CHECKS (IP, revoked,
 * disabled, expired, rotation grace, idle, permissions) → RATE_LIMITED → USAGE_EXCEEDED →
 * VALID. Only a call that passed everything before a step is counted by it: a rate-limited
 * call spends no credits. Rate limits and credits always go to the shared stores.
 * @internal
 */
export class ApiKeyVerifier {
  private readonly logger = new Logger('ApiKeys');

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
    const cost = checkNonNegativeInteger('cost', options.cost) ?? 1;
    checkTags(options.tags);
    const seen: Progress = { spent: 0 };
    if (!this.format.parse(raw)) return this.finish(failure('MALFORMED'), seen, options);
    const candidates = this.hasher.candidates(raw);
    const result = await withStoreDeadline(
      (deadline) => this.verifyStored(candidates, cost, options, deadline, seen),
      this.options.storeTimeoutMs,
    );
    return this.finish(result, seen, options);
  }

  /** Runs the verification hooks (failure events, usage, thresholds); none of them may fail the call. */
  private finish(result: VerifyResult, seen: Progress, options: VerifyOptions): VerifyResult {
    if (this.hooks.length === 0) return result;
    const record: VerificationRecord = { at: this.options.clock.now(), result, options, ...seen };
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
  ): Promise<VerifyResult> {
    const found = await this.lookup.findByHashes(candidates.map((c) => c.hash));
    if (!found || (options.ownerId !== undefined && found.ownerId !== options.ownerId)) return failure('NOT_FOUND');
    seen.key = found;
    let lineage = await this.loadLineage(found);
    if (!lineage) {
      // A successor was purged or the chain is too long: the lineage ended. IP still comes first.
      return failure(ipAllowed(found.allowedIps ?? [], options.ip) ? 'REVOKED' : 'IP_NOT_ALLOWED');
    }

    let effective = (seen.effective = lineage[lineage.length - 1]);
    let permissions = effectivePermissionsOf(effective);
    const now = this.options.clock.now();
    const code = this.check(lineage, permissions, now, options);
    if (code) return this.denial(code, options);

    const result: VerifyResult = { valid: true, code: 'VALID', message: VERIFY_MESSAGES.VALID };
    if (deadline.expired) return result; // the caller already answered 503: consume nothing
    if (!options.dryRun) {
      const limits = await this.rateLimiter.consume(this.rateLimitBuckets(effective));
      if (limits.state) result.rateLimit = limits.state;
      if (limits.wouldRateLimit) result.wouldRateLimit = limits.wouldRateLimit;
      if (limits.deniedBy) return { ...result, ...failure('RATE_LIMITED'), retryAfterMs: limits.retryAfterMs };
    }

    if (effective.remaining !== null) {
      if (options.dryRun || cost === 0) {
        const balance = this.ledger.balanceWithRefill(effective, now)!;
        if (balance < cost) return this.usageExceeded(effective, now, balance);
        result.remaining = balance;
      } else {
        for (let attempt = 1; ; attempt++) {
          if (this.ledger.refillDue(effective, now)) await this.ledger.refill(effective, now);
          if (deadline.expired) return result;
          const balance = await this.ledger.spend(effective.id, cost);
          if (balance !== null) {
            result.remaining = balance;
            seen.spent = cost;
            break;
          }
          // Nothing taken: too few credits, or a rotation moved the balance to a successor
          // meanwhile; then the successor is checked and charged instead. Either way the row is
          // read again (from the store, past any cache), so a denial reports the balance as it is (SPEC §11).
          const fresh = await this.store.findById(found.id);
          const reloaded = fresh ? await this.loadLineage(fresh, this.store) : null;
          const next = reloaded?.[reloaded.length - 1];
          if (!next) return this.usageExceeded(effective, now);
          if (next.id === effective.id || attempt >= MAX_SPEND_ATTEMPTS) return this.usageExceeded(next, now, next.remaining ?? undefined);
          permissions = effectivePermissionsOf(next);
          const recheck = this.check(reloaded!, permissions, now, options);
          if (recheck) return this.denial(recheck, options);
          lineage = reloaded!;
          effective = seen.effective = next;
        }
      }
    }

    if (!options.dryRun) for (const key of lineage) this.lastUsed.note(key.id, now);
    if (found.hashVersion !== this.hasher.currentVersion) this.upgradeHash(found, candidates[0]);
    result.key = toPrincipal(found, effective, permissions);
    return result;
  }

  private check(lineage: ApiKeyEntity[], permissions: string[], now: number, options: VerifyOptions): VerifyCode | null {
    const roles = roleNamesOf(lineage[lineage.length - 1]);
    return runKeyChecks({ lineage, permissions, roles, now, pendingLastUsedAt: (id) => this.lastUsed.pendingFor(id) }, options);
  }

  /** The key's own limits (or the defaults) and its owner's shared limits. */
  private rateLimitBuckets(key: ApiKeyEntity): RateLimitBucket[] {
    const own = key.rateLimits?.length ? key.rateLimits : this.options.defaultRateLimits;
    return [
      ...own.map((rule) => ({ scope: { kind: 'key' as const, id: key.lineageId }, rule })),
      ...(key.owner?.rateLimits ?? []).map((rule) => ({ scope: { kind: 'owner' as const, id: key.ownerId }, rule })),
    ];
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
    this.store.rehash(key.id, key.hash, current.hash, current.version).catch((error) => {
      // The code only: a driver's message (e.g. a duplicate entry) can quote the hash.
      this.logger.warn(`Could not upgrade the hash of key ${key.id}: ${(error as { code?: string }).code ?? (error as Error).name}`);
    });
  }
}

function failure(code: VerifyCode): VerifyResult {
  return { valid: false, code, message: VERIFY_MESSAGES[code] };
}

/** What a verification learned on its way, for the verification hooks. */
type Progress = Pick<VerificationRecord, 'key' | 'effective' | 'spent'>;
