import request from 'supertest';
import { ApiKeyEntity } from '../lib/index.js';
import { createTestApp, type Platform, type TestApp } from './utils/test-app.js';
import { expectNotFound, expectValidationError } from './utils/http-expectations.js';

// The admin REST API under root-key protection (SPEC §9, §11): every /keys route, /verify,
// validation, and who may call it. Time moves only through the injected clock.

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UNKNOWN_ID = '3f1e9a52-7c4b-4d8e-9a61-0b2c3d4e5f60';
const NOT_UUIDS = ['nope', '123', '3f1e9a52-7c4b-4d8e-9a61-0b2c3d4e5f6', '3f1e9a52x7c4b-4d8e-9a61-0b2c3d4e5f60'];
const T0 = Date.UTC(2031, 0, 6, 12, 0, 0);
const HOUR = 60 * 60 * 1000;

interface Harness {
  t: TestApp;
  root: string;
  clock: { set(ms: number): void; advance(ms: number): void; now(): number };
}

async function startAdminApp(platform: Platform): Promise<Harness> {
  let now = T0;
  const clock = { set: (ms: number) => void (now = ms), advance: (ms: number) => void (now += ms), now: () => now };
  const t = await createTestApp({
    platform,
    options: { clock: { now: () => now } },
    structural: { admin: { path: 'api-keys' } },
  });
  const { key: root } = await t.apiKeys.create({ ownerId: 'ops', name: 'root', permissions: ['api_keys:admin'] });
  return { t, root, clock };
}

/** Supertest against the admin API with a key (the root key unless told otherwise). */
function adminApi(h: Harness) {
  const call = (method: 'get' | 'post' | 'patch', path: string, key: string | null = h.root) => {
    const req = request(h.t.server)[method](`/api-keys${path}`);
    return key === null ? req : req.set('x-api-key', key);
  };
  return {
    get: (path: string, key?: string | null) => call('get', path, key),
    post: (path: string, body: object = {}, key?: string | null) => call('post', path, key).send(body),
    patch: (path: string, body: object, key?: string | null) => call('patch', path, key).send(body),
  };
}

function rows(h: Harness) {
  return h.t.dataSource.getRepository(ApiKeyEntity);
}

