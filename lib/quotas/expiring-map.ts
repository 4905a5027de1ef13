/** An entry of an ExpiringMap: dropped once `now >= expiresAt`. @internal */
export interface Expiring {
  expiresAt: number;
}

/** Expired entries dropped per write: enough to outpace inserts, so pruning keeps up. */
const PRUNE_PER_WRITE = 2;

/**
 * A map of windows (rate-limit counters, failed attempts, blocks) with bounded memory and
 * amortised O(1) expiry, for floods of distinct clients or keys. Entries live in one queue per
 * time-to-live: within a queue, insertion order is expiry order, so every write drops up to two
 * expired entries from the heads of its queue (each entry is dropped once: amortised O(1)), and
 * never rescans the map. Past `maxEntries` the oldest entry of the written queue is evicted: a
 * flood can push out old counters, never grow memory.
 * @internal
 */
export class ExpiringMap<V extends Expiring> {
  private readonly entries = new Map<string, { value: V; ttlMs: number }>();
  private readonly queues = new Map<number, Map<string, V>>();

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** The live entry for `key`, or undefined (an expired one is dropped). */
  get(key: string, now: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (now >= entry.value.expiresAt) {
      this.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /**
   * Stores `value` for `key` at the tail of the queue of `ttlMs` (the time-to-live it was given:
   * entries of one queue expire in the order they were set).
   */
  set(key: string, value: V, ttlMs: number, now: number): void {
    this.delete(key);
    let queue = this.queues.get(ttlMs);
    if (!queue) {
      queue = new Map();
      this.queues.set(ttlMs, queue);
    }
    queue.set(key, value);
    this.entries.set(key, { value, ttlMs });
    this.prune(queue, now);
    if (this.entries.size > this.maxEntries) this.evictOldest();
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    const queue = this.queues.get(entry.ttlMs)!;
    queue.delete(key);
    if (queue.size === 0) this.queues.delete(entry.ttlMs);
  }

  private prune(queue: Map<string, V>, now: number): void {
    let dropped = 0;
    for (const [key, value] of queue) {
      if (dropped >= PRUNE_PER_WRITE || now < value.expiresAt) break;
      this.delete(key);
      dropped++;
    }
  }

  /** Drops the head of the longest queue (queues are few: one per distinct time-to-live). */
  private evictOldest(): void {
    let longest: Map<string, V> | undefined;
    for (const queue of this.queues.values()) if (!longest || queue.size > longest.size) longest = queue;
    const oldest = longest?.keys().next().value;
    if (oldest !== undefined) this.delete(oldest);
  }
}
