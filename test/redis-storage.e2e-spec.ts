import { Controller, Get, UseGuards } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { randomBytes } from 'node:crypto';
import { Agent } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import request from 'supertest';
import { RedisThrottlerStorage } from '../lib/index.js';
import { StoreUnavailableError } from '../lib/api-keys.errors.js';
import { DemoController } from './fixtures/demo.controller.js';
import { IOREDIS_MAJORS, type IoredisMajor, type TestRedisClient, type TestRedisOptions } from './fixtures/ioredis-clients.js';
import { lane } from './utils/databases.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

// RedisThrottlerStorage (SPEC §10): one atomic Lua script per increment, shared by every
// instance, failing closed (503) within its timeout when Redis is down or hung.
// Redis owns the clock here, so the few window/block tests use real time with short windows.
// Every suite runs once per ioredis major of the peer range (5: RESP2, 6: RESP3 by default);
// the inspecting `admin` connection is always ioredis 5.

const REDIS = { host: process.env.REDIS_HOST ?? '127.0.0.1', port: Number(process.env.REDIS_PORT ?? 6379) };
const RUN = `ak-test:${lane}:${Date.now().toString(36)}:${randomBytes(3).toString('hex')}:`;
let prefixes = 0;
const nextPrefix = () => `${RUN}${++prefixes}:`;

