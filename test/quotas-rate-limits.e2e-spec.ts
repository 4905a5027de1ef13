import { ThrottlerModule } from '@nestjs/throttler';
import request from 'supertest';
import {
  ApiKeyEntity,
  InMemoryRateLimitStorage,
  VERIFY_MESSAGES,
  type RateLimitStorage,
  type RateLimitStorageRecord,
  type VerifyResult,
} from '../lib/index.js';
import { lane } from './utils/databases.js';
import { PLATFORMS, createTestApp, type Platform, type TestApp } from './utils/test-app.js';

const START = Date.UTC(2030, 0, 1);
const RATE_LIMITED_BODY = { statusCode: 429, error: 'Too Many Requests', code: 'RATE_LIMITED', message: VERIFY_MESSAGES.RATE_LIMITED };

/** A ThrottlerStorage that records every increment and keeps its counts on the test clock. */
class SpyStorage implements RateLimitStorage {
  readonly keys: string[] = [];
  private readonly inner: RateLimitStorage;
  constructor(clock: { now(): number }) {
    this.inner = new InMemoryRateLimitStorage(clock);
  }
  increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<RateLimitStorageRecord> {
    this.keys.push(key);
    return this.inner.increment(key, ttl, limit, blockDuration, throttlerName);
  }
  count(fragment: string): number {
    return this.keys.filter((key) => key.includes(fragment)).length;
  }
}

/** The balance as stored in the database (not through the service's view). */
async function storedRemaining(t: TestApp, id: string): Promise<number | null> {
  return (await t.dataSource.getRepository(ApiKeyEntity).findOneByOrFail({ id })).remaining;
}

async function verifyTimes(t: TestApp, key: string, times: number): Promise<VerifyResult[]> {
  const results: VerifyResult[] = [];
  for (let i = 0; i < times; i++) results.push(await t.apiKeys.verify(key));
  return results;
}

const codesOf = (results: VerifyResult[]) => results.map((r) => r.code);
const repeat = <T>(value: T, times: number): T[] => Array.from({ length: times }, () => value);

