import request from 'supertest';
import { DataSource } from 'typeorm';
import { API_KEYS_MIGRATIONS, ApiKeysError, ApiKeysModule, type ApiKeyEvent } from '../lib/index.js';
import { createTestDatabase, lane } from './utils/databases.js';
import { expectValidationError } from './utils/http-expectations.js';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';

// Fail-closed edges found in review: each case here once answered wrongly.
describe(`hardening on ${lane}`, () => {
  let t: TestApp;
  const events: ApiKeyEvent[] = [];
  beforeAll(async () => {
    t = await createTestApp({
      options: { onEvent: (event) => events.push(event), failedAttempts: false },
      structural: { admin: { path: 'api-keys' } },
    });
  });
  afterAll(() => t.close());

  it('a rotated key refuses changes that only its successor can carry (409 KEY_ROTATED), but can be disabled', async () => {
    const { apiKey } = await t.apiKeys.create({ ownerId: 'h1', permissions: ['a:read'] });
    const { apiKey: successor } = await t.apiKeys.rotate(apiKey.id, { gracePeriodMs: 60_000 });
    for (const patch of [{ permissions: ['a:write'] }, { remaining: 5 }, { rateLimits: [] }, { expiresAt: null }]) {
      await expect(t.apiKeys.update(apiKey.id, patch)).rejects.toMatchObject({ code: 'KEY_ROTATED', status: 409 });
    }
    expect((await t.apiKeys.get(successor.id))!.permissions).toEqual(['a:read']);
    const renamed = await t.apiKeys.update(apiKey.id, { name: 'old', enabled: false });
    expect(renamed).toMatchObject({ name: 'old', enabled: false });
  });

  it('a lineage longer than its depth bound fails closed instead of trusting a rotated row', async () => {
    let { key, apiKey } = await t.apiKeys.create({ ownerId: 'h2' });
    const first = key;
    for (let i = 0; i < 8; i++) ({ key, apiKey } = await t.apiKeys.rotate(apiKey.id, { gracePeriodMs: 3_600_000 }));
    expect((await t.apiKeys.verify(key)).code).toBe('VALID');
    await t.apiKeys.revoke(apiKey.id); // the head of the lineage
    expect((await t.apiKeys.verify(first)).code).toBe('REVOKED');
  });

  it('bulk revoke never revokes the lineage of the calling key (an old key in its grace included)', async () => {
    const { key: oldRoot, apiKey: root } = await t.apiKeys.create({ ownerId: 'ops-h3', permissions: ['api_keys:admin'] });
    const { key: newRoot } = await t.apiKeys.rotate(root.id, { gracePeriodMs: 60_000 });
    const { apiKey: other } = await t.apiKeys.create({ ownerId: 'ops-h3' });
    // Called with the OLD key, still in its grace: its successor must survive the bulk revoke.
    const res = await request(t.server).post('/api-keys/keys/revoke').set('x-api-key', oldRoot).send({ ownerId: 'ops-h3' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ revoked: 1 });
    expect((await t.apiKeys.get(other.id))!.status).toBe('revoked');
    expect((await t.apiKeys.verify(newRoot)).code).toBe('VALID');
    expect((await t.apiKeys.verify(oldRoot)).code).toBe('VALID');
  });

  it('bulk revoke emits one key.revoked event per key, with real ids', async () => {
    const made = await Promise.all([1, 2, 3].map(() => t.apiKeys.create({ ownerId: 'h4' })));
    events.length = 0;
    expect(await t.apiKeys.revokeMany({ ownerId: 'h4' }, { actorId: 'tester' })).toBe(3);
    const revoked = events.filter((e) => e.type === 'key.revoked');
    expect(revoked.map((e) => e.keyId).sort()).toEqual(made.map((m) => m.apiKey.id).sort());
    expect(revoked.every((e) => e.ownerId === 'h4' && e.actorId === 'tester')).toBe(true);
  });

  it('failed verifications of a stored key emit debounced events without the raw key', async () => {
    const { key, apiKey } = await t.apiKeys.create({ ownerId: 'h6', rateLimits: [{ name: 'tiny', limit: 1, windowMs: 60_000 }] });
    events.length = 0;
    expect((await t.apiKeys.verify(key)).code).toBe('VALID');
    for (let i = 0; i < 3; i++) expect((await t.apiKeys.verify(key)).code).toBe('RATE_LIMITED');
    await t.apiKeys.revoke(apiKey.id);
    for (let i = 0; i < 3; i++) expect((await t.apiKeys.verify(key)).code).toBe('REVOKED');
    await t.apiKeys.verify(key, { dryRun: true }); // a dry run tells nobody
    const failures = events.filter((e) => e.type === 'ratelimit.exceeded' || e.type === 'key.verification_failed');
    expect(failures.map((e) => [e.type, e.keyId, e.ownerId, e.details])).toEqual([
      ['ratelimit.exceeded', apiKey.id, 'h6', { code: 'RATE_LIMITED', limit: 'tiny' }],
      ['key.verification_failed', apiKey.id, 'h6', { code: 'REVOKED' }],
    ]);
    expect(JSON.stringify(events)).not.toContain(key);
  });

  it('USAGE_EXCEEDED of a limited key carries its balance, untouched, when the cost is above it', async () => {
    const { key, apiKey } = await t.apiKeys.create({ ownerId: 'h7', remaining: 3 });
    const result = await t.apiKeys.verify(key, { cost: 5 });
    expect(result).toMatchObject({ valid: false, code: 'USAGE_EXCEEDED', remaining: 3 });
    expect((await t.apiKeys.get(apiKey.id))!.remaining).toBe(3);
    const { key: root } = await t.apiKeys.create({ ownerId: 'ops-h7', permissions: ['api_keys:admin'] });
    const res = await request(t.server).post('/api-keys/verify').set('x-api-key', root).send({ key, cost: 4 }).expect(200);
    expect(res.body).toMatchObject({ code: 'USAGE_EXCEEDED', remaining: 3 });
    for (let i = 0; i < 3; i++) expect((await t.apiKeys.verify(key)).code).toBe('VALID');
    expect(await t.apiKeys.verify(key)).toMatchObject({ code: 'USAGE_EXCEEDED', remaining: 0 });
  });

  it("the rotation-grace denial says what is true when it is a later rotation's grace that ended", async () => {
    const { key: first, apiKey } = await t.apiKeys.create({ ownerId: 'h8' });
    const { apiKey: second } = await t.apiKeys.rotate(apiKey.id, { gracePeriodMs: 3_600_000 }); // first: in grace
    await t.apiKeys.rotate(second.id, { gracePeriodMs: 0 }); // second: its grace is over at once
    const result = await t.apiKeys.verify(first);
    expect(result.code).toBe('ROTATION_GRACE_EXPIRED');
    expect(result.message).toBe('The API key was rotated and a rotation grace period in its lineage has ended; use the newest key.');
    expect(result.message).not.toMatch(/its grace period has ended/);
  });

  it('role names longer than 128 characters answer 400, never a 500 or a truncated grant', async () => {
    const { key: root } = await t.apiKeys.create({ ownerId: 'ops-h5', permissions: ['api_keys:admin'] });
    const res = await request(t.server)
      .post('/api-keys/keys')
      .set('x-api-key', root)
      .send({ ownerId: 'h5', roles: ['r'.repeat(129)] });
    expectValidationError(res, 'roles');
    await expect(t.apiKeys.create({ ownerId: 'h5', roles: ['r'.repeat(129)] })).rejects.toBeInstanceOf(ApiKeysError);
  });
});

