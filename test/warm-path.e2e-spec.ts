import crypto from 'node:crypto';
import request from 'supertest';
import type { VerifyResult } from '../lib/index.js';
import { DemoController } from './fixtures/demo.controller.js';
import { lane } from './utils/databases.js';
import { SqlRecorder } from './utils/sql-recorder.js';
import { createTestApp, PLATFORMS, type Platform, type TestApp } from './utils/test-app.js';

// The warm path (lib/verification/api-key-verifier.ts verifyCached): a plain key whose row is
// cached and whose call spends nothing shared is decided from that row alone, without a
// promise, a store call or a timer. These tests pin down where that path ends: every key that
// spends credits or a rate limit, or whose verify reads more rows (a rotated key, a child),
// still goes to the stores — and the answers are the same either way.

const isPromise = (value: unknown): value is Promise<unknown> => value instanceof Promise;

describe.each(PLATFORMS)(`warm path, %s (${lane})`, (platform: Platform) => {
  let t: TestApp;
  const sql = new SqlRecorder();

  beforeAll(async () => {
    t = await createTestApp({
      platform,
      controllers: [DemoController],
      options: { storeTimeoutMs: 30_000, lastUsedWriteIntervalMs: 3_600_000, verificationLog: { flushIntervalMs: 3_600_000 } },
      typeorm: { logging: true, logger: sql } as never,
    });
    await t.app.listen(0, '127.0.0.1');
  });
  afterAll(() => t.close());

  /** verifyNow, awaited when it answered with a promise; says which it was. */
  async function verifyNow(key: string, options = {}): Promise<{ sync: boolean; result: VerifyResult }> {
    const answer = t.apiKeys.verifyNow(key, options);
    return { sync: !isPromise(answer), result: await answer };
  }

  it('a warm plain key is decided without a promise or a statement, with the answer verify gives', async () => {
    const { key, apiKey } = await t.apiKeys.create({ ownerId: 'warm', permissions: ['billing:read'], roles: [] });
    const cold = await verifyNow(key, { permissions: ['billing:read'] });
    expect(cold.sync).toBe(false); // the first verify reads the row
    sql.reset();
    const warm = await verifyNow(key, { permissions: ['billing:read'] });
    expect(warm.sync).toBe(true);
    expect(sql.statements).toEqual([]);
    expect(warm.result).toEqual(await t.apiKeys.verify(key, { permissions: ['billing:read'] }));
    expect(warm.result).toMatchObject({ valid: true, code: 'VALID', key: { id: apiKey.id, permissions: ['billing:read'] } });
  });

  it('denials of a warm key come from the same checks: permissions, IP, owner scope, disabled', async () => {
    const { key, apiKey } = await t.apiKeys.create({ ownerId: 'warm-deny', permissions: ['reports:read'], allowedIps: ['10.0.0.0/8'] });
    await verifyNow(key, { ip: '10.1.2.3' });
    const cases: Array<[object, string]> = [
      [{ ip: '10.1.2.3', permissions: ['billing:read'] }, 'INSUFFICIENT_PERMISSIONS'],
      [{ ip: '192.0.2.1' }, 'IP_NOT_ALLOWED'],
      [{ ip: '10.1.2.3', ownerId: 'someone-else' }, 'NOT_FOUND'],
      [{ ip: '10.1.2.3' }, 'VALID'],
    ];
    for (const [options, code] of cases) {
      const warm = await verifyNow(key, options);
      expect({ sync: warm.sync, code: warm.result.code }).toEqual({ sync: true, code });
      expect(warm.result.code).toBe((await t.apiKeys.verify(key, options)).code);
    }
    await t.apiKeys.update(apiKey.id, { enabled: false });
    expect((await verifyNow(key, { ip: '10.1.2.3' })).result.code).toBe('DISABLED'); // read again after the change
    expect(await verifyNow(key, { ip: '10.1.2.3' })).toMatchObject({ sync: true, result: { code: 'DISABLED' } });
  });

  it('a key with credits spends them in the database on every call, exactly', async () => {
    const { key, apiKey } = await t.apiKeys.create({ ownerId: 'warm-credits', remaining: 5 });
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await verifyNow(key));
    expect(answers.map((a) => a.sync)).toEqual([false, false, false, false, false, false]);
    expect(answers.map((a) => a.result.code)).toEqual(['VALID', 'VALID', 'VALID', 'VALID', 'VALID', 'USAGE_EXCEEDED']);
    expect((await t.apiKeys.get(apiKey.id))!.remaining).toBe(0);
  });

  it('a key with a rate limit is counted by the limiter on every call', async () => {
    const { key } = await t.apiKeys.create({ ownerId: 'warm-limited', rateLimits: [{ name: 'burst', limit: 2, windowMs: 60_000 }] });
    const answers = [await verifyNow(key), await verifyNow(key), await verifyNow(key)];
    expect(answers.map((a) => [a.sync, a.result.code])).toEqual([
      [false, 'VALID'],
      [false, 'VALID'],
      [false, 'RATE_LIMITED'],
    ]);
  });

  it('a rotated key in its grace and a child key read their other rows through the full path', async () => {
    const { key: old, apiKey } = await t.apiKeys.create({ ownerId: 'warm-rotated', permissions: ['reports:read'] });
    await t.apiKeys.rotate(apiKey.id, { gracePeriodMs: 60_000 });
    await verifyNow(old);
    expect(await verifyNow(old)).toMatchObject({ sync: false, result: { code: 'VALID' } });

    const parent = await t.apiKeys.create({ ownerId: 'warm-parent', permissions: ['reports:read'] });
    const child = await t.apiKeys.createChildKey(parent.apiKey.id, { permissions: ['reports:read'] });
    await verifyNow(child.key);
    expect(await verifyNow(child.key)).toMatchObject({ sync: false, result: { code: 'VALID' } });
  });

  it('the guard hashes a presented key once per request, and the warm answer still reaches the handler', async () => {
    const { key, apiKey } = await t.apiKeys.create({ ownerId: 'warm-guard', permissions: ['billing:read'] });
    const hash = jest.spyOn(crypto, 'hash');
    const hashesOfKey = () => hash.mock.calls.filter(([, data]) => data === key).length;
    try {
      for (let request_ = 1; request_ <= 3; request_++) {
        hash.mockClear();
        const res = await request(t.server).get('/demo/whoami').set('x-api-key', key);
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ id: apiKey.id, permissions: ['billing:read'] });
        expect(hashesOfKey()).toBe(1); // cold, first seen valid, then warm
      }
      const verification = await request(t.server).get('/demo/verification').set('x-api-key', key);
      expect(verification.body).toMatchObject({ valid: true, code: 'VALID', key: { id: apiKey.id } });
    } finally {
      hash.mockRestore();
    }
  });
});
