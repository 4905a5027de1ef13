import { Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { ApiKeyStore } from '../store/api-key.store.js';

/**
 * Remembers key uses and writes `lastUsedAt` in batches, at most once per interval per key,
 * touching only that column (a write-back never clobbers an admin change). The idle check
 * reads the pending value so an unwritten use still counts.
 * @internal
 */
export class LastUsedTracker implements OnModuleInit, OnModuleDestroy {
  private pending = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private readonly logger = new Logger('ApiKeys');

  constructor(
    private readonly store: ApiKeyStore,
    private readonly intervalMs: number,
  ) {}

  onModuleInit(): void {
    this.start();
  }

  /** Writes pending `lastUsedAt` values before the DataSource closes. */
  onModuleDestroy(): Promise<void> {
    return this.stop();
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  note(keyId: string, at: number): void {
    const previous = this.pending.get(keyId);
    if (previous === undefined || at > previous) this.pending.set(keyId, at);
  }

  pendingFor(keyId: string): number | undefined {
    return this.pending.get(keyId);
  }

  /** Writes every pending use. A failed batch is kept for the next flush. */
  async flush(): Promise<void> {
    if (this.flushing) await this.flushing;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = this.store
      .writeLastUsed([...batch])
      .catch((error) => {
        this.logger.warn(`Could not write lastUsedAt for ${batch.size} keys; will retry: ${(error as Error).message}`);
        for (const [id, at] of batch) this.note(id, at);
      })
      .finally(() => (this.flushing = undefined));
    await this.flushing;
  }
}
