import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import request from 'supertest';
import { ApiKeyEntity, VERIFY_MESSAGES, type AdminActor } from '../lib/index.js';
import { QuotaController } from './fixtures/quota.controller.js';
import { lane } from './utils/databases.js';
import { PLATFORMS, createTestApp, type Platform, type TestApp } from './utils/test-app.js';
import { expectValidationError } from './utils/http-expectations.js';
import { SqlRecorder } from './utils/sql-recorder.js';

// Credits through HTTP (SPEC §6, §7, §9, §11): exactness under concurrent requests on Express
// and Fastify, per-route cost, the 429 mapping, and the credit fields of the admin API.

const HOUR = 3_600_000;
/** A Monday, mid-afternoon UTC; its daily period ends 9 hours later. */
const T0 = Date.UTC(2031, 0, 6, 15, 0, 0);
const TODAY = Date.UTC(2031, 0, 6);
const iso = (ms: number) => new Date(ms).toISOString();
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

const USAGE_EXCEEDED_BODY = {
  statusCode: 429,
  error: 'Too Many Requests',
  code: 'USAGE_EXCEEDED',
  message: VERIFY_MESSAGES.USAGE_EXCEEDED,
};

function countStatuses(responses: request.Response[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const res of responses) counts[res.status] = (counts[res.status] ?? 0) + 1;
  return counts;
}

