import { ApiKeyValidationError } from '../api-keys.errors.js';
import type { UsageBucket, UsageGranularity, UsageTime } from '../interfaces/usage.interface.js';
import { VERIFY_CODES, type VerifyCode } from '../interfaces/verify-code.interface.js';
import { DAY_MS, dayStartOf, HOUR_MS, hourStartOf } from './usage-buffer.js';

/** Most buckets one usage series may hold: 31 days of hours, a leap year of days. @internal */
export const MAX_BUCKETS: Record<UsageGranularity, number> = { hour: 31 * 24, day: 366 };
/** Longest period `/stats` and `topKeys` count over. @internal */
export const MAX_PERIOD_DAYS = 366;
/** The latest time a query may name (JavaScript's last representable date). */
const MAX_TIME = 8.64e15;

const BUCKET_MS: Record<UsageGranularity, number> = { hour: HOUR_MS, day: DAY_MS };
const startOf: Record<UsageGranularity, (ms: number) => number> = { hour: hourStartOf, day: dayStartOf };

/** A Date, ISO string or epoch ms as epoch ms, or a 400-style error naming `field`. @internal */
export function timeOf(field: string, value: UsageTime | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms =
    value instanceof Date ? value.getTime() : typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_TIME) {
    throw ApiKeyValidationError.field(field, `${field} must be a date (an ISO 8601 string, a Date or epoch milliseconds) from 1970 on`);
  }
  return ms;
}

/** `granularity`, checked. @internal */
export function checkGranularity(value: unknown): UsageGranularity {
  if (value !== 'hour' && value !== 'day') throw ApiKeyValidationError.field('granularity', "granularity must be 'hour' or 'day'");
  return value;
}

/**
 * The buckets of a series: every bucket start from the one holding `since` while it is before
 * `until`, at most MAX_BUCKETS of them (a longer period is a 400-style error).
 * @internal
 */
export function bucketStarts(granularity: UsageGranularity, since: number, until: number): { starts: number[]; from: number; to: number } {
  if (since >= until) throw ApiKeyValidationError.field('since', 'since must be before until');
  const first = startOf[granularity](since);
  const size = BUCKET_MS[granularity];
  const count = Math.ceil((until - first) / size);
  if (count > MAX_BUCKETS[granularity]) {
    throw ApiKeyValidationError.field(
      'since',
      `the period holds ${count} ${granularity}ly buckets; at most ${MAX_BUCKETS[granularity]} (${granularity === 'hour' ? '31 days' : '366 days'})`,
    );
  }
  return { starts: Array.from({ length: count }, (_, i) => first + i * size), from: first, to: first + count * size };
}

/** A period of whole hours covering [since, until), at most MAX_PERIOD_DAYS long. @internal */
export function hourPeriod(since: number, until: number): { from: number; to: number } {
  if (since >= until) throw ApiKeyValidationError.field('since', 'since must be before until');
  const from = hourStartOf(since);
  const to = hourStartOf(until - 1) + HOUR_MS;
  if (to - from > MAX_PERIOD_DAYS * DAY_MS)
    throw ApiKeyValidationError.field('since', `the period must be at most ${MAX_PERIOD_DAYS} days`);
  return { from, to };
}

/** An integer in [1, 100] or the default. @internal */
export function checkLimit(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || (value as number) < 1 || (value as number) > 100) {
    throw ApiKeyValidationError.field('limit', 'limit must be an integer from 1 to 100');
  }
  return value as number;
}

/** Counts per code in the order of the verify chain, without the codes that did not occur. @internal */
export function byCodeOf(counts: Map<string, number>): Partial<Record<VerifyCode, number>> {
  const byCode: Partial<Record<VerifyCode, number>> = {};
  for (const code of VERIFY_CODES) {
    const count = counts.get(code);
    if (count) byCode[code] = count;
  }
  return byCode;
}

/** The series' buckets from grouped rows: every bucket present (zeros where nothing was counted). @internal */
export function fillBuckets(starts: number[], rows: Array<{ bucket: number; code: string; count: number; spent: number }>): UsageBucket[] {
  const byBucket = new Map<number, { counts: Map<string, number>; spent: number }>(
    starts.map((start) => [start, { counts: new Map(), spent: 0 }]),
  );
  for (const row of rows) {
    const bucket = byBucket.get(row.bucket);
    if (!bucket) continue;
    bucket.counts.set(row.code, (bucket.counts.get(row.code) ?? 0) + row.count);
    bucket.spent += row.spent;
  }
  return starts.map((start) => {
    const { counts, spent } = byBucket.get(start)!;
    let total = 0;
    for (const count of counts.values()) total += count;
    return { at: new Date(start).toISOString(), total, valid: counts.get('VALID') ?? 0, byCode: byCodeOf(counts), spent };
  });
}