describe.each(PLATFORMS)(`rate limits over HTTP on %s (${lane})`, (platform: Platform) => {
  let t: TestApp;
  let now = START;

  beforeAll(async () => {
    t = await createTestApp({ platform, options: { clock: { now: () => now }, failedAttempts: false } });
    await t.app.listen(0, '127.0.0.1');
  });
  afterAll(() => t.close());

  const get = (path: string, key: string) => request(t.server).get(path).set('x-api-key', key);

  it('limit 5: 20 sequential requests give exactly 5 × 200 with a countdown, then 15 × 429 RATE_LIMITED with headers', async () => {
    now = START;
    const { key } = await t.apiKeys.create({ ownerId: `hdr-${platform}`, rateLimits: [{ name: 'rl', limit: 5, windowMs: 60_000 }] });
    const responses: request.Response[] = [];
    for (let i = 0; i < 20; i++) responses.push(await get('/demo/whoami', key));

    expect(responses.map((r) => r.status)).toEqual([...repeat(200, 5), ...repeat(429, 15)]);
    expect(responses.slice(0, 5).map((r) => r.headers['ratelimit-remaining'])).toEqual(['4', '3', '2', '1', '0']);
    for (const ok of responses.slice(0, 5)) {
      expect(ok.headers['ratelimit-limit']).toBe('5');
      expect(ok.headers['ratelimit-reset']).toBe('60');
      expect(ok.headers['retry-after']).toBeUndefined();
      expect(ok.body.ownerId).toBe(`hdr-${platform}`);
    }
    for (const denied of responses.slice(5)) {
      expect(denied.body).toEqual(RATE_LIMITED_BODY);
      expect(denied.headers['retry-after']).toBe('60');
      expect(denied.headers['ratelimit-limit']).toBe('5');
      expect(denied.headers['ratelimit-remaining']).toBe('0');
      expect(denied.headers['ratelimit-reset']).toBe('60');
      expect(denied.headers['www-authenticate']).toBeUndefined();
    }

    // Reset and Retry-After count down with the clock (delta-seconds).
    now = START + 45_500;
    const later = await get('/demo/whoami', key);
    expect(later.status).toBe(429);
    expect(later.headers['retry-after']).toBe('15');
    expect(later.headers['ratelimit-reset']).toBe('15');

    // The window is over: requests pass again, with a fresh countdown.
    now = START + 60_000;
    const again = await get('/demo/whoami', key);
    expect(again.status).toBe(200);
    expect(again.headers['ratelimit-remaining']).toBe('4');
    expect(again.headers['ratelimit-reset']).toBe('60');
  });

  it('remaining = 10 with limit 5: 20 requests spend exactly 5 credits; rate-limited calls spend none', async () => {
    now = START;
    const { key, apiKey } = await t.apiKeys.create({
      ownerId: `cred-${platform}`,
      remaining: 10,
      rateLimits: [{ name: 'rl', limit: 5, windowMs: 60_000 }],
    });
    const responses: request.Response[] = [];
    for (let i = 0; i < 20; i++) responses.push(await get('/demo/verification', key));
    expect(responses.map((r) => r.status)).toEqual([...repeat(200, 5), ...repeat(429, 15)]);
    expect(responses.slice(0, 5).map((r) => r.body.remaining)).toEqual([9, 8, 7, 6, 5]);
    expect(responses.slice(5).every((r) => r.body.code === 'RATE_LIMITED')).toBe(true);
    expect(await storedRemaining(t, apiKey.id)).toBe(5);
  });

  it('with several limits the headers describe the one with the least remaining', async () => {
    now = START;
    const { key } = await t.apiKeys.create({
      ownerId: `multi-${platform}`,
      rateLimits: [
        { name: 'minute', limit: 3, windowMs: 60_000 },
        { name: 'burst', limit: 2, windowMs: 1_000 },
      ],
    });
    const first = await get('/demo/verification', key);
    expect(first.status).toBe(200);
    expect([first.headers['ratelimit-limit'], first.headers['ratelimit-remaining'], first.headers['ratelimit-reset']]).toEqual([
      '2',
      '1',
      '1',
    ]);
    expect(first.body.rateLimit).toEqual({ name: 'burst', limit: 2, remaining: 1, resetAt: START + 1_000 });

    const second = await get('/demo/verification', key);
    expect([second.headers['ratelimit-limit'], second.headers['ratelimit-remaining']]).toEqual(['2', '0']);

    const burst = await get('/demo/verification', key);
    expect(burst.status).toBe(429);
    expect([burst.headers['ratelimit-limit'], burst.headers['ratelimit-remaining'], burst.headers['retry-after']]).toEqual(['2', '0', '1']);

    now = START + 1_000;
    const third = await get('/demo/verification', key);
    expect(third.status).toBe(200);
    // burst has 1 left, minute 0: the minute limit is described.
    expect([third.headers['ratelimit-limit'], third.headers['ratelimit-remaining'], third.headers['ratelimit-reset']]).toEqual([
      '3',
      '0',
      '59',
    ]);
    expect(third.body.rateLimit).toEqual({ name: 'minute', limit: 3, remaining: 0, resetAt: START + 60_000 });

    const minute = await get('/demo/verification', key);
    expect(minute.status).toBe(429);
    expect(minute.body).toEqual(RATE_LIMITED_BODY);
    expect([
      minute.headers['ratelimit-limit'],
      minute.headers['ratelimit-remaining'],
      minute.headers['ratelimit-reset'],
      minute.headers['retry-after'],
    ]).toEqual(['3', '0', '59', '59']);
  });

  it('a report-mode limit never denies; @ApiKeyVerification shows wouldRateLimit once over', async () => {
    now = START;
    const { key } = await t.apiKeys.create({
      ownerId: `report-${platform}`,
      rateLimits: [{ name: 'shadow', limit: 2, windowMs: 60_000, mode: 'report' }],
    });
    const responses: request.Response[] = [];
    for (let i = 0; i < 5; i++) responses.push(await get('/demo/verification', key));
    expect(responses.map((r) => r.status)).toEqual(repeat(200, 5));
    expect(responses.map((r) => r.body.code)).toEqual(repeat('VALID', 5));
    expect(responses.map((r) => r.body.wouldRateLimit)).toEqual([undefined, undefined, 'shadow', 'shadow', 'shadow']);
    // A report-only limit is not an enforced one: no rate-limit state, no headers.
    expect(responses.every((r) => r.body.rateLimit === undefined && r.headers['ratelimit-limit'] === undefined)).toBe(true);
  });

  it('a key without limits gets no RateLimit headers', async () => {
    const { key } = await t.apiKeys.create({ ownerId: `free-${platform}` });
    const res = await get('/demo/whoami', key);
    expect(res.status).toBe(200);
    expect(res.headers['ratelimit-limit']).toBeUndefined();
    expect(res.headers['ratelimit-remaining']).toBeUndefined();
  });
});

