import { Injectable, Module, type CanActivate, type ExecutionContext } from '@nestjs/common';
import request from 'supertest';
import { IsNull } from 'typeorm';
import { ApiKeyEntity, ApiKeyPermissionEntity, ApiKeyRoleEntity, type AdminActor } from '../lib/index.js';
import { createTestApp, type Platform, type TestApp } from './utils/test-app.js';
import { NOT_FOUND_BODY, expectForbiddenGrant, expectValidationError } from './utils/http-expectations.js';

// The admin API behind host guards, with owner-scoped (self-service) actors (SPEC §9).
// The host's guard injects a host service that only `admin.imports` provides, so it only
// works if the library resolves host guards with ModuleRef inside the admin module.

const T0 = Date.UTC(2031, 2, 3, 9, 0, 0);
const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const MAX_TTL = 30 * DAY;
const UNKNOWN_ID = '9b2f6c1e-4a3d-4e5f-8a7b-1c2d3e4f5a6b';

interface HostUser {
  id: string;
  tenant?: string;
  /** An operator of the host: manages every owner's keys. */
  staff?: boolean;
}

/** A host service, provided only by UsersModule. */
@Injectable()
class UserDirectory {
  lookups = 0;
  private readonly users = new Map<string, HostUser>([
    ['alice', { id: 'alice', tenant: 'acme' }],
    ['amy', { id: 'amy', tenant: 'acme' }],
    ['bob', { id: 'bob', tenant: 'globex' }],
    ['carol', { id: 'carol', tenant: 'initech' }],
    ['root', { id: 'root-admin', staff: true }], // staff: a root actor
    ['drifter', { id: 'drifter' }], // signed in, but neither in an org nor staff
  ]);

  find(token: string): HostUser | null {
    this.lookups++;
    return this.users.get(token) ?? null;
  }
}

@Module({ providers: [UserDirectory], exports: [UserDirectory] })
class UsersModule {}

/** The host's guard: `x-user` names a user, or the request is refused (returns false). */
@Injectable()
class HeaderUserGuard implements CanActivate {
  constructor(private readonly users: UserDirectory) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest();
    const user = this.users.find(String(req.headers['x-user'] ?? ''));
    if (!user) return false;
    req.user = user;
    return true;
  }
}

interface Harness {
  t: TestApp;
  advance(ms: number): void;
  now(): number;
}

async function startOwnerScopedApp(platform: Platform): Promise<Harness> {
  let now = T0;
  const t = await createTestApp({
    platform,
    options: {
      clock: { now: () => now },
      adminPolicy: {
        // The README's pattern: a tenant's user is owner-scoped; only staff are admins.
        resolveActor: (req: { user: HostUser }): AdminActor | null =>
          req.user.tenant
            ? { actorId: req.user.id, ownerId: req.user.tenant }
            : req.user.staff
              ? { actorId: req.user.id, admin: true }
              : null,
        grantablePermissions: ['billing:*', 'reports:read'],
        // 'admin' and 'superuser' exist too, but are not grantable by tenants.
        grantableRoles: ['viewer', 'billing-reader', 'ghost'],
        maxKeyTtlMs: MAX_TTL,
        defaultsFor: (actor) => ({ namespace: 'self-service', meta: { tenant: actor.ownerId, via: 'portal' } }),
      },
    },
    // UsersModule is NOT imported by the host's root module here: only admin.imports brings it.
    structural: { admin: { path: 'api-keys', guards: [HeaderUserGuard], imports: [UsersModule] } },
  });
  return { t, advance: (ms) => void (now += ms), now: () => now };
}

