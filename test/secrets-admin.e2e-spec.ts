import { randomBytes } from 'node:crypto';
import { Injectable, Logger, type CanActivate, type ExecutionContext, type LoggerService } from '@nestjs/common';
import request from 'supertest';
import { ApiKeySecretEntity, ApiKeySecretsService, type AdminActor, type ApiKeysModuleOptions } from '../lib/index.js';
import { lane } from './utils/databases.js';
import { leakedSubstrings } from './utils/database-dump.js';
import { expectValidationError, NOT_FOUND_BODY } from './utils/http-expectations.js';
import { hangKeyLookups } from './utils/store-faults.js';
import { PLATFORMS, createTestApp, type Platform, type TestApp } from './utils/test-app.js';

// The secrets routes of the admin API (SPEC §9): root `/owners/:ownerId/secrets…`, self-service
// `/secrets…`, metadata unless adminPolicy.revealSecrets, 501 without a keyring, owner scoping,
// and input that answers 400, never 500, on Express and Fastify.

const K1 = randomBytes(32).toString('base64');
const RING: ApiKeysModuleOptions['secrets'] = { keys: { k1: K1 }, activeKeyId: 'k1' };
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const value = (label: string) => `${label}_${randomBytes(18).toString('base64url')}`;

/** `depth` levels of `{ a: … }`. */
const nested = (depth: number): unknown => (depth === 0 ? 'leaf' : { a: nested(depth - 1) });

const metadataOf = (ownerId: string, name: string) => ({
  name,
  ownerId,
  keyId: 'k1',
  createdAt: expect.stringMatching(ISO),
  updatedAt: expect.stringMatching(ISO),
});

/** Every log line of the app after its boot (Nest's TestingLogger replaces earlier overrides at compile). */
function captureLogs(): string[] {
  const lines: string[] = [];
  const push = (...args: unknown[]) =>
    void lines.push(args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : String(a))).join(' '));
  const capture: LoggerService = { log: push, error: push, warn: push, debug: push, verbose: push, fatal: push };
  Logger.overrideLogger(capture);
  return lines;
}

