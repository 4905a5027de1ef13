import { Inject, Injectable } from '@nestjs/common';
import { ApiKeyValidationError } from '../api-keys.errors.js';
import { API_KEYS_RESOLVED_OPTIONS } from '../api-keys.internal-constants.js';
import type { ResolvedApiKeysOptions } from '../api-keys.options.js';
import type {
  TopKey,
  TopKeysQuery,
  UsageQuery,
  UsageSeries,
  UsageStats,
  UsageStatsQuery,
  VerificationLogEntry,
  VerificationLogPage,
  VerificationLogQuery,
} from '../interfaces/usage.interface.js';
import type { VerifyCode } from '../interfaces/verify-code.interface.js';
import { checkIdentifier } from '../keys/api-key-input.js';
import { LastUsedTracker } from '../keys/last-used-tracker.js';
import { ApiKeyStore } from '../store/api-key.store.js';
import { checkTags } from '../verification/verify-tags.js';
import { decodeLogCursor, encodeLogCursor } from './log-cursor.js';
import { HOUR_MS } from './usage-buffer.js';
import { bucketStarts, byCodeOf, checkGranularity, checkLimit, fillBuckets, hourPeriod, timeOf } from './usage-query.js';
import { UsageRecorder } from './usage-recorder.js';
import { UsageStore, type RollupFilter } from './usage.store.js';

/** Default `/stats` period: the last 24 hours. */
const DEFAULT_STATS_PERIOD_MS = 24 * HOUR_MS;

/**
 * Usage analytics (SPEC §8): verification counts per key by hour or UTC day with the credits
 * spent, the busiest keys, a key's recent verifications, and instance-wide stats. Every query
 * first flushes what this instance counted but has not written yet, so it sees its own latest
 * verifications; another instance's are visible after its next flush (every
 * `verificationLog.flushIntervalMs`). Dry runs are not counted.
 *
 * @example
 * const day = Date.now() - 24 * 3600_000;
 * const { buckets } = await usage.usage({ keyId, granularity: 'hour', since: day });
 * // buckets: [{ at: '2031-03-03T09:00:00.000Z', total: 120, valid: 118, byCode: { VALID: 118, RATE_LIMITED: 2 }, spent: 118 }, …]
 * const { items } = await usage.topKeys({ ownerId: 'acme', since: day, limit: 5 });
 * const page = await usage.verifications(keyId, { limit: 20, tags: ['export'] });
 */
@Injectable()
export class ApiKeyUsageService {
  constructor(
    private readonly store: UsageStore,
    private readonly recorder: UsageRecorder,
    private readonly keys: ApiKeyStore,
    private readonly lastUsed: LastUsedTracker,
    @Inject(API_KEYS_RESOLVED_OPTIONS) private readonly options: ResolvedApiKeysOptions,
  ) {}

  /**
   * Verifications of a key, an owner's keys or a namespace's keys (filters combine; none counts
   * every stored key) per bucket, from the bucket holding `since` to `until` (default now).
   * Every bucket is present, empty ones with zeros; at most 744 hourly or 366 daily buckets.
   */
  async usage(query: UsageQuery): Promise<UsageSeries> {
    const checked = queryObject(query);
    const granularity = checkGranularity(checked.granularity);
    const since = timeOf('since', checked.since);
    if (since === undefined) throw ApiKeyValidationError.field('since', 'since is required');
    const until = timeOf('until', checked.until) ?? this.now();
    const { starts, from, to } = bucketStarts(granularity, since, until);
    const filter = this.filterOf(checked);
    await this.recorder.flush();
    const rows = await this.store.series(filter, granularity, from, to);
    return { granularity, buckets: fillBuckets(starts, rows) };
  }

  /** The busiest keys of the period (hour resolution), most verifications first; `limit` 1–100 (default 10). */
  async topKeys(query: TopKeysQuery): Promise<{ items: TopKey[] }> {
    query = queryObject(query);
    const since = timeOf('since', query.since);
    if (since === undefined) throw ApiKeyValidationError.field('since', 'since is required');
    const { from, to } = hourPeriod(since, timeOf('until', query.until) ?? this.now());
    const limit = checkLimit(query.limit, 10);
    const filter = this.filterOf({ ownerId: query.ownerId, namespace: query.namespace });
    await this.recorder.flush();
    const rows = await this.store.topKeys(filter, from, to, limit);
    const names = await this.store.keyNames(rows.map((row) => row.keyId));
    return { items: rows.map((row) => ({ ...row, name: names.get(row.keyId) ?? null })) };
  }

