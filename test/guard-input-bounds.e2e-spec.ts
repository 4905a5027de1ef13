import request from 'supertest';
import { PLATFORMS, createTestApp, type Platform, type TestApp } from './utils/test-app.js';
import { SqlRecorder } from './utils/sql-recorder.js';
import { lane } from './utils/databases.js';

/**
 * Pre-auth input bounds (SPEC §7): extraction is linear for any header shape, a header or query
 * value longer than 4 KiB is MALFORMED without a query, and legacyKeyPattern never sees more than
 * 512 characters. Each hostile shape below once took the guard's Bearer pattern (or a host's
 * legacy pattern) hundreds of milliseconds, and a handful in parallel stalled every other request.
 */
const SPACES = ' '.repeat(15_000);
const TABS = '\t'.repeat(15_000);
const MIXED = ' \t'.repeat(3_500);

/** Header values the review used, and their variants: every one answers fast and never passes. */
const HOSTILE_AUTHORIZATION = [
  `Bearer${SPACES}x y`,
  `Bearer${TABS}x\ty`,
  `Bearer${MIXED}x${MIXED}y`,
  `bearer ${'sk_live_'.repeat(1_800)}`,
  `Bearer ${'a'.repeat(4_000)}`, // fed to the host's cubic legacyKeyPattern before the bound
  `Bearer ${'a'.repeat(400)}${SPACES}`,
];

describe.each(PLATFORMS)(`guard input bounds on ${lane} (%s)`, (platform: Platform) => {
  let t: TestApp;
  let base: string;
  const sql = new SqlRecorder();

  beforeAll(async () => {
    t = await createTestApp({
      platform,
      // A backtracking pattern a host might write: cubic in the input's length.
      options: { keyPrefix: 'sk_live', legacyKeyPattern: /^a*a*a*b$/, failedAttempts: { limit: 1_000, windowMs: 60_000 } },
      typeorm: { logging: true, logger: sql } as never,
    });
    await t.app.listen(0, '127.0.0.1');
    base = await t.app.getUrl();
  });
  afterAll(() => t.close());

  it('answers a burst of hostile headers before a normal request queued behind them times out', async () => {
    const { key } = await t.apiKeys.create({ ownerId: 'bounds' });
    const hostile = HOSTILE_AUTHORIZATION.flatMap((value) => [value, value]).map((authorization) =>
      request(base).get('/demo/whoami').set('authorization', authorization).timeout(5_000),
    );
    const normal = request(base).get('/demo/whoami').set('x-api-key', key).timeout(1_500);
    const [normalRes, ...hostileRes] = await Promise.all([normal, ...hostile]);
    expect(normalRes.status).toBe(200);
    for (const res of hostileRes) {
      expect(res.status).toBe(401);
      expect(['MISSING', 'MALFORMED']).toContain(res.body.code);
    }
  });

  it('answers a Bearer value longer than 4 KiB as MALFORMED without a query (so failed attempts count it)', async () => {
    sql.reset();
    const res = await request(base).get('/demo/whoami').set('authorization', `Bearer${SPACES}x y`);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('MALFORMED');
    expect(sql.count).toBe(0);
  });

  it('answers an x-api-key or query value longer than 4 KiB as MALFORMED without a query, whatever it holds', async () => {
    const { key } = await t.apiKeys.create({ ownerId: 'bounds' });
    sql.reset();
    // (HTTP parsers strip blanks around a header value, so the padding sits inside it.)
    for (const value of [`${key}${SPACES}x`, `x${SPACES}${key}`, key + 'x'.repeat(4_100), 'a'.repeat(4_097)]) {
      const res = await request(base).get('/demo/whoami').set('x-api-key', value);
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 401, code: 'MALFORMED' });
    }
    expect(sql.count).toBe(0);
  });

  it('still reads a key padded within the bound, and a JWT-sized Bearer that is not ours stays absent', async () => {
    const { key } = await t.apiKeys.create({ ownerId: 'bounds' });
    await request(base).get('/demo/whoami').set('x-api-key', `  ${key}\t`).expect(200);
    await request(base).get('/demo/whoami').set('authorization', `Bearer \t ${key} \t`).expect(200);
    const jwtLike = `Bearer eyJ${'x'.repeat(3_000)}`;
    const res = await request(base).get('/demo/whoami').set('authorization', jwtLike);
    expect(res.body.code).toBe('MISSING');
  });

  it('a Bearer JWT longer than 4 KiB is not ours: absent (MISSING, which failed attempts never count; optional routes pass), never MALFORMED', async () => {
    // Tokens with many group claims outgrow 4 KiB; SPEC §7: a Bearer value without our prefix is absent.
    const bigJwt = `Bearer eyJhbGciOiJSUzI1NiJ9.${'eyJncm91cHMiOlsi'.repeat(400)}.c2ln`;
    expect(bigJwt.length).toBeGreaterThan(4_096);
    sql.reset();
    for (let i = 0; i < 3; i++) {
      const res = await request(base).get('/demo/whoami').set('authorization', bigJwt);
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 401, code: 'MISSING' });
      await request(base).get('/demo/optional').set('authorization', bigJwt).expect(200, { principal: null });
    }
    expect(sql.count).toBe(0);
  });
});
