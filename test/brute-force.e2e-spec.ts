import { Controller, Get, Injectable, UseGuards, type ExecutionContext } from '@nestjs/common';
import request from 'supertest';
import { ApiKeyGuard, VERIFY_MESSAGES, type ApiKeysModuleOptions } from '../lib/index.js';
import { KeyFormat } from '../lib/keys/key-format.js';
import { lane } from './utils/databases.js';
import { PLATFORMS, createTestApp, type Platform, type TestApp } from './utils/test-app.js';
import { SqlRecorder } from './utils/sql-recorder.js';

const START = Date.UTC(2030, 0, 1);
/** Real-format keys of the apps' prefix: valid checksum, never issued. */
const unknownKeys = new KeyFormat('sk', 32);

const TOO_MANY_ATTEMPTS_BODY = {
  statusCode: 429,
  error: 'Too Many Requests',
  code: 'TOO_MANY_ATTEMPTS',
  message: 'Too many failed attempts; retry later.',
};

interface Harness {
  t: TestApp;
  queries: SqlRecorder;
  get(path: string, key: string): request.Test;
}

/** An app on a test clock that counts its SQL, listening on 127.0.0.1 (one client address). */
async function startApp(platform: Platform, clock: { now(): number }, options: ApiKeysModuleOptions, admin = false): Promise<Harness> {
  const queries = new SqlRecorder();
  const t = await createTestApp({
    platform,
    options: { clock, lastUsedWriteIntervalMs: 3_600_000, ...options },
    structural: admin ? { admin: { path: 'api-keys' } } : {},
    typeorm: { logger: queries, logging: true },
  });
  await t.app.listen(0, '127.0.0.1');
  return { t, queries, get: (path, key) => request(t.server).get(path).set('x-api-key', key) };
}

function expectTooManyAttempts(res: request.Response, retryAfter: string): void {
  expect({ status: res.status, body: res.body }).toEqual({ status: 429, body: TOO_MANY_ATTEMPTS_BODY });
  expect(res.headers['retry-after']).toBe(retryAfter);
}

function expectUnknownKey(res: request.Response): void {
  expect({ status: res.status, body: res.body }).toEqual({
    status: 401,
    body: { statusCode: 401, error: 'Unauthorized', code: 'NOT_FOUND', message: VERIFY_MESSAGES.NOT_FOUND },
  });
}

