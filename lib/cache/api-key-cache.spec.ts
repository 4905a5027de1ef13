import { ApiKeyEntity } from '../entities/api-key.entity.js';
import type { ApiKeyLookup } from '../store/api-key-lookup.js';
import { ApiKeyCache } from './api-key-cache.js';
import { CACHE_DEFAULTS } from './cache.options.js';

function row(id: string, hash = `hash-${id}`, extra: Partial<ApiKeyEntity> = {}): ApiKeyEntity {
  return Object.assign(new ApiKeyEntity(), {
    id,
    hash,
    ownerId: 'acme',
    revokedAt: null,
    meta: { plan: { tier: 'pro' } },
    allowedIps: [],
    maxIdleMs: null,
    permissionGrants: [{ keyId: id, permission: { name: 'a:read' } }],
    roleGrants: [],
    owner: null,
    ...extra,
  });
}

/** A store whose answers the test releases by hand. */
class FakeStore implements ApiKeyLookup {
  readonly rows = new Map<string, ApiKeyEntity>();
  calls = 0;
  private gates: Array<() => void> = [];
  held = false;

  private readonly byHash = new Map<string, ApiKeyEntity>();

  add(key: ApiKeyEntity): void {
    this.rows.set(key.id, key);
    this.byHash.set(key.hash, key);
  }

  /** Reads now (the row as of the read), answers when released: a fresh object per read, like the store. */
  async findByHashes(hashes: string[]): Promise<ApiKeyEntity | null> {
    this.calls++;
    const found = hashes.map((hash) => this.byHash.get(hash)).find(Boolean);
    const copy = found ? structuredClone(found) : null;
    await this.gate();
    return copy;
  }

  async findById(id: string): Promise<ApiKeyEntity | null> {
    this.calls++;
    const found = this.rows.get(id);
    const copy = found ? structuredClone(found) : null;
    await this.gate();
    return copy;
  }

  release(): void {
    const gates = this.gates;
    this.gates = [];
    gates.forEach((open) => open());
  }

  private gate(): Promise<void> {
    if (!this.held) return Promise.resolve();
    return new Promise((resolve) => this.gates.push(resolve));
  }
}

