import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import request from 'supertest';
import type { AdminActor } from '../lib/index.js';
import { lane } from './utils/databases.js';
import { expectNotFound, expectValidationError } from './utils/http-expectations.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

/**
 * Identifiers compare exactly on every database (SPEC §11). On MySQL/MariaDB the default
 * utf8mb4_general_ci once made an owner-scoped actor `ACME` (or `acmé`) the tenant `acme`: it
 * listed, changed and bulk-revoked `acme`'s keys. Every admin route is tried here by actors whose
 * owner id differs from `acme` only by case or accents, and by padded or invisible variants.
 */
const VICTIM = 'acme';
/** Valid, distinct owners that a case-, accent- or pad-insensitive comparison would confuse with `acme`. */
const LOOKALIKES = ['ACME', 'Acme', 'acmé', 'acme\u0301', 'ácme'];
/** Not identifiers at all: padded, controls, invisible marks (400 as input). */
const MALFORMED_OWNERS = ['acme ', ' acme', 'acme\t', 'acme\u00a0', 'acme\u200b', 'ac\u0000me', '\u202eacme', 'a'.repeat(129)];

/** The host's guard: `x-owner` names the acting tenant. */
@Injectable()
class TenantHeaderGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return typeof context.switchToHttp().getRequest().headers['x-owner'] === 'string';
  }
}