describe.each(PLATFORMS)(`brute-force protection on %s (${lane})`, (platform: Platform) => {
  describe('default failedAttempts (30 per minute)', () => {
    let h: Harness;
    let now = START;

    beforeAll(async () => {
      h = await startApp(platform, { now: () => now }, {});
    });
    afterAll(() => h.t.close());

    it('1,000 random well-formed keys from one address: 30 reach the database, the other 970 are 429 without a query', async () => {
      const { key: good } = await h.t.apiKeys.create({ ownerId: 'bf-default' });
      expect((await h.get('/demo/whoami', good)).status).toBe(200); // now known valid here

      const statuses: number[] = [];
      const codes: string[] = [];
      const retryAfter = new Set<string | undefined>();
      const queriesAfter: number[] = [];
      const before = h.queries.count;
      for (let i = 0; i < 1000; i++) {
        const res = await h.get('/demo/whoami', unknownKeys.generate());
        statuses.push(res.status);
        codes.push(res.body.code);
        if (res.status === 429) retryAfter.add(res.headers['retry-after']);
        queriesAfter.push(h.queries.count);
      }
      expect(statuses).toEqual([...Array(30).fill(401), ...Array(970).fill(429)]);
      expect(codes).toEqual([...Array(30).fill('NOT_FOUND'), ...Array(970).fill('TOO_MANY_ATTEMPTS')]);
      expect([...retryAfter]).toEqual(['60']);
      // Each of the first 30 queried the database; from then on the count never moves.
      expect(queriesAfter[0]).toBeGreaterThan(before);
      for (let i = 1; i < 30; i++) expect(queriesAfter[i]).toBeGreaterThan(queriesAfter[i - 1]);
      expect(queriesAfter[999]).toBe(queriesAfter[29]);

      // The key this instance has seen verify still passes while the address is blocked.
      const stillGood = await h.get('/demo/whoami', good);
      expect(stillGood.status).toBe(200);
      expect(stillGood.body.ownerId).toBe('bf-default');

      // An unknown good-looking key from the blocked address is refused without a query.
      now = START + 30_000;
      const blockedAt = h.queries.count;
      expectTooManyAttempts(await h.get('/demo/whoami', unknownKeys.generate()), '30');
      expect(h.queries.count).toBe(blockedAt);

      // After the window the client may try again (and reaches the database).
      now = START + 60_000;
      expectUnknownKey(await h.get('/demo/whoami', unknownKeys.generate()));
      expect(h.queries.count).toBeGreaterThan(blockedAt);
    });
  });

  describe('failedAttempts { limit: 5, windowMs: 60000 } with the admin API', () => {
    let h: Harness;
    let now = START;

    beforeAll(async () => {
      h = await startApp(platform, { now: () => now }, { failedAttempts: { limit: 5, windowMs: 60_000 } }, true);
    });
    afterAll(() => h.t.close());
    beforeEach(() => {
      now += 3_600_000; // every test starts in a fresh window
    });

    it('MALFORMED strings count too, and the next attempt is refused before the database', async () => {
      const real = unknownKeys.generate();
      const malformed = [
        real.slice(0, -1) + (real.endsWith('A') ? 'B' : 'A'), // wrong checksum
        'sk_tooshort',
        `sk_${'x'.repeat(600)}`,
      ];
      const answers: string[] = [];
      for (const value of malformed) answers.push((await h.get('/demo/whoami', value)).body.code);
      answers.push((await h.get('/demo/whoami', unknownKeys.generate())).body.code);
      answers.push((await h.get('/demo/whoami', unknownKeys.generate())).body.code);
      expect(answers).toEqual(['MALFORMED', 'MALFORMED', 'MALFORMED', 'NOT_FOUND', 'NOT_FOUND']);

      const before = h.queries.count;
      expectTooManyAttempts(await h.get('/demo/whoami', unknownKeys.generate()), '60');
      expectTooManyAttempts(await h.get('/demo/whoami', 'sk_stillmalformed'), '60');
      expect(h.queries.count).toBe(before);
    });

    it('only MALFORMED and NOT_FOUND count: denials of real keys do not block the client', async () => {
      const { key: reader } = await h.t.apiKeys.create({ ownerId: 'bf-small', permissions: ['reports:read'] });
      const { key: revoked, apiKey } = await h.t.apiKeys.create({ ownerId: 'bf-small' });
      await h.t.apiKeys.revoke(apiKey.id);
      for (let i = 0; i < 6; i++) expect((await h.get('/demo/billing', reader)).body.code).toBe('INSUFFICIENT_PERMISSIONS');
      for (let i = 0; i < 6; i++) expect((await h.get('/demo/whoami', revoked)).body.code).toBe('REVOKED');
      for (let i = 0; i < 5; i++) expectUnknownKey(await h.get('/demo/whoami', unknownKeys.generate()));
      expectTooManyAttempts(await h.get('/demo/whoami', unknownKeys.generate()), '60');
    });

    it('a real key never verified on this instance is refused while blocked and passes after the window', async () => {
      const { key: seen } = await h.t.apiKeys.create({ ownerId: 'bf-small' });
      const { key: unseen } = await h.t.apiKeys.create({ ownerId: 'bf-small' });
      expect((await h.get('/demo/whoami', seen)).status).toBe(200);
      for (let i = 0; i < 5; i++) expectUnknownKey(await h.get('/demo/whoami', unknownKeys.generate()));

      expect((await h.get('/demo/whoami', seen)).status).toBe(200);
      expectTooManyAttempts(await h.get('/demo/whoami', unseen), '60');

      now += 60_000;
      expect((await h.get('/demo/whoami', unseen)).status).toBe(200);
    });

    it('admin routes are throttled too: bad root keys against /api-keys/keys get 429 after the limit', async () => {
      const { key: root } = await h.t.apiKeys.create({ ownerId: 'ops', permissions: ['api_keys:admin'] });
      expect((await h.get('/api-keys/keys', root)).status).toBe(200);

      const before = h.queries.count;
      for (let i = 0; i < 5; i++) expectUnknownKey(await h.get('/api-keys/keys', unknownKeys.generate()));
      const afterLimit = h.queries.count;
      expect(afterLimit).toBeGreaterThan(before);
      for (let i = 0; i < 20; i++) expectTooManyAttempts(await h.get('/api-keys/keys', unknownKeys.generate()), '60');
      expect(h.queries.count).toBe(afterLimit);

      // The same client is blocked on the guarded API as well; the known root key still works.
      expectTooManyAttempts(await h.get('/demo/whoami', unknownKeys.generate()), '60');
      const list = await h.get('/api-keys/keys', root);
      expect(list.status).toBe(200);
      expect(Array.isArray(list.body.items)).toBe(true);
    });
  });
});

