import request from 'supertest';
import { DataSource } from 'typeorm';
import {
  API_KEYS_MIGRATIONS,
  ApiKeyUsageRollupEntity,
  ApiKeyUsageService,
  ApiKeyValidationError,
  ApiKeyVerificationEntity,
  type ApiKeysModuleOptions,
  type UsageBucket,
} from '../lib/index.js';
import { KeyFormat } from '../lib/keys/key-format.js';
import { UsageRecorder, VERIFICATIONS_KEPT_PER_KEY } from '../lib/usage/usage-recorder.js';
import { UsageRetention } from '../lib/usage/usage-retention.js';
import { QuotaController } from './fixtures/quota.controller.js';
import { createTestDatabase, lane } from './utils/databases.js';
import { fakeClock } from './utils/fake-clock.js';
import { SqlRecorder } from './utils/sql-recorder.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

// Usage analytics (SPEC §8): exact counts per key, hour and code with the credits spent, from
// the service, the guard and POST /verify; exact across instances; written at shutdown; purged
// by retention; the log bounded per key and by maxBuffer; no statement on the hot path.
// Time moves only through the injected clock; the flush timer is set far out, so every write
// in these tests is an explicit flush, a query's own flush, or the shutdown flush.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** 22:30 UTC: the sequence below crosses an hour and a day boundary. */
const T0 = Date.UTC(2031, 2, 3, 22, 30);
const iso = (ms: number) => new Date(ms).toISOString();
const unknownKey = () => new KeyFormat('sk', 32).generate();
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Options of every app here: manual flushes, no brute-force throttle, a patient store deadline. */
function usageOptions(clock: { now(): number }, verificationLog: ApiKeysModuleOptions['verificationLog'] = {}): ApiKeysModuleOptions {
  return { clock, failedAttempts: false, storeTimeoutMs: 60_000, verificationLog: { flushIntervalMs: 3_600_000, ...verificationLog } };
}

/** Raw row counts of the two usage tables, straight from the database. */
async function tableCounts(ds: DataSource, keyId?: string): Promise<{ verifications: number; rollupCount: number; rollupRows: number }> {
  const verifications = await ds.getRepository(ApiKeyVerificationEntity).countBy(keyId ? { keyId } : {});
  const rows = await ds.getRepository(ApiKeyUsageRollupEntity).findBy(keyId ? { keyId } : {});
  return { verifications, rollupRows: rows.length, rollupCount: rows.reduce((sum, row) => sum + row.count, 0) };
}

const bucket = (at: number, byCode: UsageBucket['byCode'], spent: number): UsageBucket => {
  const total = Object.values(byCode).reduce((sum, n) => sum + n!, 0);
  return { at: iso(at), total, valid: byCode.VALID ?? 0, byCode, spent };
};

