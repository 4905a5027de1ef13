import { DataSource } from 'typeorm';
import { ApiKeyEntity, ApiKeyPermissionEntity, KeyNotRotatableError } from '../lib/index.js';
import { ApiKeyStore } from '../lib/store/api-key.store.js';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { fakeClock } from './utils/fake-clock.js';
import { keyRow } from './utils/rows.js';

// Real concurrency through ApiKeyService: many writes and reads in flight at once on every
// lane (on SQLite this exercises the write queue that keeps TypeORM's shared connection safe).

const T0 = Date.UTC(2031, 0, 1, 12);

/** Direct permission names of a key, read from the join table. */
async function grantedNames(ds: DataSource, keyId: string): Promise<string[]> {
  const rows = await ds
    .createQueryBuilder()
    .select('p.name', 'name')
    .from('api_key_permission_grants', 'g')
    .innerJoin(ApiKeyPermissionEntity, 'p', 'p.id = g.permission_id')
    .where('g.key_id = :keyId', { keyId })
    .getRawMany();
  return rows.map((r) => r.name).sort();
}

describe('ApiKeyService under concurrency', () => {
  let t: TestApp;
  beforeEach(async () => {
    // Writes under contention, not deadlines (those have their own suites): a loaded machine may
    // queue a transaction past the default 1 s.
    t = await createTestApp({ options: { lastUsedWriteIntervalMs: 3_600_000, storeTimeoutMs: 15_000 } });
  });
  afterEach(() => t.close());

  it('keeps every write of a mixed burst of creates, verifies, rotations, updates and revokes', async () => {
    const create = (i: number, tag: string) =>
      t.apiKeys.create({ ownerId: `owner-${i % 3}`, name: `${tag}-${i}`, permissions: ['shared:read', `${tag}:k${i}`] });
    const range = (n: number) => Array.from({ length: n }, (_, i) => i);

    const toVerify = await Promise.all(range(20).map((i) => create(i, 'verify')));
    const toRotate = await Promise.all(range(10).map((i) => create(i, 'rotate')));
    const contested = await t.apiKeys.create({ ownerId: 'owner-x', name: 'contested', permissions: ['contested:read'] });
    const toUpdate = await Promise.all(range(5).map((i) => create(i, 'update')));
    const toRevoke = await Promise.all(range(5).map((i) => create(i, 'revoke')));
    const before = await t.dataSource.getRepository(ApiKeyEntity).count();

    const [creates, verifies, rotations, contestedRotations, updates, revokes] = await Promise.all([
      Promise.allSettled(range(30).map((i) => create(i, 'burst'))),
      Promise.allSettled(toVerify.map((k, i) => t.apiKeys.verify(k.key, { permissions: [`verify:k${i}`] }))),
      Promise.allSettled(toRotate.map((k) => t.apiKeys.rotate(k.apiKey.id, { gracePeriodMs: 60_000 }))),
      Promise.allSettled(range(10).map(() => t.apiKeys.rotate(contested.apiKey.id))),
      Promise.allSettled(
        toUpdate.map((k, i) => t.apiKeys.update(k.apiKey.id, { meta: { n: i }, permissions: [`updated:k${i}`, 'shared:write'] })),
      ),
      Promise.allSettled(toRevoke.map((k) => t.apiKeys.revoke(k.apiKey.id))),
      // Write-backs and re-reads interleaved with the transactions above.
      Promise.allSettled(range(5).map(() => t.apiKeys.flushLastUsed())),
      Promise.allSettled(range(10).map(() => t.apiKeys.list({ limit: 100 }))),
    ]);

    const rejected = [creates, verifies, rotations, updates, revokes].flat().filter((r) => r.status === 'rejected');
    expect(rejected).toEqual([]);

    // Every create landed with its grants.
    for (const [i, result] of creates.entries()) {
      const { apiKey } = (result as PromiseFulfilledResult<Awaited<ReturnType<typeof create>>>).value;
      const row = await keyRow(t.dataSource, apiKey.id);
      expect(row).toMatchObject({ name: `burst-${i}`, owner_id: `owner-${i % 3}` });
      expect(await grantedNames(t.dataSource, apiKey.id)).toEqual([`burst:k${i}`, 'shared:read']);
    }
    // Every verify passed with the key's own grant.
    for (const [i, result] of verifies.entries()) {
      expect((result as PromiseFulfilledResult<any>).value).toMatchObject({ valid: true, key: { id: toVerify[i].apiKey.id } });
    }
    // Every independent rotation produced its successor, linked both ways, grants copied.
    for (const [i, result] of rotations.entries()) {
      const successor = (result as PromiseFulfilledResult<{ key: string; apiKey: { id: string } }>).value;
      const old = await keyRow(t.dataSource, toRotate[i].apiKey.id);
      expect(old!.rotated_to_id).toBe(successor.apiKey.id);
      expect(old!.rotation_grace_ends_at).not.toBeNull();
      expect(await keyRow(t.dataSource, successor.apiKey.id)).toMatchObject({ rotated_from_id: toRotate[i].apiKey.id });
      expect(await grantedNames(t.dataSource, successor.apiKey.id)).toEqual([`rotate:k${i}`, 'shared:read']);
      expect((await t.apiKeys.verify(successor.key)).code).toBe('VALID');
    }
    // Exactly one rotation of the contested key won; the rest were refused.
    const won = contestedRotations.filter((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{
      key: string;
      apiKey: { id: string };
    }>[];
    const lost = contestedRotations.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(9);
    for (const loss of lost) expect(loss.reason).toBeInstanceOf(KeyNotRotatableError);
    expect((await keyRow(t.dataSource, contested.apiKey.id))!.rotated_to_id).toBe(won[0].value.apiKey.id);
    const successors = await t.dataSource.getRepository(ApiKeyEntity).countBy({ rotatedFromId: contested.apiKey.id });
    expect(successors).toBe(1);
    expect(await grantedNames(t.dataSource, won[0].value.apiKey.id)).toEqual(['contested:read']);
    // Updates and revokes stuck.
    for (const [i, k] of toUpdate.entries()) {
      expect((await keyRow(t.dataSource, k.apiKey.id))!.meta).toEqual({ n: i });
      expect(await grantedNames(t.dataSource, k.apiKey.id)).toEqual(['shared:write', `updated:k${i}`]);
    }
    for (const k of toRevoke) expect((await keyRow(t.dataSource, k.apiKey.id))!.revoked_at).not.toBeNull();

    // Nothing lost, nothing extra: the seeds, 30 creates, 10 + 1 successors.
    expect(await t.dataSource.getRepository(ApiKeyEntity).count()).toBe(before + 30 + 10 + 1);
    // The uses noted during the burst are written by the next flush.
    await t.apiKeys.flushLastUsed();
    for (const k of toVerify) expect((await keyRow(t.dataSource, k.apiKey.id))!.last_used_at).not.toBeNull();
  });

  it('concurrent creates granting the same new permission all succeed and share one permission row', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 25 }, (_, i) => t.apiKeys.create({ ownerId: `racer-${i}`, permissions: ['race:new', `race:own${i % 2}`] })),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const permissions = t.dataSource.getRepository(ApiKeyPermissionEntity);
    expect(await permissions.countBy({ name: 'race:new' })).toBe(1);
    expect(await permissions.countBy({ name: 'race:own0' })).toBe(1);
    expect(await permissions.countBy({ name: 'race:own1' })).toBe(1);
    for (const [i, result] of results.entries()) {
      const { key, apiKey } = (result as PromiseFulfilledResult<{ key: string; apiKey: { id: string } }>).value;
      expect(await grantedNames(t.dataSource, apiKey.id)).toEqual(['race:new', `race:own${i % 2}`]);
      expect((await t.apiKeys.verify(key, { permissions: ['race:new'] })).code).toBe('VALID');
    }
  });
});

