import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { API_KEYS_MIGRATIONS, ApiKeyEntity, ApiKeyOwnerEntity, MaxKeysReachedError, type ApiKeyService } from '../lib/index.js';
import { KeyFormat } from '../lib/keys/key-format.js';
import { sha256Hex } from '../lib/keys/key-hasher.js';
import { createTestDatabase, lane } from './utils/databases.js';
import { fakeClock } from './utils/fake-clock.js';
import { createTestApp, PLATFORMS, type TestApp } from './utils/test-app.js';

// maxKeysPerOwner and api_key_owners.active_keys (SPEC §11): the cap holds exactly under real
// concurrency, and the count stays equal to the owner's keys that are neither revoked nor
// purged through every change that moves it, whether a cap is set or not.

const T0 = Date.UTC(2031, 4, 5, 10, 0, 0);
const HOUR = 60 * 60 * 1000;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** `activeKeys` as stored, per owner (owners without a row are absent). */
async function storedCounts(ds: DataSource): Promise<Record<string, number>> {
  const rows = await ds.getRepository(ApiKeyOwnerEntity).find();
  return Object.fromEntries(rows.filter((row) => row.activeKeys !== 0).map((row) => [row.ownerId, Number(row.activeKeys)]));
}

/** The real number of keys per owner that are not revoked (purged keys are gone). */
async function realCounts(ds: DataSource): Promise<Record<string, number>> {
  const rows: Array<{ ownerId: string; count: string | number }> = await ds
    .getRepository(ApiKeyEntity)
    .createQueryBuilder('k')
    .select('k.owner_id', 'ownerId')
    .addSelect('COUNT(*)', 'count')
    .where('k.revoked_at IS NULL')
    .groupBy('k.owner_id')
    .getRawMany();
  return Object.fromEntries(rows.map((row) => [row.ownerId, Number(row.count)]));
}

async function activeKeysOf(ds: DataSource, ownerId: string): Promise<number | null> {
  const row = await ds.getRepository(ApiKeyOwnerEntity).findOneBy({ ownerId });
  return row ? Number(row.activeKeys) : null;
}

const isCapError = (reason: unknown) =>
  reason instanceof MaxKeysReachedError && reason.code === 'MAX_KEYS_REACHED' && reason.status === 409;

