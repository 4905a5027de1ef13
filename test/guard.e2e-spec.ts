import request from 'supertest';
import { PLATFORMS, createTestApp, type TestApp } from './utils/test-app.js';

describe.each(PLATFORMS)('ApiKeyGuard on %s', (platform) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ platform });
  });
  afterAll(() => t.close());

  it('401 MISSING with WWW-Authenticate when no key is sent', async () => {
    const res = await request(t.server).get('/demo/whoami');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('ApiKey');
    expect(res.body).toEqual({ statusCode: 401, error: 'Unauthorized', code: 'MISSING', message: expect.any(String) });
  });

  it('accepts a key in x-api-key and in Bearer, and attaches the principal', async () => {
    const { key, apiKey } = await t.apiKeys.create({ ownerId: 'acme', name: 'ci', permissions: ['billing:read'] });
    for (const headers of [{ 'x-api-key': key }, { authorization: `Bearer ${key}` }]) {
      const res = await request(t.server).get('/demo/whoami').set(headers);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: apiKey.id, ownerId: 'acme', permissions: ['billing:read'] });
      expect(JSON.stringify(res.body)).not.toContain(key);
    }
  });
});