describe(`usage counts on ${lane}`, () => {
  const clock = fakeClock(T0);
  let t: TestApp;
  let usage: ApiKeyUsageService;
  let root: string;
  let a: { key: string; id: string };
  let b: { key: string; id: string };

  beforeAll(async () => {
    t = await createTestApp({
      controllers: [QuotaController],
      options: usageOptions(clock),
      structural: { admin: { path: 'api-keys' } },
    });
    usage = t.app.get(ApiKeyUsageService);
    root = (await t.apiKeys.create({ ownerId: 'ops', name: 'root', permissions: ['api_keys:admin'] })).key;
    const created = await t.apiKeys.create({
      ownerId: 'acme',
      name: 'checkout',
      namespace: 'shop',
      permissions: ['billing:read'],
      remaining: 20,
    });
    a = { key: created.key, id: created.apiKey.id };
    const other = await t.apiKeys.create({ ownerId: 'globex', namespace: 'shop' });
    b = { key: other.key, id: other.apiKey.id };

    // Hour 22 (22:30): three service calls of cost 2, a permission denial, a guarded route of
    // cost 7, an unknown and a malformed key, a dry run (counts nothing), and key B once.
    for (const _ of range(3)) expect((await t.apiKeys.verify(a.key, { cost: 2, ip: '203.0.113.7' })).code).toBe('VALID');
    expect((await t.apiKeys.verify(a.key, { permissions: ['billing:write'], tags: ['checkout'] })).code).toBe('INSUFFICIENT_PERMISSIONS');
    await request(t.server).get('/quota/seven').set('x-api-key', a.key).expect(200);
    expect((await t.apiKeys.verify(unknownKey())).code).toBe('NOT_FOUND');
    expect((await t.apiKeys.verify('sk_not-a-key')).code).toBe('MALFORMED');
    expect((await t.apiKeys.verify(a.key, { dryRun: true, cost: 5 })).code).toBe('VALID');
    expect((await t.apiKeys.verify(b.key)).code).toBe('VALID');

    // Hour 23: POST /verify of cost 3 (the root key's own admin verification counts too), the
    // guarded route denied for credits, then the last 4 credits.
    clock.set(T0 + HOUR);
    await request(t.server)
      .post('/api-keys/verify')
      .set('x-api-key', root)
      .send({ key: a.key, cost: 3, tags: ['admin', 'export'] })
      .expect(200);
    await request(t.server).get('/quota/seven').set('x-api-key', a.key).expect(429);
    expect((await t.apiKeys.verify(a.key, { cost: 4 })).remaining).toBe(0);

    // 00:30 the next day: disabled twice.
    clock.set(T0 + 2 * HOUR);
    await t.apiKeys.update(a.id, { enabled: false });
    for (const _ of range(2)) expect((await t.apiKeys.verify(a.key)).code).toBe('DISABLED');
  });
  afterAll(() => t.close());

  it('counts every verification of the key by hour and code, with the credits spent', async () => {
    const hourly = await usage.usage({ keyId: a.id, granularity: 'hour', since: T0 - 30 * MINUTE, until: T0 + 2 * HOUR + 30 * MINUTE });
    expect(hourly).toEqual({
      granularity: 'hour',
      buckets: [
        bucket(T0 - 30 * MINUTE, { INSUFFICIENT_PERMISSIONS: 1, VALID: 4 }, 13),
        bucket(T0 + 30 * MINUTE, { USAGE_EXCEEDED: 1, VALID: 2 }, 7),
        bucket(T0 + 90 * MINUTE, { DISABLED: 2 }, 0),
      ],
    });
    // Every credit the key had is in the series: 20 spent of 20.
    expect(hourly.buckets.reduce((sum, b) => sum + b.spent, 0)).toBe(20);
    expect((await t.apiKeys.get(a.id))!.remaining).toBe(0);
  });

  it('sums days from hours, with empty days as zeros', async () => {
    const day3 = Date.UTC(2031, 2, 3);
    const daily = await usage.usage({ keyId: a.id, granularity: 'day', since: day3 - DAY, until: day3 + 3 * DAY });
    expect(daily.buckets).toEqual([
      bucket(day3 - DAY, {}, 0),
      bucket(day3, { INSUFFICIENT_PERMISSIONS: 1, USAGE_EXCEEDED: 1, VALID: 6 }, 20),
      bucket(day3 + DAY, { DISABLED: 2 }, 0),
      bucket(day3 + 2 * DAY, {}, 0),
    ]);
  });

  it('counts by owner and by namespace, and every stored key without a filter', async () => {
    const period = { granularity: 'day' as const, since: Date.UTC(2031, 2, 3), until: Date.UTC(2031, 2, 5) };
    const totals = async (filter: object) => (await usage.usage({ ...period, ...filter })).buckets.map((b) => [b.total, b.valid, b.spent]);
    expect(await totals({ ownerId: 'acme' })).toEqual([
      [8, 6, 20],
      [2, 0, 0],
    ]);
    expect(await totals({ namespace: 'shop' })).toEqual([
      [9, 7, 20],
      [2, 0, 0],
    ]);
    expect(await totals({ ownerId: 'globex', namespace: 'shop' })).toEqual([
      [1, 1, 0],
      [0, 0, 0],
    ]);
    expect(await totals({ ownerId: 'ACME' })).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
    // Every stored key: A, B and the root key's admin verification; unknown keys are not keys.
    expect(await totals({})).toEqual([
      [10, 8, 20],
      [2, 0, 0],
    ]);
  });

  it('ranks the busiest keys with their names and credits spent', async () => {
    const { items } = await usage.topKeys({ since: T0 - DAY, limit: 10 });
    expect(items[0]).toEqual({ keyId: a.id, name: 'checkout', ownerId: 'acme', total: 10, valid: 6, spent: 20 });
    expect(
      items
        .slice(1)
        .map((i) => [i.ownerId, i.total, i.valid, i.spent])
        .sort(),
    ).toEqual([
      ['globex', 1, 1, 0],
      ['ops', 1, 1, 0],
    ]);
    expect((await usage.topKeys({ since: T0 - DAY, ownerId: 'globex', limit: 1 })).items).toEqual([
      { keyId: b.id, name: null, ownerId: 'globex', total: 1, valid: 1, spent: 0 },
    ]);
    expect((await usage.topKeys({ since: T0 - DAY, namespace: 'shop', limit: 1 })).items.map((i) => i.keyId)).toEqual([a.id]);
    // An hour with nothing counted.
    expect((await usage.topKeys({ since: T0 + 3 * HOUR, until: T0 + 4 * HOUR })).items).toEqual([]);
  });

  it('keeps the log newest first, with the cost, address and tags of each verification', async () => {
    const { items, nextCursor } = await usage.verifications(a.id, { limit: 100 });
    expect(nextCursor).toBeNull();
    expect(items.map((i) => [i.code, i.cost])).toEqual([
      ['DISABLED', 0],
      ['DISABLED', 0],
      ['VALID', 4],
      ['USAGE_EXCEEDED', 0],
      ['VALID', 3],
      ['VALID', 7],
      ['INSUFFICIENT_PERMISSIONS', 0],
      ['VALID', 2],
      ['VALID', 2],
      ['VALID', 2],
    ]);
    expect(items[0]).toEqual({ at: iso(T0 + 2 * HOUR), code: 'DISABLED', cost: 0 });
    expect(items[4]).toEqual({ at: iso(T0 + HOUR), code: 'VALID', cost: 3, tags: ['admin', 'export'] });
    expect(items[5]).toEqual({ at: iso(T0), code: 'VALID', cost: 7, ip: '127.0.0.1' }); // the guard's client address
    expect(items[6]).toEqual({ at: iso(T0), code: 'INSUFFICIENT_PERMISSIONS', cost: 0, tags: ['checkout'] });
    expect(items[9]).toEqual({ at: iso(T0), code: 'VALID', cost: 2, ip: '203.0.113.7' });

    // Pages are disjoint and complete, newest first.
    const pages: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await usage.verifications(a.id, { limit: 3, cursor });
      pages.push(...page.items.map((i) => `${i.at} ${i.code} ${i.cost}`));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(pages).toEqual(items.map((i) => `${i.at} ${i.code} ${i.cost}`));
  });

  it('answers MALFORMED and NOT_FOUND, which have no key, only in the stats of every owner', async () => {
    const period = { since: T0 - 30 * MINUTE, until: T0 + 2 * HOUR };
    const all = await usage.stats(period);
    expect(all.verifications).toEqual({
      since: iso(T0 - 30 * MINUTE),
      until: iso(T0 + 2 * HOUR + 30 * MINUTE),
      total: 14,
      valid: 8,
      byCode: { MALFORMED: 1, NOT_FOUND: 1, DISABLED: 2, INSUFFICIENT_PERMISSIONS: 1, USAGE_EXCEEDED: 1, VALID: 8 },
      spent: 20,
      successRate: 8 / 14,
    });
    expect(all.keys).toEqual({ total: 3, byStatus: { active: 2, revoked: 0, disabled: 1, expired: 0, rotated: 0, idle: 0 } });
    const acme = await usage.stats({ ...period, ownerId: 'acme' });
    expect(acme.verifications).toMatchObject({ total: 10, valid: 6, spent: 20, successRate: 0.6 });
    expect(acme.verifications.byCode).not.toHaveProperty('NOT_FOUND');
    expect(acme.keys).toEqual({ total: 1, byStatus: { active: 0, revoked: 0, disabled: 1, expired: 0, rotated: 0, idle: 0 } });
    const nobody = await usage.stats({ ownerId: 'nobody' });
    expect(nobody.verifications).toMatchObject({ total: 0, successRate: null });
  });

  it('refuses bad queries with field errors', async () => {
    const fieldOf = async (work: Promise<unknown>) => {
      const error = await work.then(
        () => null,
        (e) => e,
      );
      expect(error).toBeInstanceOf(ApiKeyValidationError);
      return (error as ApiKeyValidationError).errors[0].field;
    };
    expect(await fieldOf(usage.usage({ keyId: a.id, granularity: 'week' as never, since: T0 }))).toBe('granularity');
    expect(await fieldOf(usage.usage({ keyId: a.id, granularity: 'hour', since: 'last tuesday' }))).toBe('since');
    expect(await fieldOf(usage.usage({ keyId: a.id, granularity: 'hour', since: T0, until: T0 - 1 }))).toBe('since');
    expect(await fieldOf(usage.usage({ keyId: a.id, granularity: 'hour', since: T0 - 32 * DAY, until: T0 }))).toBe('since');
    expect(await fieldOf(usage.usage({ ownerId: ' acme', granularity: 'hour', since: T0 }))).toBe('ownerId');
    expect(await fieldOf(usage.topKeys({ since: T0, limit: 0 }))).toBe('limit');
    expect(await fieldOf(usage.verifications(a.id, { cursor: 'bm9wZQ' }))).toBe('cursor');
    expect(await fieldOf(usage.verifications(a.id, { tags: ['a\nb'] }))).toBe('tags');
    expect(await fieldOf(usage.stats({ since: T0 - 400 * DAY, until: T0 }))).toBe('since');
    expect(await fieldOf(t.apiKeys.verify(a.key, { tags: range(11).map(String) }))).toBe('tags');
  });
});