describe(`rate limits in verify on ${lane}`, () => {
  let t: TestApp;
  let now = START;
  const clock = { now: () => now };
  const storage = new SpyStorage(clock);

  beforeAll(async () => {
    t = await createTestApp({ options: { clock, failedAttempts: false, rateLimitStorage: storage } });
  });
  afterAll(() => t.close());
  beforeEach(() => {
    now = START;
  });

  it('limit 5: 20 sequential verifies give 5 VALID then 15 RATE_LIMITED, and pass again after the window (clock)', async () => {
    const { key } = await t.apiKeys.create({ ownerId: 'seq', rateLimits: [{ name: 'rl', limit: 5, windowMs: 60_000 }] });
    const results = await verifyTimes(t, key, 20);
    expect(codesOf(results)).toEqual([...repeat('VALID', 5), ...repeat('RATE_LIMITED', 15)]);
    expect(results.slice(0, 5).map((r) => r.rateLimit)).toEqual(
      [4, 3, 2, 1, 0].map((remaining) => ({ name: 'rl', limit: 5, remaining, resetAt: START + 60_000 })),
    );
    for (const denied of results.slice(5)) {
      expect(denied).toMatchObject({ valid: false, retryAfterMs: 60_000, rateLimit: { name: 'rl', remaining: 0 } });
      expect(denied.key).toBeUndefined();
    }

    now = START + 59_999;
    expect((await t.apiKeys.verify(key)).code).toBe('RATE_LIMITED');
    now = START + 60_000;
    const again = await verifyTimes(t, key, 6);
    expect(codesOf(again)).toEqual([...repeat('VALID', 5), 'RATE_LIMITED']);
    expect(again[0].rateLimit).toEqual({ name: 'rl', limit: 5, remaining: 4, resetAt: START + 120_000 });
  });

  it('remaining = 10 with limit 5: exactly 5 VALID and remaining = 5 in the database after 20 verifies', async () => {
    const { key, apiKey } = await t.apiKeys.create({
      ownerId: 'cred',
      remaining: 10,
      rateLimits: [{ name: 'rl', limit: 5, windowMs: 60_000 }],
    });
    const results = await verifyTimes(t, key, 20);
    expect(codesOf(results)).toEqual([...repeat('VALID', 5), ...repeat('RATE_LIMITED', 15)]);
    expect(results.slice(0, 5).map((r) => r.remaining)).toEqual([9, 8, 7, 6, 5]);
    expect(results.slice(5).every((r) => r.remaining === undefined)).toBe(true);
    expect(await storedRemaining(t, apiKey.id)).toBe(5);
  });

  it('several limits: shortest window first; a call denied by burst is not counted by minute', async () => {
    const { key, apiKey } = await t.apiKeys.create({
      ownerId: 'multi',
      rateLimits: [
        { name: 'minute', limit: 3, windowMs: 60_000 },
        { name: 'burst', limit: 2, windowMs: 1_000 },
      ],
    });
    const scope = `key:${apiKey.lineageId}`;
    const firstBurst = await verifyTimes(t, key, 5);
    expect(codesOf(firstBurst)).toEqual(['VALID', 'VALID', 'RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED']);
    expect(firstBurst.slice(2).map((r) => r.rateLimit?.name)).toEqual(['burst', 'burst', 'burst']);
    expect(firstBurst[2].retryAfterMs).toBe(1_000);
    expect(storage.count(`${scope}:burst:`)).toBe(5);
    expect(storage.count(`${scope}:minute:`)).toBe(2);
    // Checked in window order: every call went to burst before minute.
    const order = storage.keys.filter((k) => k.startsWith(scope)).map((k) => k.split(':')[2]);
    expect(order).toEqual(['burst', 'minute', 'burst', 'minute', 'burst', 'burst', 'burst']);

    // Next second: burst has room again. Had the 3 denied calls counted, minute (limit 3) would deny now.
    now = START + 1_000;
    const next = await verifyTimes(t, key, 2);
    expect(codesOf(next)).toEqual(['VALID', 'RATE_LIMITED']);
    expect(next[0].rateLimit).toEqual({ name: 'minute', limit: 3, remaining: 0, resetAt: START + 60_000 });
    expect(next[1].rateLimit).toMatchObject({ name: 'minute', remaining: 0 });
    expect(next[1].retryAfterMs).toBe(59_000);
    expect(storage.count(`${scope}:minute:`)).toBe(4);
  });

  it('an owner limit is shared by all its keys, leaves other owners alone and combines with a key limit', async () => {
    expect(await t.apiKeys.setOwnerRateLimits('acme', [{ name: 'org', limit: 4, windowMs: 60_000 }])).toEqual({
      ownerId: 'acme',
      rateLimits: [{ name: 'org', limit: 4, windowMs: 60_000 }],
    });
    const a = await t.apiKeys.create({ ownerId: 'acme' });
    const b = await t.apiKeys.create({ ownerId: 'acme' });
    const other = await t.apiKeys.create({ ownerId: 'globex' });

    const shared: VerifyResult[] = [];
    for (let i = 0; i < 6; i++) {
      shared.push(await t.apiKeys.verify(a.key));
      shared.push(await t.apiKeys.verify(b.key));
    }
    expect(shared.filter((r) => r.valid)).toHaveLength(4);
    expect(codesOf(shared)).toEqual([...repeat('VALID', 4), ...repeat('RATE_LIMITED', 8)]);
    expect(shared[3].rateLimit).toEqual({ name: 'org', limit: 4, remaining: 0, resetAt: START + 60_000 });
    expect(codesOf(await verifyTimes(t, other.key, 10))).toEqual(repeat('VALID', 10));

    // A key of acme2 with its own 2/10 s limit under an org limit of 4/min: the key stops at 2,
    // and its denied calls leave the org counter at 2 for its sibling.
    await t.apiKeys.setOwnerRateLimits('acme2', [{ name: 'org', limit: 4, windowMs: 60_000 }]);
    const own = await t.apiKeys.create({ ownerId: 'acme2', rateLimits: [{ name: 'key', limit: 2, windowMs: 10_000 }] });
    const sibling = await t.apiKeys.create({ ownerId: 'acme2' });
    const ownResults = await verifyTimes(t, own.key, 5);
    expect(codesOf(ownResults)).toEqual(['VALID', 'VALID', 'RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED']);
    expect(ownResults[2].rateLimit?.name).toBe('key');
    const siblingResults = await verifyTimes(t, sibling.key, 4);
    expect(codesOf(siblingResults)).toEqual(['VALID', 'VALID', 'RATE_LIMITED', 'RATE_LIMITED']);
    expect(siblingResults[2].rateLimit?.name).toBe('org');

    // After the key window (10 s) the key limit has room, but the org limit is spent.
    now = START + 10_000;
    expect((await t.apiKeys.verify(own.key)).rateLimit?.name).toBe('org');
    expect((await t.apiKeys.verify(own.key)).code).toBe('RATE_LIMITED');
    // Removing the owner limit frees acme's keys at once.
    await t.apiKeys.setOwnerRateLimits('acme', null);
    expect((await t.apiKeys.verify(a.key)).code).toBe('VALID');
  });

  it('report mode never denies and names itself in wouldRateLimit once over; an enforced limit still denies', async () => {
    const { key } = await t.apiKeys.create({
      ownerId: 'report',
      rateLimits: [
        { name: 'shadow', limit: 2, windowMs: 60_000, mode: 'report' },
        { name: 'hard', limit: 4, windowMs: 60_000 },
      ],
    });
    const results = await verifyTimes(t, key, 6);
    expect(codesOf(results)).toEqual([...repeat('VALID', 4), 'RATE_LIMITED', 'RATE_LIMITED']);
    expect(results.slice(0, 4).map((r) => r.wouldRateLimit)).toEqual([undefined, undefined, 'shadow', 'shadow']);
    expect(results.slice(0, 4).map((r) => r.rateLimit?.name)).toEqual(repeat('hard', 4));

    const only = await t.apiKeys.create({
      ownerId: 'report',
      rateLimits: [{ name: 'shadow', limit: 1, windowMs: 60_000, mode: 'report' }],
    });
    const many = await verifyTimes(t, only.key, 30);
    expect(codesOf(many)).toEqual(repeat('VALID', 30));
    expect(many[0].wouldRateLimit).toBeUndefined();
    expect(many.slice(1).every((r) => r.wouldRateLimit === 'shadow')).toBe(true);
  });

  it('dryRun counts nothing and its result has no rateLimit', async () => {
    const { key, apiKey } = await t.apiKeys.create({
      ownerId: 'dry',
      remaining: 3,
      rateLimits: [{ name: 'rl', limit: 2, windowMs: 60_000 }],
    });
    const before = storage.keys.length;
    for (let i = 0; i < 10; i++) {
      const dry = await t.apiKeys.verify(key, { dryRun: true });
      expect(dry.code).toBe('VALID');
      expect(dry.rateLimit).toBeUndefined();
      expect(dry.remaining).toBe(3);
    }
    expect(storage.keys.length).toBe(before);
    expect(storage.count(apiKey.lineageId)).toBe(0);
    expect(await storedRemaining(t, apiKey.id)).toBe(3);

    expect(codesOf(await verifyTimes(t, key, 3))).toEqual(['VALID', 'VALID', 'RATE_LIMITED']);
    expect(storage.count(apiKey.lineageId)).toBe(3);
    expect(await storedRemaining(t, apiKey.id)).toBe(1);
  });

  it('counters survive rotation: the successor continues the same window count (keyed by lineage)', async () => {
    const { key: oldKey, apiKey: old } = await t.apiKeys.create({
      ownerId: 'rot',
      rateLimits: [{ name: 'rl', limit: 4, windowMs: 60_000 }],
    });
    expect(codesOf(await verifyTimes(t, oldKey, 2))).toEqual(['VALID', 'VALID']);
    const { key: newKey, apiKey: successor } = await t.apiKeys.rotate(old.id, { gracePeriodMs: 600_000 });
    expect(successor.lineageId).toBe(old.lineageId);
    expect(successor.id).not.toBe(old.id);

    const third = await t.apiKeys.verify(newKey);
    expect(third.code).toBe('VALID');
    expect(third.rateLimit?.remaining).toBe(1);
    const fourth = await t.apiKeys.verify(oldKey); // in grace: draws from the same counter
    expect(fourth.code).toBe('VALID');
    expect(fourth.rateLimit?.remaining).toBe(0);
    expect((await t.apiKeys.verify(newKey)).code).toBe('RATE_LIMITED');
    expect((await t.apiKeys.verify(oldKey)).code).toBe('RATE_LIMITED');
    // One counter for the lineage; the successor's own id never keys one.
    expect(storage.count(old.lineageId)).toBe(6);
    expect(storage.count(successor.id)).toBe(0);

    // Rotated again with no grace: the third key of the lineage is still out of room.
    const { key: thirdKey } = await t.apiKeys.rotate(successor.id);
    expect((await t.apiKeys.verify(thirdKey)).code).toBe('RATE_LIMITED');
    now = START + 60_000;
    expect((await t.apiKeys.verify(thirdKey)).rateLimit).toMatchObject({ name: 'rl', remaining: 3 });
  });
});

