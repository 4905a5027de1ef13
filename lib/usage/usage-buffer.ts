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

/** A waiting log entry, linked in the order entries came and among its key's entries. */
class WaitingEntry implements LogEntry {
  id: string | undefined = undefined;
  at = 0;
  keyId = '';
  ownerId = '';
  code = '';
  spent = 0;
  ip: string | undefined = undefined;
  tags: readonly string[] | undefined = undefined;
  previous: WaitingEntry | undefined = undefined;
  next: WaitingEntry | undefined = undefined;
  nextOfKey: WaitingEntry | undefined = undefined;
}

/** A key's waiting entries, oldest first. */
interface KeyEntries {
  count: number;
  oldest: WaitingEntry;
  newest: WaitingEntry;
}

/**
 * The log entries waiting for a flush. Each key keeps its newest `perKey` — the ones the log
 * keeps (VERIFICATIONS_KEPT_PER_KEY): an older entry of a key at that count gives way to the
 * new one, which reuses its object, so a hot key costs no allocation per verification and no
 * entry outlives the few the flush will write (thousands of entries a second, each living
 * until the flush, were promoted to V8's old space: a major-GC cost on the warm path). Past
 * `capacity` entries in all, the oldest entry is dropped and counted, so the newest
 * verifications survive a flood of keys or an outage. Every operation but `drain` is O(1).
 * @internal
 */
export class RecentLog {
  private oldest: WaitingEntry | undefined;
  private newest: WaitingEntry | undefined;
  private byKey = new Map<string, KeyEntries>();
  private held = 0;
  /** Entries dropped past the capacity since the counter was last read. */
  private droppedSinceRead = 0;
  /** Entries dropped past the capacity since the start. */
  droppedTotal = 0;

  constructor(
    readonly capacity: number,
    readonly perKey: number,
  ) {}

  get size(): number {
    return this.held;
  }

  push(entry: LogEntry): void {
    this.record(entry.at, entry.keyId, entry.ownerId, entry.code, entry.spent, entry.ip, entry.tags, entry.id);
  }

  /** `push` without an entry object to build: what the verification hook calls. */
  record(
    at: number,
    keyId: string,
    ownerId: string,
    code: string,
    spent: number,
    ip: string | undefined,
    tags: readonly string[] | undefined,
    id?: string,
  ): void {
    const ofKey = this.byKey.get(keyId);
    let entry: WaitingEntry;
    if (ofKey !== undefined && ofKey.count >= this.perKey) {
      entry = this.remove(ofKey.oldest); // it would not be written: it gives way, not a drop
    } else if (this.held >= this.capacity) {
      entry = this.remove(this.oldest!);
      this.droppedSinceRead++;
      this.droppedTotal++;
    } else {
      entry = new WaitingEntry();
    }
    entry.id = id;
    entry.at = at;
    entry.keyId = keyId;
    entry.ownerId = ownerId;
    entry.code = code;
    entry.spent = spent;
    entry.ip = ip;
    entry.tags = tags;
    this.append(entry);
  }

  /** Every entry, oldest first; the log starts over empty. */
  drain(): LogEntry[] {
    const entries: LogEntry[] = [];
    for (let entry = this.oldest; entry !== undefined;) {
      const next = entry.next;
      entry.previous = entry.next = entry.nextOfKey = undefined;
      entries.push(entry);
      entry = next;
    }
    this.oldest = this.newest = undefined;
    this.byKey = new Map();
    this.held = 0;
    return entries;
  }

  /**
   * Puts back entries a flush could not write, before the newer ones recorded meanwhile; what
   * no longer fits is dropped (or gives way, per key), oldest first.
   */
  requeue(older: LogEntry[]): void {
    const newer = this.drain();
    for (const entry of older) this.push(entry);
    for (const entry of newer) this.push(entry);
  }

  /** Entries dropped since the last call. */
  takeDropped(): number {
    const dropped = this.droppedSinceRead;
    this.droppedSinceRead = 0;
    return dropped;
  }

  private append(entry: WaitingEntry): void {
    entry.previous = this.newest;
    if (this.newest) this.newest.next = entry;
    else this.oldest = entry;
    this.newest = entry;
    const ofKey = this.byKey.get(entry.keyId);
    if (ofKey) {
      ofKey.newest.nextOfKey = entry;
      ofKey.newest = entry;
      ofKey.count++;
    } else {
      this.byKey.set(entry.keyId, { count: 1, oldest: entry, newest: entry });
    }
    this.held++;
  }

  /** Unlinks the oldest entry of its key (the oldest of all entries is the oldest of its key too). */
  private remove(entry: WaitingEntry): WaitingEntry {
    if (entry.previous) entry.previous.next = entry.next;
    else this.oldest = entry.next;
    if (entry.next) entry.next.previous = entry.previous;
    else this.newest = entry.previous;
    const ofKey = this.byKey.get(entry.keyId)!;
    if (--ofKey.count === 0) this.byKey.delete(entry.keyId);
    else ofKey.oldest = entry.nextOfKey!;
    entry.previous = entry.next = entry.nextOfKey = undefined;
    this.held--;
    return entry;
  }
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
