import { randomFillSync } from 'node:crypto';

/** @internal */
export const HOUR_MS = 3_600_000;
/** @internal */
export const DAY_MS = 24 * HOUR_MS;

/** Verifications added to one rollup row (key, UTC hour, code) since the last flush. @internal */
export interface RollupIncrement {
  keyId: string;
  ownerId: string;
  namespace: string;
  hourStart: number;
  code: string;
  count: number;
  spent: number;
}

/**
 * Rollup increments in memory, one entry per (key, hour, code): a verification costs a Map
 * lookup by key id, a scan of that key's few (hour, code) entries and two additions — no
 * string is built per call. Never bounded by dropping: its size is the number of distinct
 * (key, hour, code) triples since the last flush that succeeded, which grows with the keys in
 * use and the hours of an outage, not with traffic.
 * @internal
 */
export class RollupCounter {
  private byKey = new Map<string, RollupIncrement[]>();
  private entries = 0;

  get size(): number {
    return this.entries;
  }

  add(keyId: string, ownerId: string, namespace: string, hourStart: number, code: string, count: number, spent: number): void {
    let increments = this.byKey.get(keyId);
    if (!increments) this.byKey.set(keyId, (increments = []));
    for (const entry of increments) {
      if (entry.hourStart === hourStart && entry.code === code) {
        entry.count += count;
        entry.spent += spent;
        return;
      }
    }
    increments.push({ keyId, ownerId, namespace, hourStart, code, count, spent });
    this.entries++;
  }

  /** Everything counted so far, in a stable order (so concurrent flushes lock rows alike); the counter starts over. */
  take(): RollupIncrement[] {
    const taken = [...this.byKey.values()].flat();
    this.byKey = new Map();
    this.entries = 0;
    return taken.sort(compareRollups);
  }

  /** Puts back increments a flush could not write: they are added to what was counted meanwhile. */
  restore(increments: RollupIncrement[]): void {
    for (const i of increments) this.add(i.keyId, i.ownerId, i.namespace, i.hourStart, i.code, i.count, i.spent);
  }
}

function compareRollups(a: RollupIncrement, b: RollupIncrement): number {
  return a.keyId < b.keyId ? -1 : a.keyId > b.keyId ? 1 : a.hourStart - b.hourStart || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
}

/** One verification of a stored key, as the log keeps it until a flush. @internal */
export interface LogEntry {
  /** Set when a flush first tries to write the entry, and kept across retries. */
  id?: string;
  at: number;
  keyId: string;
  ownerId: string;
  code: string;
  spent: number;
  ip?: string;
  tags?: readonly string[];
}

/**
 * The log entries waiting for a flush: a ring of at most `capacity` entries. Past it the oldest
 * entry gives way to the new one and is counted as dropped, so the newest verifications — the
 * ones the log shows — survive a flood or an outage. Pushing is O(1) and allocates nothing once
 * the ring is full.
 * @internal
 */
export class RecentLog {
  private ring: LogEntry[] = [];
  /** Index of the oldest entry once the ring is full. */
  private head = 0;
  /** Entries dropped past the capacity since the counter was last read. */
  private droppedSinceRead = 0;
  /** Entries dropped past the capacity since the start. */
  droppedTotal = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.ring.length;
  }

  push(entry: LogEntry): void {
    if (this.ring.length < this.capacity) {
      this.ring.push(entry);
      return;
    }
    this.ring[this.head] = entry;
    this.head = (this.head + 1) % this.capacity;
    this.droppedSinceRead++;
    this.droppedTotal++;
  }

  /** Every entry, oldest first; the ring starts over empty. */
  drain(): LogEntry[] {
    const entries = this.head === 0 ? this.ring : [...this.ring.slice(this.head), ...this.ring.slice(0, this.head)];
    this.ring = [];
    this.head = 0;
    return entries;
  }

  /**
   * Puts back entries a flush could not write, before the newer ones pushed meanwhile; what
   * no longer fits is dropped, oldest first.
   */
  requeue(older: LogEntry[]): void {
    const all = [...older, ...this.drain()];
    const excess = Math.max(0, all.length - this.capacity);
    this.droppedSinceRead += excess;
    this.droppedTotal += excess;
    this.ring = excess > 0 ? all.slice(excess) : all;
  }

  /** Entries dropped since the last call. */
  takeDropped(): number {
    const dropped = this.droppedSinceRead;
    this.droppedSinceRead = 0;
    return dropped;
  }
}

/** The newest `keep` entries of each key, in their original (oldest first) order. @internal */
export function newestPerKey(entries: LogEntry[], keep: number): LogEntry[] {
  const seen = new Map<string, number>();
  const kept: LogEntry[] = [];
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i];
    const count = seen.get(entry.keyId) ?? 0;
    if (count >= keep) continue;
    seen.set(entry.keyId, count + 1);
    kept.push(entry);
  }
  return kept.reverse();
}

/**
 * Ids for log rows in the UUID version 7 layout: the entry's epoch ms in the first 48 bits, then
 * a 30-bit counter of this process, then random bits. Ordered by (at, id), the rows of one
 * instance keep the order they were counted in, even within one millisecond.
 * @internal
 */
export class TimeOrderedIds {
  private sequence = 0;
  /** Random bytes drawn 4 KiB at a time: one `randomBytes(6)` call per id cost ~5 µs, 0.5 ms per flush of a hot key. */
  private readonly pool = Buffer.alloc(4096);
  private used = this.pool.length;

  next(at: number): string {
    const seq = this.sequence;
    this.sequence = (this.sequence + 1) % 2 ** 30;
    const time = Math.max(0, Math.min(at, 2 ** 48 - 1))
      .toString(16)
      .padStart(12, '0');
    if (this.used + 6 > this.pool.length) {
      randomFillSync(this.pool);
      this.used = 0;
    }
    const random = this.pool.toString('hex', this.used, (this.used += 6)).slice(0, 11);
    const versionAndHigh = (0x7000 | ((seq >>> 18) & 0x0fff)).toString(16);
    const variantAndMiddle = (0x8000 | ((seq >>> 4) & 0x3fff)).toString(16);
    const low = (seq & 0xf).toString(16);
    return `${time.slice(0, 8)}-${time.slice(8)}-${versionAndHigh}-${variantAndMiddle}-${low}${random}`;
  }
}

/** Start of the UTC hour holding `ms`. @internal */
export const hourStartOf = (ms: number): number => ms - (((ms % HOUR_MS) + HOUR_MS) % HOUR_MS);
/** Start of the UTC day holding `ms`. @internal */
export const dayStartOf = (ms: number): number => ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS);