describe.each(PLATFORMS)(`secrets admin API with the root key on ${lane} (%s)`, (platform: Platform) => {
  let t: TestApp;
  let root: string;
  let logs: string[];
  const written: string[] = [];
  const api = () => ({
    get: (path: string) => request(t.server).get(`/api-keys${path}`).set('x-api-key', root),
    put: (path: string, body: unknown) =>
      request(t.server)
        .put(`/api-keys${path}`)
        .set('x-api-key', root)
        .set('content-type', 'application/json')
        .send(typeof body === 'string' ? body : JSON.stringify(body)),
    delete: (path: string) => request(t.server).delete(`/api-keys${path}`).set('x-api-key', root),
  });

  beforeAll(async () => {
    t = await createTestApp({ platform, options: { secrets: RING, failedAttempts: false }, structural: { admin: { path: 'api-keys' } } });
    root = (await t.apiKeys.create({ ownerId: 'ops', permissions: ['api_keys:admin'] })).key;
    logs = captureLogs();
  });
  afterAll(async () => {
    await t.close();
    // No value written in this block reached a log line.
    expect(leakedSubstrings(logs.join('\n'), written)).toEqual([]);
  });

  it('PUT answers 200 with metadata, GET answers metadata only, the list names it, DELETE answers 204 then 404', async () => {
    const secret = value('sk_live');
    written.push(secret);
    const put = await api().put('/owners/acme/secrets/stripe', { value: secret });
    expect(put.status).toBe(200);
    expect(put.body).toEqual(metadataOf('acme', 'stripe'));
    expect(put.text).not.toContain(secret);
    expect(await t.app.get(ApiKeySecretsService).get('acme', 'stripe')).toBe(secret);

    const got = await api().get('/owners/acme/secrets/stripe');
    expect(got.status).toBe(200);
    expect(got.body).toEqual(put.body);
    expect(got.body).not.toHaveProperty('value');
    expect(got.text).not.toContain(secret);

    const list = await api().get('/owners/acme/secrets');
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ items: [put.body] });
    expect(list.text).not.toContain(secret);
    expect((await api().get('/owners/globex/secrets')).body).toEqual({ items: [] });

    const replaced = await api().put('/owners/acme/secrets/stripe', { value: value('replaced') });
    expect(replaced.body.createdAt).toBe(put.body.createdAt);

    const deleted = await api().delete('/owners/acme/secrets/stripe');
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    for (const res of [await api().delete('/owners/acme/secrets/stripe'), await api().get('/owners/acme/secrets/stripe')]) {
      expect(res.status).toBe(404);
      expect(res.body).toEqual(NOT_FOUND_BODY);
    }
    expect((await api().get('/owners/acme/secrets')).body).toEqual({ items: [] });
  });

  it('an administrator on the self-service /secrets routes answers 400 naming ownerId: it has no owner of its own', async () => {
    for (const res of [
      await api().get('/secrets'),
      await api().put('/secrets/stripe', { value: 'v-123456789' }),
      await api().get('/secrets/stripe'),
      await api().delete('/secrets/stripe'),
    ]) {
      expectValidationError(res, 'ownerId');
      expect(res.body.errors[0].messages[0]).toMatch(/\/owners\/:ownerId\/secrets/);
    }
    expect(await t.dataSource.getRepository(ApiKeySecretEntity).count()).toBe(0);
  });

  it('bad owner ids, names and bodies answer 400, never 500, and store nothing', async () => {
    const names = ['has space', 'x'.repeat(129), 'a%2Fb', '%00', 'zero%E2%80%8Bwidth', 'tab%09', 'caf%C3%A9', '%20lead', '%F0%9F%94%91'];
    const owners = ['%20acme', 'a'.repeat(129), 'bell%07', 'bidi%E2%80%AEx'];
    const responses: Array<[string, request.Response]> = [];
    for (const name of names) {
      const path = `/owners/acme/secrets/${name.replace(/ /g, '%20')}`;
      responses.push([`PUT ${path}`, await api().put(path, { value: 'v-123456789' })]);
      responses.push([`GET ${path}`, await api().get(path)]);
      responses.push([`DELETE ${path}`, await api().delete(path)]);
    }
    for (const owner of owners) {
      responses.push([`PUT ${owner}`, await api().put(`/owners/${owner}/secrets/stripe`, { value: 'v-123456789' })]);
      responses.push([`GET ${owner}`, await api().get(`/owners/${owner}/secrets`)]);
    }
    for (const [route, res] of responses) {
      // Fastify refuses a path parameter over 100 characters itself (414): a 4xx all the same.
      if (platform === 'fastify' && res.body.code === 'FST_ERR_MAX_PARAM_LENGTH') {
        expect({ route, status: res.status }).toEqual({ route, status: 414 });
        continue;
      }
      expect({ route, status: res.status, code: res.body.code }).toEqual({ route, status: 400, code: 'VALIDATION_FAILED' });
      expect(res.body.errors[0].field).toMatch(/^(name|ownerId)$/);
    }
    const bodies: unknown[] = [
      {},
      { value: '' },
      { value: 42 },
      { value: null },
      { value: true },
      { value: ['v'] },
      { value: { nested: 'v' } },
      { value: 'v', ownerId: 'globex' },
      { value: 'v', keyId: 'k0' },
      { value: 'x'.repeat(32 * 1024 + 1) },
      { value: 'é'.repeat(16 * 1024 + 1) }, // under the character bound, over 32 KiB of UTF-8
      '{"value":"lone \\ud800 surrogate"}',
      [],
      [{ value: 'v' }],
      'null',
      '"just a string"',
      { value: nested(20) },
      `{"value":${'['.repeat(30_000)}${']'.repeat(30_000)}}`,
    ];
    for (const body of bodies) {
      const res = await api().put('/owners/acme/secrets/stripe', body);
      expect({ body: String(JSON.stringify(body)).slice(0, 60), status: res.status }).toEqual({
        body: String(JSON.stringify(body)).slice(0, 60),
        status: 400,
      });
      // The platform's JSON parser refuses some shapes itself (a bare string under Express): a 400 all the same.
      if (res.body.code !== undefined) expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.text).not.toContain('x'.repeat(64));
    }
    expect(await t.dataSource.getRepository(ApiKeySecretEntity).count()).toBe(0);
    // A `__proto__` key is dropped by the parser or the whitelist (Fastify refuses it with 400),
    // and pollutes nothing.
    const proto = await api().put('/owners/acme/secrets/proto', '{"value":"v-123456789","__proto__":{"admin":true}}');
    expect(proto.status === 200 || proto.status === 400).toBe(true);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    if (proto.status === 200) expect(proto.body).toEqual(metadataOf('acme', 'proto'));
    await api().delete('/owners/acme/secrets/proto');
    // The largest value that fits is stored.
    const largest = 'é'.repeat(16 * 1024);
    expect((await api().put('/owners/acme/secrets/pem', { value: largest })).status).toBe(200);
    expect(await t.app.get(ApiKeySecretsService).get('acme', 'pem')).toBe(largest);
    await api().delete('/owners/acme/secrets/pem').expect(204);
  });

  it('a malformed percent-encoding in the path never answers 500', async () => {
    for (const path of ['/owners/acme/secrets/%E0%A4%A', '/owners/%ZZ/secrets', '/owners/acme/secrets/%']) {
      const res = await api().get(path);
      expect({ path, status: res.status < 500 }).toEqual({ path, status: true });
    }
  });
});