/** Supertest against the admin API as a host user (null: no x-user header). */
function as(h: Harness, user: string | null) {
  const call = (method: 'get' | 'post' | 'patch', path: string) => {
    const req = request(h.t.server)[method](`/api-keys${path}`);
    return user === null ? req : req.set('x-user', user);
  };
  return {
    get: (path: string) => call('get', path),
    post: (path: string, body: object = {}) => call('post', path).send(body),
    patch: (path: string, body: object) => call('patch', path).send(body),
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

describe('Owner-scoped admin API behind host guards on express', () => {
  let h: Harness;
  let alice: ReturnType<typeof as>;
  let amy: ReturnType<typeof as>;
  let bob: ReturnType<typeof as>;
  let carol: ReturnType<typeof as>;
  let root: ReturnType<typeof as>;
  const keys = () => h.t.dataSource.getRepository(ApiKeyEntity);

  beforeAll(async () => {
    h = await startOwnerScopedApp('express');
    [alice, amy, bob, carol, root] = ['alice', 'amy', 'bob', 'carol', 'root'].map((u) => as(h, u));
  });
  afterAll(() => h.t.close());

  describe('host guards', () => {
    it('a host guard returning false answers 403, and a root API key is no longer enough', async () => {
      const { key: rootKey } = await h.t.apiKeys.create({ ownerId: 'ops', permissions: ['api_keys:admin'] });
      const before = await keys().count();
      const attempts = [
        await as(h, null).get('/keys'),
        await as(h, 'mallory').get('/keys'),
        await as(h, null).post('/keys', { ownerId: 'acme' }),
        await as(h, null).post('/verify', { key: rootKey }),
        await request(h.t.server).get('/api-keys/keys').set('x-api-key', rootKey),
        await request(h.t.server).post('/api-keys/keys').set('x-api-key', rootKey).send({ ownerId: 'ops' }),
      ];
      for (const res of attempts) {
        expect(res.status).toBe(403);
        expect(res.body).toEqual({ statusCode: 403, error: 'Forbidden', code: 'FORBIDDEN', message: expect.any(String) });
      }
      expect(await keys().count()).toBe(before);
    });

    it('a signed-in user with no org and no admin flag is refused (403 FORBIDDEN), never an administrator', async () => {
      await h.t.apiKeys.create({ ownerId: 'acme', name: 'drifter-target' });
      const before = await keys().count();
      const drifter = as(h, 'drifter');
      for (const res of [
        await drifter.get('/keys'),
        await drifter.post('/keys', { ownerId: 'acme' }),
        await drifter.post('/keys/revoke', { ownerId: 'acme' }),
      ]) {
        expect(res.status).toBe(403);
        expect(res.body).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('admin: true') });
      }
      expect(await keys().count()).toBe(before);
      expect(await keys().countBy({ ownerId: 'acme', revokedAt: IsNull() })).toBeGreaterThan(0);
    });

    it('resolves the host guard with ModuleRef so it can inject a host service from admin.imports', async () => {
      const directory = h.t.app.get(UserDirectory, { strict: false });
      const before = directory.lookups;
      const res = await alice.get('/keys');
      expect(res.status).toBe(200);
      expect(directory.lookups).toBe(before + 1);
      // The actor comes from request.user, which only the host guard sets.
      const created = await alice.post('/keys', { name: 'via-guard' });
      expect(created.body.apiKey.ownerId).toBe('acme');
    });
  });

  describe('create', () => {
    it('creates a key for the actor with the server-set defaults and the TTL as expiry', async () => {
      const res = await alice.post('/keys', { name: 'mine', permissions: ['billing:read'] });
      expect(res.status).toBe(201);
      expect(res.body.apiKey).toMatchObject({
        ownerId: 'acme',
        name: 'mine',
        namespace: 'self-service',
        meta: { tenant: 'acme', via: 'portal' },
        permissions: ['billing:read'],
        expiresAt: iso(h.now() + MAX_TTL),
        allowedIps: [],
      });
      const row = await keys().findOneByOrFail({ id: res.body.apiKey.id });
      expect(row).toMatchObject({ ownerId: 'acme', namespace: 'self-service', expiresAt: h.now() + MAX_TTL });
      expect(row.meta).toEqual({ tenant: 'acme', via: 'portal' });
      expect((await h.t.apiKeys.verify(res.body.key, { permissions: ['billing:read'] })).code).toBe('VALID');
    });

    it("a body ownerId other than the actor's own answers 400", async () => {
      expect((await alice.post('/keys', { ownerId: 'acme' })).status).toBe(201);
      const before = await keys().countBy({ ownerId: 'globex' });
      expectValidationError(await alice.post('/keys', { ownerId: 'globex' }), 'ownerId');
      expect(await keys().countBy({ ownerId: 'globex' })).toBe(before);
    });

    it.each([[['billing:read']], [['billing:*']], [['billing:invoices:read']], [['reports:read']], [['billing:write', 'reports:read']]])(
      'may grant %p (within billing:* and reports:read)',
      async (permissions) => {
        const res = await alice.post('/keys', { permissions });
        expect(res.status).toBe(201);
        expect(res.body.apiKey.permissions).toEqual([...permissions].sort());
      },
    );

    it.each([
      [['reports:write']],
      [['admin:x']],
      [['*']],
      [['api_keys:admin']],
      [['api_keys:*']],
      [['billing']],
      [['billingx:read']],
      [['reports:*']],
      [['billing:read', 'reports:write']],
    ])('may not grant %p: 403 FORBIDDEN_GRANT and nothing is created', async (permissions) => {
      const before = await keys().countBy({ ownerId: 'acme' });
      expectForbiddenGrant(await alice.post('/keys', { permissions }));
      expect(await keys().countBy({ ownerId: 'acme' })).toBe(before);
    });

    it('server-set fields answer 400 each', async () => {
      const before = await keys().countBy({ ownerId: 'acme' });
      const sent: Array<[string, unknown]> = [
        ['meta', { plan: 'gold' }],
        ['namespace', 'elsewhere'],
        ['environment', 'prod'],
        ['allowedIps', ['10.0.0.0/8']],
        ['remaining', 100],
        ['refill', { amount: 10, interval: 'daily' }],
        ['rateLimits', [{ name: 'x', limit: 1, windowMs: 1000 }]],
      ];
      for (const [field, value] of sent) {
        expectValidationError(await alice.post('/keys', { name: 'x', [field]: value }), field);
      }
      expect(await keys().countBy({ ownerId: 'acme' })).toBe(before);
    });

    it('a root actor (admin: true) may set those fields and gets no owner defaults', async () => {
      const res = await root.post('/keys', {
        ownerId: 'acme',
        namespace: 'custom',
        meta: { plan: 'gold' },
        allowedIps: ['10.0.0.0/8'],
        permissions: ['admin:x'],
      });
      expect(res.status).toBe(201);
      expect(res.body.apiKey).toMatchObject({ ownerId: 'acme', namespace: 'custom', meta: { plan: 'gold' }, expiresAt: null });
    });

    it('expiresAt: up to now + maxKeyTtlMs, beyond is 400; the cap follows the clock', async () => {
      const exact = await alice.post('/keys', { expiresAt: iso(h.now() + MAX_TTL) });
      expect(exact.status).toBe(201);
      expect(exact.body.apiKey.expiresAt).toBe(iso(h.now() + MAX_TTL));
      const sooner = await alice.post('/keys', { expiresAt: iso(h.now() + DAY) });
      expect(sooner.body.apiKey.expiresAt).toBe(iso(h.now() + DAY));

      const before = await keys().countBy({ ownerId: 'acme' });
      expectValidationError(await alice.post('/keys', { expiresAt: iso(h.now() + MAX_TTL + 1) }), 'expiresAt');
      expectValidationError(await alice.post('/keys', { expiresAt: null }), 'expiresAt');
      expect(await keys().countBy({ ownerId: 'acme' })).toBe(before);

      h.advance(HOUR);
      const later = await alice.post('/keys', {});
      expect(later.body.apiKey.expiresAt).toBe(iso(h.now() + MAX_TTL));
    });

    it('an owner creating a disabled key can enable it again', async () => {
      const res = await alice.post('/keys', { enabled: false });
      expect(res.status).toBe(201);
      expect(res.body.apiKey).toMatchObject({ enabled: false, disabledBy: 'owner' });
      const on = await alice.patch(`/keys/${res.body.apiKey.id}`, { enabled: true });
      expect(on.status).toBe(200);
      expect(on.body.enabled).toBe(true);
    });
  });

  describe('roles', () => {
    const roleRepo = () => h.t.dataSource.getRepository(ApiKeyRoleEntity);

    beforeAll(async () => {
      // Roles come into being through the service in this version; they carry no permissions.
      await h.t.apiKeys.create({
        ownerId: 'seed',
        roles: ['viewer', 'superuser', 'billing-reader'],
        permissions: ['admin:x', 'billing:read'],
      });
      // Give two of them permissions directly in the role-permission table.
      const permissionId = async (name: string) =>
        (await h.t.dataSource.getRepository(ApiKeyPermissionEntity).findOneByOrFail({ name })).id;
      const roleId = async (name: string) => (await roleRepo().findOneByOrFail({ name })).id;
      await h.t.dataSource
        .createQueryBuilder()
        .insert()
        .into('api_key_role_permissions', ['role_id', 'permission_id'])
        .values([
          { role_id: await roleId('superuser'), permission_id: await permissionId('admin:x') },
          { role_id: await roleId('billing-reader'), permission_id: await permissionId('billing:read') },
        ])
        .execute();
    });

    it('the seeded role permissions take effect (so the checks below mean something)', async () => {
      const { key } = await h.t.apiKeys.create({ ownerId: 'seed', roles: ['superuser', 'billing-reader'] });
      expect((await h.t.apiKeys.verify(key, { permissions: ['admin:x', 'billing:read'] })).code).toBe('VALID');
    });

    it('may grant roles listed in grantableRoles whose permissions are all grantable', async () => {
      const res = await alice.post('/keys', { roles: ['billing-reader', 'viewer'] });
      expect(res.status).toBe(201);
      expect(res.body.apiKey.roles).toEqual(['billing-reader', 'viewer']);
      expect((await h.t.apiKeys.verify(res.body.key, { permissions: ['billing:read'] })).code).toBe('VALID');
    });

    it('a role outside grantableRoles → 403 FORBIDDEN_GRANT, even with no permissions (a role is an authority of its own)', async () => {
      // 'admin' carries no permissions, so every permission it carries is grantable — trivially.
      await h.t.apiKeys.create({ ownerId: 'seed', roles: ['admin'] });
      const before = await keys().countBy({ ownerId: 'acme' });
      expectForbiddenGrant(await alice.post('/keys', { roles: ['admin'] }));
      expectForbiddenGrant(await alice.post('/keys', { roles: ['viewer', 'admin'] }));
      expectForbiddenGrant(await alice.post('/keys', { roles: ['Viewer'] })); // names are exact
      const id = (await alice.post('/keys', { roles: ['viewer'] }).expect(201)).body.apiKey.id;
      expectForbiddenGrant(await alice.patch(`/keys/${id}`, { roles: ['admin'] }));
      expect((await h.t.apiKeys.get(id))!.roles).toEqual(['viewer']);
      expect(await keys().countBy({ ownerId: 'acme' })).toBe(before + 1);
    });

    it('a role carrying a permission outside grantable → 403 FORBIDDEN_GRANT', async () => {
      const before = await keys().countBy({ ownerId: 'acme' });
      expectForbiddenGrant(await alice.post('/keys', { roles: ['superuser'] }));
      expectForbiddenGrant(await alice.post('/keys', { roles: ['viewer', 'superuser'] }));
      expect(await keys().countBy({ ownerId: 'acme' })).toBe(before);
    });

    it('an unknown role → 403 FORBIDDEN_GRANT (even when listed as grantable), and the role is not created', async () => {
      expectForbiddenGrant(await alice.post('/keys', { roles: ['ghost'] }));
      expect(await roleRepo().countBy({ name: 'ghost' })).toBe(0);
    });

    it('PATCH roles follows the same rule', async () => {
      const id = (await alice.post('/keys', { roles: ['viewer'] }).expect(201)).body.apiKey.id;
      expectForbiddenGrant(await alice.patch(`/keys/${id}`, { roles: ['superuser'] }));
      expectForbiddenGrant(await alice.patch(`/keys/${id}`, { roles: ['ghost'] }));
      expect((await h.t.apiKeys.get(id))!.roles).toEqual(['viewer']);
      const ok = await alice.patch(`/keys/${id}`, { roles: ['billing-reader'] });
      expect(ok.status).toBe(200);
      expect(ok.body.roles).toEqual(['billing-reader']);
    });
  });

  describe('update and rotate', () => {
    let own: { key: string; id: string };
    beforeAll(async () => {
      const res = await alice.post('/keys', { name: 'own', permissions: ['billing:read'] });
      own = { key: res.body.key, id: res.body.apiKey.id };
    });

    it('PATCH grants outside grantable → 403 and nothing changes', async () => {
      expectForbiddenGrant(await alice.patch(`/keys/${own.id}`, { permissions: ['reports:write'] }));
      expectForbiddenGrant(await alice.patch(`/keys/${own.id}`, { permissions: ['api_keys:admin'] }));
      expect((await h.t.apiKeys.get(own.id))!.permissions).toEqual(['billing:read']);
      const ok = await alice.patch(`/keys/${own.id}`, { permissions: ['billing:read', 'reports:read'] });
      expect(ok.status).toBe(200);
      expect(ok.body.permissions).toEqual(['billing:read', 'reports:read']);
    });

    it('PATCH of server-set fields answers 400, also with null', async () => {
      for (const body of [{ meta: { a: 1 } }, { meta: null }, { allowedIps: ['10.0.0.1'] }, { allowedIps: null }, { namespace: 'x' }]) {
        const field = Object.keys(body)[0];
        expectValidationError(await alice.patch(`/keys/${own.id}`, body), field);
      }
      const row = await keys().findOneByOrFail({ id: own.id });
      expect(row.meta).toEqual({ tenant: 'acme', via: 'portal' });
      expect(row.allowedIps).toEqual([]);
    });

    it('PATCH expiresAt: null is 400, beyond the TTL is 400, within is 200', async () => {
      const before = (await keys().findOneByOrFail({ id: own.id })).expiresAt;
      expectValidationError(await alice.patch(`/keys/${own.id}`, { expiresAt: null }), 'expiresAt');
      expectValidationError(await alice.patch(`/keys/${own.id}`, { expiresAt: iso(h.now() + MAX_TTL + 1) }), 'expiresAt');
      expect((await keys().findOneByOrFail({ id: own.id })).expiresAt).toBe(before);
      const ok = await alice.patch(`/keys/${own.id}`, { expiresAt: iso(h.now() + DAY) });
      expect(ok.status).toBe(200);
      expect(ok.body.expiresAt).toBe(iso(h.now() + DAY));
      // A PATCH that leaves expiresAt out keeps it.
      const renamed = await alice.patch(`/keys/${own.id}`, { name: 'renamed' });
      expect(renamed.body.expiresAt).toBe(iso(h.now() + DAY));
    });

    it("a root actor may clear expiresAt of an owner's key", async () => {
      const id = (await alice.post('/keys', {}).expect(201)).body.apiKey.id;
      const res = await root.patch(`/keys/${id}`, { expiresAt: null });
      expect(res.status).toBe(200);
      expect(res.body.expiresAt).toBeNull();
    });

    it('gracePeriodMs over maxGracePeriodMs (default 24 h) answers 400; 24 h is fine', async () => {
      const a = (await alice.post('/keys', {}).expect(201)).body.apiKey.id;
      expectValidationError(await alice.post(`/keys/${a}/rotate`, { gracePeriodMs: DAY + 1 }), 'gracePeriodMs');
      expect(await keys().countBy({ rotatedFromId: a })).toBe(0);
      const ok = await alice.post(`/keys/${a}/rotate`, { gracePeriodMs: DAY });
      expect(ok.status).toBe(201);
      expect(ok.body.apiKey).toMatchObject({ ownerId: 'acme', rotatedFromId: a });
      // The limit is for owner-scoped actors only.
      const b = (await alice.post('/keys', {}).expect(201)).body.apiKey.id;
      expect((await root.post(`/keys/${b}/rotate`, { gracePeriodMs: 2 * DAY })).status).toBe(201);
    });

    it('an owner disables a key and can enable it again', async () => {
      const res = await alice.post('/keys', {});
      const id = res.body.apiKey.id;
      const off = await alice.patch(`/keys/${id}`, { enabled: false });
      expect(off.status).toBe(200);
      expect(off.body).toMatchObject({ enabled: false, disabledBy: 'owner' });
      expect((await h.t.apiKeys.verify(res.body.key)).code).toBe('DISABLED');
      const on = await amy.patch(`/keys/${id}`, { enabled: true }); // same owner, another user
      expect(on.status).toBe(200);
      expect(on.body).toMatchObject({ enabled: true, disabledBy: null });
      expect((await h.t.apiKeys.verify(res.body.key)).code).toBe('VALID');
    });

    it('a key an admin disabled cannot be re-enabled by its owner: 403 KEY_DISABLED_BY_ADMIN', async () => {
      const res = await alice.post('/keys', {});
      const id = res.body.apiKey.id;
      const off = await root.patch(`/keys/${id}`, { enabled: false });
      expect(off.body).toMatchObject({ enabled: false, disabledBy: 'admin' });
      const denied = await alice.patch(`/keys/${id}`, { enabled: true });
      expect(denied.status).toBe(403);
      expect(denied.body).toEqual({ statusCode: 403, error: 'Forbidden', code: 'KEY_DISABLED_BY_ADMIN', message: expect.any(String) });
      expect((await keys().findOneByOrFail({ id })).enabled).toBe(false);
      // The owner may still do other things with it, and the admin may enable it.
      expect((await alice.patch(`/keys/${id}`, { enabled: false, name: 'parked' })).status).toBe(200);
      expect((await keys().findOneByOrFail({ id })).disabledBy).toBe('admin');
      const on = await root.patch(`/keys/${id}`, { enabled: true });
      expect(on.body).toMatchObject({ enabled: true, disabledBy: null });
    });
  });

  describe("another owner's keys", () => {
    let bobs: { key: string; id: string };
    beforeAll(async () => {
      const res = await bob.post('/keys', { name: 'bobs', permissions: ['billing:read'] });
      bobs = { key: res.body.key, id: res.body.apiKey.id };
    });

    it('answer 404 on GET, PATCH, rotate and revoke, exactly like a random id, and stay unchanged', async () => {
      const routes = (id: string) => [
        () => alice.get(`/keys/${id}`),
        () => alice.patch(`/keys/${id}`, { name: 'stolen', enabled: false }),
        () => alice.post(`/keys/${id}/rotate`, {}),
        () => alice.post(`/keys/${id}/revoke`),
      ];
      const theirs = routes(bobs.id);
      const random = routes(UNKNOWN_ID);
      for (let i = 0; i < theirs.length; i++) {
        const a = await theirs[i]();
        const b = await random[i]();
        expect(a.status).toBe(404);
        expect(a.body).toEqual(NOT_FOUND_BODY);
        expect(a.body).toEqual(b.body);
      }
      const row = await keys().findOneByOrFail({ id: bobs.id });
      expect(row).toMatchObject({ name: 'bobs', enabled: true, revokedAt: null, rotationGraceEndsAt: null });
      expect(await keys().countBy({ rotatedFromId: bobs.id })).toBe(0);
      expect((await h.t.apiKeys.verify(bobs.key)).code).toBe('VALID');
    });

    it('the owner and a root actor see it', async () => {
      expect((await bob.get(`/keys/${bobs.id}`)).status).toBe(200);
      expect((await root.get(`/keys/${bobs.id}`)).status).toBe(200);
    });

    it("the list shows only the actor's keys; ownerId of another owner is 400", async () => {
      const amys = (await amy.post('/keys', { name: 'amys' }).expect(201)).body.apiKey.id;
      const seen: Array<{ id: string; ownerId: string }> = [];
      let cursor: string | null = null;
      do {
        const res = await alice.get(`/keys?limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(res.status).toBe(200);
        seen.push(...res.body.items);
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(seen.length).toBe(await keys().countBy({ ownerId: 'acme' }));
      expect(seen.every((k) => k.ownerId === 'acme')).toBe(true);
      expect(seen.map((k) => k.id)).toContain(amys);
      expect(seen.map((k) => k.id)).not.toContain(bobs.id);

      expect((await alice.get('/keys?ownerId=acme&limit=1')).status).toBe(200);
      expectValidationError(await alice.get('/keys?ownerId=globex'), 'ownerId');
      const rootList = await root.get('/keys?ownerId=globex');
      expect(rootList.body.items.map((k: { id: string }) => k.id)).toContain(bobs.id);
    });

    it('POST /verify answers NOT_FOUND for it, even when it is revoked or disabled', async () => {
      const theirs = await alice.post('/verify', { key: bobs.key });
      expect(theirs.status).toBe(200);
      expect(theirs.body).toMatchObject({ valid: false, code: 'NOT_FOUND' });
      expect(theirs.body).not.toHaveProperty('key');
      expect((await bob.post('/verify', { key: bobs.key })).body).toMatchObject({ valid: true, code: 'VALID' });
      expect((await root.post('/verify', { key: bobs.key })).body).toMatchObject({ valid: true, code: 'VALID' });

      const disabled = (await bob.post('/keys', { enabled: false }).expect(201)).body;
      expect((await alice.post('/verify', { key: disabled.key })).body.code).toBe('NOT_FOUND');
      expect((await bob.post('/verify', { key: disabled.key })).body.code).toBe('DISABLED');

      const revoked = (await bob.post('/keys', {}).expect(201)).body;
      await bob.post(`/keys/${revoked.apiKey.id}/revoke`).expect(200);
      expect((await alice.post('/verify', { key: revoked.key })).body).toMatchObject({ valid: false, code: 'NOT_FOUND' });
      expect((await bob.post('/verify', { key: revoked.key })).body.code).toBe('REVOKED');

      const own = (await alice.post('/keys', { permissions: ['billing:read'] }).expect(201)).body;
      expect((await alice.post('/verify', { key: own.key, permissions: ['billing:read'] })).body.code).toBe('VALID');
      expect((await alice.post('/verify', { key: own.key, permissions: ['reports:read'] })).body.code).toBe('INSUFFICIENT_PERMISSIONS');
    });
  });

  describe('bulk revoke', () => {
    it("is restricted to the actor's own keys", async () => {
      const mine = [];
      for (let i = 0; i < 3; i++) mine.push((await carol.post('/keys', {}).expect(201)).body.apiKey.id);
      const others = [
        (await bob.post('/keys', {}).expect(201)).body.apiKey.id, // same namespace, another owner
        (await alice.post('/keys', {}).expect(201)).body.apiKey.id,
        (await root.post('/keys', { ownerId: 'globex', namespace: 'self-service' }).expect(201)).body.apiKey.id,
      ];
      const active = async (id: string) => (await keys().findOneByOrFail({ id })).revokedAt === null;

      expectValidationError(await carol.post('/keys/revoke', {}), 'filter');
      expectValidationError(await carol.post('/keys/revoke', { ownerId: 'globex' }), 'ownerId');
      for (const id of [...mine, ...others]) expect(await active(id)).toBe(true);

      const res = await carol.post('/keys/revoke', { namespace: 'self-service' });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ revoked: 3 });
      for (const id of mine) expect(await active(id)).toBe(false);
      for (const id of others) expect(await active(id)).toBe(true);

      const fresh = (await carol.post('/keys', {}).expect(201)).body.apiKey.id;
      h.advance(1);
      const byDate = await carol.post('/keys/revoke', { createdBefore: iso(h.now() + 1) });
      expect(byDate.body).toEqual({ revoked: 1 });
      expect(await active(fresh)).toBe(false);
      for (const id of others) expect(await active(id)).toBe(true);
    });
  });
});

describe('Owner-scoped admin API smoke on fastify', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startOwnerScopedApp('fastify');
  });
  afterAll(() => h.t.close());

  it('host guard, owner defaults, grants and 404 for another owner', async () => {
    const nobody = await as(h, null).get('/keys');
    expect(nobody.status).toBe(403);
    expect(nobody.body.code).toBe('FORBIDDEN');

    const created = await as(h, 'alice').post('/keys', { permissions: ['billing:read'] });
    expect(created.status).toBe(201);
    expect(created.body.apiKey).toMatchObject({ ownerId: 'acme', namespace: 'self-service', expiresAt: iso(T0 + MAX_TTL) });
    expectForbiddenGrant(await as(h, 'alice').post('/keys', { permissions: ['*'] }));
    expectValidationError(await as(h, 'alice').post('/keys', { meta: {} }), 'meta');

    const id = created.body.apiKey.id;
    expect((await as(h, 'bob').get(`/keys/${id}`)).body).toEqual(NOT_FOUND_BODY);
    expect((await as(h, 'bob').post(`/keys/${id}/revoke`)).status).toBe(404);
    expect((await as(h, 'bob').post('/verify', { key: created.body.key })).body.code).toBe('NOT_FOUND');
    expect((await as(h, 'alice').get(`/keys/${id}`)).status).toBe(200);
  });
});