describe(`maxKeysPerOwner through ApiKeyService on ${lane}`, () => {
  const clock = fakeClock(T0);
  let t: TestApp;
  let apiKeys: ApiKeyService;
  beforeAll(async () => {
    t = await createTestApp({ options: { clock, maxKeysPerOwner: 5, lastUsedWriteIntervalMs: 3_600_000 } });
    apiKeys = t.apiKeys;
  });
  afterAll(() => t.close());
  beforeEach(() => clock.set(T0));

  it('holds exactly under 20 concurrent creates for one owner: 5 created, 15 refused with 409 MAX_KEYS_REACHED', async () => {
    const results = await Promise.allSettled(range(20).map((i) => apiKeys.create({ ownerId: 'burst', name: `k${i}` })));
    const created = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(created).toHaveLength(5);
    expect(refused).toHaveLength(15);
    for (const { reason } of refused) expect(isCapError(reason)).toBe(true);
    expect(refused[0].reason.message).toMatch(/\(5\)/);
    // The refused creates rolled back whole: no key row, no grant, and the count is exact.
    expect(await t.dataSource.getRepository(ApiKeyEntity).countBy({ ownerId: 'burst' })).toBe(5);
    expect(await activeKeysOf(t.dataSource, 'burst')).toBe(5);
  });

  it('counts per owner, compared exactly: another owner (or ACME next to acme) has its own slots', async () => {
    await Promise.all(range(5).map(() => apiKeys.create({ ownerId: 'acme' })));
    await expect(apiKeys.create({ ownerId: 'acme' })).rejects.toThrow(MaxKeysReachedError);
    const others = await Promise.allSettled(['ACME', 'Acme', 'acmé', 'globex'].map((ownerId) => apiKeys.create({ ownerId })));
    expect(others.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect(await activeKeysOf(t.dataSource, 'acme')).toBe(5);
    expect(await activeKeysOf(t.dataSource, 'ACME')).toBe(1);
  });

  it('import counts against the cap like a create', async () => {
    const format = new KeyFormat('sk', 32);
    await Promise.all(range(4).map(() => apiKeys.create({ ownerId: 'importer' })));
    await apiKeys.import({ ownerId: 'importer', key: format.generate() });
    await expect(apiKeys.import({ ownerId: 'importer', key: format.generate() })).rejects.toThrow(MaxKeysReachedError);
    await expect(apiKeys.import({ ownerId: 'importer', hash: sha256Hex(format.generate()) })).rejects.toThrow(MaxKeysReachedError);
    expect(await t.dataSource.getRepository(ApiKeyEntity).countBy({ ownerId: 'importer' })).toBe(5);
    expect(await activeKeysOf(t.dataSource, 'importer')).toBe(5);
  });

  it('a revoke frees a slot; revoking the same key again frees nothing', async () => {
    const keys = await Promise.all(range(5).map(() => apiKeys.create({ ownerId: 'revoker' })));
    await expect(apiKeys.create({ ownerId: 'revoker' })).rejects.toThrow(MaxKeysReachedError);
    await apiKeys.revoke(keys[0].apiKey.id);
    await apiKeys.revoke(keys[0].apiKey.id); // idempotent: no second slot
    expect(await activeKeysOf(t.dataSource, 'revoker')).toBe(4);
    await apiKeys.create({ ownerId: 'revoker' });
    await expect(apiKeys.create({ ownerId: 'revoker' })).rejects.toThrow(MaxKeysReachedError);
    expect(await activeKeysOf(t.dataSource, 'revoker')).toBe(5);
  });

  it('concurrent revokes of one key give back exactly one slot', async () => {
    const keys = await Promise.all(range(5).map(() => apiKeys.create({ ownerId: 'double-revoke' })));
    await Promise.all(range(10).map(() => apiKeys.revoke(keys[1].apiKey.id)));
    expect(await activeKeysOf(t.dataSource, 'double-revoke')).toBe(4);
    const refills = await Promise.allSettled(range(5).map(() => apiKeys.create({ ownerId: 'double-revoke' })));
    expect(refills.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('a bulk revoke gives back every slot it revoked, per owner', async () => {
    await Promise.all(range(5).map(() => apiKeys.create({ ownerId: 'bulk-a', namespace: 'bulk' })));
    await Promise.all(range(3).map(() => apiKeys.create({ ownerId: 'bulk-b', namespace: 'bulk' })));
    await Promise.all(range(2).map(() => apiKeys.create({ ownerId: 'bulk-b', namespace: 'kept' })));
    expect(await apiKeys.revokeMany({ namespace: 'bulk' })).toBe(8);
    expect(await activeKeysOf(t.dataSource, 'bulk-a')).toBe(0);
    expect(await activeKeysOf(t.dataSource, 'bulk-b')).toBe(2);
    const again = await Promise.allSettled(range(6).map(() => apiKeys.create({ ownerId: 'bulk-a' })));
    expect(again.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
  });

  it('a rotation counts its successor and is never refused at the cap; the rotated-away key counts until revoked or purged', async () => {
    const keys = await Promise.all(range(5).map(() => apiKeys.create({ ownerId: 'rotator' })));
    const successor = await apiKeys.rotate(keys[0].apiKey.id, { gracePeriodMs: HOUR });
    expect(await activeKeysOf(t.dataSource, 'rotator')).toBe(6);
    await expect(apiKeys.create({ ownerId: 'rotator' })).rejects.toThrow(MaxKeysReachedError);
    // Past its grace the old key no longer verifies, but it is neither revoked nor purged.
    clock.advance(2 * HOUR);
    expect((await apiKeys.verify(keys[0].key)).code).toBe('ROTATION_GRACE_EXPIRED');
    expect(await activeKeysOf(t.dataSource, 'rotator')).toBe(6);
    await apiKeys.revoke(keys[0].apiKey.id);
    expect(await activeKeysOf(t.dataSource, 'rotator')).toBe(5);
    await expect(apiKeys.create({ ownerId: 'rotator' })).rejects.toThrow(MaxKeysReachedError);
    expect((await apiKeys.verify(successor.key)).code).toBe('VALID');
  });

  it('a purge keeps the count exact: it recounts the owners whose keys it deleted, revoked or not', async () => {
    const keys = await Promise.all(range(5).map((i) => apiKeys.create({ ownerId: 'purger', expiresAt: i < 2 ? T0 + HOUR : null })));
    await apiKeys.revoke(keys[4].apiKey.id);
    await apiKeys.rotate(keys[3].apiKey.id, { gracePeriodMs: 0 });
    // 5 created, 1 revoked, 1 successor: 5 unrevoked (2 of them expiring, 1 rotated away).
    expect(await activeKeysOf(t.dataSource, 'purger')).toBe(5);
    clock.advance(3 * HOUR);
    // Expired, rotated and revoked keys go (4 of them); the count drops by the unrevoked ones (3).
    expect(await apiKeys.purge({ olderThanMs: HOUR })).toBeGreaterThanOrEqual(4);
    expect(await t.dataSource.getRepository(ApiKeyEntity).countBy({ ownerId: 'purger' })).toBe(2);
    expect(await activeKeysOf(t.dataSource, 'purger')).toBe(2);
    expect(await apiKeys.purge({ olderThanMs: HOUR })).toBe(0);
    const refills = await Promise.allSettled(range(5).map(() => apiKeys.create({ ownerId: 'purger' })));
    expect(refills.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
  });

  it('every owner count equals the real count after all of the above', async () => {
    expect(await storedCounts(t.dataSource)).toEqual(await realCounts(t.dataSource));
  });
});

describe(`activeKeys under a mixed concurrent sequence on ${lane}`, () => {
  const clock = fakeClock(T0);
  let t: TestApp;
  beforeAll(async () => {
    // No cap: the count is kept anyway.
    t = await createTestApp({ options: { clock, lastUsedWriteIntervalMs: 3_600_000 } });
  });
  afterAll(() => t.close());

  it('equals the real count after concurrent creates, revokes, rotations, bulk revokes and a purge', async () => {
    const owners = ['o-1', 'o-2', 'o-3'];
    const seeded = await Promise.all(
      range(24).map((i) => t.apiKeys.create({ ownerId: owners[i % 3], namespace: i % 4 === 0 ? 'old' : 'live' })),
    );
    await t.apiKeys.revoke(seeded[1].apiKey.id);
    await t.apiKeys.rotate(seeded[2].apiKey.id, { gracePeriodMs: 0 });
    clock.advance(HOUR);

    const settled = await Promise.allSettled([
      ...range(20).map((i) => t.apiKeys.create({ ownerId: owners[i % 3], namespace: 'live' })),
      ...seeded.slice(3, 11).map((k) => t.apiKeys.revoke(k.apiKey.id)),
      ...seeded.slice(3, 6).map((k) => t.apiKeys.revoke(k.apiKey.id)), // revoked twice, concurrently
      ...seeded.slice(11, 17).map((k) => t.apiKeys.rotate(k.apiKey.id, { gracePeriodMs: 60_000 })),
      t.apiKeys.revokeMany({ namespace: 'old' }),
      t.apiKeys.revokeMany({ ownerId: 'o-3', createdBefore: T0 + 1 }),
      t.apiKeys.purge({ olderThanMs: 0 }),
      t.apiKeys.purge({ olderThanMs: 0 }),
    ]);
    // A rotation may lose to a concurrent bulk revoke (409 KEY_NOT_ROTATABLE); nothing else fails.
    const failures = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    for (const { reason } of failures) expect(reason.code).toBe('KEY_NOT_ROTATABLE');

    expect(await storedCounts(t.dataSource)).toEqual(await realCounts(t.dataSource));
    clock.advance(HOUR);
    await t.apiKeys.purge({ olderThanMs: 0 });
    expect(await storedCounts(t.dataSource)).toEqual(await realCounts(t.dataSource));
  });
});

describe.each(PLATFORMS)(`maxKeysPerOwner over HTTP on %s (${lane})`, (platform) => {
  let t: TestApp;
  let root: string;
  beforeAll(async () => {
    // A generous storeTimeoutMs: 20 creates queue on one owner row, and the machine running the suite may be loaded.
    t = await createTestApp({
      platform,
      options: { maxKeysPerOwner: 5, storeTimeoutMs: 15_000 },
      structural: { admin: { path: 'api-keys' } },
    });
    ({ key: root } = await t.apiKeys.create({ ownerId: 'ops', permissions: ['api_keys:admin'] }));
  });
  afterAll(() => t.close());

  const post = (path: string, body: object) => request(t.server).post(`/api-keys${path}`).set('x-api-key', root).send(body);

  it('20 concurrent POST /keys for one owner: exactly 5 × 201 and 15 × 409 MAX_KEYS_REACHED', async () => {
    const responses = await Promise.all(range(20).map((i) => post('/keys', { ownerId: 'tenant', name: `k${i}` })));
    expect(responses.filter((r) => r.status === 201)).toHaveLength(5);
    const refused = responses.filter((r) => r.status !== 201);
    expect(refused).toHaveLength(15);
    for (const res of refused) {
      expect(res.status).toBe(409);
      expect(res.body).toEqual({ statusCode: 409, error: 'Conflict', code: 'MAX_KEYS_REACHED', message: expect.stringMatching(/\(5\)/) });
    }
    expect(await activeKeysOf(t.dataSource, 'tenant')).toBe(5);
  });

  it('a revoke over HTTP frees a slot, and a bulk revoke frees them all', async () => {
    const page = await request(t.server).get('/api-keys/keys?ownerId=tenant').set('x-api-key', root);
    expect(page.body.items).toHaveLength(5);
    expect((await post(`/keys/${page.body.items[0].id}/revoke`, {})).status).toBe(200);
    expect((await post('/keys', { ownerId: 'tenant' })).status).toBe(201);
    expect((await post('/keys', { ownerId: 'tenant' })).status).toBe(409);
    expect((await post('/keys/revoke', { ownerId: 'tenant' })).body).toEqual({ revoked: 5 });
    const refill = await Promise.all(range(7).map(() => post('/keys', { ownerId: 'tenant' })));
    expect(refill.map((r) => r.status).sort()).toEqual([201, 201, 201, 201, 201, 409, 409]);
  });
});

describe(`turning the cap on later, and the owner-counts migration, on ${lane}`, () => {
  it('counts are kept without a cap, so a cap configured later is exact at once', async () => {
    const first = await createTestApp();
    try {
      await Promise.all(range(4).map(() => first.apiKeys.create({ ownerId: 'later' })));
      const revoked = await first.apiKeys.create({ ownerId: 'later' });
      await first.apiKeys.revoke(revoked.apiKey.id);
    } finally {
      await first.app.close();
    }
    const second = await createTestApp({ database: first.database, options: { maxKeysPerOwner: 5 } });
    try {
      const results = await Promise.allSettled(range(3).map(() => second.apiKeys.create({ ownerId: 'later' })));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(await activeKeysOf(second.dataSource, 'later')).toBe(5);
    } finally {
      await second.close();
      await first.database.drop();
    }
  });

  it('ApiKeysOwnerCounts1764050000000 counts the keys stored before it, per owner, revoked ones excluded', async () => {
    const before = API_KEYS_MIGRATIONS.filter((m) => m.name !== 'ApiKeysOwnerCounts1764050000000');
    const database = await createTestDatabase({ migrations: before } as any);
    const old = new DataSource(database.options);
    await old.initialize();
    const format = new KeyFormat('sk', 32);
    const raw: Record<string, string> = {};
    const insert = async (ownerId: string, revoked: boolean) => {
      const key = format.generate();
      const id = randomUUID();
      raw[id] = key;
      await old.getRepository(ApiKeyEntity).insert({
        ...{ id, lineageId: id, ownerId, name: null, namespace: 'default', environment: null, meta: {}, allowedIps: [] },
        ...{ start: key.slice(0, 7), last4: key.slice(-4), hash: sha256Hex(key), hashVersion: 'sha256', enabled: true, disabledBy: null },
        ...{ createdAt: T0, updatedAt: T0, expiresAt: null, maxIdleMs: null, lastUsedAt: null, revokedAt: revoked ? T0 : null },
        ...{ rotatedFromId: null, rotatedToId: null, rotationGraceEndsAt: null, parentKeyId: null },
        ...{ remaining: null, refillAmount: null, refillInterval: null, lastRefillAt: null, rateLimits: null },
      } as object);
      return id;
    };
    try {
      for (let i = 0; i < 4; i++) await insert('legacy', false);
      await insert('legacy', true);
      for (let i = 0; i < 2; i++) await insert('LEGACY', false);
      await insert('gone', true);
      // An owner row that exists already (shared rate limits), with a stale count.
      await old.getRepository(ApiKeyOwnerEntity).insert({
        ownerId: 'limited',
        activeKeys: 0,
        rateLimits: [{ name: 'per-minute', limit: 100, windowMs: 60_000 }],
      });
      await insert('limited', false);
    } finally {
      await old.destroy();
    }

    const after = await createTestApp({
      database: { ...database, options: { ...database.options, migrations: [...API_KEYS_MIGRATIONS] } },
      options: { maxKeysPerOwner: 5 },
    });
    try {
      expect(await after.dataSource.showMigrations()).toBe(false);
      expect(await storedCounts(after.dataSource)).toEqual({ legacy: 4, LEGACY: 2, limited: 1 });
      expect(await activeKeysOf(after.dataSource, 'gone')).toBeNull();
      const limited = await after.dataSource.getRepository(ApiKeyOwnerEntity).findOneBy({ ownerId: 'limited' });
      expect(limited!.rateLimits).toEqual([{ name: 'per-minute', limit: 100, windowMs: 60_000 }]);
      // The cap sees the keys stored before: one more for 'legacy', then 409.
      const results = await Promise.allSettled(range(3).map(() => after.apiKeys.create({ ownerId: 'legacy' })));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(await storedCounts(after.dataSource)).toEqual(await realCounts(after.dataSource));
      // Migrated keys verify as before.
      for (const key of Object.values(raw).slice(0, 4)) expect((await after.apiKeys.verify(key)).code).toBe('VALID');
    } finally {
      await after.close();
    }
  });
});
