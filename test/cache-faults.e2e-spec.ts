import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import request from 'supertest';
import { KeyFormat } from '../lib/keys/key-format.js';
import { RedisThrottlerStorage } from '../lib/index.js';
import { QuotaController } from './fixtures/quota.controller.js';
import { DemoController } from './fixtures/demo.controller.js';
import { lane } from './utils/databases.js';
import { TcpProxy } from './utils/tcp-proxy.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

// Faults, bounded (SPEC §7, §10): a TCP proxy the suite controls sits in front of the database
// and of Redis — `refuse()` is a stopped server (connections closed, port closed), `hang()` a
// hung one (no byte passes, nothing fails). Every answer is 200 from the cache, or 503
// STORE_UNAVAILABLE within its bound: never a 500, never a pass; credits are exact after
// recovery. Bounds are generous for a shared machine, and each still fails when the bound is
// gone (the old 500 ms Redis default, no deadline).

const REDIS = { host: process.env.REDIS_HOST ?? '127.0.0.1', port: Number(process.env.REDIS_PORT ?? 6379) };
const DATABASE_PORTS: Record<string, { host: string; port: number } | undefined> = {
  postgres: { host: process.env.PGHOST ?? '127.0.0.1', port: Number(process.env.PGPORT ?? 5432) },
  mariadb: { host: process.env.MYSQL_HOST ?? '127.0.0.1', port: Number(process.env.MYSQL_PORT ?? 3306) },
};
const unknownKeys = new KeyFormat('sk', 32);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One guarded request and how long it took. */
async function timed(t: TestApp, path: string, key: string): Promise<{ status: number; code?: string; ms: number; res: request.Response }> {
  const started = performance.now();
  const res = await request(t.server).get(path).set('x-api-key', key).timeout(20_000);
  return { status: res.status, code: res.body.code, ms: performance.now() - started, res };
}