describe(`usage across instances on ${lane}`, () => {
  const clock = fakeClock(T0);
  let one: TestApp;
  let two: TestApp;
  beforeAll(async () => {
    one = await createTestApp({ options: usageOptions(clock) });
    two = await createTestApp({ options: usageOptions(clock), database: one.database });
  });
  afterAll(async () => {
    await two.close();
    await one.close();
  });

  it('two apps counting one key in the same hours, flushing concurrently, sum exactly', async () => {
    const { key, apiKey } = await one.apiKeys.create({ ownerId: 'acme', remaining: 1_000_000 });
    const flushes = (t: TestApp) =>
      t.app
        .get(ApiKeyUsageService)
        .flush()
        .catch(() => undefined); // a deadlock victim keeps its increments
    for (const round of range(4)) {
      clock.set(T0 + round * 20 * MINUTE); // rounds 0–1 in hour 22, 2–3 in hour 23
      await Promise.all([
        ...range(60).map(() => one.apiKeys.verify(key, { cost: 2 })),
        ...range(40).map(() => two.apiKeys.verify(key, { cost: 3 })),
        ...range(5).map(() => two.apiKeys.verify(unknownKey())),
        ...range(3).flatMap(() => [flushes(one), flushes(two)]),
      ]);
      await Promise.all([flushes(one), flushes(two)]);
    }
    await one.app.get(ApiKeyUsageService).flush();
    await two.app.get(ApiKeyUsageService).flush();

    const expected = [bucket(T0 - 30 * MINUTE, { VALID: 200 }, 480), bucket(T0 + 30 * MINUTE, { VALID: 200 }, 480)];
    for (const t of [one, two]) {
      const series = await t.app
        .get(ApiKeyUsageService)
        .usage({ keyId: apiKey.id, granularity: 'hour', since: T0 - HOUR, until: T0 + 2 * HOUR });
      expect(series.buckets).toEqual([bucket(T0 - 90 * MINUTE, {}, 0), ...expected, bucket(T0 + 90 * MINUTE, {}, 0)]);
      expect((await t.app.get(ApiKeyUsageService).stats({ since: T0 - HOUR, until: T0 + 2 * HOUR })).verifications.byCode).toEqual({
        NOT_FOUND: 20,
        VALID: 400,
      });
    }
    expect((await one.apiKeys.get(apiKey.id))!.remaining).toBe(1_000_000 - 960);
    // Both instances added to the same two rows (one per hour): no row of their own.
    expect((await tableCounts(one.dataSource, apiKey.id)).rollupRows).toBe(2);
  });
});