describe.each(PLATFORMS)(`credits over HTTP on %s (${lane})`, (platform: Platform) => {
  let t: TestApp;
  let now = T0;
  let root: string;
  const recorder = new SqlRecorder();

  beforeAll(async () => {
    t = await createTestApp({
      platform,
      controllers: [QuotaController],
      options: { storeTimeoutMs: 60_000, failedAttempts: false, clock: { now: () => now } },
      structural: { admin: { path: 'api-keys' } },
      typeorm: { logger: recorder, logging: true },
    });
    await t.app.listen(0, '127.0.0.1');
    root = (await t.apiKeys.create({ ownerId: 'ops', name: 'root', permissions: ['api_keys:admin'] })).key;
  });
  afterAll(() => t.close());
  beforeEach(() => {
    now = T0;
  });

  const get = (path: string, key: string) => request(t.server).get(path).set('x-api-key', key);
  const admin = {
    get: (path: string) => request(t.server).get(`/api-keys${path}`).set('x-api-key', root),
    post: (path: string, body: object) => request(t.server).post(`/api-keys${path}`).set('x-api-key', root).send(body),
    patch: (path: string, body: object) => request(t.server).patch(`/api-keys${path}`).set('x-api-key', root).send(body),
  };
  const row = (id: string) => t.dataSource.getRepository(ApiKeyEntity).findOneByOrFail({ id });
  const burst = (n: number, path: string, key: string) => Promise.all(range(n).map(() => get(path, key)));

  describe('200 concurrent requests on remaining = 50', () => {
    it.each([
      ['without a refill: no Retry-After', undefined, undefined],
      ['with a daily refill: Retry-After until 00:00 UTC', { amount: 50, interval: 'daily' as const }, String(9 * 3600)],
    ])('%s', async (_title, refill, retryAfter) => {
      const { key, apiKey } = await t.apiKeys.create({ ownerId: 'http-burst', remaining: 50, refill });
      const responses = await burst(200, '/quota/one', key);
      expect(countStatuses(responses)).toEqual({ 200: 50, 429: 150 });
      for (const res of responses) {
        if (res.status === 200) {
          expect(res.body).toEqual({ ok: true });
          expect(res.headers['retry-after']).toBeUndefined();
        } else {
          expect(res.body).toEqual(USAGE_EXCEEDED_BODY);
          expect(res.headers['retry-after']).toBe(retryAfter);
          expect(res.headers['www-authenticate']).toBeUndefined();
        }
      }
      expect((await row(apiKey.id)).remaining).toBe(0);
    });
  });

  it('@ApiKeyVerification: 100 concurrent requests each report a distinct post-call balance', async () => {
    const { key, apiKey } = await t.apiKeys.create({ ownerId: 'http-distinct', remaining: 100 });
    const responses = await burst(100, '/quota/verification', key);
    expect(countStatuses(responses)).toEqual({ 200: 100 });
    for (const res of responses) expect(res.body).toMatchObject({ valid: true, code: 'VALID', key: { id: apiKey.id } });
    expect(responses.map((res) => res.body.remaining as number).sort((a, b) => a - b)).toEqual(range(100));
    expect((await row(apiKey.id)).remaining).toBe(0);
  });

  it('@ApiKeyCost(7) spends 7; the default and @ApiKeyCost(1) spend 1', async () => {
    const { key, apiKey } = await t.apiKeys.create({ ownerId: 'http-cost', remaining: 22 });
    await get('/quota/seven', key).expect(200);
    expect((await row(apiKey.id)).remaining).toBe(15);
    await get('/quota/default', key).expect(200);
    await get('/quota/one', key).expect(200);
    expect((await row(apiKey.id)).remaining).toBe(13);
    await get('/quota/seven', key).expect(200);
    const denied = await get('/quota/seven', key);
    expect({ status: denied.status, body: denied.body }).toEqual({ status: 429, body: USAGE_EXCEEDED_BODY });
    expect((await row(apiKey.id)).remaining).toBe(6); // nothing taken by the denied call
  });

  it('@ApiKeyCost(7) under 30 concurrent requests on remaining = 100: exactly 14 pass, 2 left', async () => {
    const { key, apiKey } = await t.apiKeys.create({ ownerId: 'http-cost-burst', remaining: 100 });
    const responses = await burst(30, '/quota/seven', key);
    expect(countStatuses(responses)).toEqual({ 200: 14, 429: 16 });
    expect((await row(apiKey.id)).remaining).toBe(2);
  });

  it('@ApiKeyCost(0) passes at zero and writes nothing', async () => {
    const { key, apiKey } = await t.apiKeys.create({ ownerId: 'http-free', remaining: 0, refill: { amount: 5, interval: 'monthly' } });
    const before = await row(apiKey.id);
    recorder.statements = [];
    const responses = await burst(20, '/quota/free', key);
    expect(countStatuses(responses)).toEqual({ 200: 20 });
    expect(recorder.creditWrites()).toEqual([]);
    expect(await row(apiKey.id)).toMatchObject({ remaining: 0, updatedAt: before.updatedAt, lastRefillAt: before.lastRefillAt });

    // The recorder does see a spend: a cost-1 call issues one (and is refused at zero).
    const denied = await get('/quota/one', key);
    expect(denied.status).toBe(429);
    expect(denied.headers['retry-after']).toBe(String((Date.UTC(2031, 1, 1) - T0) / 1000));
    expect(recorder.creditWrites().length).toBeGreaterThan(0);
    expect((await row(apiKey.id)).remaining).toBe(0);
  });

  it('only an otherwise valid call consumes: 403 and 401 spend nothing', async () => {
    const reader = await t.apiKeys.create({ ownerId: 'http-valid-only', remaining: 20, permissions: ['billing:read'] });
    const forbidden = await burst(10, '/quota/billing', reader.key);
    expect(countStatuses(forbidden)).toEqual({ 403: 10 });
    expect(forbidden[0].body).toMatchObject({ statusCode: 403, code: 'INSUFFICIENT_PERMISSIONS' });
    expect((await row(reader.apiKey.id)).remaining).toBe(20);

    const writer = await t.apiKeys.create({ ownerId: 'http-valid-only', remaining: 20, permissions: ['billing:write'] });
    await get('/quota/billing', writer.key).expect(200);
    expect((await row(writer.apiKey.id)).remaining).toBe(13);

    await t.apiKeys.revoke(writer.apiKey.id);
    const revoked = await burst(10, '/quota/seven', writer.key);
    expect(countStatuses(revoked)).toEqual({ 401: 10 });
    expect(revoked[0].body).toMatchObject({ statusCode: 401, code: 'REVOKED' });
    expect((await row(writer.apiKey.id)).remaining).toBe(13);
  });

  describe('admin API (root key)', () => {
    it('POST /keys with remaining, refill and rateLimits; GET shows them', async () => {
      const rateLimits = [
        { name: 'burst', limit: 10, windowMs: 1000 },
        { name: 'daily', limit: 1000, windowMs: 24 * HOUR, mode: 'report' },
      ];
      const created = await admin.post('/keys', { ownerId: 'plan', remaining: 40, refill: { amount: 40, interval: 'daily' }, rateLimits });
      expect(created.status).toBe(201);
      const expected = { remaining: 40, refill: { amount: 40, interval: 'daily', lastRefillAt: iso(TODAY) }, rateLimits };
      expect(created.body.apiKey).toMatchObject(expected);
      const shown = await admin.get(`/keys/${created.body.apiKey.id}`).expect(200);
      expect(shown.body).toMatchObject(expected);
      expect(await row(created.body.apiKey.id)).toMatchObject({
        remaining: 40,
        refillAmount: 40,
        refillInterval: 'daily',
        lastRefillAt: TODAY,
      });
    });

    it('POST /verify with cost spends and reports remaining; a bad cost is 400 and spends nothing', async () => {
      const { key, apiKey } = await t.apiKeys.create({ ownerId: 'admin-verify', remaining: 10 });
      const spent = await admin.post('/verify', { key, cost: 3 }).expect(200);
      expect(spent.body).toMatchObject({ valid: true, code: 'VALID', remaining: 7, key: { id: apiKey.id } });
      const free = await admin.post('/verify', { key, cost: 0 }).expect(200);
      expect(free.body).toMatchObject({ valid: true, code: 'VALID', remaining: 7 });
      const over = await admin.post('/verify', { key, cost: 8 }).expect(200);
      expect(over.body).toMatchObject({ valid: false, code: 'USAGE_EXCEEDED' });
      for (const cost of [-1, 1.5, '2', 2 ** 53]) {
        const res = await admin.post('/verify', { key, cost });
        expectValidationError(res, 'cost');
      }
      expect((await row(apiKey.id)).remaining).toBe(7);
      const shown = await admin.get(`/keys/${apiKey.id}`).expect(200);
      expect(shown.body.remaining).toBe(7);
    });

    it('PATCH: refill null keeps remaining; remaining null makes the key unlimited and clears refill', async () => {
      const created = await admin
        .post('/keys', { ownerId: 'patch', remaining: 30, refill: { amount: 30, interval: 'weekly' } })
        .expect(201);
      const id = created.body.apiKey.id;

      const noRefill = await admin.patch(`/keys/${id}`, { refill: null }).expect(200);
      expect(noRefill.body).toMatchObject({ remaining: 30, refill: null });
      expect(await row(id)).toMatchObject({ remaining: 30, refillAmount: null, refillInterval: null, lastRefillAt: null });

      const hourly = await admin.patch(`/keys/${id}`, { refill: { amount: 12, interval: 'hourly' } }).expect(200);
      expect(hourly.body).toMatchObject({ remaining: 30, refill: { amount: 12, interval: 'hourly', lastRefillAt: iso(T0) } });

      const unlimited = await admin.patch(`/keys/${id}`, { remaining: null }).expect(200);
      expect(unlimited.body).toMatchObject({ remaining: null, refill: null });
      expect(await row(id)).toMatchObject({ remaining: null, refillAmount: null, refillInterval: null, lastRefillAt: null });
      const verified = await t.apiKeys.verify(created.body.key, { cost: 1000 });
      expect(verified.code).toBe('VALID');
      expect(verified).not.toHaveProperty('remaining');
    });

    it('PATCH refill without remaining on an unlimited key is 400 and changes nothing', async () => {
      const created = await admin.post('/keys', { ownerId: 'patch-unlimited' }).expect(201);
      const id = created.body.apiKey.id;
      expect(created.body.apiKey).toMatchObject({ remaining: null, refill: null });
      const before = await row(id);

      expectValidationError(await admin.patch(`/keys/${id}`, { refill: { amount: 10, interval: 'daily' } }), 'refill');
      expect(await row(id)).toMatchObject({
        remaining: null,
        refillAmount: null,
        refillInterval: null,
        lastRefillAt: null,
        updatedAt: before.updatedAt,
      });

      // With remaining in the same patch it is accepted.
      const both = await admin.patch(`/keys/${id}`, { remaining: 4, refill: { amount: 10, interval: 'daily' } }).expect(200);
      expect(both.body).toMatchObject({ remaining: 4, refill: { amount: 10, interval: 'daily', lastRefillAt: iso(TODAY) } });
      const balance = await admin.patch(`/keys/${id}`, { remaining: 2 }).expect(200);
      expect(balance.body).toMatchObject({ remaining: 2, refill: { amount: 10, interval: 'daily' } });
    });
  });
});

