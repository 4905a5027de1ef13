/** An entry of an ExpiringMap: dropped once `now >= expiresAt`. @internal */
export interface Expiring {
  expiresAt: number;
}

/** Expired entries dropped per write: enough to outpace inserts, so pruning keeps up. */
const PRUNE_PER_WRITE = 2;

/**
 * A first-in-first-out queue on an array with a moving head, compacted now and then. (A Map
 * would do as a queue only on paper: V8 leaves deleted entries in place until it rehashes, so
 * reading the head after many deletions walks them all again.)
 */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  shift(): void {
    this.items[this.head++] = undefined as T;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}

/**
 * A map of windows (rate-limit counters, failed attempts) with bounded memory and amortised
 * O(1) expiry, for floods of distinct clients or keys. Each time-to-live has its own queue, in
 * which insertion order is expiry order, so every write drops up to two expired entries from
 * the head of its queue — each entry is dropped once: amortised O(1) — and nothing ever
 * rescans the map. Past `maxEntries` the oldest entry of the longest queue is evicted: a flood
 * can push out old counters, never grow memory. Callers update a live entry in place rather
 * than set it again (a set queues the key anew).
 * @internal
 */
export class ExpiringMap<V extends Expiring> {
  private readonly entries = new Map<string, V>();
  private readonly queues = new Map<number, Fifo<{ key: string; value: V }>>();

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** The live entry for `key`, or undefined (an expired one is dropped). */
  get(key: string, now: number): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    if (now >= value.expiresAt) {
      this.entries.delete(key);
      return undefined;
    }
    return value;
  }

  /** Stores `value` for `key` at the tail of the queue of `ttlMs`, the time-to-live it was given. */
  set(key: string, value: V, ttlMs: number, now: number): void {
    this.entries.set(key, value);
    let queue = this.queues.get(ttlMs);
    if (!queue) {
      queue = new Fifo();
      this.queues.set(ttlMs, queue);
    }
    queue.push({ key, value });
    this.prune(queue, now);
    if (this.entries.size > this.maxEntries) this.evictOldest();
  }

  delete(key: string): void {
    this.entries.delete(key); // its queue item is now stale: skipped when it reaches the head
  }

  /** Drops stale heads (replaced or deleted keys) and up to two expired entries. */
  private prune(queue: Fifo<{ key: string; value: V }>, now: number): void {
    let dropped = 0;
    for (let item = queue.peek(); item !== undefined; item = queue.peek()) {
      const live = this.entries.get(item.key) === item.value;
      if (live && (dropped >= PRUNE_PER_WRITE || now < item.value.expiresAt)) break;
      if (live) {
        this.entries.delete(item.key);
        dropped++;
      }
      queue.shift();
    }
  }

  /** Drops the oldest live entry of the longest queue (queues are few: one per time-to-live). */
  private evictOldest(): void {
    let longest: Fifo<{ key: string; value: V }> | undefined;
    for (const queue of this.queues.values()) if (!longest || queue.length > longest.length) longest = queue;
    for (let item = longest?.peek(); item !== undefined; item = longest!.peek()) {
      longest!.shift();
      if (this.entries.get(item.key) === item.value) {
        this.entries.delete(item.key);
        return;
      }
    }
  }
}