describe.each(PLATFORMS)(`secrets admin API without a keyring on ${lane} (%s)`, (platform: Platform) => {
  let t: TestApp;
  let root: string;
  beforeAll(async () => {
    t = await createTestApp({ platform, options: { failedAttempts: false }, structural: { admin: { path: 'api-keys' } } });
    root = (await t.apiKeys.create({ ownerId: 'ops', permissions: ['api_keys:admin'] })).key;
  });
  afterAll(() => t.close());

  it('answers 501 SECRETS_NOT_CONFIGURED on every secrets route', async () => {
    const call = (method: 'get' | 'put' | 'delete', path: string) => {
      const req = request(t.server)[method](`/api-keys${path}`).set('x-api-key', root);
      return method === 'put' ? req.send({ value: 'v-123456789' }) : req;
    };
    const routes: Array<['get' | 'put' | 'delete', string]> = [
      ['get', '/owners/acme/secrets'],
      ['put', '/owners/acme/secrets/stripe'],
      ['get', '/owners/acme/secrets/stripe'],
      ['delete', '/owners/acme/secrets/stripe'],
      ['get', '/secrets'],
      ['put', '/secrets/stripe'],
      ['get', '/secrets/stripe'],
      ['delete', '/secrets/stripe'],
    ];
    for (const [method, path] of routes) {
      const res = await call(method, path);
      expect({ method, path, status: res.status, body: res.body }).toEqual({
        method,
        path,
        status: 501,
        body: {
          statusCode: 501,
          error: 'Not Implemented',
          code: 'SECRETS_NOT_CONFIGURED',
          message: expect.stringMatching(/secrets option/),
        },
      });
    }
    // The guard still comes first: no key is 401, not 501.
    expect((await request(t.server).get('/api-keys/owners/acme/secrets')).status).toBe(401);
  });
});