/** The host's admin guard: `x-user: <owner>` is an owner-scoped actor, `x-user: root` a root one. */
@Injectable()
class OwnerHeaderGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest();
    const user = req.headers['x-user'];
    if (typeof user !== 'string' || user === '') return false;
    req.user = user === 'root' ? { id: 'root-admin' } : { id: `${user}-user`, tenant: user };
    return true;
  }
}

describe(`credits in owner-scoped admin requests (${lane})`, () => {
  let t: TestApp;
  const plan = {
    remaining: 25,
    refill: { amount: 25, interval: 'monthly' as const },
    rateLimits: [{ name: 'plan', limit: 50, windowMs: 60_000 }],
  };

  beforeAll(async () => {
    t = await createTestApp({
      controllers: [QuotaController],
      options: {
        failedAttempts: false,
        clock: { now: () => T0 },
        adminPolicy: {
          resolveActor: (req: { user: { id: string; tenant?: string } }): AdminActor =>
            req.user.tenant ? { actorId: req.user.id, ownerId: req.user.tenant } : { actorId: req.user.id, admin: true },
          defaultsFor: () => plan,
        },
      },
      structural: { admin: { path: 'api-keys', guards: [OwnerHeaderGuard] } },
    });
  });
  afterAll(() => t.close());

  const as = (user: string) => ({
    post: (path: string, body: object) => request(t.server).post(`/api-keys${path}`).set('x-user', user).send(body),
    patch: (path: string, body: object) => request(t.server).patch(`/api-keys${path}`).set('x-user', user).send(body),
  });
  const row = (id: string) => t.dataSource.getRepository(ApiKeyEntity).findOneByOrFail({ id });

  it('adminPolicy.defaultsFor gives the new key its remaining, refill and rateLimits', async () => {
    const created = await as('acme').post('/keys', { name: 'portal' }).expect(201);
    expect(created.body.apiKey).toMatchObject({
      ownerId: 'acme',
      remaining: 25,
      refill: { amount: 25, interval: 'monthly', lastRefillAt: iso(Date.UTC(2031, 0, 1)) },
      rateLimits: plan.rateLimits,
    });
    const id = created.body.apiKey.id;
    expect(await row(id)).toMatchObject({ remaining: 25, refillAmount: 25, refillInterval: 'monthly', rateLimits: plan.rateLimits });
    const res = await request(t.server).get('/quota/verification').set('x-api-key', created.body.key).expect(200);
    expect(res.body).toMatchObject({ code: 'VALID', remaining: 24, rateLimit: { name: 'plan', limit: 50, remaining: 49 } });
  });

  it.each([
    ['remaining', { remaining: 1000 }],
    ['refill', { refill: { amount: 1000, interval: 'hourly' } }],
    ['rateLimits', { rateLimits: [] }],
  ])('an owner-scoped actor sending %s is 400, on create and on update', async (field, body) => {
    expectValidationError(await as('acme').post('/keys', { name: 'greedy', ...body }), field);
    const { apiKey } = await t.apiKeys.create({ ownerId: 'acme', remaining: 3 });
    expectValidationError(await as('acme').patch(`/keys/${apiKey.id}`, body), field);
    expect(await row(apiKey.id)).toMatchObject({ remaining: 3, refillAmount: null, rateLimits: null });
    // A root actor behind the same guards may set it.
    await as('root').patch(`/keys/${apiKey.id}`, { remaining: 9 }).expect(200);
    expect((await row(apiKey.id)).remaining).toBe(9);
  });
});
