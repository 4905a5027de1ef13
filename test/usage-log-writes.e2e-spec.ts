import { ApiKeyVerificationEntity, type ApiKeysModuleOptions } from '../lib/index.js';
import { TimeOrderedIds } from '../lib/usage/usage-buffer.js';
import { UsageStore, type VerificationRow } from '../lib/usage/usage.store.js';
import { lane } from './utils/databases.js';
import { fakeClock } from './utils/fake-clock.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

// The statements a flush writes the verification log with, on the lane's database: the raw
// multi-row insert (one array per column through unnest on PostgreSQL).

const T0 = Date.UTC(2031, 2, 3, 22, 30);
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
