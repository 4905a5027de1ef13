import type { ApiKeyEntity } from '../entities/api-key.entity.js';
import type { ApiKeysClock } from '../interfaces/clock.interface.js';
import type { ApiKeysInvalidation } from '../interfaces/invalidation-bus.interface.js';
import type { ApiKeyLookup } from '../store/api-key-lookup.js';
import type { ResolvedCacheOptions } from './cache.options.js';
import { deepFreeze } from './deep-freeze.js';
import { LruTtlCache } from './lru-cache.js';

/** DI token of the ApiKeyCache, or null with `cache: false`. @internal */
export const API_KEYS_KEY_CACHE = Symbol('nest-api-keys:ApiKeyCache');

/**
 * Invalidations remembered while reads are in flight, so that a read that began before one
 * does not store the row it got; past this many, every read in flight is refused instead.
 */
const MAX_TRACKED_INVALIDATIONS = 4096;

/** A read of the store in flight, shared by the lookups that ask for the same thing meanwhile. */
interface Flight {
  stamp: number;
  notFoundStamp: number;
  promise: Promise<ApiKeyEntity | null>;
}

/** Sizes of every in-process structure, for tests and diagnostics. @internal */
export interface ApiKeyCacheStats {
  rows: number;
  hashes: number;
  notFound: number;
  flights: number;
  readsInFlight: number;
  trackedInvalidations: number;
}

/**
 * The key cache of SPEC §10, a decorator of the ApiKeyLookup: each stored row on its own, by
 * id and by hash, with its grants and its owner's limits (a successor or a parent is a row of
 * its own, so invalidating a row id evicts exactly what depends on that row); an LRU bounded
 * by `maxEntries` and `ttlMs`, and a bounded negative cache of NOT_FOUND answers. Rows are
 * frozen once when stored and shared by every request. Lookups of the same thing while a read
 * is in flight share that read.
 *
 * A read that was in flight when a change committed must not store the row it got (a revoked
 * key would be served again until the TTL): every invalidation bumps a counter; a read notes it
 * before it starts, and its row is stored only if that key was not invalidated meanwhile. The
 * verifier asks `changedSince` with the same counter before it consumes anything.
 * Credits are never decided from a cached row: its `remaining` is a hint, the spend is the
 * database's conditional UPDATE.
 * @internal
 */
export class ApiKeyCache implements ApiKeyLookup {
  private readonly rows: LruTtlCache<string, ApiKeyEntity>;
  /** Hash → id of the cached row stored under it. */
  private readonly idsByHash = new Map<string, string>();
  private readonly notFound: LruTtlCache<string, true>;
  private readonly flights = new Map<string, Flight>();
  /** Reads of the store running now (a replaced flight still runs). */
  private readsInFlight = 0;
  /** Invalidations so far; a read or a verify notes it before it starts. */
  private seq = 0;
  /** Reads that started before this stamp may not store what they got. */
  private floor = 0;
  /** Key id → the stamp of its last invalidation, kept only while reads are in flight. */
  private readonly invalidatedAt = new Map<string, number>();
  /** Bumped when the NOT_FOUND answers are dropped: a NOT_FOUND read that began before is not stored. */
  private notFoundSeq = 0;

  constructor(
    private readonly store: ApiKeyLookup,
    private readonly options: ResolvedCacheOptions,
    private readonly clock: ApiKeysClock,
  ) {
    this.rows = new LruTtlCache(options.maxEntries, (id, row) => {
      if (this.idsByHash.get(row.hash) === id) this.idsByHash.delete(row.hash);
    });
    this.notFound = new LruTtlCache(options.negativeMaxEntries);
  }

  findByHashes(hashes: string[]): Promise<ApiKeyEntity | null> {
    const cached = this.peekByHashes(hashes);
    if (cached !== undefined) return Promise.resolve(cached);
    const notFoundKey = hashes.length === 1 ? hashes[0] : hashes.join(' ');
    if (this.notFound.get(notFoundKey, this.clock.now())) return Promise.resolve(null);
    return this.read(`h ${notFoundKey}`, () => this.store.findByHashes(hashes), notFoundKey);
  }

  peekByHashes(hashes: string[]): ApiKeyEntity | undefined {
    const now = this.clock.now();
    for (const hash of hashes) {
      const id = this.idsByHash.get(hash);
      if (id === undefined) continue;
      const row = this.rows.get(id, now);
      if (row !== undefined) return row;
    }
    return undefined;
  }

