import request from 'supertest';
import { API_KEYS_CHANGE_HOOKS } from '../lib/api-keys.internal-constants.js';
import { ApiKeyPermissionGrantEntity, ApiKeyRoleGrantEntity, ApiKeyRolePermissionEntity } from '../lib/entities/api-key-grant.entities.js';
import type { ApiKeyChangeHook, RecordedChange } from '../lib/interfaces/api-key-change.interface.js';
import {
  ApiKeyNotFoundError,
  ApiKeyPermissionEntity,
  ApiKeyRbacService,
  ApiKeyRoleEntity,
  ApiKeyValidationError,
  KeyRotatedError,
  PermissionInUseError,
  RoleInUseError,
  type ApiKeyEvent,
} from '../lib/index.js';
import { lane } from './utils/databases.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

// ApiKeyRbacService on the lane's database (SPEC §6, §8, §11): the catalog, roles, replacing a
// key's grants (also under real concurrency), what is recorded, delete-in-use, exact names, and
// that the guard sees every change on the very next request.

const T0 = Date.UTC(2031, 4, 5, 10, 0, 0);
/** Replacements in flight at once. */
const CONCURRENT = 24;

interface Harness {
  t: TestApp;
  rbac: ApiKeyRbacService;
  /** Every change the pipeline committed since the last `take()`. */
  take(): RecordedChange[];
  events: ApiKeyEvent[];
  advance(ms: number): void;
  now(): number;
}

async function start(): Promise<Harness> {
  let now = T0;
  const events: ApiKeyEvent[] = [];
  const t = await createTestApp({ options: { clock: { now: () => now }, onEvent: (event) => void events.push(event) } });
  // A change hook of our own, after the library's: it sees exactly what the audit trail and the
  // cache will be given.
  let seen: RecordedChange[] = [];
  t.app.get<ApiKeyChangeHook[]>(API_KEYS_CHANGE_HOOKS).push({ afterCommit: (changes) => void seen.push(...changes) });
  return {
    t,
    rbac: t.app.get(ApiKeyRbacService),
    take: () => {
      const taken = seen;
      seen = [];
      return taken;
    },
    events,
    advance: (ms) => void (now += ms),
    now: () => now,
  };
}

/** The names of a key's grant rows, read from the join tables. */
async function grantRows(t: TestApp, keyId: string): Promise<{ permissions: string[]; roles: string[] }> {
  const permissions = await t.dataSource
    .getRepository(ApiKeyPermissionGrantEntity)
    .find({ where: { keyId }, relations: { permission: true } });
  const roles = await t.dataSource.getRepository(ApiKeyRoleGrantEntity).find({ where: { keyId }, relations: { role: true } });
  return { permissions: permissions.map((g) => g.permission.name).sort(), roles: roles.map((g) => g.role.name).sort() };
}

