import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ApiKeyService } from '../lib/index.js';
import { removeBuiltAdminPage, useBuiltAdminPage } from './utils/admin-page-build.js';

// The README's quick start: the sample app, its root key and the flow its curl lines show.
describe('sample app', () => {
  const database = join(tmpdir(), `ak_sample_${process.pid}_${Date.now()}.db`);
  let app: INestApplication;
  let ensureRootKey: (apiKeys: ApiKeyService) => Promise<string | null>;

  beforeAll(async () => {
    process.env.SAMPLE_DB = database;
    process.env.SAMPLE_SECRETS_KEY = randomBytes(32).toString('base64');
    useBuiltAdminPage(); // the sample serves the admin page
    const { AppModule } = await import('../sample/app.module.js');
    ({ ensureRootKey } = await import('../sample/root-key.js'));
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication();
    await app.init();
  });

  afterAll(async () => {
    delete process.env.SAMPLE_SECRETS_KEY;
    await app?.close();
    removeBuiltAdminPage();
    for (const suffix of ['', '-wal', '-shm']) rmSync(database + suffix, { force: true });
  });

  it('creates a root key once, stores only its hash, and the printed flow works', async () => {
    const apiKeys = app.get(ApiKeyService);
    const rootKey = await ensureRootKey(apiKeys);
    expect(rootKey).toMatch(/^sk_demo_[0-9A-Za-z]+$/);
    expect(await ensureRootKey(apiKeys)).toBeNull(); // second start: nothing new, nothing printed

    const rows = await app.get<DataSource>(getDataSourceToken()).query('SELECT * FROM api_keys');
    expect(JSON.stringify(rows)).not.toContain(rootKey);

    const server = app.getHttpServer();
    const created = await request(server)
      .post('/api-keys/keys')
      .set('x-api-key', rootKey!)
      .send({
        ownerId: 'acme',
        name: 'demo',
        permissions: ['projects:read'],
        remaining: 100,
        rateLimits: [{ name: 'per-minute', limit: 10, windowMs: 60000 }],
      })
      .expect(201);
    const { key, apiKey } = created.body;

    const listed = await request(server).get('/projects').set('x-api-key', key).expect(200);
    expect(listed.headers['ratelimit-limit']).toBe('10');
    expect(listed.headers['ratelimit-remaining']).toBe('9');
    const exported = await request(server).get('/projects/export').set('x-api-key', key).expect(200);
    expect(exported.body).toEqual({ exported: 2, creditsLeft: 94 }); // 100 - 1 (list) - 5 (export)
    const denied = await request(server).post('/projects').set('authorization', `Bearer ${key}`).expect(403);
    expect(denied.body.code).toBe('INSUFFICIENT_PERMISSIONS');
    await request(server)
      .post('/api-keys/roles')
      .set('x-api-key', rootKey!)
      .send({ name: 'project-editor', permissions: ['projects:write'] })
      .expect(201);
    await request(server)
      .put(`/api-keys/keys/${apiKey.id}/roles`)
      .set('x-api-key', rootKey!)
      .send({ roles: ['project-editor'] })
      .expect(200);
    await request(server).post('/projects').set('authorization', `Bearer ${key}`).expect(201, { created: true });
    const usage = await request(server).get(`/api-keys/keys/${apiKey.id}/usage`).set('x-api-key', rootKey!).expect(200);
    const sum = (field: 'total' | 'valid' | 'spent') =>
      usage.body.buckets.reduce((n: number, b: Record<string, number>) => n + b[field], 0);
    expect([sum('total'), sum('valid'), sum('spent')]).toEqual([4, 3, 7]);
    const log = await request(server).get(`/api-keys/keys/${apiKey.id}/verifications?limit=5`).set('x-api-key', rootKey!).expect(200);
    expect(log.body.items.map((i: { code: string; cost: number }) => [i.code, i.cost])).toEqual([
      ['VALID', 1],
      ['INSUFFICIENT_PERMISSIONS', 0],
      ['VALID', 5],
      ['VALID', 1],
    ]);
    const child = await request(server)
      .post(`/api-keys/keys/${apiKey.id}/children`)
      .set('x-api-key', rootKey!)
      .send({ name: 'ci', permissions: ['projects:read'] })
      .expect(201);
    await request(server).get('/projects').set('x-api-key', child.body.key).expect(200);
    expect((await apiKeys.get(apiKey.id))!.remaining).toBe(92); // 100 - 7 spent above - 1 by the child
    await request(server).post(`/api-keys/keys/${apiKey.id}/revoke`).set('x-api-key', rootKey!).expect(200);
    const revoked = await request(server).get('/projects').set('x-api-key', key).expect(401);
    expect(revoked.body.code).toBe('REVOKED');
    const childRevoked = await request(server).get('/projects').set('x-api-key', child.body.key).expect(401);
    expect(childRevoked.body.code).toBe('REVOKED');
    const trail = await request(server).get(`/api-keys/audit-events?keyId=${apiKey.id}`).set('x-api-key', rootKey!).expect(200);
    const rootId = (await apiKeys.verify(rootKey!, { dryRun: true })).key!.id;
    expect(trail.body.items.map((e: { action: string; actorId: string }) => [e.action, e.actorId])).toEqual(
      expect.arrayContaining([
        ['key.revoked', `key:${rootId}`],
        ['key.roles_set', `key:${rootId}`],
        ['key.created', `key:${rootId}`],
      ]),
    );
    expect(trail.body.items[0].action).toBe('key.revoked');
    await request(server).get('/hello').expect(200, { hello: 'anonymous' });
  });

  it('serves the admin page the banner points to', async () => {
    const page = await request(app.getHttpServer()).get('/api-keys/ui').expect(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.text).toContain('src="ui/assets/main.js"');
  });

  it('runs the secrets vault when SAMPLE_SECRETS_KEY holds a key', async () => {
    const rootKey = (await app.get(ApiKeyService).create({ ownerId: 'ops', permissions: ['api_keys:admin'] })).key;
    const server = app.getHttpServer();
    const put = await request(server)
      .put('/api-keys/owners/acme/secrets/stripe')
      .set('x-api-key', rootKey)
      .send({ value: 'sk_test_sample' });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ name: 'stripe', ownerId: 'acme', keyId: 'k1' });
    const got = await request(server).get('/api-keys/owners/acme/secrets/stripe').set('x-api-key', rootKey).expect(200);
    expect(got.body).not.toHaveProperty('value');
  });
});