describe(`defaultRateLimits on ${lane}`, () => {
  let t: TestApp;
  const now = START;

  beforeAll(async () => {
    t = await createTestApp({
      options: { clock: { now: () => now }, failedAttempts: false, defaultRateLimits: [{ name: 'default', limit: 3, windowMs: 60_000 }] },
    });
  });
  afterAll(() => t.close());

  it('apply to each key without its own limits, with a counter per key', async () => {
    const one = await t.apiKeys.create({ ownerId: 'd' });
    const two = await t.apiKeys.create({ ownerId: 'd' });
    const ones = await verifyTimes(t, one.key, 5);
    expect(codesOf(ones)).toEqual(['VALID', 'VALID', 'VALID', 'RATE_LIMITED', 'RATE_LIMITED']);
    expect(ones[0].rateLimit).toEqual({ name: 'default', limit: 3, remaining: 2, resetAt: START + 60_000 });
    expect(codesOf(await verifyTimes(t, two.key, 4))).toEqual(['VALID', 'VALID', 'VALID', 'RATE_LIMITED']);
  });

  it('do not apply to a key with its own limits', async () => {
    const own = await t.apiKeys.create({ ownerId: 'd', rateLimits: [{ name: 'own', limit: 5, windowMs: 60_000 }] });
    const results = await verifyTimes(t, own.key, 7);
    expect(codesOf(results)).toEqual([...repeat('VALID', 5), 'RATE_LIMITED', 'RATE_LIMITED']);
    expect(results.every((r) => r.rateLimit?.name === 'own')).toBe(true);
  });

  it('apply again when a key’s own limits are cleared', async () => {
    const { key, apiKey } = await t.apiKeys.create({ ownerId: 'd', rateLimits: [{ name: 'own', limit: 10, windowMs: 60_000 }] });
    expect((await t.apiKeys.verify(key)).rateLimit?.name).toBe('own');
    await t.apiKeys.update(apiKey.id, { rateLimits: null });
    const results = await verifyTimes(t, key, 4);
    expect(codesOf(results)).toEqual(['VALID', 'VALID', 'VALID', 'RATE_LIMITED']);
    expect(results[0].rateLimit?.name).toBe('default');
  });
});

