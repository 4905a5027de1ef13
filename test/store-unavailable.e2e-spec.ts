import { Logger } from '@nestjs/common';
import request from 'supertest';
import { hangKeyLookups } from './utils/store-faults.js';
import { PLATFORMS, createTestApp, type Platform, type TestApp } from './utils/test-app.js';

const UNAVAILABLE_BODY = {
  statusCode: 503,
  error: 'Service Unavailable',
  code: 'STORE_UNAVAILABLE',
  message: expect.any(String),
};

function expectUnavailable(res: request.Response): void {
  expect({ status: res.status, body: res.body }).toEqual({ status: 503, body: UNAVAILABLE_BODY });
  expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  expect(res.headers['retry-after']).toMatch(/^\d+$/);
  expect(res.headers['www-authenticate']).toBeUndefined();
}

describe.each(PLATFORMS)('store unavailable on %s', (platform: Platform) => {
  it('503 STORE_UNAVAILABLE with Retry-After once the DataSource is destroyed', async () => {
    const t = await createTestApp({ platform });
    try {
      const { key } = await t.apiKeys.create({ ownerId: 'acme' });
      const cached = await t.apiKeys.create({ ownerId: 'acme' });
      const credits = await t.apiKeys.create({ ownerId: 'acme', remaining: 10 });
      expect((await request(t.server).get('/demo/whoami').set('x-api-key', cached.key)).status).toBe(200);
      expect((await request(t.server).get('/demo/whoami').set('x-api-key', credits.key)).status).toBe(200);
      await t.dataSource.destroy();
      // A key this instance has not verified yet needs the store.
      expectUnavailable(await request(t.server).get('/demo/whoami').set('x-api-key', key).timeout(10_000));
      // A key with credits needs the store for its spend, cached or not.
      expectUnavailable(await request(t.server).get('/demo/whoami').set('x-api-key', credits.key).timeout(10_000));
      // A cached key without credits keeps verifying until its entry expires (SPEC §10).
      const fromCache = await request(t.server).get('/demo/whoami').set('x-api-key', cached.key).timeout(10_000);
      expect(fromCache.status).toBe(200);
      expect(fromCache.body.id).toBe(cached.apiKey.id);
      // A malformed key needs no store: it still answers 401, not 503.
      const malformed = await request(t.server).get('/demo/whoami').set('x-api-key', `${key}x`);
      expect(malformed.status).toBe(401);
      expect(malformed.body.code).toBe('MALFORMED');
    } finally {
      await t.app.close().catch(() => undefined); // the DataSource is already gone
      await t.database.drop();
    }
  });

  it('with cache: false, every key answers 503 once the DataSource is destroyed', async () => {
    const t = await createTestApp({ platform, options: { cache: false } });
    try {
      const { key } = await t.apiKeys.create({ ownerId: 'acme' });
      expect((await request(t.server).get('/demo/whoami').set('x-api-key', key)).status).toBe(200);
      await t.dataSource.destroy();
      expectUnavailable(await request(t.server).get('/demo/whoami').set('x-api-key', key).timeout(10_000));
    } finally {
      await t.app.close().catch(() => undefined);
      await t.database.drop();
    }
  });

  describe('with storeTimeoutMs: 300', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ platform, options: { storeTimeoutMs: 300 } });
    });
    afterAll(() => t.close());
    afterEach(() => jest.restoreAllMocks());

    it('a key lookup that hangs past storeTimeoutMs answers 503, not 401 or 500', async () => {
      const { key, apiKey } = await t.apiKeys.create({ ownerId: 'acme' });
      const release = await hangKeyLookups(t);
      let res: request.Response;
      try {
        res = await request(t.server).get('/demo/whoami').set('x-api-key', key).timeout(10_000);
      } finally {
        await release();
      }
      expectUnavailable(res);
      // Once the store answers again the same key is accepted.
      const ok = await request(t.server).get('/demo/whoami').set('x-api-key', key);
      expect(ok.status).toBe(200);
      expect(ok.body.id).toBe(apiKey.id);
    });

    it('a programming error in the store stays a 500, not a 503', async () => {
      const { key } = await t.apiKeys.create({ ownerId: 'acme' });
      jest.spyOn(t.dataSource, 'query').mockRejectedValue(new TypeError('bug'));
      const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      const res = await request(t.server).get('/demo/whoami').set('x-api-key', key);
      expect(res.status).toBe(500);
      expect(logged).toHaveBeenCalledWith(expect.objectContaining({ name: 'TypeError', message: 'bug' }));
      expect(res.body.code).toBeUndefined();
      expect(res.headers['retry-after']).toBeUndefined();
      expect(JSON.stringify(res.body)).not.toContain('STORE_UNAVAILABLE');
    });
  });
});