describe('Admin keys API (root key) on express', () => {
  let h: Harness;
  let api: ReturnType<typeof adminApi>;
  beforeAll(async () => {
    h = await startAdminApp('express');
    api = adminApi(h);
  });
  afterAll(() => h.t.close());

  describe('POST /keys and GET /keys/:id', () => {
    it('creates a key: 201 { key, apiKey } with ISO timestamps and no hash', async () => {
      const expiresAt = new Date(T0 + 48 * HOUR).toISOString();
      const res = await api.post('/keys', {
        ownerId: 'acme',
        name: 'ci',
        permissions: ['billing:read', 'reports:*'],
        expiresAt,
        meta: { team: 'payments' },
      });
      expect(res.status).toBe(201);
      expect(Object.keys(res.body).sort()).toEqual(['apiKey', 'key']);
      const { key, apiKey } = res.body;
      expect(key).toMatch(/^sk_[0-9A-Za-z]+$/);
      expect(apiKey).toMatchObject({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        ownerId: 'acme',
        name: 'ci',
        namespace: 'default',
        permissions: ['billing:read', 'reports:*'],
        meta: { team: 'payments' },
        enabled: true,
        status: 'active',
        expiresAt,
        revokedAt: null,
        lastUsedAt: null,
        start: key.slice(0, 'sk_'.length + 4),
        last4: key.slice(-4),
      });
      expect(apiKey.createdAt).toMatch(ISO);
      expect(apiKey.updatedAt).toMatch(ISO);
      expect(apiKey.createdAt).toBe(new Date(T0).toISOString());
      expect(apiKey).not.toHaveProperty('hash');
      expect(apiKey).not.toHaveProperty('key');

      const row = await rows(h).findOneByOrFail({ id: apiKey.id });
      expect(row.ownerId).toBe('acme');
      expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(row.hash).not.toBe(key);
      expect(JSON.stringify(res.body.apiKey)).not.toContain(row.hash);
      expect((await h.t.apiKeys.verify(key, { permissions: ['reports:export'] })).code).toBe('VALID');
    });

    it('GET /keys/:id and the list never return the raw key or its hash', async () => {
      const { body } = await api.post('/keys', { ownerId: 'acme', name: 'secretive' }).expect(201);
      const row = await rows(h).findOneByOrFail({ id: body.apiKey.id });

      const got = await api.get(`/keys/${body.apiKey.id}`);
      expect(got.status).toBe(200);
      expect(got.body).toEqual(body.apiKey);
      expect(got.body).not.toHaveProperty('hash');
      const list = await api.get('/keys?ownerId=acme&limit=100');
      expect(list.status).toBe(200);
      expect(list.body.items.map((k: { id: string }) => k.id)).toContain(body.apiKey.id);
      for (const res of [got, list]) {
        const text = JSON.stringify(res.body);
        expect(text).not.toContain(body.key);
        expect(text).not.toContain(row.hash);
        expect(text).not.toContain('"hash"');
      }
    });

    it('accepts an upper-case UUID for an existing key', async () => {
      const { body } = await api.post('/keys', { ownerId: 'acme' }).expect(201);
      const got = await api.get(`/keys/${body.apiKey.id.toUpperCase()}`);
      expect(got.status).toBe(200);
      expect(got.body.id).toBe(body.apiKey.id);
    });

    it('requires ownerId from a root actor', async () => {
      const before = await rows(h).count();
      expectValidationError(await api.post('/keys', { name: 'orphan' }), 'ownerId');
      expect(await rows(h).count()).toBe(before);
    });
  });

  describe('GET /keys paging and filters', () => {
    it('pages with limit/cursor: disjoint and complete (25 keys, limit 10 → 3 pages)', async () => {
      const created: string[] = [];
      for (let i = 0; i < 25; i++) {
        if (i % 4 === 0) h.clock.advance(1); // ties on created_at as well as distinct times
        created.push((await h.t.apiKeys.create({ ownerId: 'pager', name: `k${i}` })).apiKey.id);
      }
      const pages: string[][] = [];
      let cursor: string | null = null;
      do {
        const res = await api.get(`/keys?ownerId=pager&limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(res.status).toBe(200);
        pages.push(res.body.items.map((k: { id: string }) => k.id));
        cursor = res.body.nextCursor;
      } while (cursor && pages.length < 10);
      expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
      const seen = pages.flat();
      expect(new Set(seen).size).toBe(25);
      expect([...seen].sort()).toEqual([...created].sort());
      // Newest first.
      const byId = new Map((await rows(h).findBy({ ownerId: 'pager' })).map((r) => [r.id, r.createdAt]));
      const times = seen.map((id) => byId.get(id)!);
      expect(times).toEqual([...times].sort((a, b) => b - a));
    });

    it('stays disjoint and complete when keys are created between fetches', async () => {
      const created: string[] = [];
      for (let i = 0; i < 25; i++) {
        if (i % 5 === 0) h.clock.advance(1);
        created.push((await h.t.apiKeys.create({ ownerId: 'pager2', name: `k${i}` })).apiKey.id);
      }
      const latest = h.clock.now();
      const seen: string[] = [];
      const inserted: string[] = [];
      let cursor: string | null = null;
      let fetches = 0;
      do {
        const res = await api.get(`/keys?ownerId=pager2&limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(res.status).toBe(200);
        seen.push(...res.body.items.map((k: { id: string }) => k.id));
        cursor = res.body.nextCursor;
        // New keys: some newer than everything, some at the exact created_at of the cursor row.
        const lastRow = await rows(h).findOneByOrFail({ id: seen[seen.length - 1] });
        h.clock.set(lastRow.createdAt);
        for (let i = 0; i < 3; i++) inserted.push((await h.t.apiKeys.create({ ownerId: 'pager2' })).apiKey.id);
        h.clock.set(latest + 1);
        for (let i = 0; i < 2; i++) inserted.push((await h.t.apiKeys.create({ ownerId: 'pager2' })).apiKey.id);
        fetches++;
      } while (cursor && fetches < 20);
      expect(cursor).toBeNull();
      expect(new Set(seen).size).toBe(seen.length); // no duplicates
      for (const id of created) expect(seen.filter((s) => s === id)).toHaveLength(1); // complete
      for (const id of seen) expect([...created, ...inserted]).toContain(id);
      h.clock.set(latest + 2);
    });

    it('filters by status (active, revoked, disabled, expired, rotated, idle)', async () => {
      const owner = 'statuses';
      const mk = async (input: object = {}) => (await h.t.apiKeys.create({ ownerId: owner, ...input })).apiKey.id;
      const now = h.clock.now();
      const active = await mk();
      const revoked = await mk();
      const revokedAndExpired = await mk({ expiresAt: now + 1000 });
      const disabled = await mk({ enabled: false });
      const disabledAndExpired = await mk({ enabled: false, expiresAt: now + 1000 });
      const expired = await mk({ expiresAt: now + 1000 });
      const toRotate = await mk();
      const idle = await mk({ maxIdleMs: 1000 });
      await api.post(`/keys/${revoked}/revoke`).expect(200);
      await api.post(`/keys/${revokedAndExpired}/revoke`).expect(200);
      const successor = (await api.post(`/keys/${toRotate}/rotate`, { gracePeriodMs: HOUR }).expect(201)).body.apiKey.id;
      h.clock.advance(5000);

      const expected: Record<string, string[]> = {
        active: [active, successor],
        revoked: [revoked, revokedAndExpired],
        disabled: [disabled, disabledAndExpired],
        expired: [expired],
        rotated: [toRotate],
        idle: [idle],
      };
      for (const [status, ids] of Object.entries(expected)) {
        const res = await api.get(`/keys?ownerId=${owner}&status=${status}&limit=100`);
        expect(res.status).toBe(200);
        expect(res.body.items.map((k: { id: string }) => k.id).sort()).toEqual([...ids].sort());
        for (const item of res.body.items) expect(item.status).toBe(status);
      }
      const all = await api.get(`/keys?ownerId=${owner}&limit=100`).expect(200);
      expect(all.body.items).toHaveLength(9);
    });

    it.each(['0', '101', 'abc', '-1', '1.5', ''])('limit=%p answers 400 VALIDATION_FAILED', async (limit) => {
      expectValidationError(await api.get(`/keys?limit=${limit}`), 'limit');
    });

    it('accepts limit 1 and 100', async () => {
      expect((await api.get('/keys?limit=1')).body.items).toHaveLength(1);
      expect((await api.get('/keys?limit=100')).status).toBe(200);
    });

    it.each([
      ['not base64 json', 'garbage!!'],
      ['wrong shape', Buffer.from(JSON.stringify([1, 2])).toString('base64url')],
      ['not a number', Buffer.from(JSON.stringify(['x', 'y'])).toString('base64url')],
      ['too long', 'a'.repeat(300)],
    ])('a malformed cursor (%s) answers 400', async (_label, cursor) => {
      expectValidationError(await api.get(`/keys?cursor=${encodeURIComponent(cursor)}`), 'cursor');
    });

    it('an unknown status or unknown query field answers 400', async () => {
      expectValidationError(await api.get('/keys?status=bogus'), 'status');
      expectValidationError(await api.get('/keys?colour=red'), 'colour');
    });
  });

  describe('PATCH /keys/:id', () => {
    it('omitted keeps, null clears, a value sets', async () => {
      const expiresAt = new Date(T0 + 1000 * HOUR).toISOString();
      const { body } = await api
        .post('/keys', { ownerId: 'patchy', name: 'before', expiresAt, permissions: ['a:read', 'b:read'], meta: { x: 1 } })
        .expect(201);
      const id = body.apiKey.id;

      const noop = await api.patch(`/keys/${id}`, {});
      expect(noop.status).toBe(200);
      expect(noop.body).toMatchObject({ name: 'before', expiresAt, permissions: ['a:read', 'b:read'], meta: { x: 1 } });

      const renamed = await api.patch(`/keys/${id}`, { name: 'after' });
      expect(renamed.body).toMatchObject({ name: 'after', expiresAt, permissions: ['a:read', 'b:read'] });

      const clearedName = await api.patch(`/keys/${id}`, { name: null });
      expect(clearedName.status).toBe(200);
      expect(clearedName.body).toMatchObject({ name: null, expiresAt });

      const clearedExpiry = await api.patch(`/keys/${id}`, { expiresAt: null });
      expect(clearedExpiry.body).toMatchObject({ name: null, expiresAt: null });

      const later = new Date(T0 + 2000 * HOUR).toISOString();
      const setExpiry = await api.patch(`/keys/${id}`, { expiresAt: later, name: 'again' });
      expect(setExpiry.body).toMatchObject({ name: 'again', expiresAt: later, permissions: ['a:read', 'b:read'] });

      const row = await rows(h).findOneByOrFail({ id });
      expect(row.name).toBe('again');
      expect(row.expiresAt).toBe(T0 + 2000 * HOUR);
      expect(row.meta).toEqual({ x: 1 });
    });

    it('permissions replace the direct grants', async () => {
      const { body } = await api.post('/keys', { ownerId: 'patchy', permissions: ['a:read', 'b:read'] }).expect(201);
      const id = body.apiKey.id;
      const res = await api.patch(`/keys/${id}`, { permissions: ['c:write'] });
      expect(res.status).toBe(200);
      expect(res.body.permissions).toEqual(['c:write']);
      expect((await h.t.apiKeys.verify(body.key, { permissions: ['a:read'] })).code).toBe('INSUFFICIENT_PERMISSIONS');
      expect((await h.t.apiKeys.verify(body.key, { permissions: ['c:write'] })).code).toBe('VALID');
      const emptied = await api.patch(`/keys/${id}`, { permissions: [] });
      expect(emptied.body.permissions).toEqual([]);
      expect((await h.t.apiKeys.verify(body.key, { permissions: ['c:write'] })).code).toBe('INSUFFICIENT_PERMISSIONS');
    });

    it('enabled false makes the key fail verify with DISABLED; true restores it', async () => {
      const { body } = await api.post('/keys', { ownerId: 'patchy' }).expect(201);
      const id = body.apiKey.id;
      const off = await api.patch(`/keys/${id}`, { enabled: false });
      expect(off.status).toBe(200);
      expect(off.body).toMatchObject({ enabled: false, disabledBy: 'admin', status: 'disabled' });
      expect((await rows(h).findOneByOrFail({ id })).enabled).toBe(false);
      const verify = await api.post('/verify', { key: body.key });
      expect(verify.status).toBe(200);
      expect(verify.body).toMatchObject({ valid: false, code: 'DISABLED' });
      expect((await h.t.apiKeys.verify(body.key)).code).toBe('DISABLED');

      const on = await api.patch(`/keys/${id}`, { enabled: true });
      expect(on.body).toMatchObject({ enabled: true, disabledBy: null, status: 'active' });
      expect((await h.t.apiKeys.verify(body.key)).code).toBe('VALID');
    });

    it('rejects bad values without changing the row', async () => {
      const { body } = await api.post('/keys', { ownerId: 'patchy', name: 'keep' }).expect(201);
      const id = body.apiKey.id;
      expectValidationError(await api.patch(`/keys/${id}`, { name: 'n'.repeat(201) }), 'name');
      expectValidationError(await api.patch(`/keys/${id}`, { expiresAt: 'next tuesday' }), 'expiresAt');
      expectValidationError(await api.patch(`/keys/${id}`, { enabled: 'no' }), 'enabled');
      expectValidationError(await api.patch(`/keys/${id}`, { ownerId: 'someone-else' }), 'ownerId');
      expectValidationError(await api.patch(`/keys/${id}`, { permissions: ['not a permission'] }), 'permissions');
      const row = await rows(h).findOneByOrFail({ id });
      expect(row.name).toBe('keep');
      expect(row.ownerId).toBe('patchy');
      expect(row.enabled).toBe(true);
    });
  });

  describe('POST /keys/:id/rotate', () => {
    it('201 with a new key; the old key works during the grace period and then fails', async () => {
      const { body: created } = await api
        .post('/keys', { ownerId: 'rot', name: 'r', permissions: ['billing:read'], meta: { a: 1 } })
        .expect(201);
      const res = await api.post(`/keys/${created.apiKey.id}/rotate`, { gracePeriodMs: 60_000 });
      expect(res.status).toBe(201);
      expect(Object.keys(res.body).sort()).toEqual(['apiKey', 'key']);
      expect(res.body.key).not.toBe(created.key);
      expect(res.body.apiKey).toMatchObject({
        ownerId: 'rot',
        name: 'r',
        permissions: ['billing:read'],
        meta: { a: 1 },
        lineageId: created.apiKey.lineageId,
        rotatedFromId: created.apiKey.id,
        status: 'active',
      });
      expect(res.body.apiKey.id).not.toBe(created.apiKey.id);
      expect(res.body.apiKey).not.toHaveProperty('hash');

      const old = await api.get(`/keys/${created.apiKey.id}`).expect(200);
      expect(old.body).toMatchObject({ status: 'rotated', rotatedToId: res.body.apiKey.id });
      expect(old.body.rotationGraceEndsAt).toBe(new Date(h.clock.now() + 60_000).toISOString());

      expect((await h.t.apiKeys.verify(res.body.key)).code).toBe('VALID');
      h.clock.advance(59_999);
      expect((await h.t.apiKeys.verify(created.key)).code).toBe('VALID');
      h.clock.advance(1);
      expect((await h.t.apiKeys.verify(created.key)).code).toBe('ROTATION_GRACE_EXPIRED');
      expect((await api.post('/verify', { key: created.key })).body.code).toBe('ROTATION_GRACE_EXPIRED');
      expect((await h.t.apiKeys.verify(res.body.key)).code).toBe('VALID');
    });

    it('without a grace period the old key fails at once', async () => {
      const { body: created } = await api.post('/keys', { ownerId: 'rot' }).expect(201);
      const res = await api.post(`/keys/${created.apiKey.id}/rotate`);
      expect(res.status).toBe(201);
      expect((await h.t.apiKeys.verify(created.key)).code).toBe('ROTATION_GRACE_EXPIRED');
      expect((await h.t.apiKeys.verify(res.body.key)).code).toBe('VALID');
    });

    it('rotating a revoked or an already rotated key answers 409 KEY_NOT_ROTATABLE', async () => {
      const revoked = (await api.post('/keys', { ownerId: 'rot' }).expect(201)).body.apiKey.id;
      await api.post(`/keys/${revoked}/revoke`).expect(200);
      const rotated = (await api.post('/keys', { ownerId: 'rot' }).expect(201)).body.apiKey.id;
      await api.post(`/keys/${rotated}/rotate`, { gracePeriodMs: HOUR }).expect(201);
      for (const id of [revoked, rotated]) {
        const res = await api.post(`/keys/${id}/rotate`, {});
        expect(res.status).toBe(409);
        expect(res.body).toEqual({ statusCode: 409, error: 'Conflict', code: 'KEY_NOT_ROTATABLE', message: expect.any(String) });
      }
      expect(await rows(h).countBy({ rotatedFromId: revoked })).toBe(0);
      expect(await rows(h).countBy({ rotatedFromId: rotated })).toBe(1);
    });

    it.each([2, 5])('%i concurrent rotations of one key: exactly one 201, the rest 409, one successor row', async (n) => {
      const { body: created } = await api
        .post('/keys', { ownerId: 'race', permissions: ['billing:read', 'reports:read'], roles: ['racer'] })
        .expect(201);
      const id = created.apiKey.id;
      const results = await Promise.all(Array.from({ length: n }, () => api.post(`/keys/${id}/rotate`, { gracePeriodMs: 1000 })));
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([201, ...Array(n - 1).fill(409)]);
      for (const r of results.filter((x) => x.status === 409)) expect(r.body.code).toBe('KEY_NOT_ROTATABLE');
      const winner = results.find((r) => r.status === 201)!;
      const successors = await rows(h).findBy({ rotatedFromId: id });
      expect(successors.map((s) => s.id)).toEqual([winner.body.apiKey.id]);
      expect((await rows(h).findOneByOrFail({ id })).rotatedToId).toBe(winner.body.apiKey.id);
      expect(await rows(h).countBy({ lineageId: created.apiKey.lineageId })).toBe(2);
      const successor = await api.get(`/keys/${winner.body.apiKey.id}`).expect(200);
      expect(successor.body).toMatchObject({ permissions: ['billing:read', 'reports:read'], roles: ['racer'] });
      expect((await h.t.apiKeys.verify(winner.body.key)).code).toBe('VALID');
    });

    it('gracePeriodMs must be a non-negative integer', async () => {
      const id = (await api.post('/keys', { ownerId: 'rot' }).expect(201)).body.apiKey.id;
      expectValidationError(await api.post(`/keys/${id}/rotate`, { gracePeriodMs: -1 }), 'gracePeriodMs');
      expectValidationError(await api.post(`/keys/${id}/rotate`, { gracePeriodMs: 'soon' }), 'gracePeriodMs');
      expectValidationError(await api.post(`/keys/${id}/rotate`, { gracePeriodMs: 1, extra: true }), 'extra');
      expect(await rows(h).countBy({ rotatedFromId: id })).toBe(0);
    });
  });

  describe('POST /keys/:id/revoke', () => {
    it('200 and idempotent: revokedAt unchanged the second time', async () => {
      const { body: created } = await api.post('/keys', { ownerId: 'rev' }).expect(201);
      const id = created.apiKey.id;
      const first = await api.post(`/keys/${id}/revoke`);
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ id, status: 'revoked', revokedAt: new Date(h.clock.now()).toISOString() });
      expect(first.body).not.toHaveProperty('hash');
      expect((await h.t.apiKeys.verify(created.key)).code).toBe('REVOKED');

      h.clock.advance(10_000);
      const second = await api.post(`/keys/${id}/revoke`);
      expect(second.status).toBe(200);
      expect(second.body.revokedAt).toBe(first.body.revokedAt);
      expect(second.body.updatedAt).toBe(first.body.updatedAt);
      const row = await rows(h).findOneByOrFail({ id });
      expect(new Date(row.revokedAt!).toISOString()).toBe(first.body.revokedAt);
    });
  });

  describe('POST /verify', () => {
    it('answers the verify result with 200: VALID and failure codes in the body', async () => {
      const { body: created } = await api.post('/keys', { ownerId: 'ver', permissions: ['billing:*'] }).expect(201);

      const valid = await api.post('/verify', { key: created.key, permissions: ['billing:read'] });
      expect(valid.status).toBe(200);
      expect(valid.body).toMatchObject({
        valid: true,
        code: 'VALID',
        message: expect.any(String),
        key: { id: created.apiKey.id, ownerId: 'ver', permissions: ['billing:*'] },
      });
      expect(JSON.stringify(valid.body)).not.toContain(created.key);

      const denied = await api.post('/verify', { key: created.key, permissions: ['reports:read'] });
      expect(denied.status).toBe(200);
      expect(denied.body).toMatchObject({ valid: false, code: 'INSUFFICIENT_PERMISSIONS' });
      expect(denied.body).not.toHaveProperty('key');

      const malformed = await api.post('/verify', { key: 'sk_notakey' });
      expect(malformed.status).toBe(200);
      expect(malformed.body).toMatchObject({ valid: false, code: 'MALFORMED' });

      const gone = await h.t.apiKeys.create({ ownerId: 'ver' });
      await rows(h).delete({ id: gone.apiKey.id });
      expect((await api.post('/verify', { key: gone.key })).body).toMatchObject({ valid: false, code: 'NOT_FOUND' });

      await api.post(`/keys/${created.apiKey.id}/revoke`).expect(200);
      const revoked = await api.post('/verify', { key: created.key });
      expect(revoked.status).toBe(200);
      expect(revoked.body).toMatchObject({ valid: false, code: 'REVOKED' });
    });

    it('validates its body', async () => {
      expectValidationError(await api.post('/verify', {}), 'key');
      expectValidationError(await api.post('/verify', { key: 'sk_x', bogus: 1 }), 'bogus');
      expectValidationError(await api.post('/verify', { key: 'sk_x', permissions: 'billing:read' }), 'permissions');
      expectValidationError(await api.post('/verify', { key: 'sk_x', cost: -1 }), 'cost');
    });
  });

  describe('validation', () => {
    it('an unknown body field answers 400 with the full error body', async () => {
      const before = await rows(h).count();
      const res = await api.post('/keys', { ownerId: 'val', colour: 'red' });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        code: 'VALIDATION_FAILED',
        message: expect.any(String),
        errors: [{ field: 'colour', messages: [expect.any(String)] }],
      });
      expect(await rows(h).count()).toBe(before);
    });

    it('name: 200 characters pass, 201 fail', async () => {
      expect((await api.post('/keys', { ownerId: 'val', name: 'n'.repeat(200) })).status).toBe(201);
      expectValidationError(await api.post('/keys', { ownerId: 'val', name: 'n'.repeat(201) }), 'name');
    });

    it('permissions: 100 pass, 101 fail', async () => {
      const many = (n: number) => Array.from({ length: n }, (_, i) => `perm${i}:read`);
      const ok = await api.post('/keys', { ownerId: 'val', permissions: many(100) });
      expect(ok.status).toBe(201);
      expect(ok.body.apiKey.permissions).toHaveLength(100);
      expectValidationError(await api.post('/keys', { ownerId: 'val', permissions: many(101) }), 'permissions');
    });

    it.each([['billing read'], ['billing:'], ['bill*'], ['*:read'], [':read'], ['a::b'], ['x'.repeat(201)]])(
      'a bad permission name %p answers 400',
      async (name) => {
        expectValidationError(await api.post('/keys', { ownerId: 'val', permissions: [name] }), 'permissions');
      },
    );

    it.each(['tomorrow', '2031-02-30T00:00:00Z', '2031-01-01T25:00:00Z', '12/31/2031', ''])(
      'a bad ISO date %p answers 400',
      async (date) => {
        expectValidationError(await api.post('/keys', { ownerId: 'val', expiresAt: date }), 'expiresAt');
        expectValidationError(await api.post('/keys/revoke', { createdBefore: date }), 'createdBefore');
      },
    );

    it('other bad create bodies answer 400', async () => {
      expectValidationError(await api.post('/keys', { ownerId: 'val', allowedIps: ['not-an-ip'] }), 'allowedIps');
      expectValidationError(await api.post('/keys', { ownerId: 'val', maxIdleMs: 0 }), 'maxIdleMs');
      expectValidationError(await api.post('/keys', { ownerId: 'val', namespace: 'has space' }), 'namespace');
      expectValidationError(await api.post('/keys', { ownerId: 'val', meta: 'x' }), 'meta');
      expectValidationError(await api.post('/keys', { ownerId: 'o'.repeat(192) }), 'ownerId');
      expectValidationError(await api.post('/keys', { ownerId: 'val', remaining: -1 }), 'remaining');
      expectValidationError(await api.post('/keys', { ownerId: 'val', remaining: 1.5 }), 'remaining');
      expectValidationError(await api.post('/keys', { ownerId: 'val', refill: { amount: 0, interval: 'daily' } }), 'refill.amount');
      expectValidationError(await api.post('/keys', { ownerId: 'val', refill: { amount: 5, interval: 'yearly' } }), 'refill.interval');
      expectValidationError(
        await api.post('/keys', { ownerId: 'val', rateLimits: [{ name: 'x', limit: 0, windowMs: 1000 }] }),
        'rateLimits.0.limit',
      );
      expectValidationError(
        await api.post('/keys', { ownerId: 'val', rateLimits: [{ name: 'x', limit: 5, windowMs: 1000, extra: 1 }] }),
        'rateLimits.0.extra',
      );
    });

    it.each(NOT_UUIDS)('a non-UUID id %p answers 404 on every per-key route', async (id) => {
      expectNotFound(await api.get(`/keys/${id}`));
      expectNotFound(await api.patch(`/keys/${id}`, { name: 'x' }));
      expectNotFound(await api.post(`/keys/${id}/rotate`, {}));
      expectNotFound(await api.post(`/keys/${id}/revoke`));
    });

    it('an unknown UUID answers 404 NOT_FOUND on every per-key route', async () => {
      const count = await rows(h).count();
      expectNotFound(await api.get(`/keys/${UNKNOWN_ID}`));
      expectNotFound(await api.patch(`/keys/${UNKNOWN_ID}`, { name: 'x' }));
      expectNotFound(await api.post(`/keys/${UNKNOWN_ID}/rotate`, {}));
      expectNotFound(await api.post(`/keys/${UNKNOWN_ID}/revoke`));
      expect(await rows(h).count()).toBe(count);
    });
  });

  describe('auth', () => {
    it('no key → 401 MISSING', async () => {
      for (const res of [
        await api.get('/keys', null),
        await api.post('/keys', { ownerId: 'x' }, null),
        await api.post('/verify', { key: 'sk_x' }, null),
      ]) {
        expect(res.status).toBe(401);
        expect(res.headers['www-authenticate']).toBe('ApiKey');
        expect(res.body).toEqual({ statusCode: 401, error: 'Unauthorized', code: 'MISSING', message: expect.any(String) });
      }
    });

    it("a key holding only '*' → 403 INSUFFICIENT_PERMISSIONS ('*' is not root)", async () => {
      const { key } = await h.t.apiKeys.create({ ownerId: 'ops', permissions: ['*'] });
      const before = await rows(h).count();
      for (const res of [
        await api.get('/keys', key),
        await api.post('/keys', { ownerId: 'x' }, key),
        await api.post('/verify', { key }, key),
      ]) {
        expect(res.status).toBe(403);
        expect(res.body).toEqual({ statusCode: 403, error: 'Forbidden', code: 'INSUFFICIENT_PERMISSIONS', message: expect.any(String) });
      }
      expect(await rows(h).count()).toBe(before);
    });

    it("a key holding 'api_keys:*' works; 'api_keys:read' does not", async () => {
      const { key } = await h.t.apiKeys.create({ ownerId: 'ops', permissions: ['api_keys:*'] });
      expect((await api.get('/keys?limit=1', key)).status).toBe(200);
      expect((await api.post('/keys', { ownerId: 'star' }, key)).status).toBe(201);
      const { key: reader } = await h.t.apiKeys.create({ ownerId: 'ops', permissions: ['api_keys:read'] });
      expect((await api.get('/keys', reader)).status).toBe(403);
    });

    it('a revoked, disabled or unknown root key → 401', async () => {
      const revoked = await h.t.apiKeys.create({ ownerId: 'ops', permissions: ['api_keys:admin'] });
      expect((await api.get('/keys?limit=1', revoked.key)).status).toBe(200);
      await api.post(`/keys/${revoked.apiKey.id}/revoke`).expect(200);
      const res = await api.get('/keys', revoked.key);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ code: 'REVOKED' });

      const disabled = await h.t.apiKeys.create({ ownerId: 'ops', permissions: ['api_keys:admin'], enabled: false });
      expect((await api.get('/keys', disabled.key)).body).toMatchObject({ statusCode: 401, code: 'DISABLED' });
      expect((await api.get('/keys', 'sk_garbage')).body).toMatchObject({ statusCode: 401, code: 'MALFORMED' });
    });
  });
});

