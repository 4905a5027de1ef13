import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import request from 'supertest';
import {
  ApiKeyPermissionEntity,
  ApiKeyRbacService,
  ApiKeyRoleEntity,
  type AdminActor,
  type ApiKeyPermission,
  type ApiKeyRole,
} from '../lib/index.js';
import { ApiKeyPermissionGrantEntity, ApiKeyRoleGrantEntity } from '../lib/entities/api-key-grant.entities.js';
import { lane } from './utils/databases.js';
import { expectNotFound, expectValidationError } from './utils/http-expectations.js';
import { hangKeyLookups } from './utils/store-faults.js';
import { PLATFORMS, createTestApp, type Platform, type TestApp } from './utils/test-app.js';

// The RBAC routes of the admin API (SPEC §9) over real HTTP on Express and Fastify: the catalog,
// roles, PUT /keys/:id/roles|permissions (also 24 in flight at once), names in the path, hostile
// bodies, and self-service actors, who get 403 on every RBAC route.

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UNKNOWN_ID = '3f1e9a52-7c4b-4d8e-9a61-0b2c3d4e5f60';
const NOT_UUIDS = ['nope', '123', '3f1e9a52-7c4b-4d8e-9a61-0b2c3d4e5f6', '3f1e9a52x7c4b-4d8e-9a61-0b2c3d4e5f60'];
const CONCURRENT = 24;
/** What the README tells Fastify hosts to set, so that every identifier fits in a path parameter. */
const FASTIFY_OPTIONS = { routerOptions: { maxParamLength: 128 } };
/** What Fastify answers for a path parameter over its maxParamLength (404 before its 414 support). */
const FASTIFY_TOO_LONG = 414;

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

function catalogCounts(t: TestApp) {
  return Promise.all([
    t.dataSource.getRepository(ApiKeyPermissionEntity).count(),
    t.dataSource.getRepository(ApiKeyRoleEntity).count(),
    t.dataSource.getRepository(ApiKeyPermissionGrantEntity).count(),
    t.dataSource.getRepository(ApiKeyRoleGrantEntity).count(),
  ]);
}

