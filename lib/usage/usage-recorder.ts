import { isIP } from 'node:net';
import { Logger, type BeforeApplicationShutdown, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { ApiKeysClock } from '../interfaces/clock.interface.js';
import { isIdentifier } from '../keys/identifiers.js';
import { isStoreUnavailableError } from '../store/store-availability.js';
import type { ApiKeyVerificationHook, VerificationRecord } from '../verification/verification-hook.js';
import { MAX_VERIFY_TAGS } from '../verification/verify-tags.js';
import { HOUR_MS, RecentLog, RollupCounter, TimeOrderedIds, type LogEntry } from './usage-buffer.js';
import type { ResolvedVerificationLogOptions } from './usage.options.js';
import { INSERT_BATCH, type UsageStore, type VerificationRow } from './usage.store.js';

/** The log keeps the newest this many verifications of each key. */
export const VERIFICATIONS_KEPT_PER_KEY = 100;
/** A key's stored log is trimmed once this instance has written this many rows for it since the last trim. @internal */
export const TRIM_EVERY = 10;
/** Keys whose untrimmed rows are tracked; past it the tracking starts over (every key is trimmed at its next flush). */
const MAX_TRACKED_KEYS = 100_000;
/** Warnings about drops and failed flushes: at most one per this many ms. */
const WARN_EVERY_MS = 60_000;

/**
 * Counts every verification of a stored key (SPEC §8) — from the guard, the service or
 * `POST /verify` — by key, UTC hour and code with the credits spent, and keeps the newest
 * verifications of each key; MALFORMED and NOT_FOUND are counted under the empty key for
 * `/stats`. Dry runs consume nothing and are not counted.
 *
 * On the hot path it only touches memory (a Map increment and a ring-buffer slot); a timer
 * writes everything every `flushIntervalMs` as additive upserts, and the last flush runs at
 * shutdown before the DataSource closes. A flush that fails keeps its increments for the next
 * one; the log's memory is bounded by `maxBuffer`, the rollups are never dropped.
 * @internal
 */
export class UsageRecorder implements ApiKeyVerificationHook, OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly counts = new RollupCounter();
  private readonly log: RecentLog;
  private readonly ids = new TimeOrderedIds();
  /** Rows written per key since its stored log was last trimmed; a key absent here is trimmed at its next flush. */
  private untrimmed = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private readonly logger = new Logger('ApiKeys');
  private lastWarnedAt = -Infinity;
  private droppedUnreported = 0;

  constructor(
    private readonly store: UsageStore,
    private readonly options: ResolvedVerificationLogOptions,
    private readonly clock: ApiKeysClock,
  ) {
    this.log = new RecentLog(options.maxBuffer, VERIFICATIONS_KEPT_PER_KEY);
  }

  /** Increments and log entries not written yet (for tests and diagnostics). */
  get pending(): { rollups: number; log: number; droppedTotal: number } {
    return { rollups: this.counts.size, log: this.log.size, droppedTotal: this.log.droppedTotal };
  }

  afterVerify({ at, result, key, spent, options }: VerificationRecord): void {
    if (!this.options.enabled || options.dryRun) return;
    const hourStart = at - (at % HOUR_MS);
    if (!key) {
      this.counts.add('', '', '', hourStart, result.code, 1, 0);
      return;
    }
    this.counts.add(key.id, key.ownerId, key.namespace, hourStart, result.code, 1, spent);
    this.log.record(at, key.id, key.ownerId, result.code, spent, options.ip, options.tags);
  }

  async onModuleInit(): Promise<void> {
    try {
      await this.store.probe();
    } catch (error) {
      if (isStoreUnavailableError(error)) return; // an outage at boot: the flushes retry
      throw new Error(
        `nest-api-keys: the usage tables (api_key_usage_rollups, api_key_verifications) are missing or out of date ` +
          `(${(error as Error).message}): run API_KEYS_MIGRATIONS (ApiKeysUsage1764200000000), or synchronize: true in development.`,
        { cause: error },
      );
    }
    if (this.options.enabled) {
      this.timer = setInterval(() => this.flush().catch((error) => this.warnFailure(error)), this.options.flushIntervalMs);
      this.timer.unref();
    }
  }

  /** The last flush, while the DataSource is still open (TypeORM closes it at application shutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush().catch((error) => this.warnFailure(error, true));
  }

  /** Verifications that finished while the server drained its last requests: written if the DataSource is still open. */
  async onApplicationShutdown(): Promise<void> {
    if (this.counts.size === 0 && this.log.size === 0) return;
    if (this.store.isOpen) {
      await this.flush().catch((error) => this.warnFailure(error, true));
    } else {
      this.logger.warn(`Usage counts of ${this.counts.size} key-hour-code rows came after the last flush and were not written.`);
    }
  }

  /**
   * Writes everything counted before this call. Concurrent calls share one write; a call made
   * while a write runs waits for it and then writes what came meanwhile. Rejects (keeping every
   * increment for the next flush) when the store fails.
   */
  flush(): Promise<void> {
    if (this.queued) return this.queued;
    if (!this.running) return this.start();
    const next = () => {
      this.queued = undefined;
      return this.start();
    };
    this.queued = this.running.then(next, next);
    return this.queued;
  }

  private start(): Promise<void> {
    const run = this.flushOnce().finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }

  private async flushOnce(): Promise<void> {
    this.droppedUnreported += this.log.takeDropped();
    if (this.droppedUnreported > 0 && this.mayWarn()) {
      this.logger.warn(
        `The verification log dropped ${this.droppedUnreported} entries past verificationLog.maxBuffer (${this.log.capacity}); usage counts are complete.`,
      );
      this.droppedUnreported = 0;
    }
    const increments = this.counts.take();
    const entries = this.log.drain(); // the newest VERIFICATIONS_KEPT_PER_KEY of each key
    if (increments.length === 0 && entries.length === 0) return;
    for (const entry of entries) entry.id ??= this.ids.next(entry.at);
    // Statement by statement: what a failed statement did not write is kept for the next flush.
    let rollupsWritten = 0;
    let logWritten = 0;
    try {
      for (; rollupsWritten < increments.length; rollupsWritten += INSERT_BATCH) {
        await this.store.addToRollups(increments.slice(rollupsWritten, rollupsWritten + INSERT_BATCH));
      }
      for (; logWritten < entries.length; logWritten += INSERT_BATCH) {
        await this.store.insertLog(entries.slice(logWritten, logWritten + INSERT_BATCH).map(toRow));
      }
    } catch (error) {
      this.counts.restore(increments.slice(rollupsWritten));
      this.log.requeue(entries.slice(logWritten));
      throw error;
    }
    await this.trim(entries);
  }

  /**
   * Keeps each key's stored log at VERIFICATIONS_KEPT_PER_KEY rows, plus fewer than TRIM_EVERY
   * per instance. A key this flush wrote VERIFICATIONS_KEPT_PER_KEY rows of (a hot key, every
   * flush) is trimmed to the rows no older than the oldest of them: an index range delete that
   * keeps at least its newest VERIFICATIONS_KEPT_PER_KEY, whoever wrote them, where ranking
   * every row of the key cost the server three times as much.
   */
  private async trim(written: LogEntry[]): Promise<void> {
    const perKey = new Map<string, { rows: number; oldestAt: number }>();
    for (const entry of written) {
      const key = perKey.get(entry.keyId);
      if (key) {
        key.rows++;
        key.oldestAt = Math.min(key.oldestAt, entry.at);
      } else perKey.set(entry.keyId, { rows: 1, oldestAt: entry.at });
    }
    const due: string[] = [];
    const olderThan = new Map<string, number>();
    for (const [keyId, { rows, oldestAt }] of perKey) {
      const total = (this.untrimmed.get(keyId) ?? TRIM_EVERY) + rows;
      if (rows >= VERIFICATIONS_KEPT_PER_KEY) olderThan.set(keyId, oldestAt);
      if (total >= TRIM_EVERY) due.push(keyId);
      else this.untrimmed.set(keyId, total);
    }
    if (due.length === 0) return;
    if (this.untrimmed.size + due.length > MAX_TRACKED_KEYS) this.untrimmed.clear();
    try {
      await this.store.trimLog(due, VERIFICATIONS_KEPT_PER_KEY, olderThan);
      for (const keyId of due) this.untrimmed.set(keyId, 0);
    } catch (error) {
      for (const keyId of due) this.untrimmed.delete(keyId); // trimmed again at the key's next flush
      this.warnFailure(error);
    }
  }

  private mayWarn(): boolean {
    const now = this.clock.now();
    if (now - this.lastWarnedAt < WARN_EVERY_MS) return false;
    this.lastWarnedAt = now;
    return true;
  }

  private warnFailure(error: unknown, final = false): void {
    if (!final && !this.mayWarn()) return;
    const kept = `${this.counts.size} usage rows and ${this.log.size} log entries`;
    this.logger.warn(
      final
        ? `Could not write the last usage counts at shutdown (${kept} lost): ${(error as Error).message}`
        : `Could not write usage counts; ${kept} are kept for the next flush: ${(error as Error).message}`,
    );
  }
}

/** A log entry as a row: the address only if it is one, the tags only if they are still valid. */
function toRow(entry: LogEntry): VerificationRow {
  const ip = typeof entry.ip === 'string' && entry.ip.length <= 45 && isIP(entry.ip) !== 0 ? entry.ip : null;
  const tags = Array.isArray(entry.tags)
    ? [...new Set(entry.tags)].filter((tag) => isIdentifier('tag', tag)).slice(0, MAX_VERIFY_TAGS)
    : [];
  return {
    id: entry.id!,
    keyId: entry.keyId,
    ownerId: entry.ownerId,
    at: entry.at,
    code: entry.code,
    cost: entry.spent,
    ip,
    tags: tags.length > 0 ? `\n${tags.join('\n')}\n` : null,
  };
}