describe('ApiKeyCache', () => {
  let now: number;
  let store: FakeStore;
  let cache: ApiKeyCache;
  const make = (options: Partial<Record<keyof typeof CACHE_DEFAULTS, number>> = {}) =>
    new ApiKeyCache(store, { ...CACHE_DEFAULTS, ...options }, { now: () => now });

  beforeEach(() => {
    now = 1_000_000;
    store = new FakeStore();
    cache = make();
  });

  it('serves a row by hash and by id from memory after one read, as one frozen object', async () => {
    store.add(row('k1'));
    const first = await cache.findByHashes(['other', 'hash-k1']);
    expect(first?.id).toBe('k1');
    expect(await cache.findByHashes(['hash-k1'])).toBe(first);
    expect(await cache.findById('k1')).toBe(first);
    expect(store.calls).toBe(1);
    // Shared between requests: nobody may change it.
    expect(Object.isFrozen(first)).toBe(true);
    expect(() => ((first as any).meta.plan.tier = 'free')).toThrow(/read only|read-only/);
    expect(() => (first as any).permissionGrants.push({})).toThrow(/not extensible/);
    expect(() => ((first as any).revokedAt = 1)).toThrow(/read only|read-only/);
    expect(first?.meta).toEqual({ plan: { tier: 'pro' } });
  });

  it('rows live ttlMs; NOT_FOUND answers live negativeTtlMs', async () => {
    store.add(row('k1'));
    await cache.findByHashes(['hash-k1']);
    expect(await cache.findByHashes(['nope'])).toBeNull();
    expect(store.calls).toBe(2);
    now += CACHE_DEFAULTS.negativeTtlMs - 1;
    await cache.findByHashes(['nope']);
    await cache.findByHashes(['hash-k1']);
    expect(store.calls).toBe(2);
    now += 1;
    await cache.findByHashes(['nope']);
    expect(store.calls).toBe(3);
    now = 1_000_000 + CACHE_DEFAULTS.ttlMs;
    await cache.findByHashes(['hash-k1']);
    expect(store.calls).toBe(4);
  });

  it('evicting an id drops its row and its hash entry, nothing else', async () => {
    store.add(row('k1'));
    store.add(row('k2'));
    await cache.findByHashes(['hash-k1']);
    await cache.findById('k2');
    cache.evict(['k1']);
    expect(cache.stats()).toMatchObject({ rows: 1, hashes: 1 });
    await cache.findByHashes(['hash-k1']);
    await cache.findByHashes(['hash-k2']); // k2, read by id, is found by its hash too
    expect(store.calls).toBe(3);
  });

  it('a read in flight when its key is invalidated answers but stores nothing', async () => {
    store.add(row('k1'));
    store.held = true;
    const inFlight = cache.findByHashes(['hash-k1']);
    store.add(row('k1', 'hash-k1', { revokedAt: now })); // the revoke commits…
    cache.evict(['k1']); // …and evicts, while the read that began before it is still out
    store.release();
    expect((await inFlight)?.revokedAt).toBeNull(); // that read's own answer
    expect(cache.stats().rows).toBe(0);
    store.held = false;
    expect((await cache.findByHashes(['hash-k1']))?.revokedAt).toBe(now); // read again, fresh
    expect(await cache.findByHashes(['hash-k1'])).toMatchObject({ revokedAt: now });
    expect(cache.stats()).toMatchObject({ rows: 1, readsInFlight: 0, trackedInvalidations: 0 });
  });

  it('a read in flight is stored when only other keys were invalidated', async () => {
    store.add(row('k1'));
    store.held = true;
    const inFlight = cache.findById('k1');
    cache.evict(['k2']);
    store.release();
    await inFlight;
    expect(cache.stats().rows).toBe(1);
  });

  it('clear() keeps every read then in flight from storing, NOT_FOUND answers included', async () => {
    store.add(row('k1'));
    store.held = true;
    const a = cache.findByHashes(['hash-k1']);
    const b = cache.findByHashes(['missing']);
    cache.clear();
    store.release();
    await Promise.all([a, b]);
    expect(cache.stats()).toMatchObject({ rows: 0, notFound: 0 });
  });

  it('an import drops NOT_FOUND answers, and a NOT_FOUND read in flight meanwhile is not stored', async () => {
    expect(await cache.findByHashes(['hash-k9'])).toBeNull();
    store.held = true;
    const inFlight = cache.findByHashes(['hash-other']);
    store.add(row('k9'));
    cache.apply({ keyIds: ['k9'], notFound: true });
    store.release();
    expect(await inFlight).toBeNull();
    expect(cache.stats().notFound).toBe(0);
    store.held = false;
    expect((await cache.findByHashes(['hash-k9']))?.id).toBe('k9');
  });

  it('lookups of the same thing share one read, unless an invalidation came between them', async () => {
    store.add(row('k1'));
    store.held = true;
    const first = [cache.findByHashes(['hash-k1']), cache.findByHashes(['hash-k1']), cache.findByHashes(['hash-k1'])];
    expect(store.calls).toBe(1);
    cache.evict(['k1']);
    const after = cache.findByHashes(['hash-k1']); // must not join a read that began before the eviction
    expect(store.calls).toBe(2);
    store.release();
    const rows = await Promise.all([...first, after]);
    expect(rows[0]).toBe(rows[1]);
    expect(rows[0]).toBe(rows[2]);
    expect(cache.stats()).toMatchObject({ rows: 1, flights: 0, readsInFlight: 0 });
  });

  it('stamp and changedSince tell a verify whether anything was invalidated since it began', () => {
    const stamp = cache.stamp();
    expect(cache.changedSince(stamp)).toBe(false);
    cache.evict([]);
    expect(cache.changedSince(stamp)).toBe(false);
    cache.evict(['x']);
    expect(cache.changedSince(stamp)).toBe(true);
    const later = cache.stamp();
    cache.apply({ keyIds: [], all: true });
    expect(cache.changedSince(later)).toBe(true);
  });

  it('after lastUsedAt is written, only rows with an idle timeout are read again', async () => {
    store.add(row('idle', 'h-idle', { maxIdleMs: 60_000 }));
    store.add(row('plain', 'h-plain'));
    await cache.findById('idle');
    await cache.findById('plain');
    cache.lastUsedWritten(['idle', 'plain', 'unknown']);
    expect(cache.stats().rows).toBe(1);
    await cache.findById('plain');
    expect(store.calls).toBe(2);
  });

  it('memory: rows, hashes and NOT_FOUND answers stay within their bounds under 100k distinct keys', async () => {
    cache = make({ maxEntries: 1000, negativeMaxEntries: 500 });
    for (let i = 0; i < 2000; i++) store.add(row(`k${i}`));
    const largest = { rows: 0, hashes: 0, notFound: 0, flights: 0 };
    const note = () => {
      const stats = cache.stats();
      for (const name of Object.keys(largest) as Array<keyof typeof largest>) largest[name] = Math.max(largest[name], stats[name]);
    };
    // 100k distinct unknown keys and 2,000 distinct stored ones, 100 lookups in flight at a time.
    for (let batch = 0; batch < 1000; batch++) {
      const lookups = Array.from({ length: 100 }, (_, i) =>
        i < 98 ? cache.findByHashes([`unknown-${batch * 100 + i}`]) : cache.findByHashes([`hash-k${(batch * 2 + i) % 2000}`]),
      );
      note();
      await Promise.all(lookups);
      note();
    }
    expect(largest).toEqual({ rows: 1000, hashes: 1000, notFound: 500, flights: 100 });
    expect(cache.stats()).toMatchObject({ flights: 0, readsInFlight: 0, trackedInvalidations: 0 });
  });

  it('memory: invalidations remembered for reads in flight stay bounded under 100k distinct keys', async () => {
    store.held = true;
    const inFlight = cache.findById('slow');
    let largest = 0;
    for (let i = 0; i < 100_000; i++) {
      cache.evict([`k${i}`]);
      largest = Math.max(largest, cache.stats().trackedInvalidations);
    }
    expect(largest).toBeLessThanOrEqual(4096);
    store.add(row('slow'));
    store.release();
    await inFlight;
    // Past the bound every read then in flight is refused: the slow read stored nothing.
    expect(cache.stats()).toMatchObject({ rows: 0, trackedInvalidations: 0, readsInFlight: 0 });
  });
});