describe(`tenant isolation on ${lane}`, () => {
  let t: TestApp;
  let victimIds: string[];
  let victimKey: string;

  const as = (owner: string) => ({
    get: (path: string) => request(t.server).get(`/api-keys${path}`).set('x-owner', encodeURIComponent(owner)),
    post: (path: string, body: object = {}) =>
      request(t.server).post(`/api-keys${path}`).set('x-owner', encodeURIComponent(owner)).send(body),
    patch: (path: string, body: object) => request(t.server).patch(`/api-keys${path}`).set('x-owner', encodeURIComponent(owner)).send(body),
  });

  beforeAll(async () => {
    t = await createTestApp({
      options: {
        failedAttempts: false,
        adminPolicy: {
          resolveActor: (req: any): AdminActor => ({ actorId: 'user', ownerId: decodeURIComponent(req.headers['x-owner']) }),
          grantablePermissions: ['projects:*'],
        },
      },
      structural: { admin: { path: 'api-keys', guards: [TenantHeaderGuard] } },
      providers: [TenantHeaderGuard],
    });
    const made = await Promise.all(
      [1, 2, 3].map((i) => t.apiKeys.create({ ownerId: VICTIM, name: `victim-${i}`, permissions: ['projects:read'] })),
    );
    victimIds = made.map((m) => m.apiKey.id);
    victimKey = made[0].key;
    // The lookalike owners exist too, each with a key of its own.
    for (const owner of LOOKALIKES) await t.apiKeys.create({ ownerId: owner, name: `own-${owner}` });
  });
  afterAll(() => t.close());

  const expectVictimUntouched = async () => {
    for (const id of victimIds) expect((await t.apiKeys.get(id))!).toMatchObject({ ownerId: VICTIM, status: 'active', revokedAt: null });
  };

  describe.each(LOOKALIKES)('an actor of owner %j', (owner) => {
    it('lists only its own keys, and GET /keys/:id of the victim is 404', async () => {
      const list = await as(owner).get('/keys?limit=100').expect(200);
      expect(list.body.items.map((k: { ownerId: string }) => k.ownerId)).toEqual([owner]);
      for (const id of victimIds) expectNotFound(await as(owner).get(`/keys/${id}`));
    });

    it('cannot PATCH, rotate or revoke the victim’s keys (404), and they stay as they were', async () => {
      const id = victimIds[0];
      expectNotFound(await as(owner).patch(`/keys/${id}`, { name: 'taken' }));
      expectNotFound(await as(owner).post(`/keys/${id}/rotate`, {}));
      expectNotFound(await as(owner).post(`/keys/${id}/revoke`));
      await expectVictimUntouched();
      expect((await t.apiKeys.get(id))!.name).toBe('victim-1');
    });

    it('bulk revoke of its own owner id revokes its own key only', async () => {
      const res = await as(owner).post('/keys/revoke', { namespace: 'default' }).expect(200);
      expect(res.body).toEqual({ revoked: 1 });
      await expectVictimUntouched();
    });

    it('POST /verify answers NOT_FOUND for the victim’s key', async () => {
      const res = await as(owner).post('/verify', { key: victimKey }).expect(200);
      expect(res.body).toMatchObject({ valid: false, code: 'NOT_FOUND' });
    });
  });

  describe('a root caller', () => {
    it('filters by owner exactly: ?ownerId=ACME lists none of acme’s keys, bulk revoke of ACME spares them', async () => {
      for (const owner of LOOKALIKES) {
        const page = await t.apiKeys.list({ ownerId: owner, limit: 100 });
        expect(page.items.every((k) => k.ownerId === owner)).toBe(true);
        expect(await t.apiKeys.revokeMany({ ownerId: owner })).toBeLessThanOrEqual(1);
      }
      await expectVictimUntouched();
      expect((await t.apiKeys.list({ ownerId: VICTIM, limit: 100 })).items).toHaveLength(3);
    });

    it('refuses padded, control and invisible owner ids with 400 on create, list and bulk revoke', async () => {
      const { key: root } = await t.apiKeys.create({ ownerId: 'ops', permissions: ['api_keys:admin'] });
      for (const owner of MALFORMED_OWNERS) {
        await expect(t.apiKeys.create({ ownerId: owner })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
        await expect(t.apiKeys.revokeMany({ ownerId: owner })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
        expect(await t.apiKeys.list({ ownerId: owner }).catch((e) => e.code)).toBe('VALIDATION_FAILED');
      }
      // Over HTTP with the root key (a separate app mounts the admin API behind root keys).
      const rootApp = await createTestApp({
        options: { failedAttempts: false },
        structural: { admin: { path: 'api-keys' } },
        database: t.database,
      });
      try {
        const { key } = await rootApp.apiKeys.create({ ownerId: 'ops', permissions: ['api_keys:admin'] });
        for (const owner of MALFORMED_OWNERS) {
          expectValidationError(
            await request(rootApp.server).post('/api-keys/keys').set('x-api-key', key).send({ ownerId: owner }),
            'ownerId',
          );
          expectValidationError(
            await request(rootApp.server).post('/api-keys/keys/revoke').set('x-api-key', key).send({ ownerId: owner }),
            'ownerId',
          );
          expectValidationError(
            await request(rootApp.server).get('/api-keys/keys').query({ ownerId: owner }).set('x-api-key', key),
            'ownerId',
          );
        }
      } finally {
        await rootApp.close();
      }
      void root;
      await expectVictimUntouched();
    });
  });

  describe('namespaces, environments and the columns themselves', () => {
    it('a namespace filter is exact: listing or bulk-revoking NS or Ns spares the keys of ns', async () => {
      const { apiKey } = await t.apiKeys.create({ ownerId: 'ns-owner', namespace: 'ns', environment: 'prod' });
      for (const namespace of ['NS', 'Ns', 'nS']) {
        expect((await t.apiKeys.list({ namespace, limit: 100 })).items).toEqual([]);
        expect(await t.apiKeys.revokeMany({ namespace })).toBe(0);
      }
      expect((await t.apiKeys.get(apiKey.id))!.revokedAt).toBeNull();
      expect((await t.apiKeys.list({ namespace: 'ns' })).items.map((k) => k.id)).toEqual([apiKey.id]);
    });

    it('the database compares identifier columns exactly, trailing spaces included (binary NO PAD on MySQL/MariaDB)', async () => {
      // Validation keeps padded ids out of the API, so this asks the database directly: a PAD
      // collation (MariaDB's plain utf8mb4_bin) would find 'acme' for 'acme '.
      const { apiKey } = await t.apiKeys.create({
        ownerId: 'pad-owner',
        namespace: 'padns',
        environment: 'padenv',
        permissions: ['pad:read'],
        roles: ['padrole'],
      });
      const e = (name: string) => t.dataSource.driver.escape(name);
      const p = lane === 'postgres' ? '$1' : '?';
      const table = (entityName: string) =>
        t.dataSource
          .getMetadata(entityName)
          .tablePath.split('.')
          .map((part) => e(part))
          .join('.');
      const probes: Array<[string, string, string]> = [
        ['ApiKeyEntity', 'owner_id', 'pad-owner'],
        ['ApiKeyEntity', 'namespace', 'padns'],
        ['ApiKeyEntity', 'environment', 'padenv'],
        ['ApiKeyPermissionEntity', 'name', 'pad:read'],
        ['ApiKeyRoleEntity', 'name', 'padrole'],
      ];
      for (const [entity, column, value] of probes) {
        const count = async (candidate: string) =>
          Number((await t.dataSource.query(`SELECT COUNT(*) AS n FROM ${table(entity)} WHERE ${e(column)} = ${p}`, [candidate]))[0].n);
        expect({ column, exact: await count(value) }).toEqual({ column, exact: 1 });
        for (const lookalike of [`${value} `, value.toUpperCase(), `${value}\u0301`]) {
          expect({ column, lookalike, found: await count(lookalike) }).toEqual({ column, lookalike, found: 0 });
        }
      }
      expect(apiKey.namespace).toBe('padns');
    });
  });

  describe('permission and role names', () => {
    it('projects:EXPORT and projects:export are two permissions: creating and patching with both never collide', async () => {
      const { apiKey: upper } = await t.apiKeys.create({ ownerId: 'perm-case', permissions: ['projects:EXPORT'] });
      const { apiKey: lower } = await t.apiKeys.create({ ownerId: 'perm-case', permissions: ['projects:export'] });
      expect(upper.permissions).toEqual(['projects:EXPORT']);
      expect(lower.permissions).toEqual(['projects:export']);
      const both = await t.apiKeys.update(lower.id, { permissions: ['projects:export', 'projects:EXPORT', 'Projects:Export'] });
      expect(both.permissions).toEqual(['Projects:Export', 'projects:EXPORT', 'projects:export']);
      const { key } = await t.apiKeys.create({ ownerId: 'perm-case', permissions: ['projects:EXPORT'] });
      expect((await t.apiKeys.verify(key, { permissions: ['projects:export'] })).code).toBe('INSUFFICIENT_PERMISSIONS');
      expect((await t.apiKeys.verify(key, { permissions: ['projects:EXPORT'] })).code).toBe('VALID');
    });

    it('a tenant granting projects:EXPORT over HTTP does not turn a later root create of projects:export into 409 or 500', async () => {
      const granted = await as('perm-tenant')
        .post('/keys', { permissions: ['projects:EXPORT'] })
        .expect(201);
      expect(granted.body.apiKey.permissions).toEqual(['projects:EXPORT']);
      const { apiKey } = await t.apiKeys.create({ ownerId: 'perm-root', permissions: ['projects:export'] });
      expect(apiKey.permissions).toEqual(['projects:export']);
      const patched = await as('perm-tenant')
        .patch(`/keys/${granted.body.apiKey.id}`, { permissions: ['projects:EXPORT', 'projects:export'] })
        .expect(200);
      expect(patched.body.permissions).toEqual(['projects:EXPORT', 'projects:export']);
    });

    it('roles differing only by case are two roles', async () => {
      const { apiKey } = await t.apiKeys.create({ ownerId: 'role-case', roles: ['Admin', 'admin', 'ADMIN'] });
      expect(apiKey.roles).toEqual(['ADMIN', 'Admin', 'admin']);
      const { key } = await t.apiKeys.create({ ownerId: 'role-case', roles: ['Admin'] });
      expect((await t.apiKeys.verify(key, { roles: ['admin'] })).code).toBe('INSUFFICIENT_PERMISSIONS');
    });
  });
});