describe('Admin bulk revoke (POST /keys/revoke) on express', () => {
  let h: Harness;
  let api: ReturnType<typeof adminApi>;
  beforeEach(async () => {
    h = await startAdminApp('express');
    api = adminApi(h);
  });
  afterEach(() => h.t.close());

  async function isRevoked(id: string): Promise<boolean> {
    return (await rows(h).findOneByOrFail({ id })).revokedAt !== null;
  }

  it('needs a filter', async () => {
    const { apiKey } = await h.t.apiKeys.create({ ownerId: 'x' });
    expectValidationError(await api.post('/keys/revoke', {}), 'filter');
    expectValidationError(await api.post('/keys/revoke', { everything: true }), 'everything');
    expect(await isRevoked(apiKey.id)).toBe(false);
  });

  it('revokes by ownerId and never the calling root key of that owner', async () => {
    const callerKey = await h.t.apiKeys.create({ ownerId: 'bulk-ops', permissions: ['api_keys:admin'] });
    const mine = [];
    for (let i = 0; i < 3; i++) mine.push((await h.t.apiKeys.create({ ownerId: 'bulk-ops' })).apiKey.id);
    const otherRoot = (await h.t.apiKeys.create({ ownerId: 'bulk-ops', permissions: ['api_keys:admin'] })).apiKey.id;
    const alreadyRevoked = (await h.t.apiKeys.create({ ownerId: 'bulk-ops' })).apiKey.id;
    await h.t.apiKeys.revoke(alreadyRevoked);
    const bystander = (await h.t.apiKeys.create({ ownerId: 'bystander' })).apiKey.id;

    const res = await api.post('/keys/revoke', { ownerId: 'bulk-ops' }, callerKey.key);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ revoked: 4 });
    for (const id of [...mine, otherRoot]) expect(await isRevoked(id)).toBe(true);
    expect(await isRevoked(callerKey.apiKey.id)).toBe(false);
    expect(await isRevoked(bystander)).toBe(false);
    expect((await rows(h).findOneByOrFail({ ownerId: 'ops' })).revokedAt).toBeNull();
    // The caller still works.
    expect((await api.get('/keys?limit=1', callerKey.key)).status).toBe(200);
    expect(await api.post('/keys/revoke', { ownerId: 'bulk-ops' }, callerKey.key).then((r) => r.body)).toEqual({ revoked: 0 });
  });

  it('revokes by namespace', async () => {
    const inNs = [
      (await h.t.apiKeys.create({ ownerId: 'a', namespace: 'ns-x' })).apiKey.id,
      (await h.t.apiKeys.create({ ownerId: 'b', namespace: 'ns-x' })).apiKey.id,
    ];
    const outside = (await h.t.apiKeys.create({ ownerId: 'a', namespace: 'ns-y' })).apiKey.id;
    const res = await api.post('/keys/revoke', { namespace: 'ns-x' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ revoked: 2 });
    for (const id of inNs) expect(await isRevoked(id)).toBe(true);
    expect(await isRevoked(outside)).toBe(false);
  });

  it('revokes by createdBefore (strictly before), never the caller, and combines filters', async () => {
    const old = [(await h.t.apiKeys.create({ ownerId: 'a' })).apiKey.id, (await h.t.apiKeys.create({ ownerId: 'b' })).apiKey.id];
    h.clock.advance(1000);
    const cut = h.clock.now();
    const atCut = (await h.t.apiKeys.create({ ownerId: 'a' })).apiKey.id;
    h.clock.advance(1000);
    const newer = (await h.t.apiKeys.create({ ownerId: 'a' })).apiKey.id;

    const combined = await api.post('/keys/revoke', { ownerId: 'b', createdBefore: new Date(cut).toISOString() });
    expect(combined.body).toEqual({ revoked: 1 });
    expect(await isRevoked(old[1])).toBe(true);
    expect(await isRevoked(old[0])).toBe(false);

    // The root key was created at T0, before the cut: it is the caller, so it survives.
    const res = await api.post('/keys/revoke', { createdBefore: new Date(cut).toISOString() });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ revoked: 1 });
    expect(await isRevoked(old[0])).toBe(true);
    expect(await isRevoked(atCut)).toBe(false);
    expect(await isRevoked(newer)).toBe(false);
    expect((await rows(h).findOneByOrFail({ ownerId: 'ops' })).revokedAt).toBeNull();
    expect((await api.get('/keys?limit=1')).status).toBe(200);
  });
});

