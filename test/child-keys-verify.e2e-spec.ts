import request from 'supertest';
import { IsNull } from 'typeorm';
import { ApiKeyEntity, ApiKeyOwnerEntity, type ApiKeyService } from '../lib/index.js';
import { ApiKeyLookup } from '../lib/store/api-key-lookup.js';
import type { ApiKeyStore } from '../lib/store/api-key.store.js';
import { lane } from './utils/databases.js';
import { fakeClock } from './utils/fake-clock.js';
import { seedRolePermissions } from './utils/roles.js';
import { createTestApp, PLATFORMS, type TestApp } from './utils/test-app.js';

// Verifying child keys (SPEC §6): a child fails whenever its parent would, answering the
// parent's code; its effective permissions are its own ∩ its parent's; it spends its parent's
// credits and is counted by its parent's rate limits. A rotated parent ends its children at
// once. Time moves only through the injected clock; concurrency claims use real concurrency.

const T0 = Date.UTC(2031, 6, 7, 9, 0, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe(`verifying child keys on ${lane}`, () => {
  const clock = fakeClock(T0);
  let t: TestApp;
  let apiKeys: ApiKeyService;
  /** A parent (ownerId acme) and one child of it. */
  const family = async (parentFields: object = {}, childFields: object = {}) => {
    const parent = await apiKeys.create({ ownerId: 'acme', name: 'parent', ...parentFields });
    const child = await apiKeys.createChildKey(parent.apiKey.id, { name: 'child', ...childFields });
    return { parent, child };
  };
  const code = async (key: string, options = {}) => (await apiKeys.verify(key, options)).code;

  beforeAll(async () => {
    // A generous store timeout: 30 concurrent credit spends on one row queue on its lock, and
    // on a loaded machine (MariaDB lane) one of them outwaited the default; timeouts are tested elsewhere.
    t = await createTestApp({ options: { clock, lastUsedWriteIntervalMs: 3_600_000, storeTimeoutMs: 15_000 } });
    apiKeys = t.apiKeys;
    await seedRolePermissions(apiKeys, t.dataSource, { admin: ['admin:*'], viewer: ['docs:read'] });
  });
  afterAll(() => t.close());
  beforeEach(() => clock.set(T0));

  it('the principal is the child’s own (id, lineage, owner, name) with the effective permissions and roles', async () => {
    const { parent, child } = await family(
      { permissions: ['billing:*', 'reports:read'], roles: ['admin', 'viewer'], expiresAt: T0 + DAY, meta: { parent: true } },
      { permissions: ['billing:invoices:*'], roles: ['viewer'], expiresAt: T0 + HOUR, meta: { child: true } },
    );
    const result = await apiKeys.verify(child.key, { permissions: ['billing:invoices:read'] });
    expect(result).toMatchObject({ valid: true, code: 'VALID' });
    expect(result.key).toEqual({
      id: child.apiKey.id,
      lineageId: child.apiKey.id,
      ownerId: 'acme',
      namespace: 'default',
      environment: null,
      name: 'child',
      permissions: ['billing:invoices:*', 'docs:read'],
      roles: ['viewer'],
      meta: { child: true },
      expiresAt: new Date(T0 + HOUR),
    });
    expect(await code(child.key, { permissions: ['billing:read'] })).toBe('INSUFFICIENT_PERMISSIONS');
    expect(await code(child.key, { permissions: ['reports:read'] })).toBe('INSUFFICIENT_PERMISSIONS');
    expect(await code(child.key, { roles: ['admin'] })).toBe('INSUFFICIENT_PERMISSIONS');
    expect(await code(parent.key, { permissions: ['billing:read'], roles: ['admin'] })).toBe('VALID');
  });

  it('a parent losing a permission or a role takes it from its child at the next verify', async () => {
    const { parent, child } = await family(
      { permissions: ['billing:*'], roles: ['admin'] },
      { permissions: ['billing:*'], roles: ['admin'] },
    );
    expect(await code(child.key, { permissions: ['billing:write'], roles: ['admin'] })).toBe('VALID');
    expect((await apiKeys.verify(child.key)).key!.permissions).toEqual(['admin:*', 'billing:*']);

    await apiKeys.update(parent.apiKey.id, { permissions: ['billing:read'] });
    const narrowed = await apiKeys.verify(child.key, { permissions: ['billing:read'] });
    expect(narrowed.code).toBe('VALID');
    expect(narrowed.key!.permissions).toEqual(['admin:*', 'billing:read']);
    expect(await code(child.key, { permissions: ['billing:write'] })).toBe('INSUFFICIENT_PERMISSIONS');

    await apiKeys.update(parent.apiKey.id, { roles: [] });
    expect(await code(child.key, { roles: ['admin'] })).toBe('INSUFFICIENT_PERMISSIONS');
    expect(await code(child.key, { permissions: ['admin:x'] })).toBe('INSUFFICIENT_PERMISSIONS');
    expect((await apiKeys.verify(child.key)).key).toMatchObject({ permissions: ['billing:read'], roles: [] });
    // The child's own grants are untouched: they come back with the parent's.
    expect((await apiKeys.get(child.apiKey.id))!).toMatchObject({ permissions: ['billing:*'], roles: ['admin'] });
    await apiKeys.update(parent.apiKey.id, { permissions: ['billing:*'], roles: ['admin'] });
    expect(await code(child.key, { permissions: ['billing:write'], roles: ['admin'] })).toBe('VALID');
  });

  it('revoking the parent ends the child at the next verify (REVOKED); revoking the child leaves the parent', async () => {
    const { parent, child } = await family();
    const sibling = await apiKeys.createChildKey(parent.apiKey.id, {});
    await apiKeys.revoke(sibling.apiKey.id);
    expect(await code(sibling.key)).toBe('REVOKED');
    expect(await code(parent.key)).toBe('VALID');
    expect(await code(child.key)).toBe('VALID');
    await apiKeys.revoke(parent.apiKey.id);
    expect(await code(child.key)).toBe('REVOKED');
    expect((await apiKeys.get(child.apiKey.id))!.revokedAt).toBeNull(); // read-time cascade: the child's row is untouched
  });

  it('disabling the parent ends the child (DISABLED) until it is enabled again', async () => {
    const { parent, child } = await family();
    await apiKeys.update(parent.apiKey.id, { enabled: false });
    expect(await code(child.key)).toBe('DISABLED');
    await apiKeys.update(parent.apiKey.id, { enabled: true });
    expect(await code(child.key)).toBe('VALID');
  });

  it('the parent’s expiry ends the child (EXPIRED), even when the parent’s expiry was moved before the child’s', async () => {
    const { parent, child } = await family({ expiresAt: T0 + DAY });
    expect(child.apiKey.expiresAt).toEqual(new Date(T0 + DAY));
    await apiKeys.update(parent.apiKey.id, { expiresAt: T0 + HOUR });
    expect((await apiKeys.verify(child.key)).key!.expiresAt).toEqual(new Date(T0 + HOUR));
    clock.set(T0 + HOUR - 1);
    expect(await code(child.key)).toBe('VALID');
    clock.set(T0 + HOUR);
    expect(await code(child.key)).toBe('EXPIRED');
    expect(await code(parent.key)).toBe('EXPIRED');
  });

  it('rotating the parent ends the child at once (ROTATION_GRACE_EXPIRED), while the parent’s old key still has its grace', async () => {
    const { parent, child } = await family({ permissions: ['billing:read'] }, { permissions: ['billing:read'] });
    const successor = await apiKeys.rotate(parent.apiKey.id, { gracePeriodMs: DAY });
    expect(await code(parent.key)).toBe('VALID');
    expect(await code(successor.key)).toBe('VALID');
    expect(await code(child.key)).toBe('ROTATION_GRACE_EXPIRED');
    // The successor mints new children.
    const fresh = await apiKeys.createChildKey(successor.apiKey.id, { permissions: ['billing:read'] });
    expect(await code(fresh.key, { permissions: ['billing:read'] })).toBe('VALID');
    clock.advance(2 * DAY);
    expect(await code(parent.key)).toBe('ROTATION_GRACE_EXPIRED');
    expect(await code(fresh.key)).toBe('VALID');
  });

  it('an idle parent ends its child (IDLE_TIMEOUT): a child’s uses are its own, the parent’s own use keeps it alive', async () => {
    const { parent, child } = await family({ maxIdleMs: HOUR });
    for (let minutes = 10; minutes <= 50; minutes += 20) {
      clock.set(T0 + minutes * MINUTE);
      expect(await code(child.key)).toBe('VALID');
    }
    clock.set(T0 + HOUR + MINUTE);
    expect(await code(child.key)).toBe('IDLE_TIMEOUT');
    expect(await code(parent.key)).toBe('IDLE_TIMEOUT');

    const again = await family({ maxIdleMs: HOUR });
    clock.set(T0 + HOUR + MINUTE + 50 * MINUTE);
    expect(await code(again.parent.key)).toBe('VALID');
    clock.set(T0 + HOUR + MINUTE + 100 * MINUTE);
    expect(await code(again.child.key)).toBe('VALID');
  });

  it('the parent’s allow-list gates the child too, and IP comes first (a leaked child learns nothing off-network)', async () => {
    const { parent, child } = await family({ allowedIps: ['10.0.0.0/8'] }, { allowedIps: ['10.1.0.0/16'] });
    expect(await code(child.key, { ip: '10.1.2.3' })).toBe('VALID');
    expect(await code(child.key, { ip: '::ffff:10.1.2.3' })).toBe('VALID');
    expect(await code(child.key, { ip: '10.2.0.1' })).toBe('IP_NOT_ALLOWED');
    await apiKeys.update(parent.apiKey.id, { allowedIps: ['10.2.0.0/16'] });
    expect(await code(child.key, { ip: '10.1.2.3' })).toBe('IP_NOT_ALLOWED');
    await apiKeys.update(parent.apiKey.id, { allowedIps: ['10.0.0.0/8'] });
    await apiKeys.revoke(parent.apiKey.id);
    expect(await code(child.key, { ip: '192.0.2.1' })).toBe('IP_NOT_ALLOWED');
    expect(await code(child.key, { ip: '10.1.2.3' })).toBe('REVOKED');
  });

  it('the parent is read through ApiKeyLookup.findById, on its own row (what a cache invalidates by id)', async () => {
    const { parent, child } = await family();
    const lookup = t.app.get<ApiKeyStore>(ApiKeyLookup);
    const findById = jest.spyOn(lookup, 'findById');
    try {
      expect(await code(child.key)).toBe('VALID');
      expect(findById.mock.calls).toEqual([[parent.apiKey.id]]);
    } finally {
      findById.mockRestore();
    }
  });

  it('N concurrent verifies through two children and the parent on R credits: exactly min(N, R) VALID, all from the parent', async () => {
    const { parent, child } = await family({ remaining: 10 });
    const second = await apiKeys.createChildKey(parent.apiKey.id, {});
    const keys = [parent.key, child.key, second.key];
    const results = await Promise.all(range(30).map((i) => apiKeys.verify(keys[i % 3])));
    const valid = results.filter((r) => r.valid);
    expect(valid).toHaveLength(10);
    expect(results.filter((r) => !r.valid).every((r) => r.code === 'USAGE_EXCEEDED' && r.remaining === 0)).toBe(true);
    expect(valid.map((r) => r.remaining).sort((a, b) => a! - b!)).toEqual(range(10));
    const repository = t.dataSource.getRepository(ApiKeyEntity);
    expect((await repository.findOneByOrFail({ id: parent.apiKey.id })).remaining).toBe(0);
    expect((await repository.findOneByOrFail({ id: child.apiKey.id })).remaining).toBeNull();
    expect((await repository.findOneByOrFail({ id: second.apiKey.id })).remaining).toBeNull();

    await apiKeys.update(parent.apiKey.id, { remaining: 7 });
    expect(await apiKeys.verify(child.key, { cost: 3 })).toMatchObject({ code: 'VALID', remaining: 4 });
    expect(await apiKeys.verify(second.key, { cost: 5 })).toMatchObject({ code: 'USAGE_EXCEEDED', remaining: 4 });
    expect(await apiKeys.verify(child.key, { cost: 0 })).toMatchObject({ code: 'VALID', remaining: 4 });
    expect(await apiKeys.verify(child.key, { cost: 4, dryRun: true })).toMatchObject({ code: 'VALID', remaining: 4 });
    expect((await repository.findOneByOrFail({ id: parent.apiKey.id })).remaining).toBe(4);
  });

  it('a child is counted by its parent’s rate limits (one counter for the parent and its children)', async () => {
    const { parent, child } = await family({ rateLimits: [{ name: 'per-minute', limit: 5, windowMs: MINUTE }] });
    const keys = [parent.key, child.key];
    const results = await Promise.all(range(12).map((i) => apiKeys.verify(keys[i % 2])));
    expect(results.filter((r) => r.valid)).toHaveLength(5);
    expect(results.filter((r) => !r.valid).every((r) => r.code === 'RATE_LIMITED')).toBe(true);
    // A fresh window: the child and the parent draw from one counter.
    clock.advance(MINUTE + 1000);
    expect(await apiKeys.verify(child.key)).toMatchObject({ code: 'VALID', rateLimit: { name: 'per-minute', limit: 5, remaining: 4 } });
    expect(await apiKeys.verify(parent.key)).toMatchObject({ code: 'VALID', rateLimit: { name: 'per-minute', limit: 5, remaining: 3 } });
    for (let i = 0; i < 3; i++) expect(await code(child.key)).toBe('VALID');
    expect(await code(parent.key)).toBe('RATE_LIMITED');
  });

  it('a rotated child keeps its parent: the successor is narrowed and cascades the same way', async () => {
    const { parent, child } = await family({ permissions: ['billing:*'] }, { permissions: ['billing:read'] });
    const successor = await apiKeys.rotate(child.apiKey.id, { gracePeriodMs: HOUR });
    expect(successor.apiKey.parentKeyId).toBe(parent.apiKey.id);
    expect(await code(successor.key, { permissions: ['billing:read'] })).toBe('VALID');
    expect(await code(child.key, { permissions: ['billing:read'] })).toBe('VALID'); // in its grace
    expect(await code(successor.key, { permissions: ['billing:write'] })).toBe('INSUFFICIENT_PERMISSIONS');
    await apiKeys.update(parent.apiKey.id, { enabled: false });
    expect(await code(successor.key)).toBe('DISABLED');
    expect(await code(child.key)).toBe('DISABLED');
  });

  it('purging a parent purges its children: they never outlive it as keys of their own', async () => {
    const { parent, child } = await family({ permissions: ['billing:read'] }, { permissions: ['billing:read'] });
    await apiKeys.revoke(parent.apiKey.id);
    expect(await code(child.key)).toBe('REVOKED');
    clock.advance(2 * DAY);
    expect(await apiKeys.purge({ olderThanMs: DAY })).toBeGreaterThanOrEqual(2);
    expect(await t.dataSource.getRepository(ApiKeyEntity).findOneBy({ id: child.apiKey.id })).toBeNull();
    expect(await code(child.key, { permissions: ['billing:read'] })).toBe('NOT_FOUND');
    const owner = await t.dataSource.getRepository(ApiKeyOwnerEntity).findOneByOrFail({ ownerId: 'acme' });
    expect(owner.activeKeys).toBe(await t.dataSource.getRepository(ApiKeyEntity).countBy({ ownerId: 'acme', revokedAt: IsNull() }));
  });
});

describe.each(PLATFORMS)(`child keys through the guard on %s (${lane})`, (platform) => {
  let t: TestApp;
  beforeAll(async () => {
    // A generous storeTimeoutMs: 20 creates queue on one owner row, and the machine running the suite may be loaded.
    t = await createTestApp({
      platform,
      options: { maxKeysPerOwner: 5, storeTimeoutMs: 15_000 },
      structural: { admin: { path: 'api-keys' } },
    });
  });
  afterAll(() => t.close());

  it('a child authenticates as itself with the narrowed permissions; its parent’s revocation answers 401 REVOKED', async () => {
    const parent = await t.apiKeys.create({ ownerId: 'guarded', permissions: ['billing:read', 'reports:read'] });
    const child = await t.apiKeys.createChildKey(parent.apiKey.id, { permissions: ['billing:read'] });
    const whoami = await request(t.server).get('/demo/whoami').set('x-api-key', child.key).expect(200);
    expect(whoami.body).toMatchObject({ id: child.apiKey.id, ownerId: 'guarded', permissions: ['billing:read'] });
    await request(t.server).get('/demo/billing').set('x-api-key', child.key).expect(200);
    const denied = await request(t.server).get('/reports').set('x-api-key', child.key);
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('INSUFFICIENT_PERMISSIONS');
    await t.apiKeys.revoke(parent.apiKey.id);
    const revoked = await request(t.server).get('/demo/billing').set('x-api-key', child.key);
    expect(revoked.status).toBe(401);
    expect(revoked.body).toMatchObject({ code: 'REVOKED' });
  });

  it('children count against maxKeysPerOwner: 20 concurrent child creates over HTTP fill exactly the free slots', async () => {
    const { key: root } = await t.apiKeys.create({ ownerId: 'ops', permissions: ['api_keys:admin'] });
    const parent = await t.apiKeys.create({ ownerId: 'capped', permissions: ['x:y'] });
    const responses = await Promise.all(
      range(20).map(() => request(t.server).post(`/api-keys/keys/${parent.apiKey.id}/children`).set('x-api-key', root).send({})),
    );
    expect(responses.filter((r) => r.status === 201)).toHaveLength(4);
    const refused = responses.filter((r) => r.status !== 201);
    expect(refused).toHaveLength(16);
    for (const res of refused) expect(res.body).toMatchObject({ statusCode: 409, code: 'MAX_KEYS_REACHED' });
    expect(await t.dataSource.getRepository(ApiKeyEntity).countBy({ ownerId: 'capped' })).toBe(5);
    const owner = await t.dataSource.getRepository(ApiKeyOwnerEntity).findOneByOrFail({ ownerId: 'capped' });
    expect(owner.activeKeys).toBe(5);
    // An escalation at the cap is still a 403, checked first.
    const wider = await request(t.server)
      .post(`/api-keys/keys/${parent.apiKey.id}/children`)
      .set('x-api-key', root)
      .send({ permissions: ['*'] });
    expect(wider.body.code).toBe('FORBIDDEN_GRANT');
  });
});
