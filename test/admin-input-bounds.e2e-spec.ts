import { Injectable, ValidationPipe, type CanActivate } from '@nestjs/common';
import { APP_PIPE } from '@nestjs/core';
import request from 'supertest';
import { KeyFormat } from '../lib/keys/key-format.js';
import { lane } from './utils/databases.js';
import { expectValidationError } from './utils/http-expectations.js';
import { hangKeyLookups } from './utils/store-faults.js';
import { PLATFORMS, createTestApp, type Platform, type TestApp } from './utils/test-app.js';

/** `depth` levels of `{ a: … }` around `leaf`. */
const nestedObject = (depth: number, leaf: unknown = 1): unknown => {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
};
/** `depth` nested arrays as JSON text (built as text: JSON.stringify itself recurses). */
const nestedArraysJson = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

/** Body shapes a client might send that no admin route may answer with a 500. */
const HOSTILE_BODIES: unknown[] = [
  [],
  [{ ownerId: 'acme' }],
  'acme',
  42,
  true,
  { ownerId: {} },
  { ownerId: ['acme'] },
  { ownerId: 'acme', permissions: 'billing:read' },
  { ownerId: 'acme', permissions: [{}] },
  { ownerId: 'acme', permissions: Array.from({ length: 5_000 }, (_, i) => `p:${i}`) },
  { ownerId: 'acme', roles: [null] },
  { ownerId: 'acme', name: 'x'.repeat(50_000) },
  { ownerId: 'acme', meta: [] },
  { ownerId: 'acme', meta: 'x' },
  { ownerId: 'acme', meta: { ['__proto__']: { admin: true } } },
  JSON.parse('{"ownerId":"acme","__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}'),
  { ownerId: 'acme', rateLimits: [null] },
  { ownerId: 'acme', rateLimits: [{ name: 'x', limit: 'many', windowMs: -1 }] },
  { ownerId: 'acme', refill: 'monthly' },
  { ownerId: 'acme', refill: { amount: 1e300, interval: 'yearly' } },
  { ownerId: 'acme', remaining: -1 },
  { ownerId: 'acme', remaining: 1.5 },
  { ownerId: 'acme', remaining: '10' },
  { ownerId: 'acme', expiresAt: { $gt: 0 } },
  { ownerId: 'acme', expiresAt: '2030-13-45T99:99:99Z' },
  { ownerId: 'acme', allowedIps: ['999.1.1.1/99'] },
  { ownerId: 'acme', enabled: 'yes' },
  { key: ['sk_x'] },
  { key: 'sk_x', cost: -5 },
  { key: 'sk_x', cost: 1e20 },
  { gracePeriodMs: 'forever' },
  { ownerId: null, namespace: null, createdBefore: null },
];

@Injectable()
class SessionGuard implements CanActivate {
  canActivate(): boolean {
    return true;
  }
}