const clients: TestRedisClient[] = [];
/** A connected client of the ioredis major under test, closed after the file. */
function clientOf(ioredis: IoredisMajor, options: TestRedisOptions = {}): TestRedisClient {
  const client = ioredis.create({ ...REDIS, ...options });
  clients.push(client);
  return client;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let admin: Redis;
beforeAll(() => {
  admin = new Redis(REDIS);
});
afterAll(async () => {
  // Every key this run wrote, then every client (a dead client must not keep Jest alive).
  const stream = admin.scanStream({ match: `${RUN}*`, count: 500 });
  for await (const keys of stream) if ((keys as string[]).length) await admin.del(...(keys as string[]));
  expect(await admin.keys(`${RUN}*`)).toEqual([]);
  for (const client of clients) client.disconnect();
  admin.disconnect();
});

async function keysUnder(prefix: string): Promise<Record<string, string>> {
  const keys = await admin.keys(`${prefix}*`);
  const values = keys.length ? await admin.mget(...keys) : [];
  return Object.fromEntries(keys.map((k, i) => [k, values[i]!]));
}

describe.each(IOREDIS_MAJORS.map((m) => [m.label, m] as const))('with %s', (_label, ioredis) => {
  const redisClient = (options: TestRedisOptions = {}) => clientOf(ioredis, options);

  // The storage against Redis alone (no app, no database): one lane runs these.
  const redisOnly = lane === 'sqlite' ? describe : describe.skip;
  const redisOnlyIt = lane === 'sqlite' ? it : it.skip;

  redisOnlyIt(`speaks RESP${ioredis.major === 5 ? 2 : 3} to the server (v6 defaults to RESP3)`, async () => {
    const name = `${RUN}resp`.replace(/[^a-zA-Z0-9_-]/g, '_') + ioredis.major;
    const client = clientOf(ioredis, { connectionName: name });
    // The first increment connects and loads the script: a generous timeout, since the subject
    // here is the protocol (the 250 ms default failed it on a loaded machine, not the RESP check).
    const storage = new RedisThrottlerStorage(client, { prefix: nextPrefix(), timeoutMs: 10_000 });
    expect((await storage.increment('k', 60_000, 5, 0, 'n')).totalHits).toBe(1);
    const entry = ((await admin.client('LIST')) as string).split('\n').find((line) => line.includes(` name=${name} `));
    expect(entry).toMatch(new RegExp(` resp=${ioredis.major === 5 ? 2 : 3}( |$)`));
  });

  describe(`RedisThrottlerStorage shared by two app instances on ${lane}`, () => {
    let first: TestApp;
    let second: TestApp;
    let prefix: string;

    beforeAll(async () => {
      prefix = nextPrefix();
      // Separate clients and storages per instance: only Redis is shared, as in production.
      const options = (client: TestRedisClient) => ({
        rateLimitStorage: new RedisThrottlerStorage(client, { prefix, timeoutMs: 30_000 }),
        storeTimeoutMs: 60_000,
        failedAttempts: false as const,
      });
      first = await createTestApp({ options: options(redisClient()) });
      second = await createTestApp({ options: options(redisClient()), database: first.database });
      await first.app.listen(0, '127.0.0.1');
      await second.app.listen(0, '127.0.0.1');
    });
    afterAll(async () => {
      await second?.close();
      await first?.close();
    });

    it('1,000 HTTP requests in flight across both instances admit exactly 100 on a limit of 100', async () => {
      const { key, apiKey } = await first.apiKeys.create({
        ownerId: 'burst-http',
        rateLimits: [{ name: 'burst', limit: 100, windowMs: 60_000 }],
      });
      // The second instance sees the key through the shared database.
      expect((await second.apiKeys.get(apiKey.id))!.rateLimits).toEqual([{ name: 'burst', limit: 100, windowMs: 60_000 }]);
      const urls = [await first.app.getUrl(), await second.app.getUrl()];
      expect(urls[0]).not.toBe(urls[1]);

      // All 1,000 issued at once; a keep-alive agent per instance caps the sockets (not the
      // calls in flight) so the burst does not overflow the listen backlog.
      const agents = urls.map(() => new Agent({ keepAlive: true, maxSockets: 100 }));
      const responses = await Promise.all(
        Array.from({ length: 1000 }, (_, i) =>
          request(urls[i % 2])
            .get('/demo/whoami')
            .agent(agents[i % 2])
            .set('x-api-key', key)
            .timeout(60_000),
        ),
      ).finally(() => agents.forEach((a) => a.destroy()));

      const ok = responses.filter((r) => r.status === 200);
      const limited = responses.filter((r) => r.status === 429);
      expect(ok).toHaveLength(100);
      expect(limited).toHaveLength(900);
      // Each instance got 500 calls: per-instance counters would have admitted 200 in all.
      for (const r of ok) {
        expect(r.body.id).toBe(apiKey.id);
        expect(r.headers['ratelimit-limit']).toBe('100');
      }
      // Each admitted call drew a distinct count from the one atomic counter.
      expect(new Set(ok.map((r) => r.headers['ratelimit-remaining'])).size).toBe(100);
      expect(ok.map((r) => Number(r.headers['ratelimit-remaining'])).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 100 }, (_, i) => i),
      );
      for (const r of limited) {
        expect(r.body).toEqual({ statusCode: 429, error: 'Too Many Requests', code: 'RATE_LIMITED', message: expect.any(String) });
        expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect(Number(r.headers['retry-after'])).toBeLessThanOrEqual(60);
        expect(r.headers['ratelimit-limit']).toBe('100');
        expect(r.headers['ratelimit-remaining']).toBe('0');
      }
      // One counter in Redis for this key's lineage and limit, holding every call.
      const stored = await keysUnder(prefix);
      const counters = Object.entries(stored).filter(([k]) => k.includes(':burst:'));
      expect(counters).toHaveLength(1);
      expect(counters[0][1]).toBe('1000');
    });

    it('1,000 concurrent service verifies across both instances give exactly 100 VALID and 900 RATE_LIMITED', async () => {
      const { key } = await first.apiKeys.create({
        ownerId: 'burst-service',
        rateLimits: [{ name: 'burst', limit: 100, windowMs: 60_000 }],
      });
      const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => (i % 2 ? second : first).apiKeys.verify(key)));
      const valid = results.filter((r) => r.code === 'VALID');
      expect(valid).toHaveLength(100);
      expect(results.filter((r) => r.code === 'RATE_LIMITED')).toHaveLength(900);
      expect(results.filter((r) => r.valid)).toHaveLength(100);
      expect(new Set(valid.map((r) => r.rateLimit!.remaining)).size).toBe(100);
      for (const r of results.filter((r) => !r.valid)) {
        expect(r.rateLimit).toMatchObject({ name: 'burst', limit: 100, remaining: 0 });
        expect(r.retryAfterMs).toBeGreaterThanOrEqual(1000);
      }
    });

    it('a rate-limited call spends no credits, on either instance', async () => {
      const { key, apiKey } = await first.apiKeys.create({
        ownerId: 'burst-credits',
        remaining: 1000,
        rateLimits: [{ name: 'burst', limit: 30, windowMs: 60_000 }],
      });
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? second : first).apiKeys.verify(key)));
      expect(results.filter((r) => r.code === 'VALID')).toHaveLength(30);
      expect(results.filter((r) => r.code === 'RATE_LIMITED')).toHaveLength(170);
      expect((await second.apiKeys.get(apiKey.id))!.remaining).toBe(970);
    });
  });

  /** A TCP server that accepts connections and never answers (a hung Redis). */
  async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
    const sockets = new Set<Socket>();
    const server: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      port: (server.address() as { port: number }).port,
      close: () =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy();
          server.close(() => resolve());
        }),
    };
  }

  /** A port on which nothing listens (bound, then released). */
  async function deadPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }

  describe(`Redis down or hung on ${lane}: 503 STORE_UNAVAILABLE within the storage timeout`, () => {
    let silent: Awaited<ReturnType<typeof silentServer>>;
    let port: number;
    beforeAll(async () => {
      silent = await silentServer();
      port = await deadPort();
    });
    afterAll(() => silent.close());

    // Reconnect quickly, and on disconnect do not wait the default 2 s for a dead socket to close.
    const retry = { retryStrategy: () => 50, disconnectTimeout: 50 };
    const cases: [string, () => TestRedisOptions][] = [
      // Default ioredis: commands wait in the offline queue while it reconnects.
      ['nothing listens (offline queue on)', () => ({ port, ...retry })],
      // Fail-fast client: the command is refused at once.
      ['nothing listens (offline queue off)', () => ({ port, enableOfflineQueue: false, maxRetriesPerRequest: 0, ...retry })],
      // Connected but never ready (the ready check's INFO is never answered).
      ['the server accepts TCP and never answers (ready check)', () => ({ port: silent.port, ...retry })],
      // Connected and "ready" at once: the script is written to a socket that never answers.
      ['the server accepts TCP and never answers (no ready check)', () => ({ port: silent.port, enableReadyCheck: false, ...retry })],
    ];

    it.each(cases)('%s: the guard answers 503 with Retry-After, the service throws StoreUnavailableError', async (_name, redisOptions) => {
      const client = redisClient({ ...redisOptions(), lazyConnect: false });
      client.on('error', () => undefined); // connection errors are expected here
      const t = await createTestApp({
        options: {
          rateLimitStorage: new RedisThrottlerStorage(client, { prefix: nextPrefix(), timeoutMs: 300 }),
          failedAttempts: false,
        },
      });
      try {
        const { key } = await t.apiKeys.create({ ownerId: 'down', rateLimits: [{ name: 'burst', limit: 100, windowMs: 60_000 }] });
        const res = await request(t.server).get('/demo/whoami').set('x-api-key', key).timeout(10_000);
        expect({ status: res.status, body: res.body }).toEqual({
          status: 503,
          body: { statusCode: 503, error: 'Service Unavailable', code: 'STORE_UNAVAILABLE', message: expect.any(String) },
        });
        expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
        expect(res.headers['www-authenticate']).toBeUndefined();
        // Several at once: all fail closed, none passes.
        const burst = await Promise.all(
          Array.from({ length: 20 }, () => request(t.server).get('/demo/whoami').set('x-api-key', key).timeout(10_000)),
        );
        expect(burst.map((r) => r.status)).toEqual(Array(20).fill(503));
        await expect(t.apiKeys.verify(key)).rejects.toBeInstanceOf(StoreUnavailableError);
        // A key without limits never touches Redis and still works.
        const unlimited = await t.apiKeys.create({ ownerId: 'down' });
        expect((await request(t.server).get('/demo/whoami').set('x-api-key', unlimited.key)).status).toBe(200);
      } finally {
        await t.close();
        client.disconnect();
      }
    });

    redisOnlyIt('the storage itself rejects with StoreUnavailableError on a hung server', async () => {
      const client = redisClient({ port: silent.port, enableReadyCheck: false, ...retry });
      client.on('error', () => undefined);
      const storage = new RedisThrottlerStorage(client, { prefix: nextPrefix(), timeoutMs: 300 });
      const error = await storage.increment('k', 60_000, 5, 0, 'n').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).reason).toMatch(/300 ms/);
      client.disconnect();
    });
  });

  redisOnly(`RedisThrottlerStorage script semantics on ${lane}`, () => {
    let client: TestRedisClient;
    beforeAll(() => {
      client = redisClient();
    });
    function storage(options: { timeoutMs?: number } = {}) {
      const prefix = nextPrefix();
      return { prefix, storage: new RedisThrottlerStorage(client, { prefix, ...options }) };
    }

    it('counts per key and throttler name in a fixed window that Redis expires', async () => {
      const { storage: s, prefix } = storage();
      const a1 = await s.increment('a', 300, 2, 0, 'short');
      const a2 = await s.increment('a', 300, 2, 0, 'short');
      const b1 = await s.increment('b', 300, 2, 0, 'short');
      const a1other = await s.increment('a', 300, 2, 0, 'other');
      expect([a1.totalHits, a2.totalHits, b1.totalHits, a1other.totalHits]).toEqual([1, 2, 1, 1]);
      expect(a1).toEqual({ totalHits: 1, timeToExpire: 1, isBlocked: false, timeToBlockExpire: 0 });
      expect(Object.keys(await keysUnder(prefix)).sort()).toEqual([`${prefix}other:a`, `${prefix}short:a`, `${prefix}short:b`]);
      const pttl = await admin.pttl(`${prefix}short:a`);
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(300);

      // Over the limit without a block duration: counted and reported blocked for the window's rest.
      const a3 = await s.increment('a', 300, 2, 0, 'short');
      expect(a3).toEqual({ totalHits: 3, timeToExpire: 1, isBlocked: true, timeToBlockExpire: 1 });
      expect(await admin.exists(`${prefix}short:a:block`)).toBe(0);

      await sleep(350); // the window (300 ms, Redis's clock) is over
      expect(await admin.exists(`${prefix}short:a`)).toBe(0);
      expect(await s.increment('a', 300, 2, 0, 'short')).toEqual({ totalHits: 1, timeToExpire: 1, isBlocked: false, timeToBlockExpire: 0 });
    });

    it('a long window reports timeToExpire in whole seconds, rounded up', async () => {
      const { storage: s } = storage();
      const first = await s.increment('k', 60_000, 10, 0, 'n');
      expect(first.timeToExpire).toBeGreaterThanOrEqual(59);
      expect(first.timeToExpire).toBeLessThanOrEqual(60);
      const second = await s.increment('k', 60_000, 10, 0, 'n');
      expect(second.totalHits).toBe(2);
      expect(second.timeToExpire).toBeLessThanOrEqual(first.timeToExpire);
    });

    it('blockDuration: blocks past the limit, does not count blocked calls, and restarts the count when the block ends', async () => {
      const { storage: s, prefix } = storage();
      const calls = [];
      for (let i = 0; i < 2; i++) calls.push(await s.increment('k', 60_000, 2, 300, 'b'));
      expect(calls.map((r) => [r.totalHits, r.isBlocked])).toEqual([
        [1, false],
        [2, false],
      ]);
      const blocking = await s.increment('k', 60_000, 2, 300, 'b');
      expect(blocking).toMatchObject({ totalHits: 3, isBlocked: true, timeToBlockExpire: 1 });
      const pttl = await admin.pttl(`${prefix}b:k:block`);
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(300);
      // During the block: still blocked, and these calls are not counted.
      for (let i = 0; i < 3; i++) {
        expect(await s.increment('k', 60_000, 2, 300, 'b')).toMatchObject({ totalHits: 3, isBlocked: true, timeToBlockExpire: 1 });
      }
      await sleep(350); // the block is over; the 60 s window is not
      const after = await s.increment('k', 60_000, 2, 300, 'b');
      expect(after).toMatchObject({ totalHits: 1, isBlocked: false, timeToBlockExpire: 0 });
      expect(after.timeToExpire).toBeGreaterThanOrEqual(59);
      expect((await s.increment('k', 60_000, 2, 300, 'b')).isBlocked).toBe(false);
      expect(await s.increment('k', 60_000, 2, 300, 'b')).toMatchObject({ totalHits: 3, isBlocked: true });
    });

    it('a block longer than the window outlasts it', async () => {
      const { storage: s } = storage();
      expect((await s.increment('k', 100, 1, 60_000, 'b')).isBlocked).toBe(false);
      const blocked = await s.increment('k', 100, 1, 60_000, 'b');
      expect(blocked).toMatchObject({ isBlocked: true, timeToBlockExpire: 60 });
      await sleep(150); // the 100 ms window is over, the block is not
      const still = await s.increment('k', 100, 1, 60_000, 'b');
      expect(still.isBlocked).toBe(true);
      expect(still.timeToBlockExpire).toBeGreaterThanOrEqual(59);
      expect(still.timeToBlockExpire).toBeLessThanOrEqual(60);
    });

    it('1,000 concurrent increments from two clients each get a distinct count', async () => {
      const prefix = nextPrefix();
      const stores = [redisClient(), redisClient()].map((c) => new RedisThrottlerStorage(c, { prefix, timeoutMs: 30_000 }));
      const records = await Promise.all(Array.from({ length: 1000 }, (_, i) => stores[i % 2].increment('k', 60_000, 100, 0, 'n')));
      expect(records.map((r) => r.totalHits).sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
      expect(records.filter((r) => !r.isBlocked)).toHaveLength(100);
      expect(await admin.get(`${prefix}n:k`)).toBe('1000');
    });
  });

  @Controller('throttled')
  @UseGuards(ThrottlerGuard)
  class ThrottledController {
    @Get()
    get() {
      return { ok: true };
    }
  }

  describe(`RedisThrottlerStorage as @nestjs/throttler's storage on ${lane}`, () => {
    it("serves the host's ThrottlerModule and ThrottlerGuard, and ApiKeysModule picks it up as the host storage", async () => {
      const prefix = nextPrefix();
      const t = await createTestApp({
        options: { failedAttempts: false },
        imports: [
          ThrottlerModule.forRoot({
            throttlers: [{ name: 'default', ttl: 60_000, limit: 3 }],
            storage: new RedisThrottlerStorage(redisClient(), { prefix }),
          }),
        ],
        controllers: [ThrottledController, DemoController],
      });
      try {
        const statuses: number[] = [];
        let last: request.Response | undefined;
        for (let i = 0; i < 5; i++) {
          last = await request(t.server).get('/throttled');
          statuses.push(last.status);
        }
        expect(statuses).toEqual([200, 200, 200, 429, 429]);
        // ThrottlerGuard's default blockDuration is the ttl: Retry-After is the block's rest.
        expect(Number(last!.headers['retry-after'])).toBeGreaterThanOrEqual(59);
        expect(Number(last!.headers['retry-after'])).toBeLessThanOrEqual(60);
        const stored = await keysUnder(prefix);
        expect(Object.keys(stored).some((k) => k.startsWith(`${prefix}default:`))).toBe(true);

        // No rateLimitStorage option: the key's limits go to the host's (Redis) storage.
        const { key } = await t.apiKeys.create({ ownerId: 'host', rateLimits: [{ name: 'tiny', limit: 2, windowMs: 60_000 }] });
        const keyed: number[] = [];
        for (let i = 0; i < 3; i++) keyed.push((await request(t.server).get('/demo/whoami').set('x-api-key', key)).status);
        expect(keyed).toEqual([200, 200, 429]);
        const apiKeyCounters = Object.entries(await keysUnder(prefix)).filter(([k]) =>
          k.startsWith(`${prefix}${encodeURIComponent('api-keys:tiny')}:`),
        );
        expect(apiKeyCounters).toHaveLength(1);
        expect(apiKeyCounters[0][1]).toBe('3');
      } finally {
        await t.close();
      }
    });

    it('ThrottlerGuard with blockDuration: 0 still denies past the limit', async () => {
      const t = await createTestApp({
        options: { failedAttempts: false },
        imports: [
          ThrottlerModule.forRoot({
            throttlers: [{ name: 'default', ttl: 60_000, limit: 2, blockDuration: 0 }],
            storage: new RedisThrottlerStorage(redisClient(), { prefix: nextPrefix() }),
          }),
        ],
        controllers: [ThrottledController],
      });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 4; i++) statuses.push((await request(t.server).get('/throttled')).status);
        expect(statuses).toEqual([200, 200, 429, 429]);
      } finally {
        await t.close();
      }
    });
  });
});