describe.each(PLATFORMS)(`admin RBAC routes with the root key on ${lane} (%s)`, (platform: Platform) => {
  let t: TestApp;
  let root: string;
  const api = (method: Method, path: string, key: string | null = root) => {
    const req = request(t.server)[method](`/api-keys${path}`);
    return key === null ? req : req.set('x-api-key', key);
  };

  beforeAll(async () => {
    t = await createTestApp({
      platform,
      // 24 replacements of one key queue on its row lock; on a loaded machine the last ones would
      // outlast the default 1 s admin deadline (503, while the change still commits behind it).
      options: { storeTimeoutMs: 20_000 },
      structural: { admin: { path: 'api-keys' } },
      fastifyOptions: FASTIFY_OPTIONS,
    });
    ({ key: root } = await t.apiKeys.create({ ownerId: 'ops', name: 'root', permissions: ['api_keys:admin'] }));
  });
  afterAll(() => t.close());

  it('POST, GET and DELETE /permissions', async () => {
    const created = await api('post', '/permissions').send({ name: 'docs:read', description: 'Read the docs' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ name: 'docs:read', description: 'Read the docs', createdAt: expect.stringMatching(ISO) });
    // Defining it again is the same definition (201, unchanged); another description replaces it.
    expect((await api('post', '/permissions').send({ name: 'docs:read', description: 'Read the docs' })).body).toEqual(created.body);
    const replaced = await api('post', '/permissions').send({ name: 'docs:read', description: null });
    expect(replaced.status).toBe(201);
    expect(replaced.body).toEqual({ ...created.body, description: null });
    await api('post', '/permissions').send({ name: 'docs:write' }).expect(201);

    const all = await api('get', '/permissions').expect(200);
    expect(all.body).toEqual({ items: expect.any(Array), nextCursor: null });
    expect(all.body.items).toEqual(expect.arrayContaining([{ ...replaced.body }, expect.objectContaining({ name: 'docs:write' })]));
    const first = await api('get', '/permissions?limit=1').expect(200);
    expect(first.body.items).toHaveLength(1);
    const second = await api('get', `/permissions?limit=1&cursor=${encodeURIComponent(first.body.nextCursor)}`).expect(200);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.items[0].name).not.toBe(first.body.items[0].name);

    const deleted = await api('delete', '/permissions/docs:write');
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expectNotFound(await api('delete', '/permissions/docs:write'));
    expect((await api('get', '/permissions').expect(200)).body.items.map((p: ApiKeyPermission) => p.name)).not.toContain('docs:write');
  });

  it('POST, GET and DELETE /roles: POST again replaces the permissions; a role in use is 409 ROLE_IN_USE', async () => {
    const created = await api('post', '/roles').send({ name: 'docs-reader', permissions: ['docs:read', 'docs:list'] });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ name: 'docs-reader', permissions: ['docs:list', 'docs:read'], createdAt: expect.stringMatching(ISO) });
    const listed = await api('get', '/roles').expect(200);
    expect(listed.body.items).toContainEqual(created.body);

    const { key, apiKey } = await t.apiKeys.create({ ownerId: 'acme', roles: ['docs-reader'] });
    const inUse = await api('delete', '/roles/docs-reader');
    expect(inUse.status).toBe(409);
    expect(inUse.body).toEqual({ statusCode: 409, error: 'Conflict', code: 'ROLE_IN_USE', message: expect.stringContaining('1 key') });
    const permissionInUse = await api('delete', '/permissions/docs:list');
    expect(permissionInUse.status).toBe(409);
    expect(permissionInUse.body).toMatchObject({ code: 'PERMISSION_IN_USE', message: expect.stringContaining('1 role') });

    const whoami = () => request(t.server).get('/demo/whoami').set('x-api-key', key);
    expect((await whoami()).body.permissions).toEqual(['docs:list', 'docs:read']);
    const replaced = await api('post', '/roles').send({ name: 'docs-reader', permissions: ['docs:read'] });
    expect(replaced.status).toBe(201);
    expect(replaced.body).toEqual({ ...created.body, permissions: ['docs:read'] });
    expect((await whoami()).body.permissions).toEqual(['docs:read']);
    await api('delete', '/permissions/docs:list').expect(204);

    await api('put', `/keys/${apiKey.id}/roles`).send({ roles: [] }).expect(200);
    await api('delete', '/roles/docs-reader').expect(204);
    expectNotFound(await api('delete', '/roles/docs-reader'));
    expect((await whoami()).body.permissions).toEqual([]);
  });

  it('PUT /keys/:id/roles and /keys/:id/permissions replace and answer the key; the guard sees it on the next request', async () => {
    await api('post', '/roles')
      .send({ name: 'reports-reader', permissions: ['reports:read'] })
      .expect(201);
    const created = await api('post', '/keys').send({ ownerId: 'acme', permissions: ['a:1', 'a:2'], roles: ['old'] });
    const { key, apiKey } = created.body;
    const billing = () => request(t.server).get('/demo/billing').set('x-api-key', key);
    const reports = () => request(t.server).get('/reports').set('x-api-key', key);
    expect((await billing()).status).toBe(403);
    expect((await reports()).status).toBe(403);

    const permissions = await api('put', `/keys/${apiKey.id}/permissions`).send({ permissions: ['billing:*'] });
    expect(permissions.status).toBe(200);
    expect(permissions.body).toMatchObject({
      id: apiKey.id,
      permissions: ['billing:*'],
      roles: ['old'],
      updatedAt: expect.stringMatching(ISO),
    });
    expect(permissions.body).not.toHaveProperty('hash');
    expect((await billing()).status).toBe(200);
    expect((await reports()).status).toBe(403);

    const roles = await api('put', `/keys/${apiKey.id}/roles`).send({ roles: ['reports-reader'] });
    expect(roles.status).toBe(200);
    expect(roles.body).toMatchObject({ permissions: ['billing:*'], roles: ['reports-reader'] });
    expect((await reports()).status).toBe(200);
    expect((await api('get', `/keys/${apiKey.id}`)).body).toMatchObject({ permissions: ['billing:*'], roles: ['reports-reader'] });

    // A key that holds '*' through a role still cannot use the admin API.
    await api('post', '/roles')
      .send({ name: 'everything', permissions: ['*'] })
      .expect(201);
    await api('put', `/keys/${apiKey.id}/roles`)
      .send({ roles: ['everything'] })
      .expect(200);
    expect((await reports()).status).toBe(200);
    expect((await api('get', '/permissions', key)).body).toMatchObject({ statusCode: 403, code: 'INSUFFICIENT_PERMISSIONS' });

    for (const id of [UNKNOWN_ID, ...NOT_UUIDS]) {
      expectNotFound(await api('put', `/keys/${id}/roles`).send({ roles: [] }));
      expectNotFound(await api('put', `/keys/${id}/permissions`).send({ permissions: [] }));
    }
    const rotated = await t.apiKeys.create({ ownerId: 'acme', permissions: ['x:1'] });
    await t.apiKeys.rotate(rotated.apiKey.id, { gracePeriodMs: 60_000 });
    const refused = await api('put', `/keys/${rotated.apiKey.id}/permissions`).send({ permissions: ['x:2'] });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'KEY_ROTATED' });
  });

  it(`${CONCURRENT} concurrent PUT /keys/:id/permissions with distinct sets end as exactly one of them`, async () => {
    const { apiKey } = await t.apiKeys.create({ ownerId: 'acme', permissions: ['start:here'] });
    const sets = Array.from({ length: CONCURRENT }, (_, i) =>
      [`set${i}:read`, `set${i}:write`, 'shared:read'].slice(0, 1 + (i % 3)).sort(),
    );
    const answers = await Promise.all(sets.map((permissions) => api('put', `/keys/${apiKey.id}/permissions`).send({ permissions })));
    expect(answers.map((res) => res.status)).toEqual(sets.map(() => 200));
    answers.forEach((res, i) => expect(res.body.permissions).toEqual(sets[i])); // each answered its own set
    const rows = await t.dataSource
      .getRepository(ApiKeyPermissionGrantEntity)
      .find({ where: { keyId: apiKey.id }, relations: { permission: true } });
    const final = rows.map((row) => row.permission.name).sort();
    expect(sets).toContainEqual(final);
    expect((await api('get', `/keys/${apiKey.id}`)).body.permissions).toEqual(final);
  });

  it('names in the path: URL-encoded : and * work; a name that cannot exist is 404; case and padding count', async () => {
    const role = 'ops:deploy'; // role names share the permission shape
    for (const name of ['files:*', 'files:read', 'p'.repeat(128)]) await api('post', '/permissions').send({ name }).expect(201);
    await api('post', '/roles').send({ name: role, permissions: [] }).expect(201);
    await api('post', '/roles')
      .send({ name: 'r'.repeat(128), permissions: [] })
      .expect(201);

    await api('delete', '/permissions/files%3A%2A').expect(204);
    await api('delete', `/permissions/${encodeURIComponent('files:read')}`).expect(204);
    await api('delete', `/permissions/${'p'.repeat(128)}`).expect(204);
    await api('delete', `/roles/${'r'.repeat(128)}`).expect(204);
    for (const variant of ['OPS:DEPLOY', 'Ops:deploy', '%20ops:deploy', 'ops:deploy%20', 'ops:deploy%09', 'ops%3Adeploy%00']) {
      expectNotFound(await api('delete', `/roles/${variant}`));
    }
    for (const name of [
      '%20padded',
      'padded%20',
      'ctl%00name',
      'line%0Abreak',
      'zero%E2%80%8Bwidth',
      'has%20space',
      'a%2Fb',
      '%2A%2A',
      'a::b',
      'billing:*:read',
    ]) {
      expectNotFound(await api('delete', `/permissions/${name}`));
      expectNotFound(await api('delete', `/roles/${name}`));
    }
    // Longer than any identifier: our 404 on Express; past Fastify's maxParamLength its router answers 414.
    expect((await api('delete', `/roles/${'x'.repeat(129)}`)).status).toBe(platform === 'fastify' ? FASTIFY_TOO_LONG : 404);
    // Malformed percent-encoding is the platform's to answer: a 4xx, never a 500.
    for (const path of ['/permissions/%E0%A4%A', '/roles/%FF']) {
      const res = await api('delete', path);
      expect({ path, status: res.status < 500 && res.status >= 400 }).toEqual({ path, status: true });
    }
    expect((await api('get', '/roles').expect(200)).body.items.map((r: ApiKeyRole) => r.name)).toContain(role);
    await api('delete', `/roles/${role}`).expect(204);
  });

  it('bodies and queries an attacker controls answer 400 VALIDATION_FAILED, never 500, and change nothing', async () => {
    const { apiKey } = await t.apiKeys.create({ ownerId: 'acme', permissions: ['keep:this'], roles: ['keep-role'] });
    const before = await catalogCounts(t);
    const deep = (depth: number): unknown => (depth === 0 ? 'x' : { a: deep(depth - 1) });
    const many = (n: number, prefix = 'p') => Array.from({ length: n }, (_, i) => `${prefix}:${i}`);
    const cases: Array<[Method, string, unknown, string]> = [
      ['post', '/permissions', {}, 'name'],
      ['post', '/permissions', { name: 42 }, 'name'],
      ['post', '/permissions', { name: ['docs:read'] }, 'name'],
      ['post', '/permissions', { name: { $ne: null } }, 'name'],
      ['post', '/permissions', { name: ' docs:read' }, 'name'],
      ['post', '/permissions', { name: 'docs:read ' }, 'name'],
      ['post', '/permissions', { name: 'docs:\u0000read' }, 'name'],
      ['post', '/permissions', { name: 'docs:\u202eread' }, 'name'],
      ['post', '/permissions', { name: `docs:${'x'.repeat(124)}` }, 'name'],
      ['post', '/permissions', { name: 'api_keys:read' }, 'name'],
      ['post', '/permissions', { name: 'ok:read', description: 'd'.repeat(501) }, 'description'],
      ['post', '/permissions', { name: 'ok:read', description: 'a\uFE0F'.repeat(500) }, 'description'],
      ['post', '/permissions', { name: 'ok:read', description: 'two\nlines' }, 'description'],
      ['post', '/permissions', { name: 'ok:read', description: ['x'] }, 'description'],
      ['post', '/permissions', { name: 'ok:read', admin: true }, 'admin'],
      ['post', '/permissions', { name: 'ok:read', description: deep(20) }, 'body'],
      ['post', '/roles', { name: 'ok-role' }, 'permissions'],
      ['post', '/roles', { name: 'ok-role', permissions: 'docs:read' }, 'permissions'],
      ['post', '/roles', { name: 'ok-role', permissions: many(101) }, 'permissions'],
      ['post', '/roles', { name: 'ok-role', permissions: many(10_000) }, 'permissions'],
      ['post', '/roles', { name: 'ok-role', permissions: [['docs:read']] }, 'permissions'],
      ['post', '/roles', { name: 'ok-role', permissions: [{}] }, 'permissions'],
      ['post', '/roles', { name: 'ok-role', permissions: [null] }, 'permissions'],
      ['post', '/roles', { name: 'ok-role', permissions: ['Docs Read'] }, 'permissions'],
      ['post', '/roles', { name: 'ok-role', permissions: ['api_keys:keys:write'] }, 'permissions'],
      ['post', '/roles', { name: 'Bad Role', permissions: [] }, 'name'],
      ['post', '/roles', { name: 'x'.repeat(129), permissions: [] }, 'name'],
      ['put', `/keys/${apiKey.id}/roles`, {}, 'roles'],
      ['put', `/keys/${apiKey.id}/roles`, { roles: 'admin' }, 'roles'],
      ['put', `/keys/${apiKey.id}/roles`, { roles: [' admin'] }, 'roles'],
      ['put', `/keys/${apiKey.id}/roles`, { roles: many(101, 'r') }, 'roles'],
      ['put', `/keys/${apiKey.id}/roles`, { roles: ['admin'], permissions: ['x:1'] }, 'permissions'],
      ['put', `/keys/${apiKey.id}/permissions`, { permissions: null }, 'permissions'],
      ['put', `/keys/${apiKey.id}/permissions`, { permissions: ['ok:1', 'ok:\u0007'] }, 'permissions'],
      ['put', `/keys/${apiKey.id}/permissions`, { permissions: ['api_keys:read'] }, 'permissions'],
      ['put', `/keys/${apiKey.id}/permissions`, { permissions: many(5_000) }, 'permissions'],
      ['get', '/permissions?limit=0', undefined, 'limit'],
      ['get', '/permissions?limit=101', undefined, 'limit'],
      ['get', '/permissions?limit=abc', undefined, 'limit'],
      ['get', '/roles?cursor=not-a-cursor', undefined, 'cursor'],
      ['get', `/roles?cursor=${'c'.repeat(2000)}`, undefined, 'cursor'],
      ['get', '/roles?extra=1', undefined, 'extra'],
    ];
    for (const [method, path, body, field] of cases) {
      const res = body === undefined ? await api(method, path) : await api(method, path).send(body as object);
      try {
        expectValidationError(res, field);
      } catch (error) {
        throw new Error(
          `${method.toUpperCase()} ${path} ${JSON.stringify(body)?.slice(0, 80)} → ${res.status} ${JSON.stringify(res.body)}`,
          {
            cause: error,
          },
        );
      }
    }
    // Whole bodies of other shapes, and 30,000 nested arrays: 400 from us or the platform's JSON parser.
    const raw = [[], ['docs:read'], 'docs:read', 42, true, null].map((body) => JSON.stringify(body));
    raw.push(`{"name":"deep","permissions":${'['.repeat(30_000)}${']'.repeat(30_000)}}`);
    for (const body of raw) {
      for (const [method, path] of [
        ['post', '/roles'],
        ['post', '/permissions'],
        ['put', `/keys/${apiKey.id}/permissions`],
      ] as Array<[Method, string]>) {
        const res = await api(method, path).set('content-type', 'application/json').send(body);
        expect({ path, body: body.slice(0, 40), status: res.status }).toEqual({ path, body: body.slice(0, 40), status: 400 });
      }
    }
    expect(await catalogCounts(t)).toEqual(before);
    expect((await t.apiKeys.get(apiKey.id))!).toMatchObject({ permissions: ['keep:this'], roles: ['keep-role'] });
  });

  it('without the root key: 401 MISSING; a key without api_keys:admin: 403', async () => {
    const { key } = await t.apiKeys.create({ ownerId: 'acme', permissions: ['api_keys:read'] });
    for (const [method, path] of [
      ['get', '/permissions'],
      ['post', '/roles'],
      ['delete', '/roles/x'],
      ['put', `/keys/${UNKNOWN_ID}/roles`],
    ] as Array<[Method, string]>) {
      expect((await api(method, path, null).send({})).body).toMatchObject({ statusCode: 401, code: 'MISSING' });
      expect((await api(method, path, key).send({})).body).toMatchObject({ statusCode: 403, code: 'INSUFFICIENT_PERMISSIONS' });
    }
  });
});

