import type { ApiKeyStatus } from './api-key.interface.js';
import type { VerifyCode } from './verify-code.interface.js';

/** The `verificationLog` option: usage counting and the per-verification log (SPEC §8). */
export interface VerificationLogOptions {
  /** Count verifications and keep the log. Default true. */
  enabled?: boolean;
  /** How often this instance writes what it counted, in ms. Default 1000. */
  flushIntervalMs?: number;
  /**
   * Most log entries held in memory between flushes (or while the database is down); past it
   * the oldest entries are dropped and counted. Rollup counts are never dropped. Default 10000.
   */
  maxBuffer?: number;
  /** Rows older than this many days are purged from both tables. Default 90. */
  retentionDays?: number;
}

/** Bucket size of a usage series: hours or UTC days. */
export type UsageGranularity = 'hour' | 'day';

/** A point in time: a Date, an ISO 8601 string or epoch milliseconds. */
export type UsageTime = Date | string | number;

/**
 * Input of `ApiKeyUsageService.usage`: the keys to count (one key, one owner's keys, one
 * namespace's keys, or every key without a filter; filters combine) and the period.
 */
export interface UsageQuery {
  keyId?: string;
  ownerId?: string;
  namespace?: string;
  granularity: UsageGranularity;
  /** Start of the period; the bucket holding it is the first one. */
  since: UsageTime;
  /** End of the period (exclusive). Default now. */
  until?: UsageTime;
}

/** One bucket of a usage series. Empty buckets are present, with zeros. */
export interface UsageBucket {
  /** The bucket's start, UTC, as an ISO string. */
  at: string;
  /** Verifications of the keys in this bucket, whatever their outcome. */
  total: number;
  /** Of which VALID. */
  valid: number;
  /** Verifications per outcome code; codes that did not occur are absent. */
  byCode: Partial<Record<VerifyCode, number>>;
  /** Credits the VALID verifications spent. */
  spent: number;
}

/** What `ApiKeyUsageService.usage` answers. */
export interface UsageSeries {
  granularity: UsageGranularity;
  buckets: UsageBucket[];
}

/** Input of `ApiKeyUsageService.topKeys`. */
export interface TopKeysQuery {
  namespace?: string;
  ownerId?: string;
  since: UsageTime;
  /** Default now. */
  until?: UsageTime;
  /** 1–100, default 10. */
  limit?: number;
}

/** One key of `topKeys`, busiest first. `name` is null for a key purged since. */
export interface TopKey {
  keyId: string;
  name: string | null;
  ownerId: string;
  total: number;
  valid: number;
  spent: number;
}

/** Input of `ApiKeyUsageService.verifications`. */
export interface VerificationLogQuery {
  /** 1–100, default 20. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
  /** Only entries carrying every one of these tags. */
  tags?: string[];
}

/** One logged verification of a key. */
export interface VerificationLogEntry {
  /** When it happened, as an ISO string. */
  at: string;
  code: VerifyCode;
  /** Credits this verification spent (0 unless a VALID call of a key with credits). */
  cost: number;
  /** The client address the verification was given, when it had one. */
  ip?: string;
  /** The tags the verification was given, when it had some. */
  tags?: string[];
}

/** A page of a key's verification log, newest first. */
export interface VerificationLogPage {
  items: VerificationLogEntry[];
  /** Pass it back as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

/** Input of `ApiKeyUsageService.stats`. */
export interface UsageStatsQuery {
  /** Only this owner's keys and verifications. */
  ownerId?: string;
  /** Default 24 hours before `until`. */
  since?: UsageTime;
  /** Default now. */
  until?: UsageTime;
}

/**
 * What `GET /stats` answers (and `ApiKeyUsageService.stats`): stored keys by status now, and
 * the verifications of the period. Without an owner filter the verifications include those of
 * unknown and malformed keys (codes NOT_FOUND and MALFORMED), which belong to no owner.
 */
export interface UsageStats {
  keys: {
    total: number;
    byStatus: Record<ApiKeyStatus, number>;
  };
  verifications: {
    /** The period, hour-aligned: [since, until). */
    since: string;
    until: string;
    total: number;
    valid: number;
    byCode: Partial<Record<VerifyCode, number>>;
    /** Credits spent in the period. */
    spent: number;
    /** valid / total, from 0 to 1; null without verifications. */
    successRate: number | null;
  };
}
