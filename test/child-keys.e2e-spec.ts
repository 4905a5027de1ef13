import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import request from 'supertest';
import { ApiKeyEntity, ApiKeyRbacService, ForbiddenGrantError, type AdminActor, type ApiKeyEvent } from '../lib/index.js';
import { lane } from './utils/databases.js';
import { fakeClock } from './utils/fake-clock.js';
import { expectForbiddenGrant, expectNotFound, expectValidationError } from './utils/http-expectations.js';
import { seedRolePermissions } from './utils/roles.js';
import { createTestApp, PLATFORMS, type TestApp } from './utils/test-app.js';

// Creating child keys (SPEC §6, §8, §9): a child never holds more than its parent. Every
// escalation path answers 403 FORBIDDEN_GRANT over HTTP and writes nothing; a child asking for
// credits of its own is 400. Time moves only through the injected clock.

const T0 = Date.UTC(2031, 5, 2, 8, 0, 0);
const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const UNKNOWN_ID = '5c3f0a1e-2b4d-4e6f-8a9b-0c1d2e3f4a5b';
const iso = (ms: number) => new Date(ms).toISOString();

describe.each(PLATFORMS)(`POST /keys/:id/children on %s (${lane})`, (platform) => {
  const clock = fakeClock(T0);
  let t: TestApp;
  let root: string;
  let parent: { id: string; key: string };
  const events: ApiKeyEvent[] = [];
  const rows = () => t.dataSource.getRepository(ApiKeyEntity);
  const post = (path: string, body: object, key = root) => request(t.server).post(`/api-keys${path}`).set('x-api-key', key).send(body);
  const child = (body: object, parentId = parent.id) => post(`/keys/${parentId}/children`, body);
  /** A fresh active parent with these fields. */
  const newParent = async (fields: object = {}) => {
    const { key, apiKey } = await t.apiKeys.create({ ownerId: 'acme', ...fields });
    return { id: apiKey.id, key };
  };

  beforeAll(async () => {
    t = await createTestApp({
      platform,
      options: { clock, onEvent: (event) => events.push(event), lastUsedWriteIntervalMs: 3_600_000 },
      structural: { admin: { path: 'api-keys' } },
    });
    ({ key: root } = await t.apiKeys.create({ ownerId: 'ops', permissions: ['api_keys:admin'] }));
    await seedRolePermissions(t.apiKeys, t.dataSource, { viewer: ['docs:read'], admin: ['admin:*'] });
    parent = await newParent({
      name: 'parent',
      namespace: 'partners',
      environment: 'live',
      permissions: ['billing:read', 'reports:*'],
      roles: ['viewer'],
      allowedIps: ['10.0.0.0/8', '::ffff:192.0.2.0/120', '2001:db8::/32'],
      expiresAt: T0 + 30 * DAY,
      meta: { plan: 'pro' },
      remaining: 100,
    });
  });
  afterAll(() => t.close());
  beforeEach(() => clock.set(T0));

  it('creates a child: 201 { key, apiKey }, in its parent’s owner, namespace and environment, with its IPs and expiry by default', async () => {
    const seen = events.length;
    const res = await child({ name: 'ci', permissions: ['billing:read'] });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(['apiKey', 'key']);
    expect(res.body.key).toMatch(/^sk_[0-9A-Za-z]+$/);
    expect(res.body.apiKey).toMatchObject({
      parentKeyId: parent.id,
      ownerId: 'acme',
      namespace: 'partners',
      environment: 'live',
      name: 'ci',
      permissions: ['billing:read'],
      roles: [],
      meta: {},
      allowedIps: ['10.0.0.0/8', '::ffff:192.0.2.0/120', '2001:db8::/32'],
      expiresAt: iso(T0 + 30 * DAY),
      remaining: null,
      refill: null,
      rateLimits: [],
      status: 'active',
    });
    expect(res.body.apiKey).not.toHaveProperty('hash');
    const row = await rows().findOneByOrFail({ id: res.body.apiKey.id });
    expect(row).toMatchObject({ parentKeyId: parent.id, remaining: null, expiresAt: T0 + 30 * DAY });
    // Recorded through the change pipeline as key.child_created: the key.created event says so, with no secret.
    const event = events.slice(seen).find((e) => e.keyId === res.body.apiKey.id)!;
    expect(event).toMatchObject({
      type: 'key.created',
      ownerId: 'acme',
      details: { child: true, parentKeyId: parent.id, permissions: ['billing:read'] },
    });
    expect(JSON.stringify(event)).not.toContain(res.body.key);
    expect(JSON.stringify(event)).not.toContain(row.hash);
    expect((await t.apiKeys.verify(res.body.key, { permissions: ['billing:read'], ip: '10.1.2.3' })).code).toBe('VALID');
  });

  it.each([
    [['billing:read']],
    [['reports:*']],
    [['reports:export']],
    [['reports:export:pdf', 'billing:read']],
    [['docs:read']], // held through the parent's role
    [[]],
  ])('may narrow the permissions to %p', async (permissions) => {
    const res = await child({ permissions });
    expect(res.status).toBe(201);
    expect(res.body.apiKey.permissions).toEqual([...permissions].sort());
  });

  it.each([
    [['billing:write'], 'a permission the parent lacks'],
    [['billing:*'], 'a wildcard wider than billing:read'],
    [['reports:*', 'billing:*'], 'a wider wildcard next to a held one'],
    [['*'], 'everything'],
    [['api_keys:admin'], 'the admin API'],
    [['api_keys:*'], 'the reserved namespace'],
    [['docs:*'], 'wider than the role’s docs:read'],
    [['Billing:read'], 'another case (names are exact)'],
    [['reportsx:read'], 'past a segment boundary'],
  ])('refuses %p (%s): 403 FORBIDDEN_GRANT, nothing written', async (permissions) => {
    const before = await rows().count();
    expectForbiddenGrant(await child({ permissions }));
    expect(await rows().count()).toBe(before);
  });

  it('roles: only those the parent holds (exact names); any other is 403', async () => {
    const ok = await child({ roles: ['viewer'] });
    expect(ok.status).toBe(201);
    expect(ok.body.apiKey.roles).toEqual(['viewer']);
    const before = await rows().count();
    for (const roles of [['admin'], ['viewer', 'admin'], ['Viewer'], ['brand-new-role']]) expectForbiddenGrant(await child({ roles }));
    expect(await rows().count()).toBe(before);
  });

  it.each([
    [['10.1.0.0/16']],
    [['10.2.3.4']],
    [['::ffff:10.2.3.4']], // the IPv4-mapped form of an address inside 10.0.0.0/8
    [['192.0.2.128/25']], // inside the parent's IPv4-mapped rule
    [['2001:db8:1::/48', '10.0.0.0/8']],
    [['2001:DB8::1']],
  ])('may narrow allowedIps to %p', async (allowedIps) => {
    const res = await child({ allowedIps });
    expect(res.status).toBe(201);
    expect(res.body.apiKey.allowedIps).toEqual(allowedIps);
  });

  it.each([
    [[], 'every address (an empty list)'],
    [['0.0.0.0/0'], 'every IPv4 address'],
    [['10.0.0.0/7'], 'a wider IPv4 block'],
    [['11.0.0.1'], 'an IPv4 address outside'],
    [['10.1.0.0/16', '172.16.0.0/12'], 'one rule outside among narrower ones'],
    [['::ffff:11.0.0.1'], 'the IPv4-mapped form of an address outside'],
    [['::ffff:0:0/96'], 'every IPv4 address, mapped'],
    [['::/0'], 'every IPv6 address'],
    [['2001:db8::/31'], 'a wider IPv6 block'],
    [['2001:db9::1'], 'an IPv6 address outside'],
    [['192.0.2.0/23'], 'wider than the parent’s mapped /120'],
  ])('refuses allowedIps %p (%s): 403', async (allowedIps) => {
    const before = await rows().count();
    expectForbiddenGrant(await child({ allowedIps }));
    expect(await rows().count()).toBe(before);
  });

  it('expiry: at most the parent’s; none, or a later one, is 403', async () => {
    const earlier = await child({ expiresAt: iso(T0 + DAY) });
    expect(earlier.status).toBe(201);
    expect(earlier.body.apiKey.expiresAt).toBe(iso(T0 + DAY));
    expect((await child({ expiresAt: iso(T0 + 30 * DAY) })).status).toBe(201);
    const before = await rows().count();
    expectForbiddenGrant(await child({ expiresAt: iso(T0 + 30 * DAY + 1) }));
    expectForbiddenGrant(await child({ expiresAt: null }));
    expect(await rows().count()).toBe(before);
    // A parent without expiry lets its child choose one or none.
    const forever = await newParent({ permissions: ['x:y'] });
    expect((await child({ expiresAt: null }, forever.id)).body.apiKey.expiresAt).toBeNull();
    expect((await child({}, forever.id)).body.apiKey.expiresAt).toBeNull();
    expect((await child({ expiresAt: iso(T0 + 400 * DAY) }, forever.id)).status).toBe(201);
  });

  it('owner, namespace and environment are the parent’s: another one is 403', async () => {
    const before = await rows().count();
    expectForbiddenGrant(await child({ ownerId: 'globex' }));
    expectForbiddenGrant(await child({ ownerId: 'ACME' }));
    expectForbiddenGrant(await child({ namespace: 'default' }));
    expectForbiddenGrant(await child({ environment: 'test' }));
    expectForbiddenGrant(await child({ environment: null }));
    expect(await rows().count()).toBe(before);
    expect((await child({ ownerId: 'acme', namespace: 'partners', environment: 'live' })).status).toBe(201);
  });

  it('credits, refills and rate limits of its own are 400: a child spends its parent’s', async () => {
    const before = await rows().count();
    expectValidationError(await child({ remaining: 5 }), 'remaining');
    expectValidationError(await child({ remaining: 5, refill: { amount: 5, interval: 'daily' } }), 'refill');
    expectValidationError(await child({ rateLimits: [{ name: 'per-second', limit: 1, windowMs: 1000 }] }), 'rateLimits');
    expect(await rows().count()).toBe(before);
    expect((await child({ remaining: null, rateLimits: [] })).status).toBe(201);
  });

  it('depth 1: a child cannot have children (403)', async () => {
    const first = await child({ permissions: ['billing:read'] });
    const before = await rows().count();
    expectForbiddenGrant(await child({ permissions: ['billing:read'] }, first.body.apiKey.id));
    expectForbiddenGrant(await child({}, first.body.apiKey.id));
    expect(await rows().count()).toBe(before);
  });

  it('a revoked, disabled, expired, rotated or idle parent cannot have children (403)', async () => {
    const revoked = await newParent();
    await t.apiKeys.revoke(revoked.id);
    const disabled = await newParent({ enabled: false });
    const expired = await newParent({ expiresAt: T0 + HOUR });
    const rotated = await newParent();
    await t.apiKeys.rotate(rotated.id, { gracePeriodMs: DAY }); // still inside its grace: verifies, but cannot have children
    const idle = await newParent({ maxIdleMs: HOUR });
    clock.advance(2 * HOUR);
    const before = await rows().count();
    for (const dead of [revoked, disabled, expired, rotated, idle]) {
      const res = await child({}, dead.id);
      expectForbiddenGrant(res);
      expect(res.body.message).toMatch(/revoked|disabled|expired|rotated|idle/);
    }
    expect(await rows().count()).toBe(before);
    expect((await t.apiKeys.verify(rotated.key)).code).toBe('VALID');
  });

  it('an unknown parent or a non-UUID id is 404; a bad body is 400, never a 500', async () => {
    expectNotFound(await child({}, UNKNOWN_ID));
    expectNotFound(await child({}, 'not-a-uuid'));
    expectValidationError(await child({ permissions: 'billing:read' }), 'permissions');
    expectValidationError(await child({ allowedIps: ['10.0.0.0/33'] }), 'allowedIps');
    expectValidationError(await child({ bogus: true }), 'bogus');
    expectValidationError(await child({ expiresAt: 'tomorrow' }), 'expiresAt');
    expect((await child({ permissions: Array.from({ length: 101 }, (_, i) => `p:${i}`) })).status).toBe(400);
  });

  it('the same rules hold through ApiKeyService.createChildKey', async () => {
    const { key, apiKey } = await t.apiKeys.createChildKey(parent.id, { permissions: ['reports:read'], allowedIps: ['10.9.0.0/16'] });
    expect(apiKey).toMatchObject({ parentKeyId: parent.id, ownerId: 'acme', permissions: ['reports:read'] });
    expect((await t.apiKeys.verify(key, { permissions: ['reports:read'], ip: '10.9.1.1' })).code).toBe('VALID');
    await expect(t.apiKeys.createChildKey(parent.id, { permissions: ['billing:*'] })).rejects.toThrow(ForbiddenGrantError);
    await expect(t.apiKeys.createChildKey(parent.id, { allowedIps: ['::/0'] })).rejects.toThrow(ForbiddenGrantError);
    await expect(t.apiKeys.createChildKey(apiKey.id, {})).rejects.toThrow(ForbiddenGrantError);
  });

  describe('changes of a child stay within its parent', () => {
    let childId: string;
    beforeAll(async () => {
      childId = (await child({ name: 'narrow', permissions: ['billing:read'], allowedIps: ['10.1.0.0/16'], expiresAt: iso(T0 + DAY) })).body
        .apiKey.id;
    });
    const patch = (body: object) => request(t.server).patch(`/api-keys/keys/${childId}`).set('x-api-key', root).send(body);

    it('PATCH widening permissions, roles, IPs or expiry is 403 and changes nothing; credits are 400', async () => {
      const before = await t.apiKeys.get(childId);
      expectForbiddenGrant(await patch({ permissions: ['billing:*'] }));
      expectForbiddenGrant(await patch({ permissions: ['billing:read', 'admin:x'] }));
      expectForbiddenGrant(await patch({ roles: ['admin'] }));
      expectForbiddenGrant(await patch({ allowedIps: null }));
      expectForbiddenGrant(await patch({ allowedIps: ['11.0.0.0/8'] }));
      expectForbiddenGrant(await patch({ expiresAt: null }));
      expectForbiddenGrant(await patch({ expiresAt: iso(T0 + 31 * DAY) }));
      expectForbiddenGrant(await patch({ name: 'renamed', permissions: ['*'] })); // the whole change rolls back
      expectValidationError(await patch({ remaining: 10 }), 'remaining');
      expectValidationError(await patch({ rateLimits: [{ name: 'x', limit: 1, windowMs: 1000 }] }), 'rateLimits');
      expect(await t.apiKeys.get(childId)).toEqual(before);
    });

    it('the RBAC routes and service cannot widen a child either: PUT /keys/:id/permissions and /roles answer 403', async () => {
      const put = (path: string, body: object) =>
        request(t.server).put(`/api-keys/keys/${childId}${path}`).set('x-api-key', root).send(body);
      const before = await t.apiKeys.get(childId);
      expectForbiddenGrant(await put('/permissions', { permissions: ['billing:*'] }));
      expectForbiddenGrant(await put('/permissions', { permissions: ['api_keys:admin'] }));
      expectForbiddenGrant(await put('/roles', { roles: ['admin'] }));
      await expect(t.app.get(ApiKeyRbacService).assignPermissions(childId, ['*'])).rejects.toThrow(ForbiddenGrantError);
      expect(await t.apiKeys.get(childId)).toEqual(before);
      const narrowed = await put('/permissions', { permissions: ['reports:read'] });
      expect(narrowed.status).toBe(200);
      expect(narrowed.body.permissions).toEqual(['reports:read']);
      expect((await put('/permissions', { permissions: ['billing:read'] })).status).toBe(200);
    });

    it('PATCH narrowing (or leaving the grants alone) works', async () => {
      const res = await patch({
        name: 'narrower',
        permissions: [],
        roles: ['viewer'],
        allowedIps: ['10.1.2.0/24'],
        expiresAt: iso(T0 + HOUR),
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        name: 'narrower',
        permissions: [],
        roles: ['viewer'],
        allowedIps: ['10.1.2.0/24'],
        expiresAt: iso(T0 + HOUR),
      });
      // Its parent narrows later; renaming the child is still fine (verification intersects anyway).
      await t.apiKeys.update(parent.id, { roles: [] });
      expect((await patch({ name: 'renamed' })).status).toBe(200);
      expect((await patch({ roles: [] })).status).toBe(200);
      expectForbiddenGrant(await patch({ roles: ['viewer'] }));
      await t.apiKeys.update(parent.id, { roles: ['viewer'] });
    });
  });
});