  findById(id: string): Promise<ApiKeyEntity | null> {
    const row = this.rows.get(id, this.clock.now());
    if (row !== undefined) return Promise.resolve(row);
    return this.read(`i ${id}`, () => this.store.findById(id));
  }

  stamp(): number {
    return this.seq;
  }

  changedSince(stamp: number): boolean {
    return this.seq !== stamp;
  }

  evict(ids: readonly string[]): void {
    if (ids.length === 0) return;
    const stamp = ++this.seq;
    for (const id of ids) this.rows.delete(id);
    if (this.readsInFlight === 0) return; // a read that starts later notes the new stamp
    if (this.invalidatedAt.size + ids.length > MAX_TRACKED_INVALIDATIONS) {
      this.invalidatedAt.clear();
      this.floor = stamp;
      return;
    }
    for (const id of ids) this.invalidatedAt.set(id, stamp);
  }

  /** Drops every row and every NOT_FOUND answer; reads in flight store nothing. */
  clear(): void {
    this.floor = ++this.seq;
    this.invalidatedAt.clear();
    this.rows.clear();
    this.clearNotFound();
  }

  /** Applies an invalidation from this instance's changes or from the bus. */
  apply(message: ApiKeysInvalidation): void {
    if (message.all) return this.clear();
    if (message.notFound) this.clearNotFound();
    this.evict(message.keyIds);
  }

  /**
   * `lastUsedAt` of these keys was written: a cached row still holds the value it was read
   * with, and once the tracker no longer reports the use as pending the idle check would read
   * that older value. Rows with an idle timeout are read again; the others never look at it.
   */
  lastUsedWritten(ids: readonly string[]): void {
    const now = this.clock.now();
    const idle = ids.filter((id) => this.rows.get(id, now)?.maxIdleMs != null);
    this.evict(idle);
  }

  /** Whether the row of this key is cached now (for tests and diagnostics). @internal */
  holds(id: string): boolean {
    return this.rows.get(id, this.clock.now()) !== undefined;
  }

  /** @internal */
  stats(): ApiKeyCacheStats {
    return {
      rows: this.rows.size,
      hashes: this.idsByHash.size,
      notFound: this.notFound.size,
      flights: this.flights.size,
      readsInFlight: this.readsInFlight,
      trackedInvalidations: this.invalidatedAt.size,
    };
  }

  private clearNotFound(): void {
    this.notFoundSeq++;
    this.notFound.clear();
  }

  /** One read of the store for `flightKey`, shared by lookups that arrive before it ends and after the same invalidations. */
  private read(flightKey: string, load: () => Promise<ApiKeyEntity | null>, notFoundKey?: string): Promise<ApiKeyEntity | null> {
    const shared = this.flights.get(flightKey);
    if (shared && shared.stamp === this.seq && shared.notFoundStamp === this.notFoundSeq) return shared.promise;
    const flight: Flight = { stamp: this.seq, notFoundStamp: this.notFoundSeq, promise: undefined as never };
    this.readsInFlight++;
    flight.promise = load()
      .then((found) => {
        const row = found ? deepFreeze(found) : null;
        this.keep(row, flight, notFoundKey);
        return row;
      })
      .finally(() => {
        if (this.flights.get(flightKey) === flight) this.flights.delete(flightKey);
        if (--this.readsInFlight === 0) this.invalidatedAt.clear();
      });
    this.flights.set(flightKey, flight);
    return flight.promise;
  }

  /** Stores what a read got, unless something it depends on was invalidated while it ran. */
  private keep(row: ApiKeyEntity | null, flight: Flight, notFoundKey: string | undefined): void {
    const now = this.clock.now();
    if (row === null) {
      if (notFoundKey !== undefined && flight.notFoundStamp === this.notFoundSeq && flight.stamp >= this.floor) {
        this.notFound.set(notFoundKey, true, now + this.options.negativeTtlMs, now);
      }
      return;
    }
    if (flight.stamp < this.floor || (this.invalidatedAt.get(row.id) ?? -1) > flight.stamp) return;
    this.rows.set(row.id, row, now + this.options.ttlMs, now);
    this.idsByHash.set(row.hash, row.id);
  }
}