describe('ApiKeyService lastUsedAt write-back', () => {
  const clock = fakeClock(T0);
  let t: TestApp;
  beforeEach(async () => {
    clock.set(T0);
    // An interval far beyond the test: only flushLastUsed() and close() write.
    t = await createTestApp({ options: { clock, lastUsedWriteIntervalMs: 3_600_000 } });
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await t?.close();
  });

  it('keeps uses in memory until a flush, then writes each key once with its latest use', async () => {
    const writes = jest.spyOn(ApiKeyStore.prototype, 'writeLastUsed');
    const a = await t.apiKeys.create({ ownerId: 'acme', name: 'a' });
    const b = await t.apiKeys.create({ ownerId: 'acme', name: 'b' });
    for (let i = 1; i <= 10; i++) {
      clock.set(T0 + i * 1000);
      const results = await Promise.all([t.apiKeys.verify(a.key), t.apiKeys.verify(b.key), t.apiKeys.verify(a.key)]);
      expect(results.map((r) => r.code)).toEqual(['VALID', 'VALID', 'VALID']);
    }
    expect((await keyRow(t.dataSource, a.apiKey.id))!.last_used_at).toBeNull();
    expect((await keyRow(t.dataSource, b.apiKey.id))!.last_used_at).toBeNull();
    expect(writes).not.toHaveBeenCalled();
    // This instance shows its unwritten use.
    expect((await t.apiKeys.get(a.apiKey.id))!.lastUsedAt).toEqual(new Date(T0 + 10_000));

    await t.apiKeys.flushLastUsed();
    expect(writes).toHaveBeenCalledTimes(1);
    expect(new Map(writes.mock.calls[0][0])).toEqual(
      new Map([
        [a.apiKey.id, T0 + 10_000],
        [b.apiKey.id, T0 + 10_000],
      ]),
    );
    expect((await keyRow(t.dataSource, a.apiKey.id))!.last_used_at).toBe(T0 + 10_000);
    expect((await keyRow(t.dataSource, b.apiKey.id))!.last_used_at).toBe(T0 + 10_000);

    // Nothing pending: a second flush writes nothing.
    await t.apiKeys.flushLastUsed();
    expect(writes).toHaveBeenCalledTimes(1);
  });

  it('writes on the interval when it is short', async () => {
    await t.close();
    t = await createTestApp({ options: { clock, lastUsedWriteIntervalMs: 50 } });
    const { key, apiKey } = await t.apiKeys.create({ ownerId: 'acme' });
    clock.set(T0 + 5000);
    expect((await t.apiKeys.verify(key)).code).toBe('VALID');
    let row = await keyRow(t.dataSource, apiKey.id);
    for (let i = 0; i < 200 && row!.last_used_at === null; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      row = await keyRow(t.dataSource, apiKey.id);
    }
    expect(row!.last_used_at).toBe(T0 + 5000);
  });

  it('a batched write touches only last_used_at: a disable made meanwhile survives the flush', async () => {
    const { key, apiKey } = await t.apiKeys.create({ ownerId: 'acme', meta: { plan: 'pro' } });
    clock.set(T0 + 1000);
    expect((await t.apiKeys.verify(key)).code).toBe('VALID');
    clock.set(T0 + 2000);
    await t.apiKeys.update(apiKey.id, { enabled: false, meta: { plan: 'free' } });
    const disabled = await keyRow(t.dataSource, apiKey.id);
    expect(disabled).toMatchObject({ enabled: false, meta: { plan: 'free' }, disabled_by: 'admin', updated_at: T0 + 2000 });

    clock.set(T0 + 3000);
    await t.apiKeys.flushLastUsed();
    const after = await keyRow(t.dataSource, apiKey.id);
    expect(after).toEqual({ ...disabled, last_used_at: T0 + 1000 });
    expect((await t.apiKeys.verify(key)).code).toBe('DISABLED');
  });

  it('never moves lastUsedAt backwards', async () => {
    const { key, apiKey } = await t.apiKeys.create({ ownerId: 'acme' });
    // Uses seen out of order keep the latest.
    clock.set(T0 + 5000);
    await t.apiKeys.verify(key);
    clock.set(T0 + 3000);
    await t.apiKeys.verify(key);
    await t.apiKeys.flushLastUsed();
    expect((await keyRow(t.dataSource, apiKey.id))!.last_used_at).toBe(T0 + 5000);

    // Another instance wrote a later use meanwhile: an older pending use does not overwrite it.
    await t.dataSource.getRepository(ApiKeyEntity).update({ id: apiKey.id }, { lastUsedAt: T0 + 9000 });
    clock.set(T0 + 7000);
    await t.apiKeys.verify(key);
    await t.apiKeys.flushLastUsed();
    expect((await keyRow(t.dataSource, apiKey.id))!.last_used_at).toBe(T0 + 9000);
  });

  it('a dryRun verify notes no use', async () => {
    const writes = jest.spyOn(ApiKeyStore.prototype, 'writeLastUsed');
    const { key, apiKey } = await t.apiKeys.create({ ownerId: 'acme' });
    clock.set(T0 + 1000);
    expect((await t.apiKeys.verify(key, { dryRun: true })).code).toBe('VALID');
    expect((await t.apiKeys.get(apiKey.id))!.lastUsedAt).toBeNull();
    await t.apiKeys.flushLastUsed();
    expect(writes.mock.calls.flatMap((call) => call[0])).toEqual([]);
    expect((await keyRow(t.dataSource, apiKey.id))!.last_used_at).toBeNull();
  });

  it('app.close() writes pending uses before the DataSource closes', async () => {
    const { key, apiKey } = await t.apiKeys.create({ ownerId: 'acme' });
    clock.set(T0 + 4000);
    expect((await t.apiKeys.verify(key)).code).toBe('VALID');
    expect((await keyRow(t.dataSource, apiKey.id))!.last_used_at).toBeNull();

    const { app, database } = t;
    t = undefined as unknown as TestApp; // closed and dropped here, not in afterEach
    await app.close();
    const reader = new DataSource({ ...database.options, synchronize: false } as any);
    await reader.initialize();
    try {
      expect((await keyRow(reader, apiKey.id))!.last_used_at).toBe(T0 + 4000);
    } finally {
      await reader.destroy();
      await database.drop();
    }
  });
});