/** The host's guard: `x-user` names a tenant user or a staff member. */
@Injectable()
class TenantGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest();
    const user = String(req.headers['x-user'] ?? '');
    req.user = user === 'staff' ? { id: 'staff', staff: true } : user ? { id: user, tenant: user.split('@')[1] } : null;
    return req.user !== null;
  }
}

describe(`POST /keys/:id/children for owner-scoped actors (${lane})`, () => {
  const clock = fakeClock(T0);
  let t: TestApp;
  const as = (user: string) => ({
    post: (path: string, body: object = {}) => request(t.server).post(`/api-keys${path}`).set('x-user', user).send(body),
  });
  const alice = as('alice@acme');
  const bob = as('bob@globex');

  beforeAll(async () => {
    t = await createTestApp({
      options: {
        clock,
        adminPolicy: {
          resolveActor: (req: { user: { id: string; tenant?: string; staff?: boolean } }): AdminActor | null =>
            req.user.tenant
              ? { actorId: req.user.id, ownerId: req.user.tenant }
              : req.user.staff
                ? { actorId: req.user.id, admin: true }
                : null,
          grantablePermissions: ['billing:*', 'reports:read'],
          grantableRoles: ['viewer'],
          maxKeyTtlMs: 7 * DAY,
          defaultsFor: () => ({ namespace: 'self-service', meta: { via: 'portal' }, remaining: 1000 }),
        },
      },
      structural: { admin: { path: 'api-keys', guards: [TenantGuard] } },
    });
    await seedRolePermissions(t.apiKeys, t.dataSource, { viewer: ['billing:read'] });
  });
  afterAll(() => t.close());

  it('on its own keys only: another owner’s key answers 404 like an unknown id', async () => {
    const mine = await alice.post('/keys', { permissions: ['billing:*'] });
    expect(mine.status).toBe(201);
    const res = await alice.post(`/keys/${mine.body.apiKey.id}/children`, { permissions: ['billing:read'] });
    expect(res.status).toBe(201);
    expect(res.body.apiKey).toMatchObject({
      ownerId: 'acme',
      parentKeyId: mine.body.apiKey.id,
      namespace: 'self-service',
      meta: {},
      remaining: null,
    });
    const before = await t.dataSource.getRepository(ApiKeyEntity).count();
    expectNotFound(await bob.post(`/keys/${mine.body.apiKey.id}/children`, { permissions: ['billing:read'] }));
    expect(await t.dataSource.getRepository(ApiKeyEntity).count()).toBe(before);
  });

  it('sends no server-set field (400), no other owner (400), and grants only what it may grant and the parent holds (403)', async () => {
    const parentId = (await alice.post('/keys', { permissions: ['billing:*', 'reports:read'] })).body.apiKey.id;
    const children = (body: object) => alice.post(`/keys/${parentId}/children`, body);
    expectValidationError(await children({ allowedIps: ['10.0.0.0/8'] }), 'allowedIps');
    expectValidationError(await children({ meta: { x: 1 } }), 'meta');
    expectValidationError(await children({ remaining: 5 }), 'remaining');
    expectValidationError(await children({ ownerId: 'globex' }), 'ownerId');
    expectForbiddenGrant(await children({ permissions: ['admin:x'] })); // neither grantable nor held
    expectForbiddenGrant(await children({ permissions: ['api_keys:admin'] }));
    expectForbiddenGrant(await children({ roles: ['viewer'] })); // grantable, but the parent does not hold it
    expect((await children({ permissions: ['billing:invoices:read'] })).status).toBe(201);
  });

  it('gets an expiry within maxKeyTtlMs: the parent’s when earlier, else the cap; later is 400', async () => {
    const parentRes = await alice.post('/keys', { permissions: ['billing:read'], expiresAt: iso(T0 + 2 * DAY) });
    expect(parentRes.body.apiKey.expiresAt).toBe(iso(T0 + 2 * DAY));
    const short = await alice.post(`/keys/${parentRes.body.apiKey.id}/children`, {});
    expect(short.body.apiKey.expiresAt).toBe(iso(T0 + 2 * DAY));
    expectForbiddenGrant(await alice.post(`/keys/${parentRes.body.apiKey.id}/children`, { expiresAt: iso(T0 + 3 * DAY) }));
    // A parent that root made without expiry: the child still gets the owner's cap.
    const { apiKey: unbounded } = await t.apiKeys.create({ ownerId: 'acme', permissions: ['billing:read'] });
    const capped = await alice.post(`/keys/${unbounded.id}/children`, {});
    expect(capped.body.apiKey.expiresAt).toBe(iso(T0 + 7 * DAY));
    expectValidationError(await alice.post(`/keys/${unbounded.id}/children`, { expiresAt: iso(T0 + 8 * DAY) }), 'expiresAt');
    expectValidationError(await alice.post(`/keys/${unbounded.id}/children`, { expiresAt: null }), 'expiresAt');
  });
});