describe(`shutdown and retention on ${lane}`, () => {
  it('writes what was counted when the app closes, before the DataSource does', async () => {
    const clock = fakeClock(T0);
    const database = await createTestDatabase();
    try {
      const t = await createTestApp({ options: usageOptions(clock), database });
      const { key, apiKey } = await t.apiKeys.create({ ownerId: 'acme', remaining: 50 });
      for (const _ of range(7)) await t.apiKeys.verify(key, { cost: 3 });
      await t.apiKeys.verify(unknownKey());
      expect(t.app.get(UsageRecorder).pending).toMatchObject({ rollups: 2, log: 7 });
      await t.app.close();

      const ds = new DataSource({ ...database.options, migrationsRun: false } as never);
      await ds.initialize();
      try {
        expect(await tableCounts(ds, apiKey.id)).toEqual({ verifications: 7, rollupRows: 1, rollupCount: 7 });
        const row = await ds.getRepository(ApiKeyUsageRollupEntity).findOneByOrFail({ keyId: apiKey.id });
        expect(row).toMatchObject({
          hourStart: T0 - 30 * MINUTE,
          code: 'VALID',
          ownerId: 'acme',
          namespace: 'default',
          count: 7,
          spent: 21,
        });
        expect(await ds.getRepository(ApiKeyUsageRollupEntity).findOneByOrFail({ keyId: '' })).toMatchObject({
          code: 'NOT_FOUND',
          count: 1,
        });
      } finally {
        await ds.destroy();
      }
    } finally {
      await database.drop();
    }
  });

  it('purges log rows before the cutoff and rollups of hours that ended before it', async () => {
    const clock = fakeClock(Date.UTC(2031, 2, 1, 10, 30));
    const t = await createTestApp({ options: usageOptions(clock, { retentionDays: 2 }) });
    try {
      const usage = t.app.get(ApiKeyUsageService);
      const retention = t.app.get(UsageRetention);
      const { key, apiKey } = await t.apiKeys.create({ ownerId: 'acme' });
      for (const _ of range(3)) await t.apiKeys.verify(key);
      await t.apiKeys.verify(unknownKey());
      clock.set(Date.UTC(2031, 2, 2, 12, 30));
      for (const _ of range(2)) await t.apiKeys.verify(key);
      await usage.flush();

      // Two days after 10:30 on the 1st, less a minute: the log rows of 10:30 are past the
      // cutoff, but the hour 10:00–11:00 has not ended before it.
      clock.set(Date.UTC(2031, 2, 3, 10, 59));
      expect(await retention.run()).toEqual({ verifications: 3, rollups: 0 });
      clock.set(Date.UTC(2031, 2, 3, 11, 0));
      expect(await retention.run()).toEqual({ verifications: 0, rollups: 2 }); // the key's row and the NOT_FOUND row
      expect(await retention.run()).toEqual({ verifications: 0, rollups: 0 });

      expect(await tableCounts(t.dataSource)).toEqual({ verifications: 2, rollupRows: 1, rollupCount: 2 });
      const days = await usage.usage({ keyId: apiKey.id, granularity: 'day', since: Date.UTC(2031, 2, 1), until: Date.UTC(2031, 2, 3) });
      expect(days.buckets.map((b) => b.total)).toEqual([0, 2]);
      expect((await usage.verifications(apiKey.id)).items).toHaveLength(2);
    } finally {
      await t.close();
    }
  });
});

