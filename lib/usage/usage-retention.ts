import { Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { ApiKeysClock } from '../interfaces/clock.interface.js';
import { DAY_MS, HOUR_MS } from './usage-buffer.js';
import type { ResolvedVerificationLogOptions } from './usage.options.js';
import type { UsageStore } from './usage.store.js';

/** How often the purge runs; the first run comes a minute after boot, so short-lived processes still purge. @internal */
export const RETENTION_INTERVAL_MS = HOUR_MS;
const FIRST_RUN_AFTER_MS = 60_000;

/**
 * Purges usage older than `verificationLog.retentionDays` (SPEC §8) from both tables: log rows
 * before the cutoff, and rollup rows of hours that ended before it. It runs hourly on every
 * instance (the deletes are idempotent) and keeps running with `enabled: false`, so what was
 * recorded before still ages out. The cutoff reads the library clock.
 * @internal
 */
export class UsageRetention implements OnModuleInit, OnModuleDestroy {
  private timers: NodeJS.Timeout[] = [];
  private running: Promise<unknown> | undefined;
  private readonly logger = new Logger('ApiKeys');

  constructor(
    private readonly store: UsageStore,
    private readonly options: ResolvedVerificationLogOptions,
    private readonly clock: ApiKeysClock,
  ) {}

  onModuleInit(): void {
    const tick = () => void this.run().catch((error) => this.logger.warn(`Could not purge old usage: ${(error as Error).message}`));
    const first = setTimeout(() => {
      tick();
      const every = setInterval(tick, RETENTION_INTERVAL_MS);
      every.unref();
      this.timers.push(every);
    }, FIRST_RUN_AFTER_MS);
    first.unref();
    this.timers.push(first);
  }

  onModuleDestroy(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
  }

  /** Deletes what is older than the retention now; answers how many rows of each table went. */
  run(): Promise<{ verifications: number; rollups: number }> {
    if (this.running) return this.running as Promise<{ verifications: number; rollups: number }>;
    const cutoff = this.clock.now() - this.options.retentionDays * DAY_MS;
    const run = this.store.purge(cutoff, cutoff - HOUR_MS).finally(() => (this.running = undefined));
    this.running = run;
    return run;
  }
}