describe.each(PLATFORMS)(`secrets admin API with adminPolicy.revealSecrets on ${lane} (%s)`, (platform: Platform) => {
  let t: TestApp;
  let root: string;
  beforeAll(async () => {
    t = await createTestApp({
      platform,
      options: { secrets: RING, failedAttempts: false, adminPolicy: { revealSecrets: true } },
      structural: { admin: { path: 'api-keys' } },
    });
    root = (await t.apiKeys.create({ ownerId: 'ops', permissions: ['api_keys:admin'] })).key;
  });
  afterAll(() => t.close());

  it('GET answers the value with the metadata; PUT and the list still never carry it', async () => {
    const secret = value('reveal');
    const put = await request(t.server).put('/api-keys/owners/acme/secrets/stripe').set('x-api-key', root).send({ value: secret });
    expect(put.body).toEqual(metadataOf('acme', 'stripe'));
    const got = await request(t.server).get('/api-keys/owners/acme/secrets/stripe').set('x-api-key', root);
    expect(got.status).toBe(200);
    expect(got.body).toEqual({ ...put.body, value: secret });
    const list = await request(t.server).get('/api-keys/owners/acme/secrets').set('x-api-key', root);
    expect(list.text).not.toContain(secret);
  });

  it('a row that fails to decrypt answers 500 SECRET_UNREADABLE naming the secret, never its value', async () => {
    const secret = value('tampered');
    await request(t.server).put('/api-keys/owners/acme/secrets/hook').set('x-api-key', root).send({ value: secret }).expect(200);
    await t.dataSource
      .getRepository(ApiKeySecretEntity)
      .update({ ownerId: 'acme', name: 'hook' }, { tag: Buffer.alloc(16).toString('base64') });
    const res = await request(t.server).get('/api-keys/owners/acme/secrets/hook').set('x-api-key', root);
    expect(res.status).toBe(500);
    expect(res.body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      code: 'SECRET_UNREADABLE',
      message: expect.stringMatching(/Secret 'hook' of owner 'acme' failed authentication/),
    });
    expect(res.text).not.toContain(secret);
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
  root: { id: 'root-admin', staff: true },
};

/** The host's session guard: `x-user` names the signed-in user. */
@Injectable()
class SessionGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest();
    req.user = USERS[String(req.headers['x-user'] ?? '')];
    return req.user !== undefined;
  }
}