describe(`a bounded log on ${lane}`, () => {
  it('keeps at most maxBuffer entries in memory under a flood; the counts stay exact', async () => {
    const clock = fakeClock(T0);
    const t = await createTestApp({ options: usageOptions(clock, { maxBuffer: 50 }) });
    try {
      const [x, y] = await Promise.all([t.apiKeys.create({ ownerId: 'acme' }), t.apiKeys.create({ ownerId: 'acme' })]);
      await Promise.all([...range(500).map(() => t.apiKeys.verify(x.key)), ...range(100).map(() => t.apiKeys.verify(y.key))]);
      const recorder = t.app.get(UsageRecorder);
      expect(recorder.pending).toEqual({ rollups: 2, log: 50, droppedTotal: 550 });
      await recorder.flush();
      expect(await tableCounts(t.dataSource, x.apiKey.id)).toMatchObject({ rollupCount: 500 });
      expect(await tableCounts(t.dataSource, y.apiKey.id)).toMatchObject({ rollupCount: 100 });
      expect((await tableCounts(t.dataSource)).verifications).toBe(50);
    } finally {
      await t.close();
    }
  });

  it(`keeps the newest ${VERIFICATIONS_KEPT_PER_KEY} verifications of a key, flush after flush`, async () => {
    const clock = fakeClock(T0);
    const t = await createTestApp({ options: usageOptions(clock) });
    try {
      const usage = t.app.get(ApiKeyUsageService);
      const { key, apiKey } = await t.apiKeys.create({ ownerId: 'acme' });
      let last = 0;
      const verifyMany = async (n: number) => {
        for (const _ of range(n)) {
          clock.advance(1000);
          last = clock.now();
          await t.apiKeys.verify(key, { tags: [`n${last}`] });
        }
      };
      await verifyMany(250);
      await usage.flush();
      expect((await tableCounts(t.dataSource, apiKey.id)).verifications).toBe(100);
      for (const _ of range(3)) {
        await verifyMany(30);
        await usage.flush();
        expect((await tableCounts(t.dataSource, apiKey.id)).verifications).toBe(100);
      }
      await verifyMany(5); // fewer than TRIM_EVERY new rows: trimmed at a later flush
      await usage.flush();
      expect((await tableCounts(t.dataSource, apiKey.id)).verifications).toBe(105);
      await verifyMany(5);
      await usage.flush();
      expect((await tableCounts(t.dataSource, apiKey.id)).verifications).toBe(100);

      const newest = await usage.verifications(apiKey.id, { limit: 100 });
      expect(newest.items.map((i) => i.at)).toEqual(range(100).map((i) => iso(last - i * 1000)));
      expect(newest.nextCursor).toBeNull();
      expect(await tableCounts(t.dataSource, apiKey.id)).toMatchObject({ rollupCount: 350 });
    } finally {
      await t.close();
    }
  });
});