interface HostUser {
  id: string;
  tenant?: string;
  staff?: boolean;
}

const USERS: Record<string, HostUser> = {
  alice: { id: 'alice', tenant: 'acme' },
  bob: { id: 'bob', tenant: 'globex' },
  staff: { id: 'staff-1', staff: true },
};

/** The host's session guard: `x-user` names a user. */
@Injectable()
class HeaderUserGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest();
    const user = USERS[String(req.headers['x-user'] ?? '')];
    if (!user) return false;
    req.user = user;
    return true;
  }
}

describe.each(PLATFORMS)(`admin RBAC routes behind host guards on ${lane} (%s)`, (platform: Platform) => {
  let t: TestApp;
  /**
   * A JSON request as a host user. Behind host guards every write needs the JSON content type,
   * and Fastify refuses an empty JSON body: a DELETE sends `{}` (as the README says).
   */
  const as = (user: string, method: Method, path: string) => {
    const req = request(t.server)[method](`/api-keys${path}`).set('x-user', user).set('content-type', 'application/json');
    return method === 'delete' ? req.send({}) : req;
  };

  beforeAll(async () => {
    t = await createTestApp({
      platform,
      fastifyOptions: FASTIFY_OPTIONS,
      options: {
        storeTimeoutMs: 300,
        adminPolicy: {
          resolveActor: (req: { user: HostUser }): AdminActor | null =>
            req.user.tenant
              ? { actorId: req.user.id, ownerId: req.user.tenant }
              : req.user.staff
                ? { actorId: req.user.id, admin: true }
                : null,
          grantablePermissions: ['*'],
          grantableRoles: ['viewer'],
        },
      },
      structural: { admin: { path: 'api-keys', guards: [HeaderUserGuard] } },
      providers: [HeaderUserGuard],
    });
  });
  afterAll(() => t.close());
  afterEach(() => jest.restoreAllMocks());

  it('an owner-scoped actor gets 403 FORBIDDEN on every RBAC route, reads included, whatever the id, name or body', async () => {
    const rbac = t.app.get(ApiKeyRbacService);
    await rbac.createRole('viewer', ['docs:read']);
    const own = await t.apiKeys.create({ ownerId: 'acme', permissions: ['docs:read'] });
    const other = await t.apiKeys.create({ ownerId: 'globex', permissions: ['docs:read'] });
    const before = await catalogCounts(t);
    const routes: Array<[Method, string, object?]> = [
      ['get', '/permissions'],
      ['get', '/roles'],
      ['get', '/roles?limit=0'],
      ['post', '/permissions', { name: 'docs:write' }],
      ['post', '/permissions', { name: ' bad' }],
      ['post', '/roles', { name: 'viewer', permissions: ['*'] }],
      ['post', '/roles', { name: 'mine', permissions: [] }],
      ['delete', '/roles/viewer'],
      ['delete', '/roles/%20bad'],
      ['delete', '/permissions/docs:read'],
      ...[own.apiKey.id, other.apiKey.id, UNKNOWN_ID, 'not-a-uuid'].flatMap((id): Array<[Method, string, object?]> => [
        ['put', `/keys/${id}/roles`, { roles: ['viewer'] }],
        ['put', `/keys/${id}/permissions`, { permissions: ['docs:read', 'docs:write'] }],
        ['put', `/keys/${id}/permissions`, { permissions: 'not a list' }],
      ]),
    ];
    for (const [method, path, body] of routes) {
      const res = body ? await as('alice', method, path).send(body) : await as('alice', method, path);
      expect({ method, path, status: res.status, body: res.body }).toEqual({
        method,
        path,
        status: 403,
        body: {
          statusCode: 403,
          error: 'Forbidden',
          code: 'FORBIDDEN',
          message: 'Roles and permissions are managed by administrators only.',
        },
      });
    }
    expect(await catalogCounts(t)).toEqual(before);
    expect((await t.apiKeys.get(own.apiKey.id))!).toMatchObject({ permissions: ['docs:read'], roles: [] });
    expect((await t.apiKeys.get(other.apiKey.id))!).toMatchObject({ permissions: ['docs:read'], roles: [] });
    // The same actor still manages its own keys on the key routes.
    await as('alice', 'patch', `/keys/${own.apiKey.id}`)
      .send({ roles: ['viewer'] })
      .expect(200);
  });

  it('an administrator behind host guards uses the RBAC routes; writes with a body need a JSON content type', async () => {
    const key = await t.apiKeys.create({ ownerId: 'acme' });
    await as('staff', 'post', '/roles')
      .send({ name: 'staff-made', permissions: ['x:read'] })
      .expect(201);
    await as('staff', 'put', `/keys/${key.apiKey.id}/roles`)
      .send({ roles: ['staff-made'] })
      .expect(200);
    expect((await as('staff', 'get', '/roles').expect(200)).body.items).toContainEqual(expect.objectContaining({ name: 'staff-made' }));
    const form = await request(t.server)
      .post('/api-keys/roles')
      .set('x-user', 'staff')
      .type('form')
      .send({ name: 'form-made', permissions: 'x:read' });
    expect(form.status).toBe(415);
    expect(form.body).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    // A DELETE has no body: no form or no-cors fetch can send one cross-site, so no content type is asked.
    const bare = await request(t.server).delete('/api-keys/roles/staff-made').set('x-user', 'staff');
    expect(bare.body).toMatchObject({ code: 'ROLE_IN_USE' });
    await as('staff', 'put', `/keys/${key.apiKey.id}/roles`).send({ roles: [] }).expect(200);
    await as('staff', 'delete', '/roles/staff-made').expect(204);
  });

  it('answers 503 STORE_UNAVAILABLE within storeTimeoutMs when the database hangs', async () => {
    const { apiKey } = await t.apiKeys.create({ ownerId: 'acme', roles: ['hang-role'] });
    const release = await hangKeyLookups(t);
    const answers: Array<{ path: string; status: number; code: string; ms: number }> = [];
    try {
      for (const [method, path, body] of [
        ['put', `/keys/${apiKey.id}/roles`, { roles: ['other'] }],
        ['put', `/keys/${apiKey.id}/permissions`, { permissions: ['x:1'] }],
        ['delete', '/roles/hang-role', undefined],
      ] as Array<[Method, string, object | undefined]>) {
        const started = Date.now();
        const res = await (body ? as('staff', method, path).send(body) : as('staff', method, path)).timeout(5_000);
        answers.push({ path, status: res.status, code: res.body.code, ms: Date.now() - started });
      }
    } finally {
      await release();
    }
    for (const answer of answers) {
      expect(answer).toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE' });
      expect(answer.ms).toBeLessThan(2_500); // 300 ms deadline, generous for a loaded machine
    }
  });
});

describe(`RBAC names in the path on Fastify with its default maxParamLength (100) on ${lane}`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ platform: 'fastify', structural: { admin: { path: 'api-keys' } } });
  });
  afterAll(() => t.close());

  it('a name of up to 100 characters works; a longer one is refused by Fastify’s router (the README says to raise it), never a 500', async () => {
    const { key: root } = await t.apiKeys.create({ ownerId: 'ops', permissions: ['api_keys:admin'] });
    const rbac = t.app.get(ApiKeyRbacService);
    await rbac.createRole('r'.repeat(100), []);
    await rbac.createRole('r'.repeat(128), []);
    await request(t.server)
      .delete(`/api-keys/roles/${'r'.repeat(100)}`)
      .set('x-api-key', root)
      .expect(204);
    const tooLong = await request(t.server)
      .delete(`/api-keys/roles/${'r'.repeat(128)}`)
      .set('x-api-key', root);
    expect(tooLong.status).toBe(FASTIFY_TOO_LONG);
    expect((await rbac.listRoles()).items.map((r) => r.name)).toContain('r'.repeat(128));
  });
});