describe.each(PLATFORMS)(`admin API input bounds on ${lane} (%s)`, (platform: Platform) => {
  let t: TestApp;
  let root: string;
  let keyId: string;
  const admin = () => ({
    post: (path: string) => request(t.server).post(`/api-keys${path}`).set('x-api-key', root),
    patch: (path: string) => request(t.server).patch(`/api-keys${path}`).set('x-api-key', root),
  });

  beforeAll(async () => {
    // Shapes, not deadlines: a loaded machine may hold a bulk revoke past the default 1 s (a 503).
    t = await createTestApp({
      platform,
      options: { failedAttempts: false, storeTimeoutMs: 10_000 },
      structural: { admin: { path: 'api-keys' } },
    });
    root = (await t.apiKeys.create({ ownerId: 'ops', permissions: ['api_keys:admin'] })).key;
    keyId = (await t.apiKeys.create({ ownerId: 'acme', meta: { plan: 'free' } })).apiKey.id;
  });
  afterAll(() => t.close());

  describe('nesting (SPEC §9: bodies 16 levels, meta 8)', () => {
    it('meta 3,000 levels deep answers 400 on create and PATCH, never 500, and changes nothing', async () => {
      const deep = { ownerId: 'acme', meta: nestedObject(3_000) };
      expectValidationError(await admin().post('/keys').send(deep), 'meta');
      expectValidationError(
        await admin()
          .patch(`/keys/${keyId}`)
          .send({ meta: nestedObject(3_000) }),
        'meta',
      );
      expect((await t.apiKeys.get(keyId))!.meta).toEqual({ plan: 'free' });
    });

    it('30,000 nested arrays answer 400 on every write route', async () => {
      const body = `{"ownerId":"acme","permissions":${nestedArraysJson(30_000)}}`;
      for (const path of ['/keys', `/keys/${keyId}/rotate`, '/keys/revoke', '/verify']) {
        const res = await admin().post(path).set('content-type', 'application/json').send(body);
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('VALIDATION_FAILED');
      }
    });

    it('meta of exactly 8 levels is kept; 9 is refused; a body of 17 levels is refused', async () => {
      // meta is itself a level: { a: 'leaf' } is 1 deep.
      const created = await admin()
        .post('/keys')
        .send({ ownerId: 'acme', meta: nestedObject(8, 'leaf') })
        .expect(201);
      expect(created.body.apiKey.meta).toEqual(nestedObject(8, 'leaf'));
      expectValidationError(
        await admin()
          .post('/keys')
          .send({ ownerId: 'acme', meta: nestedObject(9, 'leaf') }),
        'meta',
      );
      expectValidationError(
        await admin()
          .post('/keys')
          .send({ ownerId: 'acme', rateLimits: [nestedObject(16)] }),
        'body',
      );
    });
  });

  it('no body shape reaches a 500 on any admin write route', async () => {
    const routes = ['/keys', `/keys/${keyId}/rotate`, '/keys/revoke', '/verify', `/keys/${keyId}/revoke`];
    for (const body of HOSTILE_BODIES) {
      for (const path of routes) {
        const res = await admin().post(path).set('content-type', 'application/json').send(JSON.stringify(body));
        expect({ path, body, status: res.status < 500 }).toEqual({ path, body, status: true });
        // The platform's JSON parser answers 400 itself for what it refuses (a bare string under
        // Express's strict parser, `__proto__` keys under Fastify's): never a 500 either.
        if (res.status >= 400 && res.body.code === undefined)
          expect({ path, body, status: res.status }).toEqual({ path, body, status: 400 });
      }
      const patch = await admin().patch(`/keys/${keyId}`).set('content-type', 'application/json').send(JSON.stringify(body));
      expect({ body, status: patch.status < 500 }).toEqual({ body, status: true });
    }
    expect(({} as Record<string, unknown>).admin).toBeUndefined(); // no prototype was polluted
  });

  it('hostile query strings on GET /keys answer 400, never 500', async () => {
    const queries = [
      'ownerId[]=a&ownerId[]=b',
      'ownerId[x]=1',
      'limit=abc',
      'limit=0',
      'limit=101',
      'limit=1e3',
      'cursor=%00%ff',
      'cursor=' + 'A'.repeat(5_000),
      'status=gone',
      'status[]=active',
      'namespace=' + 'n'.repeat(300),
    ];
    for (const query of queries) {
      const res = await request(t.server).get(`/api-keys/keys?${query}`).set('x-api-key', root);
      expect({ query, status: res.status, code: res.body.code }).toEqual({ query, status: 400, code: 'VALIDATION_FAILED' });
    }
  });

  it('bulk revoke with only null filters answers 400 and revokes nothing', async () => {
    const before = (await t.apiKeys.list({ limit: 100 })).items.filter((k) => k.status === 'active').length;
    for (const body of [
      { ownerId: null },
      { namespace: null },
      { createdBefore: null },
      { ownerId: null, namespace: null, createdBefore: null },
      {},
    ]) {
      expectValidationError(await admin().post('/keys/revoke').send(body), 'filter');
    }
    await expect(t.apiKeys.revokeMany({ ownerId: null, namespace: null } as never)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((await t.apiKeys.list({ limit: 100 })).items.filter((k) => k.status === 'active').length).toBe(before);
  });
});

describe.each(PLATFORMS)(`admin API input bounds in a host with a global ValidationPipe on ${lane} (%s)`, (platform: Platform) => {
  // The usual Nest setup: the host's global pipe runs before the admin controllers' own pipe,
  // and class-transformer in it used to overflow the stack on deep input (a 500).
  let t: TestApp;
  let root: string;
  let keyId: string;
  beforeAll(async () => {
    t = await createTestApp({
      platform,
      options: { failedAttempts: false },
      structural: { admin: { path: 'api-keys' } },
      providers: [{ provide: APP_PIPE, useValue: new ValidationPipe({ transform: true }) }],
    });
    root = (await t.apiKeys.create({ ownerId: 'ops', permissions: ['api_keys:admin'] })).key;
    keyId = (await t.apiKeys.create({ ownerId: 'acme', meta: { plan: 'free' } })).apiKey.id;
  });
  afterAll(() => t.close());

  it('meta 3,000 levels deep answers 400 on create and PATCH, and changes nothing', async () => {
    const post = await request(t.server)
      .post('/api-keys/keys')
      .set('x-api-key', root)
      .send({ ownerId: 'acme', meta: nestedObject(3_000) });
    expectValidationError(post, 'meta');
    const patch = await request(t.server)
      .patch(`/api-keys/keys/${keyId}`)
      .set('x-api-key', root)
      .send({ meta: nestedObject(3_000) });
    expectValidationError(patch, 'meta');
    expect((await t.apiKeys.get(keyId))!.meta).toEqual({ plan: 'free' });
  });

  it('30,000 nested arrays answer 400 on every write route', async () => {
    const body = `{"ownerId":"acme","permissions":${nestedArraysJson(30_000)}}`;
    for (const path of ['/keys', `/keys/${keyId}/rotate`, '/keys/revoke', '/verify']) {
      const res = await request(t.server)
        .post(`/api-keys${path}`)
        .set('x-api-key', root)
        .set('content-type', 'application/json')
        .send(body);
      expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status: 400, code: 'VALIDATION_FAILED' });
    }
  });

  it('a valid create still works through both pipes', async () => {
    const res = await request(t.server)
      .post('/api-keys/keys')
      .set('x-api-key', root)
      .send({ ownerId: 'acme', meta: { a: { b: 1 } } });
    expect(res.status).toBe(201);
    expect(res.body.apiKey.meta).toEqual({ a: { b: 1 } });
  });
});