  /**
   * A key's most recent verifications, newest first (at most the newest 100 per key are kept):
   * `{ items: [{ at, code, cost, ip?, tags? }], nextCursor }`. `tags` keeps only entries carrying
   * every one of them; `limit` 1–100 (default 20).
   */
  async verifications(keyId: string, query: VerificationLogQuery = {}): Promise<VerificationLogPage> {
    query = queryObject(query);
    if (typeof keyId !== 'string' || keyId.length === 0 || keyId.length > 36) {
      throw ApiKeyValidationError.field('keyId', 'keyId must be a key id');
    }
    const limit = checkLimit(query.limit, 20);
    const cursor = query.cursor === undefined ? undefined : decodeLogCursor(query.cursor);
    const tags = checkTags(query.tags) ?? [];
    await this.recorder.flush();
    const rows = await this.store.logPage(keyId, limit + 1, cursor, [...new Set(tags)]);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => {
        const item: VerificationLogEntry = { at: new Date(row.at).toISOString(), code: row.code as VerifyCode, cost: row.cost };
        if (row.ip) item.ip = row.ip;
        if (row.tags) item.tags = row.tags.split('\n').filter(Boolean);
        return item;
      }),
      nextCursor: rows.length > limit ? encodeLogCursor({ at: last.at, id: last.id }) : null,
    };
  }

  /**
   * Keys by status now, and the verifications of the period (default the last 24 hours, at most
   * 366 days, hour resolution): totals per code, credits spent and the success rate. Without
   * `ownerId` the verifications include those of unknown and malformed keys.
   */
  async stats(query: UsageStatsQuery = {}): Promise<UsageStats> {
    query = queryObject(query);
    const ownerId = query.ownerId === undefined ? undefined : checkIdentifier('ownerId', 'ownerId', query.ownerId);
    const until = timeOf('until', query.until) ?? this.now();
    const since = timeOf('since', query.since) ?? until - DEFAULT_STATS_PERIOD_MS;
    const { from, to } = hourPeriod(since, until);
    await Promise.all([this.recorder.flush(), this.lastUsed.flush()]);
    const [byStatus, totals] = await Promise.all([
      this.keys.countByStatus({ ownerId, now: this.now() }),
      this.store.totalsByCode({ ownerId, includeUnknownKeys: ownerId === undefined }, from, to),
    ]);
    const counts = new Map<string, number>();
    let total = 0;
    let spent = 0;
    for (const row of totals) {
      counts.set(row.code, row.count);
      total += row.count;
      spent += row.spent;
    }
    const valid = counts.get('VALID') ?? 0;
    return {
      keys: { total: Object.values(byStatus).reduce((sum, n) => sum + n, 0), byStatus },
      verifications: {
        since: new Date(from).toISOString(),
        until: new Date(to).toISOString(),
        total,
        valid,
        byCode: byCodeOf(counts),
        spent,
        successRate: total === 0 ? null : valid / total,
      },
    };
  }

  /** Writes what this instance counted so far (the timer does it every `flushIntervalMs`, and shutdown once more). */
  flush(): Promise<void> {
    return this.recorder.flush();
  }

  private filterOf(query: { keyId?: string; ownerId?: string; namespace?: string }): RollupFilter {
    const filter: RollupFilter = {};
    if (query.keyId !== undefined) {
      if (typeof query.keyId !== 'string' || query.keyId.length === 0 || query.keyId.length > 36) {
        throw ApiKeyValidationError.field('keyId', 'keyId must be a key id');
      }
      filter.keyId = query.keyId;
    }
    if (query.ownerId !== undefined) filter.ownerId = checkIdentifier('ownerId', 'ownerId', query.ownerId);
    if (query.namespace !== undefined) filter.namespace = checkIdentifier('namespace', 'namespace', query.namespace);
    return filter;
  }

  private now(): number {
    return this.options.clock.now();
  }
}

function queryObject<T extends object>(query: T): T {
  if (query === null || typeof query !== 'object') throw ApiKeyValidationError.field('query', 'the query must be an object');
  return query;
}