function expectUnavailable(answer: { status: number; code?: string; res: request.Response }): void {
  expect({ status: answer.status, code: answer.code }).toEqual({ status: 503, code: 'STORE_UNAVAILABLE' });
  expect(Number(answer.res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
}

const target = DATABASE_PORTS[lane];
// SQLite has no connection to cut: its outages are covered by store-unavailable.e2e-spec.ts.
if (target) {
  describe(`database behind a proxy on ${lane}`, () => {
    const STORE_TIMEOUT_MS = 1_000;
    let proxy: TcpProxy;
    let t: TestApp;

    beforeAll(async () => {
      proxy = new TcpProxy(target);
      await proxy.start();
      t = await createTestApp({
        controllers: [DemoController, QuotaController],
        options: { storeTimeoutMs: STORE_TIMEOUT_MS, failedAttempts: false },
        typeorm: { host: '127.0.0.1', port: proxy.port } as never,
      });
    });
    afterAll(async () => {
      await proxy.forward();
      await t.close();
      await proxy.stop();
    });
    afterEach(() => jest.restoreAllMocks());

    it('refused and hung: cached keys 200, others 503 at once (refused) or within storeTimeoutMs (hung); credits exact after recovery', async () => {
      jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      const cached = await t.apiKeys.create({ ownerId: 'faults' });
      const uncached = await t.apiKeys.create({ ownerId: 'faults' });
      const credits = await t.apiKeys.create({ ownerId: 'faults', remaining: 10 });
      expect((await timed(t, '/demo/whoami', cached.key)).status).toBe(200);
      let valid = 0;
      for (let i = 0; i < 2; i++) if ((await timed(t, '/quota/one', credits.key)).status === 200) valid++;
      expect(valid).toBe(2);

      // Stopped: connections closed, the port refuses.
      await proxy.refuse();
      for (let i = 0; i < 3; i++) {
        const answer = await timed(t, '/demo/whoami', uncached.key);
        expectUnavailable(answer);
        expect(answer.ms).toBeLessThan(STORE_TIMEOUT_MS); // at once, not at the deadline
      }
      expect((await timed(t, '/demo/whoami', cached.key)).status).toBe(200); // from the cache
      expectUnavailable(await timed(t, '/quota/one', credits.key)); // a spend needs the store
      expectUnavailable(await timed(t, '/demo/whoami', unknownKeys.generate()));

      await proxy.forward();
      expect((await timed(t, '/demo/whoami', uncached.key)).status).toBe(200);
      if ((await timed(t, '/quota/one', credits.key)).status === 200) valid++;

      // Hung: nothing passes, nothing fails; what was sent runs once it heals.
      proxy.hang();
      const hung = await Promise.all([
        timed(t, '/demo/whoami', unknownKeys.generate()),
        timed(t, '/quota/one', credits.key),
        timed(t, '/quota/one', credits.key),
        timed(t, '/quota/one', credits.key),
      ]);
      for (const answer of hung) {
        expectUnavailable(answer);
        expect(answer.ms).toBeGreaterThanOrEqual(STORE_TIMEOUT_MS - 50);
        expect(answer.ms).toBeLessThan(STORE_TIMEOUT_MS + 1_500);
      }
      expect((await timed(t, '/demo/whoami', cached.key)).status).toBe(200);

      await proxy.forward();
      await sleep(1_000); // the held statements run, the spends that came too late are given back
      // Exactly the credits left: 10 minus the VALID answers, whatever the 503s did meanwhile.
      const after = [];
      for (let i = 0; i < 12; i++) after.push((await timed(t, '/quota/one', credits.key)).status);
      valid += after.filter((s) => s === 200).length;
      expect(valid).toBe(10);
      expect(after.filter((s) => s !== 200 && s !== 429)).toEqual([]);
      expect((await t.apiKeys.get(credits.apiKey.id))!.remaining).toBe(0);
    });
  });
}

describe(`Redis rate-limit storage behind a proxy (${lane})`, () => {
  let proxy: TcpProxy;
  const clients: Redis[] = [];

  beforeAll(async () => {
    proxy = new TcpProxy(REDIS);
    await proxy.start();
  });
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await proxy.stop();
  });
  afterEach(() => jest.restoreAllMocks());

  const app = async (clientOptions: Record<string, unknown>) => {
    const redis = new Redis({ ...REDIS, port: proxy.port, ...clientOptions });
    redis.on('error', () => undefined);
    clients.push(redis);
    const prefix = `ak-test:${lane}:${Date.now().toString(36)}:${Math.random().toString(36).slice(2)}:`;
    return createTestApp({
      controllers: [DemoController],
      options: {
        rateLimitStorage: new RedisThrottlerStorage(redis, { prefix }), // the default timeout
        failedAttempts: { limit: 5, windowMs: 60_000 },
        storeTimeoutMs: 5_000,
      },
    });
  };

  it.each([
    ['the default client options', {}],
    ['the recommended client options', { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 250 }],
  ])('with %s: hung or stopped, a rate-limited key answers 503 within 300 ms; failed attempts count in process', async (_name, options) => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const t = await app(options);
    try {
      const limited = await t.apiKeys.create({ ownerId: 'rl', rateLimits: [{ name: 'minute', limit: 1000, windowMs: 60_000 }] });
      const unlimited = await t.apiKeys.create({ ownerId: 'rl' });
      await proxy.forward();
      for (let i = 0; i < 20 && (await timed(t, '/demo/whoami', limited.key)).status !== 200; i++) await sleep(50);
      expect((await timed(t, '/demo/whoami', limited.key)).status).toBe(200);

      for (const fault of ['hang', 'refuse'] as const) {
        if (fault === 'hang') proxy.hang();
        else await proxy.refuse();
        for (let i = 0; i < 3; i++) {
          const answer = await timed(t, '/demo/whoami', limited.key);
          expectUnavailable(answer);
          // 250 ms is the storage's default; 450 leaves room for a loaded machine and still fails at the old 500.
          expect(answer.ms).toBeLessThan(450);
        }
        // A key without rate limits needs no Redis.
        expect((await timed(t, '/demo/whoami', unlimited.key)).status).toBe(200);
        await proxy.forward();
      }

      // Redis down: failed attempts still count, in process — 401s, then 429 past the limit. Never a pass.
      await proxy.refuse();
      const codes: string[] = [];
      for (let i = 0; i < 7; i++) codes.push((await timed(t, '/demo/whoami', unknownKeys.generate())).code!);
      expect(codes).toEqual(['NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND', 'TOO_MANY_ATTEMPTS', 'TOO_MANY_ATTEMPTS']);

      await proxy.forward();
      let status = 0;
      for (let i = 0; i < 40 && status !== 200; i++) {
        status = (await timed(t, '/demo/whoami', limited.key)).status;
        if (status !== 200) await sleep(50);
      }
      expect(status).toBe(200);
    } finally {
      await proxy.forward();
      await t.close();
    }
  });
});