describe.each(PLATFORMS)(`admin API behind host guards on ${lane} (%s)`, (platform: Platform) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      platform,
      options: { failedAttempts: false, storeTimeoutMs: 1_000, adminPolicy: { resolveActor: () => ({ actorId: 'staff', admin: true }) } },
      structural: { admin: { path: 'api-keys', guards: [SessionGuard] } },
      providers: [SessionGuard],
    });
  });
  afterAll(() => t.close());
  afterEach(() => jest.restoreAllMocks());

  it('answers 503 STORE_UNAVAILABLE within storeTimeoutMs when the database hangs', async () => {
    const { apiKey } = await t.apiKeys.create({ ownerId: 'acme' });
    const release = await hangKeyLookups(t);
    const answers: Array<{ status: number; code: string; ms: number }> = [];
    try {
      for (const send of [
        () => request(t.server).get('/api-keys/keys'),
        () => request(t.server).get(`/api-keys/keys/${apiKey.id}`),
        () => request(t.server).post(`/api-keys/keys/${apiKey.id}/revoke`).send({}),
        () =>
          request(t.server)
            .post('/api-keys/verify')
            .send({ key: new KeyFormat('sk', 32).generate() }), // well-formed: looked up
      ]) {
        const started = Date.now();
        const res = await send().timeout(5_000);
        answers.push({ status: res.status, code: res.body.code, ms: Date.now() - started });
      }
    } finally {
      await release();
    }
    for (const answer of answers) {
      expect(answer).toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE' });
      expect(answer.ms).toBeLessThan(3_500); // 1 s deadline, generous for a loaded machine
    }
  });

  it('refuses writes without a JSON content type (a cross-site form or no-cors fetch cannot send one): 415', async () => {
    const { apiKey } = await t.apiKeys.create({ ownerId: 'acme' });
    const forms = [
      request(t.server).post(`/api-keys/keys/${apiKey.id}/revoke`),
      request(t.server).post(`/api-keys/keys/${apiKey.id}/revoke`).type('form').send('x=1'),
      request(t.server).post('/api-keys/keys/revoke').set('content-type', 'text/plain').send('{"ownerId":"acme"}'),
      request(t.server).post('/api-keys/keys').type('form').send('ownerId=acme'),
    ];
    for (const res of await Promise.all(forms)) {
      expect(res.status).toBe(415);
      expect(res.body).toMatchObject({ statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    }
    expect((await t.apiKeys.get(apiKey.id))!.status).toBe('active');
    await request(t.server).post(`/api-keys/keys/${apiKey.id}/revoke`).send({}).expect(200);
    await request(t.server).get('/api-keys/keys').expect(200); // reads need no body
  });
});