describe(`the host's ThrottlerStorage on ${lane}`, () => {
  const now = START;
  const clock = { now: () => now };
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('counts go through the storage of the host ThrottlerModule', async () => {
    const host = new SpyStorage(clock);
    t = await createTestApp({
      options: { clock, failedAttempts: false },
      imports: [ThrottlerModule.forRoot({ throttlers: [{ ttl: 60_000, limit: 100 }], storage: host })],
    });
    const { key, apiKey } = await t.apiKeys.create({ ownerId: 'host', rateLimits: [{ name: 'rl', limit: 2, windowMs: 60_000 }] });
    expect(codesOf(await verifyTimes(t, key, 3))).toEqual(['VALID', 'VALID', 'RATE_LIMITED']);
    expect(host.keys).toEqual(repeat(`key:${apiKey.lineageId}:rl:60000`, 3));
  });

  it('the rateLimitStorage option wins over the host storage', async () => {
    const host = new SpyStorage(clock);
    const option = new SpyStorage(clock);
    t = await createTestApp({
      options: { clock, failedAttempts: false, rateLimitStorage: option },
      imports: [ThrottlerModule.forRoot({ throttlers: [{ ttl: 60_000, limit: 100 }], storage: host })],
    });
    const { key, apiKey } = await t.apiKeys.create({ ownerId: 'opt', rateLimits: [{ name: 'rl', limit: 2, windowMs: 60_000 }] });
    expect(codesOf(await verifyTimes(t, key, 3))).toEqual(['VALID', 'VALID', 'RATE_LIMITED']);
    expect(option.keys).toEqual(repeat(`key:${apiKey.lineageId}:rl:60000`, 3));
    expect(host.keys).toEqual([]);
  });
});
