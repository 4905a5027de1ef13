import { randomUUID } from 'node:crypto';
import { API_KEYS_FAILED_ATTEMPTS, API_KEYS_RATE_LIMIT_STORAGE } from '../lib/api-keys.internal-constants.js';
import { API_KEYS_KEY_CACHE, type ApiKeyCache } from '../lib/cache/api-key-cache.js';
import { ApiKeyEntity } from '../lib/index.js';
import { KeyFormat } from '../lib/keys/key-format.js';
import { sha256Hex } from '../lib/keys/key-hasher.js';
import { LastUsedTracker, MAX_PENDING_KEYS } from '../lib/keys/last-used-tracker.js';
import type { FailedAttempts } from '../lib/quotas/failed-attempts.js';
import type { InMemoryRateLimitStorage } from '../lib/quotas/in-memory-rate-limit.storage.js';
import { FailureNotifier } from '../lib/verification/failure-notifier.js';
import { lane } from './utils/databases.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

// Memory under 100k distinct keys (SPEC §10: bounded under any flood): every in-process map
// of the verify path is counted, never timed — the key cache (rows, hashes, NOT_FOUND
// answers, shared reads, remembered invalidations), the lastUsedAt batch, the rate-limit
// windows, the failure-event debounce, and brute-force protection (per-client counts, attempts
// in flight, remembered valid keys). Small cache bounds make them visible.
// The maps are in process, the same whatever the database: the SQLite lane sends the full
// 100k distinct keys (about a minute) and reaches every cap; PostgreSQL and MariaDB, where each
// unknown key is a network round trip, send 6k through the same wiring — past the cache's
// bounds, which is what differs there (shared reads, flights over a real pool).

const FULL = lane === 'sqlite';
const KEYS = FULL ? 100_000 : 6_000;
const VALID = FULL ? 10_000 : 2_000;
const REVOKED = FULL ? 2_000 : 1_000;
const IN_FLIGHT = 200;
const format = new KeyFormat('sk', 32);

describe(`in-process memory under ${KEYS} distinct keys on ${lane}`, () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      options: {
        // TTLs past the run: the bounds, not the expiry, must be what holds each map down.
        cache: { maxEntries: 500, negativeMaxEntries: 700, ttlMs: 3_600_000, negativeTtlMs: 3_600_000 },
        defaultRateLimits: [{ name: 'minute', limit: 1_000, windowMs: 60_000 }],
        failedAttempts: { limit: 1_000_000, windowMs: 3_600_000 }, // no count expires during the run
        lastUsedWriteIntervalMs: 3_600_000,
        storeTimeoutMs: 60_000,
      },
    });
  }, 120_000);
  afterAll(() => t.close());

  /** Stores `count` keys in bulk (the service would take a transaction each); answers the raw keys and ids. */
  async function storeKeys(count: number, revoked: boolean): Promise<Array<{ raw: string; id: string }>> {
    const now = Date.now();
    const keys = Array.from({ length: count }, () => ({ raw: format.generate(), id: randomUUID() }));
    for (let i = 0; i < keys.length; i += 500) {
      const rows = keys.slice(i, i + 500).map(({ raw, id }) =>
        Object.assign(new ApiKeyEntity(), {
          id,
          lineageId: id,
          ownerId: `owner-${i % 7}`,
          name: null,
          namespace: 'default',
          environment: null,
          start: raw.slice(0, 7),
          last4: raw.slice(-4),
          hash: sha256Hex(raw),
          hashVersion: 'sha256',
          meta: {},
          allowedIps: [],
          enabled: true,
          disabledBy: null,
          createdAt: now,
          updatedAt: now,
          revokedAt: revoked ? now : null,
        }),
      );
      await t.dataSource.getRepository(ApiKeyEntity).insert(rows as object[]);
    }
    return keys;
  }

  it('every map stays within its bound', async () => {
    const valid = await storeKeys(VALID, false);
    const revoked = await storeKeys(REVOKED, true);
    const cache = t.app.get<ApiKeyCache>(API_KEYS_KEY_CACHE);
    const tracker = t.app.get(LastUsedTracker);
    const storage = t.app.get<InMemoryRateLimitStorage>(API_KEYS_RATE_LIMIT_STORAGE);
    const notifier = t.app.get(FailureNotifier);
    const attempts = t.app.get<FailedAttempts>(API_KEYS_FAILED_ATTEMPTS);

    const largest: Record<string, number> = {};
    const note = (name: string, size: number) => (largest[name] = Math.max(largest[name] ?? 0, size));
    const count = () => {
      const stats = cache.stats();
      for (const [name, size] of Object.entries(stats)) note(`cache.${name}`, size);
      note('lastUsed.pending', tracker.pendingCount);
      note('rateLimit.windows', storage.size);
      note('failureEvents.debounced', notifier['lastSent'].size);
      note('failedAttempts.counts', attempts['counts'].size);
      note('failedAttempts.inFlight', attempts['inFlight'].size);
      note('failedAttempts.knownValid', attempts['knownValid'].size);
    };

    // 100k distinct keys — valid, revoked and unknown — from 100k distinct clients, as the guard
    // runs them (count the attempt, verify, settle it), 200 at a time.
    const codes: Record<string, number> = {};
    for (let start = 0; start < KEYS; start += IN_FLIGHT) {
      const batch = Array.from({ length: Math.min(IN_FLIGHT, KEYS - start) }, async (_, i) => {
        const n = start + i;
        const raw = n < VALID ? valid[n].raw : n < VALID + REVOKED ? revoked[n - VALID].raw : format.generate();
        const gate = attempts.begin(`198.51.${(n >> 8) & 255}.${n & 255}:${n}`, raw);
        const result = await t.apiKeys.verify(raw);
        await gate.attempt!.settle(result.code === 'NOT_FOUND');
        if (result.valid) attempts.rememberValid(raw);
        codes[result.code] = (codes[result.code] ?? 0) + 1;
      });
      count();
      await Promise.all(batch);
      count();
    }

    expect(codes).toEqual({ VALID, REVOKED, NOT_FOUND: KEYS - VALID - REVOKED });
    expect(largest).toEqual({
      'cache.rows': 500,
      'cache.hashes': 500,
      'cache.notFound': 700,
      'cache.flights': expect.any(Number),
      'cache.readsInFlight': expect.any(Number),
      'cache.trackedInvalidations': 0, // no change was made
      'lastUsed.pending': expect.any(Number),
      'rateLimit.windows': VALID, // one window per valid key (cap 200,000)
      'failureEvents.debounced': REVOKED, // one per revoked key (cap 10,000)
      'failedAttempts.counts': expect.any(Number),
      'failedAttempts.inFlight': expect.any(Number),
      'failedAttempts.knownValid': VALID, // cap 10,000
    });
    expect(largest['cache.flights']).toBeLessThanOrEqual(IN_FLIGHT);
    expect(largest['cache.readsInFlight']).toBeLessThanOrEqual(IN_FLIGHT);
    expect(largest['lastUsed.pending']).toBeLessThanOrEqual(MAX_PENDING_KEYS);
    // One count per failing client (cap 100,000): 88k on SQLite.
    expect(largest['failedAttempts.counts']).toBe(KEYS - VALID - REVOKED);
    expect(largest['failedAttempts.inFlight']).toBeLessThanOrEqual(IN_FLIGHT);
    // Everything in flight settled.
    expect(cache.stats()).toMatchObject({ flights: 0, readsInFlight: 0 });
    expect(attempts['inFlight'].size).toBe(0);
  }, 600_000);
});
