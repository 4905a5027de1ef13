import { Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { ApiKeyStore } from '../store/api-key.store.js';

/** Pending keys that start a write before the interval is over (a flood of distinct keys). */
const FLUSH_AT = 10_000;
/**
 * Past this many pending keys (a write is slow or failing) uses of further keys are not
 * remembered until a write goes through: memory stays bounded whatever the traffic.
 */
export const MAX_PENDING_KEYS = 20_000;

/**
 * Remembers key uses and writes `lastUsedAt` in batches, at most once per interval per key,
 * touching only that column (a write-back never clobbers an admin change). The idle check
 * reads the pending value so an unwritten use still counts. At most MAX_PENDING_KEYS keys wait;
 * past FLUSH_AT a write starts at once (unless the last one failed: then the interval paces it).
 * @internal
 */
export class LastUsedTracker implements OnModuleInit, OnModuleDestroy {
  private pending = new Map<string, number>();
  /** The batch being written: still reported as pending until the write answered. */
  private writing: Map<string, number> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private readonly written: Array<(ids: string[]) => void> = [];
  private lastWriteFailed = false;
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
    if (previous !== undefined) {
      if (at > previous) this.pending.set(keyId, at);
      return;
    }
    if (this.pending.size >= MAX_PENDING_KEYS) return;
    this.pending.set(keyId, at);
    if (this.pending.size >= FLUSH_AT && !this.flushing && !this.lastWriteFailed) void this.flush();
  }

  /** How many keys wait for their write (for tests and diagnostics). */
  get pendingCount(): number {
    return this.pending.size;
  }

  pendingFor(keyId: string): number | undefined {
    return this.pending.get(keyId) ?? this.writing?.get(keyId);
  }

  /**
   * Calls `listener` with the ids of every batch once it is written (the key cache drops rows
   * that would otherwise show the idle check an older `lastUsedAt` than the one just written).
   */
  onWritten(listener: (ids: string[]) => void): void {
    this.written.push(listener);
  }

  /** Writes every pending use. A failed batch is kept for the next flush. */
  async flush(): Promise<void> {
    if (this.flushing) await this.flushing;
    if (this.pending.size === 0) return;
    const batch = (this.writing = this.pending);
    this.pending = new Map();
    this.flushing = this.store
      .writeLastUsed([...batch])
      .then(() => {
        this.lastWriteFailed = false;
        this.announce([...batch.keys()]);
      })
      .catch((error) => {
        this.lastWriteFailed = true;
        this.logger.warn(`Could not write lastUsedAt for ${batch.size} keys; will retry: ${(error as Error).message}`);
        for (const [id, at] of batch) this.note(id, at);
      })
      .finally(() => {
        this.flushing = undefined;
        this.writing = undefined;
      });
    await this.flushing;
  }

  private announce(ids: string[]): void {
    for (const listener of this.written) {
      try {
        listener(ids);
      } catch (error) {
        this.logger.warn(`A lastUsedAt listener threw: ${(error as Error).message}`);
      }
    }
  }
}