describe(`failedAttempts: false on ${lane}`, () => {
  let h: Harness;
  const now = START;

  beforeAll(async () => {
    h = await startApp('express', { now: () => now }, { failedAttempts: false });
  });
  afterAll(() => h.t.close());

  it('turns brute-force protection off: every unknown key is looked up and answered 401', async () => {
    let last = h.queries.count;
    for (let i = 0; i < 100; i++) {
      expectUnknownKey(await h.get('/demo/whoami', unknownKeys.generate()));
      expect(h.queries.count).toBeGreaterThan(last);
      last = h.queries.count;
    }
    for (let i = 0; i < 40; i++) expect((await h.get('/demo/whoami', 'sk_malformed')).body.code).toBe('MALFORMED');
    expectUnknownKey(await h.get('/demo/whoami', unknownKeys.generate()));
  });
});

/** A guard whose request carries no address, as a GraphQL or WebSocket context may hand one over. */
@Injectable()
class AddresslessGuard extends ApiKeyGuard {
  protected override getRequest(context: ExecutionContext): any {
    const { headers, query } = context.switchToHttp().getRequest();
    return { headers, query };
  }
}

@Controller('addressless')
@UseGuards(AddresslessGuard)
class AddresslessController {
  @Get()
  ok() {
    return { ok: true };
  }
}

describe(`a request without an address on ${lane}`, () => {
  let t: TestApp;
  const now = START;

  beforeAll(async () => {
    t = await createTestApp({
      options: { clock: { now: () => now }, failedAttempts: { limit: 3, windowMs: 60_000 } },
      controllers: [AddresslessController],
    });
  });
  afterAll(() => t.close());

  it('is one shared client, never unthrottled: past the limit every addressless request answers 429 before a lookup', async () => {
    const { key: known } = await t.apiKeys.create({ ownerId: 'addressless' });
    const { key: fresh } = await t.apiKeys.create({ ownerId: 'addressless' });
    await request(t.server).get('/addressless').set('x-api-key', known).expect(200);
    for (let i = 0; i < 3; i++) {
      expectUnknownKey(await request(t.server).get('/addressless').set('x-api-key', unknownKeys.generate()));
    }
    for (let i = 0; i < 5; i++) {
      expectTooManyAttempts(await request(t.server).get('/addressless').set('x-api-key', unknownKeys.generate()), '60');
    }
    // Blocked as one client: even a valid key this instance has not seen yet waits...
    expectTooManyAttempts(await request(t.server).get('/addressless').set('x-api-key', fresh), '60');
    // ...while a key already verified valid here still passes, so real users are not locked out.
    await request(t.server).get('/addressless').set('x-api-key', known).expect(200);
  });
});