describe(`the hot path on ${lane}`, () => {
  it('issues no statement of the usage feature per verification; a flush upserts without reading', async () => {
    const sql = new SqlRecorder();
    const clock = fakeClock(T0);
    const t = await createTestApp({
      controllers: [QuotaController],
      options: usageOptions(clock),
      typeorm: { logging: true, logger: sql } as never,
    });
    try {
      const { key } = await t.apiKeys.create({ ownerId: 'acme', remaining: 1000 });
      sql.reset();
      for (const _ of range(100)) await t.apiKeys.verify(key, { tags: ['hot'] });
      for (const _ of range(20)) await request(t.server).get('/quota/one').set('x-api-key', key).expect(200);
      for (const _ of range(5)) await t.apiKeys.verify(unknownKey());
      for (const _ of range(5)) await t.apiKeys.verify('sk_nope');
      expect(sql.usage).toEqual([]);
      expect(sql.count).toBeGreaterThan(0); // the verifications themselves did reach the database

      await t.app.get(ApiKeyUsageService).flush();
      const upserts = sql.usage.filter((s) => /^\s*INSERT INTO \S*api_key_usage_rollups/i.test(s));
      expect(upserts).toHaveLength(1);
      expect(upserts[0]).toMatch(
        lane === 'mariadb' ? /ON DUPLICATE KEY UPDATE `count` = `count` \+ VALUES\(`count`\)/ : /ON CONFLICT .* DO UPDATE SET "count" = /,
      );
      expect(sql.usage.filter((s) => /^\s*SELECT/i.test(s))).toEqual([]); // nothing read back to be written
      expect(sql.usage.length).toBeLessThanOrEqual(3); // the upsert, the log insert, one trim
    } finally {
      await t.close();
    }
  });
});

