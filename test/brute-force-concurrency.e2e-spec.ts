import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import request from 'supertest';
import { RedisThrottlerStorage } from '../lib/index.js';
import { KeyFormat } from '../lib/keys/key-format.js';
import { lane } from './utils/databases.js';
import { SqlRecorder } from './utils/sql-recorder.js';
import { hangKeyLookups } from './utils/store-faults.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

/** Real-format keys of the apps' prefix: valid checksum, never issued. */
const unknownKeys = new KeyFormat('sk', 32);
const REDIS = { host: process.env.REDIS_HOST ?? '127.0.0.1', port: Number(process.env.REDIS_PORT ?? 6379) };

/** Key lookups by hash: what a guessing client costs the database. */
const lookups = (sql: SqlRecorder) => sql.statements.filter((s) => /\bIN\s*\(/i.test(s) && /hash/i.test(s)).length;

/**
 * Failed attempts are counted before the lookup and given back on success (SPEC §7). Checked
 * after the lookup, 300 concurrent unknown keys from one client once all reached the store
 * (300 of 300 on PostgreSQL); now exactly `limit` do, on every database.
 */
describe(`failed attempts under concurrency on ${lane}`, () => {
  let t: TestApp;
  const sql = new SqlRecorder();
  let base: string;

  beforeAll(async () => {
    t = await createTestApp({
      options: { failedAttempts: { limit: 30, windowMs: 60_000 }, storeTimeoutMs: 10_000 },
      typeorm: { logging: true, logger: sql } as never,
    });
    // Client addresses from X-Forwarded-For, so one test can be several clients.
    t.app.getHttpAdapter().getInstance().set('trust proxy', true);
    await t.app.listen(0, '127.0.0.1');
    base = await t.app.getUrl();
  });
  afterAll(() => t.close());

  const burst = (n: number, ip: string) =>
    Promise.all(
      Array.from({ length: n }, () =>
        request(base).get('/demo/whoami').set('x-forwarded-for', ip).set('x-api-key', unknownKeys.generate()),
      ),
    );

  it('300 concurrent unknown keys from one client: exactly 30 reach the store, 270 are 429 before any query', async () => {
    // A slow store keeps every lookup in flight while the burst arrives: real overlap.
    const release = await hangKeyLookups(t);
    sql.reset();
    const pending = burst(300, '203.0.113.7');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await release();
    const answers = await pending;
    const codes = answers.map((res) => res.body.code);
    expect(codes.filter((c) => c === 'NOT_FOUND')).toHaveLength(30);
    expect(codes.filter((c) => c === 'TOO_MANY_ATTEMPTS')).toHaveLength(270);
    expect(lookups(sql)).toBe(30);
  });

  it('valid keys in the same burst are given back: they never use up the allowance', async () => {
    const { key } = await t.apiKeys.create({ ownerId: 'bf-concurrency' });
    const valid = await Promise.all(
      Array.from({ length: 60 }, () => request(base).get('/demo/whoami').set('x-forwarded-for', '203.0.113.8').set('x-api-key', key)),
    );
    expect(valid.every((res) => res.status === 200)).toBe(true);
    sql.reset();
    const bad = await burst(40, '203.0.113.8');
    expect(bad.filter((res) => res.body.code === 'NOT_FOUND')).toHaveLength(30);
    expect(lookups(sql)).toBe(30);
  });

  it("a client's first burst with its one valid key is one attempt: a slow first lookup refuses none of it", async () => {
    // Each request once counted as a possible failure until its lookup answered: 60 concurrent
    // first requests with a valid key got 30 × 200 and 30 × 429 while the store was slow.
    const { key } = await t.apiKeys.create({ ownerId: 'bf-first-burst' });
    const release = await hangKeyLookups(t);
    const pending = Promise.all(
      Array.from({ length: 60 }, () => request(base).get('/demo/whoami').set('x-forwarded-for', '203.0.113.9').set('x-api-key', key)),
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await release();
    expect((await pending).map((res) => res.status)).toEqual(Array(60).fill(200));
  });

  it('counts IPv6 clients by their /64: rotating the interface id does not earn new attempts', async () => {
    sql.reset();
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        request(base)
          .get('/demo/whoami')
          .set('x-forwarded-for', `2001:db8:7:7:${(i + 1).toString(16)}::1`)
          .set('x-api-key', unknownKeys.generate()),
      ),
    );
    expect(answers.filter((res) => res.body.code === 'NOT_FOUND')).toHaveLength(30);
    expect(lookups(sql)).toBe(30);
    // Another /64 is another client.
    const other = await request(base)
      .get('/demo/whoami')
      .set('x-forwarded-for', '2001:db8:7:8::1')
      .set('x-api-key', unknownKeys.generate());
    expect(other.body.code).toBe('NOT_FOUND');
  });
});

describe(`failed attempts with Redis down on ${lane}`, () => {
  it('falls back to counting in process (one warning per outage) while rate limits fail closed', async () => {
    // A client pointed at a port where nothing listens: every command fails at once.
    const redis = new Redis({
      ...REDIS,
      port: 1,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const t = await createTestApp({
      options: { failedAttempts: { limit: 5, windowMs: 60_000 }, rateLimitStorage: new RedisThrottlerStorage(redis, { timeoutMs: 200 }) },
    });
    try {
      const codes: string[] = [];
      for (let i = 0; i < 45; i++)
        codes.push((await request(t.server).get('/demo/whoami').set('x-api-key', unknownKeys.generate())).body.code);
      expect(codes).toEqual([...Array(5).fill('NOT_FOUND'), ...Array(40).fill('TOO_MANY_ATTEMPTS')]);
      const outageWarnings = warn.mock.calls.filter(([message]) => /counting failed attempts in process/.test(String(message)));
      expect(outageWarnings).toHaveLength(1);
      // A limited key still fails closed: its counter lives in Redis.
      const { key } = await t.apiKeys.create({ ownerId: 'bf-redis', rateLimits: [{ name: 'rl', limit: 10, windowMs: 60_000 }] });
      await expect(t.apiKeys.verify(key)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    } finally {
      warn.mockRestore();
      await t.close();
      redis.disconnect();
    }
  });
});
