import { ApiKeyEntity, ApiKeyValidationError, type RefillInterval, type VerifyResult } from '../lib/index.js';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { lane } from './utils/databases.js';

// Credits must be exact under real concurrency on every database (SPEC §6, §11). Time moves
// only through the injected clock.

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A Monday, mid-afternoon UTC. */
const T0 = Date.UTC(2031, 0, 6, 15, 0, 0);
const utc = (y: number, m: number, d: number, h = 0, min = 0, s = 0, ms = 0) => Date.UTC(y, m - 1, d, h, min, s, ms);
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);
const sorted = (values: number[]) => [...values].sort((a, b) => a - b);

function codesOf(results: VerifyResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) counts[r.code] = (counts[r.code] ?? 0) + 1;
  return counts;
}

function balancesOf(results: VerifyResult[]): number[] {
  return sorted(results.filter((r) => r.code === 'VALID').map((r) => r.remaining!));
}

describe(`credits on ${lane}`, () => {
  let t: TestApp;
  let now = T0;
  beforeAll(async () => {
    t = await createTestApp({ options: { storeTimeoutMs: 60_000, failedAttempts: false, clock: { now: () => now } } });
  });
  afterAll(() => t.close());
  beforeEach(() => {
    now = T0;
  });

  function row(id: string): Promise<ApiKeyEntity> {
    return t.dataSource.getRepository(ApiKeyEntity).findOneByOrFail({ id });
  }

  async function remainingOf(id: string): Promise<number | null> {
    return (await t.apiKeys.get(id))!.remaining;
  }

  function burst(n: number, call: () => Promise<VerifyResult>): Promise<VerifyResult[]> {
    return Promise.all(Array.from({ length: n }, call));
  }

  it('1,000 concurrent verifies on remaining = 100 admit exactly 100, each with a distinct balance', async () => {
    const { key, apiKey } = await t.apiKeys.create({ ownerId: 'c1', remaining: 100 });
    const results = await Promise.all(Array.from({ length: 1000 }, () => t.apiKeys.verify(key)));
    const valid = results.filter((r) => r.code === 'VALID');
    expect(valid).toHaveLength(100);
    expect(results.filter((r) => r.code === 'USAGE_EXCEEDED')).toHaveLength(900);
    expect(new Set(valid.map((r) => r.remaining)).size).toBe(100);
    expect([...valid.map((r) => r.remaining!)].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(await remainingOf(apiKey.id)).toBe(0);
  });

  it('cost 7 on remaining = 1,000 with 1,000 callers admits exactly 142 and leaves 6', async () => {
    const { key, apiKey } = await t.apiKeys.create({ ownerId: 'c2', remaining: 1000 });
    const results = await Promise.all(Array.from({ length: 1000 }, () => t.apiKeys.verify(key, { cost: 7 })));
    const valid = results.filter((r) => r.code === 'VALID');
    expect(valid).toHaveLength(142);
    expect(new Set(valid.map((r) => r.remaining)).size).toBe(142);
    expect(await remainingOf(apiKey.id)).toBe(6);
  });

  describe('refill', () => {
    const DAY1 = utc(2031, 1, 6);
    const DAY2 = utc(2031, 1, 7);

    it('50 concurrent callers at a daily boundary apply exactly one refill', async () => {
      const { key, apiKey } = await t.apiKeys.create({ ownerId: 'r1', remaining: 0, refill: { amount: 100, interval: 'daily' } });
      expect((await row(apiKey.id)).lastRefillAt).toBe(DAY1); // a new refill counts from the current period

      now = DAY2 - 1; // the last millisecond of the creation day: nothing to refill yet
      const before = await t.apiKeys.verify(key);
      expect(before).toMatchObject({ valid: false, code: 'USAGE_EXCEEDED', retryAfterMs: 1 });
      expect(await row(apiKey.id)).toMatchObject({ remaining: 0, lastRefillAt: DAY1 });

      now = DAY2; // 00:00:00.000 UTC: a new period
      const results = await burst(50, () => t.apiKeys.verify(key));
      expect(codesOf(results)).toEqual({ VALID: 50 });
      expect(balancesOf(results)).toEqual(range(50, 50)); // 99 … 50, each once
      expect(await row(apiKey.id)).toMatchObject({ remaining: 50, lastRefillAt: DAY2 });
      const view = await t.apiKeys.get(apiKey.id);
      expect(view!.refill).toEqual({ amount: 100, interval: 'daily', lastRefillAt: new Date(DAY2) });
    });

    it('150 concurrent callers just past the boundary on a low balance: exactly 100 VALID, one refill', async () => {
      const { key, apiKey } = await t.apiKeys.create({ ownerId: 'r2', remaining: 3, refill: { amount: 100, interval: 'daily' } });
      now = DAY2 + 1;
      const results = await burst(150, () => t.apiKeys.verify(key));
      expect(codesOf(results)).toEqual({ VALID: 100, USAGE_EXCEEDED: 50 });
      expect(balancesOf(results)).toEqual(range(100));
      for (const denied of results.filter((r) => !r.valid)) expect(denied.retryAfterMs).toBe(DAY - 1);
      expect(await row(apiKey.id)).toMatchObject({ remaining: 0, lastRefillAt: DAY2 });

      // Later in the same period: still no second refill.
      now = DAY2 + 20 * HOUR;
      expect(await t.apiKeys.verify(key)).toMatchObject({ code: 'USAGE_EXCEEDED', retryAfterMs: 4 * HOUR });
      expect(await row(apiKey.id)).toMatchObject({ remaining: 0, lastRefillAt: DAY2 });
    });

    it('never lowers a larger balance (the period is still claimed)', async () => {
      const { key, apiKey } = await t.apiKeys.create({ ownerId: 'r3', remaining: 500, refill: { amount: 100, interval: 'daily' } });
      now = DAY2 + 5 * HOUR;
      const results = await burst(10, () => t.apiKeys.verify(key));
      expect(codesOf(results)).toEqual({ VALID: 10 });
      expect(balancesOf(results)).toEqual(range(10, 490));
      expect(await row(apiKey.id)).toMatchObject({ remaining: 490, lastRefillAt: DAY2 });
    });

    it('missed periods do not stack: three days later it refills once, to the amount', async () => {
      const { key, apiKey } = await t.apiKeys.create({ ownerId: 'r4', remaining: 10, refill: { amount: 100, interval: 'daily' } });
      now = DAY1 + 3 * DAY + 7 * HOUR;
      expect(await t.apiKeys.verify(key)).toMatchObject({ code: 'VALID', remaining: 99 });
      expect(await t.apiKeys.verify(key)).toMatchObject({ code: 'VALID', remaining: 98 });
      expect(await row(apiKey.id)).toMatchObject({ remaining: 98, lastRefillAt: DAY1 + 3 * DAY });
    });

    const boundaries: Array<[RefillInterval, number, number, number]> = [
      // interval, created at, next period start, the start after that
      ['hourly', utc(2031, 1, 6, 10, 20), utc(2031, 1, 6, 11), utc(2031, 1, 6, 12)],
      // Created on a Wednesday; the next period is Monday 00:00 (not Thursday, not Sunday).
      ['weekly', utc(2031, 1, 8, 10), utc(2031, 1, 13), utc(2031, 1, 20)],
      // Created mid-January; the next period is 1 February 00:00.
      ['monthly', utc(2031, 1, 15, 10), utc(2031, 2, 1), utc(2031, 3, 1)],
    ];

    it.each(boundaries)('%s: no refill before the boundary, exactly one at it', async (interval, created, boundary, following) => {
      now = created;
      const { key, apiKey } = await t.apiKeys.create({ ownerId: `r-${interval}`, remaining: 0, refill: { amount: 5, interval } });
      const start = (await row(apiKey.id)).lastRefillAt!;
      expect(start).toBeLessThanOrEqual(created);

      if (interval !== 'hourly') {
        now = created + DAY; // a daily boundary is not a weekly or monthly one
        expect(await t.apiKeys.verify(key)).toMatchObject({ code: 'USAGE_EXCEEDED', retryAfterMs: boundary - now });
      }
      now = boundary - 1;
      expect(await t.apiKeys.verify(key)).toMatchObject({ code: 'USAGE_EXCEEDED', retryAfterMs: 1 });
      expect(await row(apiKey.id)).toMatchObject({ remaining: 0, lastRefillAt: start });

      now = boundary;
      const results = await burst(8, () => t.apiKeys.verify(key));
      expect(codesOf(results)).toEqual({ VALID: 5, USAGE_EXCEEDED: 3 });
      expect(balancesOf(results)).toEqual(range(5));
      expect(await row(apiKey.id)).toMatchObject({ remaining: 0, lastRefillAt: boundary });

      now = following - 1;
      expect(await t.apiKeys.verify(key)).toMatchObject({ code: 'USAGE_EXCEEDED', retryAfterMs: 1 });
      now = following;
      expect(await t.apiKeys.verify(key)).toMatchObject({ code: 'VALID', remaining: 4 });
      expect(await row(apiKey.id)).toMatchObject({ remaining: 4, lastRefillAt: following });
    });
  });

  describe('rotation during a burst', () => {
    // 260 verifies of the old key are fired; the rotation starts once k of them have settled;
    // once it has answered, 140 more go out, half with the new key and half with the old one.
    it.each([0, 60, 150, 250])('neither doubles nor loses the balance (rotation after %i settled)', async (k) => {
      const { key: oldKey, apiKey } = await t.apiKeys.create({ ownerId: `rot-${k}`, remaining: 300 });
      const results: VerifyResult[] = [];
      let settled = 0;
      let startRotation!: () => void;
      const gate = new Promise<void>((resolve) => (startRotation = resolve));
      const track = (call: Promise<VerifyResult>) =>
        call.then((result) => {
          results.push(result);
          if (++settled === k) startRotation();
        });
      if (k === 0) startRotation();

      const first = range(260).map(() => track(t.apiKeys.verify(oldKey)));
      const rotated = await gate.then(() => t.apiKeys.rotate(apiKey.id, { gracePeriodMs: 24 * HOUR }));
      const second = range(140).map((i) => track(t.apiKeys.verify(i % 2 === 0 ? rotated.key : oldKey)));
      await Promise.all([...first, ...second]);

      expect(results).toHaveLength(400);
      expect(codesOf(results)).toEqual({ VALID: 300, USAGE_EXCEEDED: 100 });
      // Every credit was spent exactly once: the old row's balances, then the successor's.
      expect(balancesOf(results)).toEqual(range(300));

      const oldRow = await row(apiKey.id);
      const successor = await row(rotated.apiKey.id);
      expect(successor.remaining).toBe(0);
      expect(oldRow.rotatedToId).toBe(successor.id);
      // The old row froze at the balance the successor took over; the k calls that had
      // settled before the rotation were charged to it, at most 260 calls could be.
      const frozen = oldRow.remaining!;
      expect(frozen).toBeLessThanOrEqual(300 - k);
      expect(frozen).toBeGreaterThanOrEqual(40);

      // The old key keeps drawing from the successor during the grace, never from its own row.
      expect(await t.apiKeys.verify(oldKey)).toMatchObject({ code: 'USAGE_EXCEEDED' });
      await t.apiKeys.update(successor.id, { remaining: 2 });
      const after = await burst(5, () => t.apiKeys.verify(oldKey));
      expect(codesOf(after)).toEqual({ VALID: 2, USAGE_EXCEEDED: 3 });
      expect(balancesOf(after)).toEqual([0, 1]);
      expect((await row(successor.id)).remaining).toBe(0);
      expect((await row(apiKey.id)).remaining).toBe(frozen);
    });
  });

  describe('dryRun', () => {
    it('consumes nothing (credits, lastUsedAt, rate-limit counts) and answers USAGE_EXCEEDED when cost > balance', async () => {
      const { key, apiKey } = await t.apiKeys.create({
        ownerId: 'dry',
        remaining: 5,
        rateLimits: [{ name: 'burst', limit: 1, windowMs: 60_000 }],
      });
      const updatedAt = (await row(apiKey.id)).updatedAt;
      const results = await burst(20, () => t.apiKeys.verify(key, { dryRun: true }));
      for (const r of results) {
        expect(r).toMatchObject({ valid: true, code: 'VALID', remaining: 5 });
        expect(r.rateLimit).toBeUndefined();
      }
      expect(await t.apiKeys.verify(key, { dryRun: true, cost: 5 })).toMatchObject({ code: 'VALID', remaining: 5 });
      const over = await t.apiKeys.verify(key, { dryRun: true, cost: 6 });
      expect(over).toMatchObject({ valid: false, code: 'USAGE_EXCEEDED' });
      expect(over.key).toBeUndefined();
      expect(over.retryAfterMs).toBeUndefined(); // no refill: no retry hint

      await t.apiKeys.flushLastUsed();
      expect(await row(apiKey.id)).toMatchObject({ remaining: 5, lastUsedAt: null, updatedAt });
      expect((await t.apiKeys.get(apiKey.id))!.lastUsedAt).toBeNull();

      // The rate-limit counter was untouched by the dry runs: the first real call passes.
      expect(await t.apiKeys.verify(key)).toMatchObject({ code: 'VALID', remaining: 4 });
      expect(await t.apiKeys.verify(key)).toMatchObject({ code: 'RATE_LIMITED' });
      await t.apiKeys.flushLastUsed();
      expect(await row(apiKey.id)).toMatchObject({ remaining: 4, lastUsedAt: T0 });
    });

    it('reports a due refill without applying it', async () => {
      const { key, apiKey } = await t.apiKeys.create({ ownerId: 'dry-refill', remaining: 2, refill: { amount: 50, interval: 'daily' } });
      const start = (await row(apiKey.id)).lastRefillAt;
      expect(await t.apiKeys.verify(key, { dryRun: true, cost: 3 })).toMatchObject({
        code: 'USAGE_EXCEEDED',
        retryAfterMs: utc(2031, 1, 7) - T0,
      });
      now = utc(2031, 1, 7, 1);
      expect(await t.apiKeys.verify(key, { dryRun: true, cost: 3 })).toMatchObject({ code: 'VALID', remaining: 50 });
      expect(await row(apiKey.id)).toMatchObject({ remaining: 2, lastRefillAt: start });
      expect(await t.apiKeys.verify(key, { cost: 3 })).toMatchObject({ code: 'VALID', remaining: 47 });
      expect(await row(apiKey.id)).toMatchObject({ remaining: 47, lastRefillAt: utc(2031, 1, 7) });
    });
  });

  describe('cost', () => {
    it.each([[-1], [1.5], [Number.NaN], [Number.POSITIVE_INFINITY], [2 ** 53], ['2']])(
      'cost %p throws ApiKeyValidationError and takes nothing',
      async (cost) => {
        const { key, apiKey } = await t.apiKeys.create({ ownerId: 'cost-bad', remaining: 10 });
        const error = await t.apiKeys.verify(key, { cost: cost as number }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ApiKeyValidationError);
        expect((error as ApiKeyValidationError).errors).toEqual([{ field: 'cost', messages: [expect.any(String)] }]);
        expect(await remainingOf(apiKey.id)).toBe(10);
      },
    );

    it('cost 0 passes at zero and writes nothing; cost > balance takes nothing', async () => {
      const { key, apiKey } = await t.apiKeys.create({ ownerId: 'cost0', remaining: 3 });
      expect(await t.apiKeys.verify(key, { cost: 4 })).toMatchObject({ code: 'USAGE_EXCEEDED' });
      expect(await remainingOf(apiKey.id)).toBe(3);
      expect(await t.apiKeys.verify(key, { cost: 3 })).toMatchObject({ code: 'VALID', remaining: 0 });
      const results = await burst(20, () => t.apiKeys.verify(key, { cost: 0 }));
      for (const r of results) expect(r).toMatchObject({ code: 'VALID', remaining: 0 });
      expect(await t.apiKeys.verify(key)).toMatchObject({ code: 'USAGE_EXCEEDED' });
      expect(await remainingOf(apiKey.id)).toBe(0);
    });

    it('unlimited keys report no remaining and ignore cost', async () => {
      const { key, apiKey } = await t.apiKeys.create({ ownerId: 'unlimited' });
      const result = await t.apiKeys.verify(key, { cost: 1000 });
      expect(result).toMatchObject({ code: 'VALID' });
      expect(result).not.toHaveProperty('remaining');
      expect(await remainingOf(apiKey.id)).toBeNull();
    });
  });

  describe('only an otherwise valid call consumes', () => {
    it('a key lacking a required permission spends nothing, even under a burst', async () => {
      const { key, apiKey } = await t.apiKeys.create({ ownerId: 'perm', remaining: 5, permissions: ['billing:read'] });
      const results = await burst(30, () => t.apiKeys.verify(key, { permissions: ['billing:write'] }));
      expect(codesOf(results)).toEqual({ INSUFFICIENT_PERMISSIONS: 30 });
      expect(await remainingOf(apiKey.id)).toBe(5);
      expect(await t.apiKeys.verify(key, { permissions: ['billing:read'] })).toMatchObject({ code: 'VALID', remaining: 4 });
    });

    it('revoked, disabled and expired keys spend nothing', async () => {
      const revoked = await t.apiKeys.create({ ownerId: 'dead', remaining: 5 });
      await t.apiKeys.revoke(revoked.apiKey.id);
      const disabled = await t.apiKeys.create({ ownerId: 'dead', remaining: 5 });
      await t.apiKeys.update(disabled.apiKey.id, { enabled: false });
      const expired = await t.apiKeys.create({ ownerId: 'dead', remaining: 5, expiresAt: T0 + HOUR });
      now = T0 + 2 * HOUR;
      for (const [created, code] of [
        [revoked, 'REVOKED'],
        [disabled, 'DISABLED'],
        [expired, 'EXPIRED'],
      ] as const) {
        const results = await burst(10, () => t.apiKeys.verify(created.key));
        expect(codesOf(results)).toEqual({ [code]: 10 });
        expect(await remainingOf(created.apiKey.id)).toBe(5);
      }
    });

    it('a rate-limited call spends nothing', async () => {
      const { key, apiKey } = await t.apiKeys.create({
        ownerId: 'limited',
        remaining: 10,
        rateLimits: [{ name: 'burst', limit: 3, windowMs: 60_000 }],
      });
      const results = await burst(12, () => t.apiKeys.verify(key));
      expect(codesOf(results)).toEqual({ VALID: 3, RATE_LIMITED: 9 });
      expect(balancesOf(results)).toEqual([7, 8, 9]);
      expect(await remainingOf(apiKey.id)).toBe(7);
    });
  });
});