describe(`tags and a disabled log on ${lane}`, () => {
  it('stores the tags of a verification and filters on them exactly', async () => {
    const clock = fakeClock(T0);
    const t = await createTestApp({ options: usageOptions(clock) });
    try {
      const usage = t.app.get(ApiKeyUsageService);
      const { key, apiKey } = await t.apiKeys.create({ ownerId: 'acme' });
      const tagged = [['export', 'region:eu'], ['export'], ['Export'], ['exports'], ['région eu', 'x'.repeat(128)], []];
      for (const tags of tagged) await t.apiKeys.verify(key, { tags });
      const matching = async (tags: string[]) => (await usage.verifications(apiKey.id, { tags })).items.map((i) => i.tags ?? []);
      expect(await matching(['export'])).toEqual([['export'], ['export', 'region:eu']]);
      expect(await matching(['export', 'region:eu'])).toEqual([['export', 'region:eu']]);
      expect(await matching(['region:eu', 'export'])).toEqual([['export', 'region:eu']]);
      expect(await matching(['Export'])).toEqual([['Export']]);
      expect(await matching(['expor'])).toEqual([]);
      expect(await matching(['région eu'])).toEqual([['région eu', 'x'.repeat(128)]]);
      expect(await matching(['%'])).toEqual([]);
      expect((await usage.verifications(apiKey.id)).items).toHaveLength(6);

      // Invalid tags fail the verify before anything is counted.
      const before = t.app.get(UsageRecorder).pending.log;
      for (const tags of [range(11).map(String), ['a\nb'], [''], [' padded'], 'export']) {
        await expect(t.apiKeys.verify(key, { tags: tags as never })).rejects.toThrow(ApiKeyValidationError);
      }
      expect(t.app.get(UsageRecorder).pending.log).toBe(before);
    } finally {
      await t.close();
    }
  });

  it('counts nothing when the log is disabled, and still answers queries', async () => {
    const clock = fakeClock(T0);
    const t = await createTestApp({ options: usageOptions(clock, { enabled: false }) });
    try {
      const { key, apiKey } = await t.apiKeys.create({ ownerId: 'acme', remaining: 5 });
      await t.apiKeys.verify(key);
      await t.apiKeys.verify(unknownKey());
      const usage = t.app.get(ApiKeyUsageService);
      await usage.flush();
      expect(await tableCounts(t.dataSource)).toEqual({ verifications: 0, rollupRows: 0, rollupCount: 0 });
      const series = await usage.usage({ keyId: apiKey.id, granularity: 'hour', since: T0, until: T0 + MINUTE });
      expect(series.buckets).toEqual([bucket(T0 - 30 * MINUTE, {}, 0)]);
    } finally {
      await t.close();
    }
  });
});

describe(`boot without the usage migration on ${lane}`, () => {
  it('fails, saying to run API_KEYS_MIGRATIONS', async () => {
    const database = await createTestDatabase({ migrations: API_KEYS_MIGRATIONS.slice(0, 3) } as never);
    try {
      await expect(createTestApp({ database })).rejects.toThrow(
        /(usage tables|API key tables).* are missing or out of date .*run API_KEYS_MIGRATIONS/s,
      );
    } finally {
      await database.drop();
    }
  });
});