const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}:${i}`);

describe(`ApiKeyRbacService on ${lane}`, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await start();
  });
  afterAll(() => h.t.close());
  beforeEach(() => void h.take());

  describe('the permission catalog', () => {
    it('defines a permission once; the same definition again records nothing; another description replaces it', async () => {
      const created = await h.rbac.createPermission('catalog:read', { description: 'Read the catalog' }, { actorId: 'ops' });
      expect(created).toEqual({ name: 'catalog:read', description: 'Read the catalog', createdAt: new Date(h.now()) });
      expect(h.take()).toEqual([
        expect.objectContaining({
          action: 'permission.created',
          actorId: 'ops',
          details: { permission: 'catalog:read', description: 'Read the catalog' },
        }),
      ]);

      expect(await h.rbac.createPermission('catalog:read', { description: 'Read the catalog' })).toEqual(created);
      expect(h.take()).toEqual([]);

      h.advance(1000);
      const replaced = await h.rbac.createPermission('catalog:read', { description: 'Read it all' });
      expect(replaced).toEqual({ ...created, description: 'Read it all' }); // createdAt kept
      expect(h.take()).toEqual([
        expect.objectContaining({
          action: 'permission.created',
          details: { permission: 'catalog:read', description: 'Read it all', previousDescription: 'Read the catalog' },
        }),
      ]);
      // The definition is the whole body: no description means none.
      expect(await h.rbac.createPermission('catalog:read')).toMatchObject({ description: null });
      expect(h.take()).toHaveLength(1);
      expect(await h.t.dataSource.getRepository(ApiKeyPermissionEntity).countBy({ name: 'catalog:read' })).toBe(1);
    });

    it('lists permissions by name a page at a time, pages disjoint and complete, with names granted on the fly', async () => {
      for (const name of ['page:c', 'page:a', 'page:b']) await h.rbac.createPermission(name);
      await h.t.apiKeys.create({ ownerId: 'acme', permissions: ['page:d'] }); // created on first grant
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 100; pages++) {
        const page = await h.rbac.listPermissions({ limit: 2, cursor });
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((p) => p.name));
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      const all = (await h.t.dataSource.getRepository(ApiKeyPermissionEntity).find()).map((p) => p.name);
      expect([...seen].sort()).toEqual([...all].sort());
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(expect.arrayContaining(['page:a', 'page:b', 'page:c', 'page:d']));
      expect((await h.rbac.listPermissions()).items.length).toBe(Math.min(all.length, 100));
    });

    it('refuses bad names, descriptions, limits and cursors before touching the database', async () => {
      const bad: Array<[() => Promise<unknown>, string]> = [
        [() => h.rbac.createPermission(''), 'name'],
        [() => h.rbac.createPermission(' padded:read'), 'name'],
        [() => h.rbac.createPermission('padded:read '), 'name'],
        [() => h.rbac.createPermission('ctl:\u0000read'), 'name'],
        [() => h.rbac.createPermission('zero\u200bwidth:read'), 'name'],
        [() => h.rbac.createPermission(`long:${'x'.repeat(124)}`), 'name'],
        [() => h.rbac.createPermission('has space'), 'name'],
        [() => h.rbac.createPermission(42 as unknown as string), 'name'],
        [() => h.rbac.createPermission('api_keys:read'), 'name'],
        [() => h.rbac.createPermission('ok:read', { description: 'x'.repeat(501) }), 'description'],
        // 500 characters to a naive count (variation selectors folded in), 1,000 to the database.
        [() => h.rbac.createPermission('ok:read', { description: 'a\uFE0F'.repeat(500) }), 'description'],
        [() => h.rbac.createPermission('ok:read', { description: 'line\nbreak' }), 'description'],
        [() => h.rbac.createPermission('ok:read', { description: { nested: true } as unknown as string }), 'description'],
        [() => h.rbac.listPermissions({ limit: 0 }), 'limit'],
        [() => h.rbac.listPermissions({ limit: 101 }), 'limit'],
        [() => h.rbac.listPermissions({ cursor: 'garbage' }), 'cursor'],
        [() => h.rbac.listPermissions({ cursor: Buffer.from(JSON.stringify(['bad name'])).toString('base64url') }), 'cursor'],
      ];
      for (const [call, field] of bad) {
        const error: any = await call().catch((e) => e);
        expect({ field, error: error?.constructor?.name, fields: error?.errors?.map((e: any) => e.field) }).toEqual({
          field,
          error: 'ApiKeyValidationError',
          fields: [field],
        });
      }
      expect(await h.t.dataSource.getRepository(ApiKeyPermissionEntity).countBy({ name: 'ok:read' })).toBe(0);
      // 500 characters that each take two UTF-16 units fit: the column counts characters.
      const wide = await h.rbac.createPermission('ok:wide', { description: '😀'.repeat(500) });
      expect([...wide.description!].length).toBe(500);
      expect((await h.rbac.listPermissions({ limit: 100 })).items.find((p) => p.name === 'ok:wide')?.description).toBe('😀'.repeat(500));
      // Only the two reserved grants that mean something can be defined.
      expect(await h.rbac.createPermission('api_keys:admin')).toMatchObject({ name: 'api_keys:admin' });
      expect(await h.rbac.createPermission('api_keys:*')).toMatchObject({ name: 'api_keys:*' });
    });
  });

  describe('roles', () => {
    it('defines a role; the same set again records nothing; another set replaces it and reaches every holder', async () => {
      const role = await h.rbac.createRole('reader', ['docs:read', 'docs:list', 'docs:read'], { actorId: 'ops' });
      expect(role).toEqual({ name: 'reader', permissions: ['docs:list', 'docs:read'], createdAt: new Date(h.now()) });
      expect(h.take()).toEqual([
        expect.objectContaining({ action: 'role.created', details: { role: 'reader', permissions: ['docs:list', 'docs:read'] } }),
      ]);
      expect(await h.rbac.createRole('reader', ['docs:read', 'docs:list'])).toEqual(role);
      expect(h.take()).toEqual([]);

      const a = await h.t.apiKeys.create({ ownerId: 'acme', roles: ['reader'] });
      const b = await h.t.apiKeys.create({ ownerId: 'globex', roles: ['reader', 'other'] });
      await h.t.apiKeys.create({ ownerId: 'acme', roles: ['other'] });
      h.take();
      h.events.length = 0;

      const replaced = await h.rbac.createRole('reader', ['docs:read']);
      expect(replaced).toEqual({ ...role, permissions: ['docs:read'] });
      const [change, ...rest] = h.take();
      expect(rest).toEqual([]);
      expect(change).toMatchObject({
        action: 'role.created',
        details: { role: 'reader', permissions: ['docs:read'], previousPermissions: ['docs:list', 'docs:read'] },
      });
      expect(change.keys!.sort((x, y) => x.id.localeCompare(y.id))).toEqual(
        [
          { id: a.apiKey.id, ownerId: 'acme' },
          { id: b.apiKey.id, ownerId: 'globex' },
        ].sort((x, y) => x.id.localeCompare(y.id)),
      );
      // Each holder hears that its key changed.
      expect(h.events.map((e) => [e.type, e.keyId]).sort()).toEqual(
        [
          ['key.updated', a.apiKey.id],
          ['key.updated', b.apiKey.id],
        ].sort(),
      );
      const rows = await h.t.dataSource.getRepository(ApiKeyRolePermissionEntity).find({ relations: { role: true, permission: true } });
      expect(rows.filter((r) => r.role!.name === 'reader').map((r) => r.permission.name)).toEqual(['docs:read']);

      // An empty set is a role of its own (for @RequireRoles), carrying nothing.
      expect(await h.rbac.createRole('reader', [])).toMatchObject({ permissions: [] });
      expect((await h.rbac.listRoles()).items.find((r) => r.name === 'reader')).toEqual({ ...role, permissions: [] });
    });

    it('lists roles by name a page at a time, each with its permissions', async () => {
      await h.rbac.createRole('list:b', ['x:2', 'x:1']);
      await h.rbac.createRole('list:a', []);
      const seen: Array<{ name: string; permissions: string[] }> = [];
      let cursor: string | undefined;
      do {
        const page = await h.rbac.listRoles({ limit: 1, cursor });
        expect(page.items.length).toBeLessThanOrEqual(1);
        seen.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      const count = await h.t.dataSource.getRepository(ApiKeyRoleEntity).count();
      expect(seen).toHaveLength(count);
      expect(seen.find((r) => r.name === 'list:b')?.permissions).toEqual(['x:1', 'x:2']);
      expect(seen.find((r) => r.name === 'list:a')?.permissions).toEqual([]);
    });

    it('refuses bad role names and permission lists', async () => {
      for (const [call, field] of [
        [() => h.rbac.createRole(' admin', []), 'name'],
        [() => h.rbac.createRole('ad\u0007min', []), 'name'],
        [() => h.rbac.createRole('ok', undefined as unknown as string[]), 'permissions'],
        [() => h.rbac.createRole('ok', 'docs:read' as unknown as string[]), 'permissions'],
        [() => h.rbac.createRole('ok', names('p', 101)), 'permissions'],
        [() => h.rbac.createRole('ok', ['docs:read', 'Docs read']), 'permissions'],
        [() => h.rbac.createRole('ok', [{ name: 'x' } as unknown as string]), 'permissions'],
        [() => h.rbac.createRole('ok', ['api_keys:keys:write']), 'permissions'],
      ] as Array<[() => Promise<unknown>, string]>) {
        const error: any = await call().catch((e) => e);
        expect({ field, error: error?.constructor?.name, fields: error?.errors?.map((e: any) => e.field) }).toEqual({
          field,
          error: 'ApiKeyValidationError',
          fields: [field],
        });
      }
      expect(await h.t.dataSource.getRepository(ApiKeyRoleEntity).countBy({ name: 'ok' })).toBe(0);
      expect(await h.rbac.createRole('ok', names('p', 100))).toMatchObject({ name: 'ok' });
    });
  });

  describe('names compare exactly on every database', () => {
    it("'projects:EXPORT' and 'projects:export' are two permissions; 'Ops' and 'ops' two roles", async () => {
      await h.rbac.createPermission('projects:export', { description: 'lower' });
      await h.rbac.createPermission('projects:EXPORT', { description: 'upper' });
      await h.rbac.createRole('ops', ['projects:export']);
      await h.rbac.createRole('Ops', ['projects:EXPORT']);
      const catalog = await h.t.dataSource.getRepository(ApiKeyPermissionEntity).find();
      expect(catalog.filter((p) => p.name.toLowerCase() === 'projects:export').map((p) => [p.name, p.description])).toEqual(
        expect.arrayContaining([
          ['projects:export', 'lower'],
          ['projects:EXPORT', 'upper'],
        ]),
      );
      expect((await h.rbac.listRoles()).items.filter((r) => r.name.toLowerCase() === 'ops')).toHaveLength(2);

      const { key, apiKey } = await h.t.apiKeys.create({ ownerId: 'acme', roles: ['Ops'] });
      expect(await h.t.apiKeys.verify(key, { permissions: ['projects:export'] })).toMatchObject({ code: 'INSUFFICIENT_PERMISSIONS' });
      expect(await h.t.apiKeys.verify(key, { permissions: ['projects:EXPORT'] })).toMatchObject({ code: 'VALID' });
      await h.rbac.assignPermissions(apiKey.id, ['projects:export']);
      expect(await grantRows(h.t, apiKey.id)).toEqual({ permissions: ['projects:export'], roles: ['Ops'] });
      // Deleting one leaves the other: the role carrying 'projects:export' blocks only that one.
      await expect(h.rbac.deleteRole('ops')).resolves.toBeUndefined();
      await expect(h.rbac.deletePermission('projects:export')).rejects.toBeInstanceOf(PermissionInUseError);
      await h.rbac.assignPermissions(apiKey.id, []);
      await h.rbac.deletePermission('projects:export');
      expect((await h.t.dataSource.getRepository(ApiKeyPermissionEntity).findOneBy({ name: 'projects:EXPORT' }))?.description).toBe(
        'upper',
      );
      expect(await h.t.apiKeys.verify(key, { permissions: ['projects:EXPORT'] })).toMatchObject({ code: 'VALID' });
    });
  });

  describe('effective permissions', () => {
    it('a role grants its permissions; principal.permissions is direct ∪ the roles', async () => {
      await h.rbac.createRole('billing-reader', ['billing:read', 'invoices:*']);
      const { key } = await h.t.apiKeys.create({ ownerId: 'acme', permissions: ['reports:read'], roles: ['billing-reader'] });
      const result = await h.t.apiKeys.verify(key, { permissions: ['billing:read', 'invoices:pdf', 'reports:read'] });
      expect(result).toMatchObject({ valid: true, code: 'VALID' });
      expect(result.key!.permissions).toEqual(['billing:read', 'invoices:*', 'reports:read']);
      expect(result.key!.roles).toEqual(['billing-reader']);
      expect(await h.t.apiKeys.verify(key, { permissions: ['billing:write'] })).toMatchObject({ code: 'INSUFFICIENT_PERMISSIONS' });
    });

    it('wildcards expand at segment boundaries at any depth; * never grants the reserved namespace', async () => {
      await h.rbac.createRole('billing-all', ['billing:*']);
      await h.rbac.createRole('everything', ['*']);
      const billing = (await h.t.apiKeys.create({ ownerId: 'acme', roles: ['billing-all'] })).key;
      const star = (await h.t.apiKeys.create({ ownerId: 'acme', roles: ['everything'] })).key;
      const code = async (key: string, permission: string) => (await h.t.apiKeys.verify(key, { permissions: [permission] })).code;
      expect(await code(billing, 'billing:read')).toBe('VALID');
      expect(await code(billing, 'billing:invoices:read')).toBe('VALID');
      expect(await code(billing, 'billing:invoices:pdf:download')).toBe('VALID');
      expect(await code(billing, 'billingx:read')).toBe('INSUFFICIENT_PERMISSIONS');
      expect(await code(billing, 'billing')).toBe('INSUFFICIENT_PERMISSIONS');
      expect(await code(star, 'anything:at:all')).toBe('VALID');
      expect(await code(star, 'api_keys:admin')).toBe('INSUFFICIENT_PERMISSIONS');
      expect(await code(star, 'api_keys:anything')).toBe('INSUFFICIENT_PERMISSIONS');
      // A requirement of billing:* is literal: billing:read does not satisfy it.
      const reader = (await h.t.apiKeys.create({ ownerId: 'acme', permissions: ['billing:read'] })).key;
      expect(await code(reader, 'billing:*')).toBe('INSUFFICIENT_PERMISSIONS');
    });

    it('a role or grant change is seen on the very next request through the guard (nothing is memoised)', async () => {
      await h.rbac.createRole('next-request', []);
      const { key, apiKey } = await h.t.apiKeys.create({ ownerId: 'acme', roles: ['next-request'] });
      const billing = () => request(h.t.server).get('/demo/billing').set('x-api-key', key);
      const whoami = () => request(h.t.server).get('/demo/whoami').set('x-api-key', key);
      expect((await billing()).status).toBe(403);

      await h.rbac.createRole('next-request', ['billing:read']);
      expect((await billing()).status).toBe(200);
      expect((await whoami()).body.permissions).toEqual(['billing:read']);

      await h.rbac.createRole('next-request', ['reports:read']);
      expect((await billing()).status).toBe(403);
      expect((await whoami()).body.permissions).toEqual(['reports:read']);

      await h.rbac.assignPermissions(apiKey.id, ['billing:*']);
      expect((await billing()).status).toBe(200);
      expect((await whoami()).body.permissions).toEqual(['billing:*', 'reports:read']);

      await h.rbac.assignRoles(apiKey.id, ['admin']); // @RequireRoles('admin')
      expect((await request(h.t.server).get('/demo/role').set('x-api-key', key)).status).toBe(200);
      expect((await whoami()).body).toMatchObject({ permissions: ['billing:*'], roles: ['admin'] });

      await h.rbac.assignPermissions(apiKey.id, []);
      await h.rbac.assignRoles(apiKey.id, []);
      expect((await billing()).status).toBe(403);
      expect((await request(h.t.server).get('/demo/role').set('x-api-key', key)).status).toBe(403);
    });
  });

  describe('assigning replaces', () => {
    it('replaces, never merges; records key.permissions_set / key.roles_set with the sets; a no-op records nothing', async () => {
      const { apiKey } = await h.t.apiKeys.create({ ownerId: 'acme', permissions: ['a:1', 'a:2'], roles: ['r1'] });
      h.take();
      h.events.length = 0;
      h.advance(5000);
      const after = await h.rbac.assignPermissions(apiKey.id, ['a:3', 'a:2', 'a:3'], { actorId: 'ops', ip: '10.0.0.1' });
      expect(after).toMatchObject({ id: apiKey.id, permissions: ['a:2', 'a:3'], roles: ['r1'] });
      expect(after.updatedAt.getTime()).toBe(h.now());
      expect(after.updatedAt.getTime()).toBeGreaterThan(apiKey.updatedAt.getTime());
      expect(h.take()).toEqual([
        expect.objectContaining({
          action: 'key.permissions_set',
          keyId: apiKey.id,
          ownerId: 'acme',
          actorId: 'ops',
          ip: '10.0.0.1',
          details: { permissions: ['a:2', 'a:3'], previous: ['a:1', 'a:2'] },
        }),
      ]);
      expect(h.events).toEqual([expect.objectContaining({ type: 'key.updated', keyId: apiKey.id, actorId: 'ops' })]);
      expect(await grantRows(h.t, apiKey.id)).toEqual({ permissions: ['a:2', 'a:3'], roles: ['r1'] });

      expect(await h.rbac.assignRoles(apiKey.id, ['r2', 'r3'])).toMatchObject({ permissions: ['a:2', 'a:3'], roles: ['r2', 'r3'] });
      expect(h.take()).toEqual([
        expect.objectContaining({ action: 'key.roles_set', keyId: apiKey.id, details: { roles: ['r2', 'r3'], previous: ['r1'] } }),
      ]);
      expect(await grantRows(h.t, apiKey.id)).toEqual({ permissions: ['a:2', 'a:3'], roles: ['r2', 'r3'] });

      expect(await h.rbac.assignRoles(apiKey.id, ['r3', 'r2'])).toMatchObject({ roles: ['r2', 'r3'] });
      expect(await h.rbac.assignPermissions(apiKey.id, ['a:3', 'a:2'])).toMatchObject({ permissions: ['a:2', 'a:3'] });
      expect(h.take()).toEqual([]);
    });

    it('an unknown key is ApiKeyNotFoundError, a rotated key KeyRotatedError; bad lists are refused', async () => {
      await expect(h.rbac.assignRoles('3f1e9a52-7c4b-4d8e-9a61-0b2c3d4e5f60', ['r'])).rejects.toBeInstanceOf(ApiKeyNotFoundError);
      await expect(h.rbac.assignPermissions('x'.repeat(10_000), ['p:1'])).rejects.toBeInstanceOf(ApiKeyNotFoundError);
      const { apiKey } = await h.t.apiKeys.create({ ownerId: 'acme', permissions: ['p:1'] });
      await h.t.apiKeys.rotate(apiKey.id, { gracePeriodMs: 60_000 });
      h.take();
      await expect(h.rbac.assignPermissions(apiKey.id, ['p:2'])).rejects.toBeInstanceOf(KeyRotatedError);
      await expect(h.rbac.assignRoles(apiKey.id, ['r'])).rejects.toBeInstanceOf(KeyRotatedError);
      for (const bad of [names('p', 101), ['ok:1', ' padded'], ['api_keys:read'], 'p:1', null]) {
        await expect(h.rbac.assignPermissions(apiKey.id, bad as string[])).rejects.toBeInstanceOf(ApiKeyValidationError);
      }
      await expect(h.rbac.assignRoles(apiKey.id, ['Bad Role'])).rejects.toBeInstanceOf(ApiKeyValidationError);
      expect(h.take()).toEqual([]);
    });

    it(`${CONCURRENT} concurrent replacements of one key end as exactly one of the submitted sets`, async () => {
      await h.rbac.createRole('conc:base', ['conc:base']);
      const { apiKey } = await h.t.apiKeys.create({ ownerId: 'acme', permissions: ['conc:start'] });
      const sets = Array.from({ length: CONCURRENT }, (_, i) => [`conc:${i}:a`, `conc:${i}:b`, 'conc:shared'].slice(0, 1 + (i % 3)).sort());
      const roleSets = Array.from({ length: CONCURRENT }, (_, i) => [`conc-role-${i}`, ...(i % 2 ? ['conc:base'] : [])].sort());
      h.take();
      const results = await Promise.allSettled([
        ...sets.map((set) => h.rbac.assignPermissions(apiKey.id, set)),
        ...roleSets.map((set) => h.rbac.assignRoles(apiKey.id, set)),
      ]);
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      const final = await grantRows(h.t, apiKey.id);
      expect(sets).toContainEqual(final.permissions);
      expect(roleSets).toContainEqual(final.roles);
      const stored = (await h.t.apiKeys.get(apiKey.id))!;
      expect({ permissions: stored.permissions, roles: stored.roles }).toEqual(final);
      // Every call changed the key: the sets are distinct, so each differs from whichever came before.
      const changes = h.take();
      expect(changes.filter((c) => c.action === 'key.permissions_set')).toHaveLength(CONCURRENT);
      expect(changes.filter((c) => c.action === 'key.roles_set')).toHaveLength(CONCURRENT);
      // The last recorded set of each kind is what the rows hold: the changes queued in commit order.
      const last = (action: string) => changes.filter((c) => c.action === action).at(-1)!.details!;
      expect(last('key.permissions_set').permissions).toEqual(final.permissions);
      expect(last('key.roles_set').roles).toEqual(final.roles);
    });

    it('concurrent redefinitions of one role end as exactly one submitted set', async () => {
      const sets = Array.from({ length: CONCURRENT }, (_, i) => [`redef:${i}`, ...(i % 2 ? ['redef:shared'] : [])].sort());
      const results = await Promise.allSettled(sets.map((set) => h.rbac.createRole('redefined', set)));
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      const role = (await h.rbac.listRoles()).items.find((r) => r.name === 'redefined')!;
      expect(sets).toContainEqual(role.permissions);
      expect(await h.t.dataSource.getRepository(ApiKeyRoleEntity).countBy({ name: 'redefined' })).toBe(1);
    });

    it('concurrent definitions of one new permission end as one row with one of the submitted descriptions', async () => {
      const descriptions = Array.from({ length: CONCURRENT }, (_, i) => `description ${i}`);
      const results = await Promise.allSettled(descriptions.map((description) => h.rbac.createPermission('defined:once', { description })));
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      const rows = await h.t.dataSource.getRepository(ApiKeyPermissionEntity).findBy({ name: 'defined:once' });
      expect(rows).toHaveLength(1);
      expect(descriptions).toContain(rows[0].description);
      expect(h.take().filter((c) => c.action === 'permission.created').length).toBeGreaterThanOrEqual(1);
    });
  });

  describe('deleting what is in use', () => {
    it('a role held by a key that can still verify is ROLE_IN_USE; revoked and rotated holders do not count', async () => {
      await h.rbac.createRole('in-use', ['iu:read']);
      const live = await h.t.apiKeys.create({ ownerId: 'acme', roles: ['in-use'] });
      const disabled = await h.t.apiKeys.create({ ownerId: 'acme', roles: ['in-use'], enabled: false });
      const expiring = await h.t.apiKeys.create({ ownerId: 'acme', roles: ['in-use'], expiresAt: T0 + 1 });
      const revoked = await h.t.apiKeys.create({ ownerId: 'globex', roles: ['in-use'] });
      await h.t.apiKeys.revoke(revoked.apiKey.id);
      const rotated = await h.t.apiKeys.create({ ownerId: 'acme', roles: ['in-use'] });
      const successor = await h.t.apiKeys.rotate(rotated.apiKey.id);
      h.advance(10);
      h.take();

      const refused = await h.rbac.deleteRole('in-use').catch((e) => e);
      expect(refused).toBeInstanceOf(RoleInUseError);
      expect(refused).toMatchObject({ code: 'ROLE_IN_USE', status: 409 });
      expect(refused.message).toContain('4 keys'); // live, disabled, expired (can be extended) and the successor
      expect(h.take()).toEqual([]);

      for (const k of [live, disabled, expiring]) await h.rbac.assignRoles(k.apiKey.id, []);
      await expect(h.rbac.deleteRole('in-use')).rejects.toMatchObject({
        code: 'ROLE_IN_USE',
        message: expect.stringContaining('1 key that'),
      });
      await h.rbac.assignRoles(successor.apiKey.id, ['other']);
      h.take();

      await h.rbac.deleteRole('in-use', { actorId: 'ops' });
      const [change, ...rest] = h.take();
      expect(rest).toEqual([]);
      expect(change).toMatchObject({ action: 'role.deleted', actorId: 'ops', details: { role: 'in-use' } });
      expect(change.keys!.map((k) => k.id).sort()).toEqual([revoked.apiKey.id, rotated.apiKey.id].sort());
      expect(await h.t.dataSource.getRepository(ApiKeyRoleEntity).countBy({ name: 'in-use' })).toBe(0);
      expect((await grantRows(h.t, revoked.apiKey.id)).roles).toEqual([]);
      // The permissions it carried stay in the catalog.
      expect(await h.t.dataSource.getRepository(ApiKeyPermissionEntity).countBy({ name: 'iu:read' })).toBe(1);
      await expect(h.rbac.deleteRole('in-use')).rejects.toBeInstanceOf(ApiKeyNotFoundError);
    });

    it('a permission carried by a role or held by a live key is PERMISSION_IN_USE', async () => {
      await h.rbac.createPermission('pu:read');
      await h.rbac.createRole('pu-role', ['pu:read']);
      const holder = await h.t.apiKeys.create({ ownerId: 'acme', permissions: ['pu:read'] });
      const dead = await h.t.apiKeys.create({ ownerId: 'acme', permissions: ['pu:read'] });
      await h.t.apiKeys.revoke(dead.apiKey.id);
      h.take();
      await expect(h.rbac.deletePermission('pu:read')).rejects.toMatchObject({
        code: 'PERMISSION_IN_USE',
        status: 409,
        message: expect.stringContaining('1 key and 1 role'),
      });
      await h.rbac.createRole('pu-role', []);
      await expect(h.rbac.deletePermission('pu:read')).rejects.toMatchObject({ message: expect.stringContaining('1 key;') });
      await h.rbac.assignPermissions(holder.apiKey.id, ['pu:other']);
      h.take();
      await h.rbac.deletePermission('pu:read');
      expect(h.take()).toEqual([
        expect.objectContaining({
          action: 'permission.deleted',
          details: { permission: 'pu:read' },
          keys: [{ id: dead.apiKey.id, ownerId: 'acme' }],
        }),
      ]);
      expect(await h.t.dataSource.getRepository(ApiKeyPermissionEntity).countBy({ name: 'pu:read' })).toBe(0);
      expect(await grantRows(h.t, dead.apiKey.id)).toEqual({ permissions: [], roles: [] });
      await expect(h.rbac.deletePermission('pu:read')).rejects.toBeInstanceOf(ApiKeyNotFoundError);
      await expect(h.rbac.deletePermission('not a name')).rejects.toBeInstanceOf(ApiKeyValidationError);
    });

    it('a delete racing grants of the same role never leaves a grant without its role, and never fails otherwise', async () => {
      const keys = await Promise.all(Array.from({ length: 8 }, () => h.t.apiKeys.create({ ownerId: 'race' })));
      for (let round = 0; round < 3; round++) {
        await h.rbac.createRole('racing', ['race:read']);
        const deleting = h.rbac.deleteRole('racing').then(
          () => 'deleted',
          (e) => (e instanceof RoleInUseError ? 'in use' : Promise.reject(e)),
        );
        const granting = keys.map((k) => h.rbac.assignRoles(k.apiKey.id, ['racing']));
        const [outcome] = await Promise.all([deleting, ...granting]);
        expect(['deleted', 'in use']).toContain(outcome);
        // Every key holds the role: a grant after the delete created the name again (empty).
        for (const k of keys) expect((await grantRows(h.t, k.apiKey.id)).roles).toEqual(['racing']);
        const role = (await h.rbac.listRoles()).items.find((r) => r.name === 'racing')!;
        expect(role.permissions).toEqual(outcome === 'deleted' ? [] : ['race:read']);
        for (const k of keys) await h.rbac.assignRoles(k.apiKey.id, []);
        await h.rbac.deleteRole('racing');
      }
    });
  });
});
