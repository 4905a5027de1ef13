import { ApiKeyUsageService, ApiKeyVerificationEntity, type ApiKeysModuleOptions } from '../lib/index.js';
import { TimeOrderedIds } from '../lib/usage/usage-buffer.js';
import { VERIFICATIONS_KEPT_PER_KEY } from '../lib/usage/usage-recorder.js';
import { UsageStore, type VerificationRow } from '../lib/usage/usage.store.js';
import { lane } from './utils/databases.js';
import { fakeClock } from './utils/fake-clock.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

// The two statements a flush writes the verification log with, on the lane's database: the
// raw multi-row insert (one array per column through unnest on PostgreSQL) and the trim of a
// hot key by an index range, also while another instance writes the same key.

const T0 = Date.UTC(2031, 2, 3, 22, 30);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const options = (clock: { now(): number }): ApiKeysModuleOptions => ({
  clock,
  failedAttempts: false,
  storeTimeoutMs: 60_000,
  verificationLog: { flushIntervalMs: 3_600_000 },
});

describe(`the log insert on ${lane}`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ options: options(fakeClock(T0)) });
  });
  afterAll(() => t.close());

  it('stores every value as given and skips a row whose id is already stored', async () => {
    const store = t.app.get(UsageStore);
    const ids = new TimeOrderedIds();
    const [a, b, c] = [ids.next(T0), ids.next(T0), ids.next(T0 + 1)];
    const row = (id: string, extra: Partial<VerificationRow> = {}): VerificationRow => ({
      id,
      keyId: 'key-1',
      ownerId: 'acme',
      at: T0,
      code: 'VALID',
      cost: 0,
      ip: null,
      tags: null,
      ...extra,
    });
    // Values an array literal would have to quote: quotes, a backslash, braces, commas, NULL.
    const awkward = 'a "quoted", {braced} \\ owner NULL';
    await store.insertLog([
      row(a, { ownerId: awkward, cost: 2 ** 40, ip: '2001:db8::1', tags: '\nexport\nbatch\n' }),
      row(b, { ownerId: 'NULL', code: 'RATE_LIMITED' }),
    ]);
    // A retried flush: `b` is stored already (its new values are ignored), `c` is new.
    await store.insertLog([row(b, { code: 'REVOKED', cost: 9 }), row(c, { ownerId: 'ünïcødé', at: T0 + 1, ip: '203.0.113.7' })]);

    const stored = await t.dataSource.getRepository(ApiKeyVerificationEntity).find({ order: { id: 'ASC' } });
    expect(stored.map((r) => ({ ...r }))).toEqual([
      { id: a, keyId: 'key-1', ownerId: awkward, at: T0, code: 'VALID', cost: 2 ** 40, ip: '2001:db8::1', tags: '\nexport\nbatch\n' },
      { id: b, keyId: 'key-1', ownerId: 'NULL', at: T0, code: 'RATE_LIMITED', cost: 0, ip: null, tags: null },
      { id: c, keyId: 'key-1', ownerId: 'ünïcødé', at: T0 + 1, code: 'VALID', cost: 0, ip: '203.0.113.7', tags: null },
    ]);
  });
});

describe(`the trim of a hot key on ${lane}`, () => {
  it(`keeps the newest ${VERIFICATIONS_KEPT_PER_KEY} when another instance's rows interleave, deleting only rows older than the flush's own`, async () => {
    const clock = fakeClock(T0);
    const one = await createTestApp({ options: options(clock) });
    const two = await createTestApp({ options: options(clock), database: one.database });
    try {
      const { key, apiKey } = await one.apiKeys.create({ ownerId: 'acme' });
      const stored = async () =>
        (await one.dataSource.getRepository(ApiKeyVerificationEntity).find({ where: { keyId: apiKey.id }, order: { at: 'ASC' } })).map(
          (r) => r.at,
        );
      const verified: number[] = [];
      const verify = async (t: TestApp) => {
        expect((await t.apiKeys.verify(key)).code).toBe('VALID');
        verified.push(clock.now());
      };

      // Instance two: 150 verifications, one a second; its flush writes its newest 100.
      for (const _ of range(150)) {
        clock.advance(1000);
        await verify(two);
      }
      await two.app.get(ApiKeyUsageService).flush();
      expect(await stored()).toEqual(verified.slice(50));

      // Then both: one 250 times, two every fifth second in between. Two flushes first (50
      // rows: the key's newest 100 are kept), then one (its newest 100, from i = 150 on).
      const byTwo: number[] = [];
      for (const i of range(250)) {
        clock.advance(1000);
        await verify(one);
        if (i % 5 === 2) {
          clock.advance(1);
          await verify(two);
          byTwo.push(clock.now());
        }
      }
      const ofOne = verified.filter((at) => at > T0 + 150_000 && !byTwo.includes(at));
      await two.app.get(ApiKeyUsageService).flush();
      await one.app.get(ApiKeyUsageService).flush();

      // Every row at or after the oldest that one wrote is kept, two's among them; nothing older.
      const oldestWritten = ofOne.at(-VERIFICATIONS_KEPT_PER_KEY)!;
      const expected = verified.filter((at) => at >= oldestWritten);
      expect(await stored()).toEqual(expected);
      expect(expected).toHaveLength(VERIFICATIONS_KEPT_PER_KEY + 20); // two's rows of i = 152, 157, … 247
      // The log answers the key's newest 100 verifications, whichever instance counted them.
      const newest = await one.app.get(ApiKeyUsageService).verifications(apiKey.id, { limit: 100 });
      expect(newest.items.map((item) => Date.parse(item.at))).toEqual(verified.slice(-100).reverse());

      // Two's next flush of a hundred rows trims what one wrote before them.
      for (const _ of range(100)) {
        clock.advance(1000);
        await verify(two);
      }
      await two.app.get(ApiKeyUsageService).flush();
      expect(await stored()).toEqual(verified.slice(-100));
    } finally {
      await two.close();
      await one.close();
    }
  });
});
