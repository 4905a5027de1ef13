import { hash, randomBytes } from 'node:crypto';

/** A client's failures in its current window. @internal */
export interface FailureWindow {
  hits: number;
  /** Epoch ms: the window is over once `now >= expiresAt`. */
  expiresAt: number;
}

const MAX_HITS = 0xffffffff;
/** `expiresAt` of a ring entry whose window was dropped. */
const DROPPED = -Infinity;

/**
 * Failed-attempt windows of up to `maxClients` clients in fixed memory: about 32 bytes per
 * client in typed arrays, where a Map of strings to window objects (with an expiry queue) held
 * ~240 bytes per client in V8's heap — under a flood of distinct clients that heap, and the
 * process's RSS with it, grew by tens of megabytes.
 *
 * A client is identified by 64 bits of a salted SHA-256 of its tracker string (a random salt
 * per table): two clients share a window only by a 64-bit collision, and the salt keeps anyone
 * from choosing an address that collides with another's.
 *
 * Windows sit in a ring in the order they started, so the oldest is evicted first when the
 * table is full; an open-addressing index (linear probing, deletion by backward shift, load
 * ≤ 0.5) finds a client's window. An expired window is dropped when read, and each new window
 * drops up to two expired ones at the head of the ring.
 * @internal
 */
export class FailureTable {
  private readonly salt = randomBytes(16).toString('base64');
  // The ring, one entry per window; an entry whose window was dropped has `expiresAt` DROPPED.
  private readonly idHigh: Uint32Array;
  private readonly idLow: Uint32Array;
  private readonly hits: Uint32Array;
  private readonly expiresAt: Float64Array;
  private head = 0;
  /** Ring entries from the head, dropped ones included. */
  private used = 0;
  /** Ring position + 1 of each indexed window; 0 is an empty slot. */
  private readonly index: Uint32Array;
  private readonly mask: number;
  private live = 0;
  // The client last identified and its id: a failure reads then sets the same client, one hash.
  private lastClient: string | undefined;
  private high = 0;
  private low = 0;

  constructor(private readonly maxClients: number) {
    this.idHigh = new Uint32Array(maxClients);
    this.idLow = new Uint32Array(maxClients);
    this.hits = new Uint32Array(maxClients);
    this.expiresAt = new Float64Array(maxClients);
    let slots = 2;
    while (slots < maxClients * 2) slots *= 2;
    this.index = new Uint32Array(slots);
    this.mask = slots - 1;
  }

  /** Windows held (some may have ended and not been dropped yet). */
  get size(): number {
    return this.live;
  }

  /** The client's live window, or undefined (an ended one is dropped). */
  get(client: string, now: number): FailureWindow | undefined {
    const slot = this.find(client);
    if (slot < 0) return undefined;
    const position = this.index[slot] - 1;
    if (now >= this.expiresAt[position]) {
      this.drop(slot);
      return undefined;
    }
    return { hits: this.hits[position], expiresAt: this.expiresAt[position] };
  }

  /**
   * Sets the client's window. `sameWindow`: a live window of the client is updated in place
   * (it keeps its age); otherwise any window it had is replaced by a new, newest one.
   */
  set(client: string, window: FailureWindow, now: number, sameWindow: boolean): void {
    const hits = Math.min(window.hits, MAX_HITS);
    let slot = this.find(client);
    if (slot >= 0) {
      const position = this.index[slot] - 1;
      if (sameWindow && now < this.expiresAt[position]) {
        this.hits[position] = hits;
        this.expiresAt[position] = window.expiresAt;
        return;
      }
      this.drop(slot);
    }
    this.pruneHead(now);
    if (this.used === this.maxClients) this.evictHead();
    const position = (this.head + this.used) % this.maxClients;
    this.used++;
    this.idHigh[position] = this.high;
    this.idLow[position] = this.low;
    this.hits[position] = hits;
    this.expiresAt[position] = window.expiresAt;
    // find() left no slot for the client: its probe sequence ends at the first empty one.
    for (slot = this.high & this.mask; this.index[slot] !== 0; slot = (slot + 1) & this.mask);
    this.index[slot] = position + 1;
    this.live++;
  }

  /** The index slot of the client's window, or -1; leaves the client's id in `high`/`low`. */
  private find(client: string): number {
    if (client !== this.lastClient) {
      const digest = hash('sha256', this.salt + client, 'buffer');
      this.high = digest.readUInt32LE(0);
      this.low = digest.readUInt32LE(4);
      this.lastClient = client;
    }
    for (let slot = this.high & this.mask; ; slot = (slot + 1) & this.mask) {
      const entry = this.index[slot];
      if (entry === 0) return -1;
      if (this.idHigh[entry - 1] === this.high && this.idLow[entry - 1] === this.low) return slot;
    }
  }

  /** Drops the window indexed at `slot`: its ring entry is marked dropped, its slot freed. */
  private drop(slot: number): void {
    this.expiresAt[this.index[slot] - 1] = DROPPED;
    this.unindex(slot);
    this.live--;
  }

  /** Frees an index slot, shifting back the entries after it that probed past it. */
  private unindex(slot: number): void {
    let free = slot;
    for (let next = (free + 1) & this.mask; this.index[next] !== 0; next = (next + 1) & this.mask) {
      const home = this.idHigh[this.index[next] - 1] & this.mask;
      // The entry at `next` may move to `free` unless its home lies cyclically in (free, next].
      const staysPut = free <= next ? home > free && home <= next : home > free || home <= next;
      if (staysPut) continue;
      this.index[free] = this.index[next];
      free = next;
    }
    this.index[free] = 0;
  }

  /** Drops entries at the head of the ring that were dropped already, and up to two ended windows. */
  private pruneHead(now: number): void {
    for (let ended = 0; this.used > 0;) {
      const expiresAt = this.expiresAt[this.head];
      if (expiresAt !== DROPPED) {
        if (ended === 2 || now < expiresAt) return;
        this.dropAt(this.head);
        ended++;
      }
      this.head = (this.head + 1) % this.maxClients;
      this.used--;
    }
  }

  /** Makes room for one entry: the oldest window (the ring's head) goes. */
  private evictHead(): void {
    if (this.expiresAt[this.head] !== DROPPED) this.dropAt(this.head);
    this.head = (this.head + 1) % this.maxClients;
    this.used--;
  }

  /** Drops the live window at ring `position`. */
  private dropAt(position: number): void {
    // A live entry is always indexed: its probe sequence reaches it before an empty slot.
    let slot = this.idHigh[position] & this.mask;
    while (this.index[slot] !== position + 1) slot = (slot + 1) & this.mask;
    this.drop(slot);
  }
}