describe(`boot checks on ${lane}`, () => {
  it('a database missing a later migration fails at boot naming API_KEYS_MIGRATIONS', async () => {
    const database = await createTestDatabase({ synchronize: false, migrations: [API_KEYS_MIGRATIONS[0]] } as any);
    const migrate = new DataSource(database.options);
    await migrate.initialize();
    await migrate.runMigrations();
    await migrate.destroy();
    try {
      const app = (
        await Test.createTestingModule({
          imports: [TypeOrmModule.forRoot({ ...database.options, migrations: [], retryAttempts: 0 } as any), ApiKeysModule.forRoot()],
        }).compile()
      ).createNestApplication();
      await expect(app.init()).rejects.toThrow(/API_KEYS_MIGRATIONS/);
      await app.close().catch(() => undefined);
    } finally {
      await database.drop();
    }
  });

  it('warns once at boot when stored keys use hash versions the pepper ring lacks, naming versions and counts', async () => {
    const P1 = 'pepper-one-0123456789';
    const P2 = 'pepper-two-0123456789';
    const first = await createTestApp({ options: { pepper: { current: 'p1', secrets: { p1: P1 } } } });
    const warnings = () => warn.mock.calls.map(([message]) => String(message)).filter((m) => /hash version/.test(m));
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      for (let i = 0; i < 3; i++) await first.apiKeys.create({ ownerId: 'pep' });
      await first.apiKeys.create({ ownerId: 'pep', remaining: 1 });
      await first.app.close(); // the app only: its database stays for the next boots
      const covered = await createTestApp({
        database: first.database,
        options: { pepper: { current: 'p2', secrets: { p1: P1, p2: P2 } } },
      });
      await covered.close();
      expect(warnings()).toEqual([]);
      const lacking = await createTestApp({ database: first.database, options: { pepper: { current: 'p2', secrets: { p2: P2 } } } });
      await lacking.close();
      const unpeppered = await createTestApp({ database: first.database });
      await unpeppered.close();
      expect(warnings()).toEqual([
        expect.stringMatching(
          /^4 stored key\(s\) use hash version\(s\) the configured pepper lacks: 'p1' \(4\)\..*configured: sha256, p2\)\.$/,
        ),
        expect.stringMatching(/'p1' \(4\).*configured: sha256\)/),
      ]);
      expect(warnings().join('\n')).not.toContain(P1);
    } finally {
      warn.mockRestore();
      await first.database.drop();
    }
  });

  it('an admin route answers 503 STORE_UNAVAILABLE when the database is gone', async () => {
    const t = await createTestApp({ structural: { admin: { path: 'api-keys' } }, options: { failedAttempts: false } });
    const { key: root } = await t.apiKeys.create({ ownerId: 'ops', permissions: ['api_keys:admin'] });
    try {
      // The root key verifies first; then the list query hits the destroyed DataSource.
      // verifyNow is the guard's entry into the verifier.
      const verify = t.apiKeys.verifyNow.bind(t.apiKeys);
      jest.spyOn(t.apiKeys, 'verifyNow').mockImplementation(async (...args) => {
        const result = await verify(...args);
        await t.dataSource.destroy();
        return result;
      });
      const res = await request(t.server).get('/api-keys/keys').set('x-api-key', root);
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ statusCode: 503, code: 'STORE_UNAVAILABLE' });
      expect(res.headers['retry-after']).toBe('1');
    } finally {
      jest.restoreAllMocks();
      await t.app.close().catch(() => undefined);
      await t.database.drop();
    }
  });
});