describe('Admin keys API smoke on fastify', () => {
  let h: Harness;
  let api: ReturnType<typeof adminApi>;
  beforeAll(async () => {
    h = await startAdminApp('fastify');
    api = adminApi(h);
  });
  afterAll(() => h.t.close());

  it('create, get, list, patch, rotate, revoke, verify', async () => {
    const created = await api.post('/keys', { ownerId: 'fast', name: 'f', permissions: ['billing:read'] });
    expect(created.status).toBe(201);
    expect(created.body.apiKey.createdAt).toMatch(ISO);
    expect(created.body.apiKey).not.toHaveProperty('hash');
    const id = created.body.apiKey.id;

    const got = await api.get(`/keys/${id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(created.body.apiKey);

    const list = await api.get('/keys?ownerId=fast&limit=1');
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ items: [created.body.apiKey], nextCursor: null });

    const patched = await api.patch(`/keys/${id}`, { name: null, enabled: false });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: null, enabled: false });
    expect((await api.post('/verify', { key: created.body.key })).body).toMatchObject({ valid: false, code: 'DISABLED' });
    await api.patch(`/keys/${id}`, { enabled: true }).expect(200);

    const verified = await api.post('/verify', { key: created.body.key, permissions: ['billing:read'] });
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ valid: true, code: 'VALID' });

    const rotated = await request(h.t.server).post(`/api-keys/keys/${id}/rotate`).set('x-api-key', h.root);
    expect(rotated.status).toBe(201);
    expect(rotated.body.apiKey.rotatedFromId).toBe(id);
    const again = await api.post(`/keys/${id}/rotate`, {});
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('KEY_NOT_ROTATABLE');

    const successor = rotated.body.apiKey.id;
    const revoked = await api.post(`/keys/${successor}/revoke`);
    expect(revoked.status).toBe(200);
    h.clock.advance(1000);
    expect((await api.post(`/keys/${successor}/revoke`)).body.revokedAt).toBe(revoked.body.revokedAt);
    expect((await api.post('/verify', { key: rotated.body.key })).body.code).toBe('REVOKED');
  });

  it('errors: validation, 404, 401, 403 and bulk revoke', async () => {
    expectValidationError(await api.post('/keys', { ownerId: 'fast', colour: 'red' }), 'colour');
    expectValidationError(await api.get('/keys?limit=0'), 'limit');
    expectValidationError(await api.get('/keys?cursor=garbage'), 'cursor');
    expectNotFound(await api.get('/keys/not-a-uuid'));
    expectNotFound(await api.post(`/keys/${UNKNOWN_ID}/revoke`));
    const missing = await api.get('/keys', null);
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('ApiKey');
    expect(missing.body.code).toBe('MISSING');
    const { key: star } = await h.t.apiKeys.create({ ownerId: 'ops', permissions: ['*'] });
    expect((await api.get('/keys', star)).body).toMatchObject({ statusCode: 403, code: 'INSUFFICIENT_PERMISSIONS' });

    expectValidationError(await api.post('/keys/revoke', {}), 'filter');
    await h.t.apiKeys.create({ ownerId: 'ops' });
    expect((await api.post('/keys/revoke', { ownerId: 'ops' })).body).toEqual({ revoked: 2 }); // the '*' key and one more
    expect((await api.get('/keys?limit=1')).status).toBe(200); // the caller survived
  });
});