describe.each(PLATFORMS)(`secrets admin API for owner-scoped actors on ${lane} (%s)`, (platform: Platform) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      platform,
      options: {
        secrets: RING,
        failedAttempts: false,
        adminPolicy: {
          resolveActor: (req: { user: HostUser }): AdminActor | null =>
            req.user.tenant
              ? { actorId: req.user.id, ownerId: req.user.tenant }
              : req.user.staff
                ? { actorId: req.user.id, admin: true }
                : null,
        },
      },
      structural: { admin: { path: 'api-keys', guards: [SessionGuard] } },
      providers: [SessionGuard],
    });
  });
  afterAll(() => t.close());

  /** Requests as a host user; writes are JSON, as the admin API asks of cookie sessions. */
  const as = (user: string) => ({
    get: (path: string) => request(t.server).get(`/api-keys${path}`).set('x-user', user),
    put: (path: string, body: object) => request(t.server).put(`/api-keys${path}`).set('x-user', user).send(body),
    // A DELETE carries no body: it needs no JSON content type (no cross-site form or no-cors fetch can send one).
    delete: (path: string) => request(t.server).delete(`/api-keys${path}`).set('x-user', user),
  });
  const secrets = () => t.app.get(ApiKeySecretsService);

  it("acts on the actor's own owner only: the same name is another secret for another owner", async () => {
    const mine = value('acme');
    const theirs = value('globex');
    expect((await as('alice').put('/secrets/stripe', { value: mine })).body).toEqual(metadataOf('acme', 'stripe'));
    expect((await as('bob').put('/secrets/stripe', { value: theirs })).body).toEqual(metadataOf('globex', 'stripe'));
    await as('bob')
      .put('/secrets/github', { value: value('gh') })
      .expect(200);
    expect(await secrets().get('acme', 'stripe')).toBe(mine);
    expect(await secrets().get('globex', 'stripe')).toBe(theirs);

    expect((await as('alice').get('/secrets')).body).toEqual({ items: [metadataOf('acme', 'stripe')] });
    const got = await as('alice').get('/secrets/stripe');
    expect(got.body).toEqual(metadataOf('acme', 'stripe'));
    expect(got.text).not.toContain(mine);
    // bob's github is not alice's: 404, as for a name nobody has.
    for (const res of [
      await as('alice').get('/secrets/github'),
      await as('alice').delete('/secrets/github'),
      await as('alice').get('/secrets/nope'),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body).toEqual(NOT_FOUND_BODY);
    }
    expect(await secrets().get('globex', 'github')).not.toBeNull();

    await as('bob').delete('/secrets/stripe').expect(204);
    expect(await secrets().get('globex', 'stripe')).toBeNull();
    expect(await secrets().get('acme', 'stripe')).toBe(mine);
    // A body naming another owner is refused: the owner comes from the actor.
    expectValidationError(await as('alice').put('/secrets/stripe', { value: 'v-123456789', ownerId: 'globex' }), 'ownerId');
    // A PUT is a write with a body: behind host guards it must be JSON (415 otherwise), as every other.
    const form = await request(t.server).put('/api-keys/secrets/stripe').set('x-user', 'alice').type('form').send('value=forged-value');
    expect(form.status).toBe(415);
    expect(await secrets().get('acme', 'stripe')).toBe(mine);
  });

  it('answers 403 FORBIDDEN on every /owners/:ownerId/secrets route, for any owner including its own, and changes nothing', async () => {
    await secrets().put('globex', 'billing', 'globex-billing-value');
    const before = await t.dataSource.getRepository(ApiKeySecretEntity).find({ order: { id: 'ASC' } });
    for (const owner of ['acme', 'globex', 'nobody']) {
      for (const res of [
        await as('alice').get(`/owners/${owner}/secrets`),
        await as('alice').put(`/owners/${owner}/secrets/billing`, { value: 'overwritten-value' }),
        await as('alice').get(`/owners/${owner}/secrets/billing`),
        await as('alice').delete(`/owners/${owner}/secrets/billing`),
      ]) {
        expect({ owner, status: res.status, code: res.body.code }).toEqual({ owner, status: 403, code: 'FORBIDDEN' });
        expect(res.body.message).toMatch(/manage your own secrets at \/secrets/);
      }
    }
    expect(await t.dataSource.getRepository(ApiKeySecretEntity).find({ order: { id: 'ASC' } })).toEqual(before);
    expect(await secrets().get('globex', 'billing')).toBe('globex-billing-value');
  });

  it('answers 503 STORE_UNAVAILABLE within storeTimeoutMs (the default 1 s) while the secrets table hangs', async () => {
    await secrets().put('acme', 'slow', 'slow-secret-value');
    const release = await hangKeyLookups(t, 'api_key_secrets');
    const answers: Array<{ route: string; status: number; code: string; ms: number }> = [];
    try {
      const timed = async (route: string, call: () => request.Test) => {
        const started = Date.now();
        const res = await call();
        answers.push({ route, status: res.status, code: res.body.code, ms: Date.now() - started });
      };
      await Promise.all([
        timed('list', () => as('alice').get('/secrets')),
        timed('get', () => as('alice').get('/secrets/slow')),
        timed('put', () => as('alice').put('/secrets/slow', { value: 'during-the-outage' })),
        timed('delete', () => as('alice').delete('/secrets/slow')),
        timed('admin list', () => as('root').get('/owners/acme/secrets')),
      ]);
    } finally {
      await release();
    }
    for (const answer of answers) {
      expect(answer).toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE' });
      expect(answer.ms).toBeLessThan(4_000); // a 1 s deadline, generous for a loaded machine
    }
    expect(answers).toHaveLength(5);
  });

  it('a staff administrator manages any owner at /owners/:ownerId/secrets and gets 400 at /secrets', async () => {
    const res = await as('root').put('/owners/initech/secrets/slack', { value: value('slack') });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(metadataOf('initech', 'slack'));
    expect((await as('root').get('/owners/initech/secrets')).body.items).toHaveLength(1);
    expectValidationError(await as('root').get('/secrets'), 'ownerId');
    await as('root').delete('/owners/initech/secrets/slack').expect(204);
  });
});
