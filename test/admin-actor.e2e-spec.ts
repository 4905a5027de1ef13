import { Injectable, type CanActivate } from '@nestjs/common';
import request from 'supertest';
import { lane } from './utils/databases.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

/**
 * What `adminPolicy.resolveActor` may answer (SPEC §9): `{ actorId, ownerId }` or
 * `{ actorId, admin: true }`. Every other answer once made the caller a full administrator
 * (the README's `req.user.orgId` for a user without an org): now each is 403 FORBIDDEN.
 */
@Injectable()
class AllowAll implements CanActivate {
  canActivate(): boolean {
    return true;
  }
}

const REFUSED: Array<[string, (req: any) => unknown]> = [
  ['ownerId undefined', () => ({ actorId: 'u1', ownerId: undefined })],
  ['ownerId null', () => ({ actorId: 'u1', ownerId: null })],
  ['no ownerId, admin: false', () => ({ actorId: 'u1', admin: false })],
  ['admin: "true" (a string)', () => ({ actorId: 'u1', admin: 'true' })],
  ['an empty actorId', () => ({ actorId: '', admin: true })],
  ['a padded ownerId', () => ({ actorId: 'u1', ownerId: 'acme ' })],
  ['an empty ownerId', () => ({ actorId: 'u1', ownerId: '' })],
  ['null', () => null],
  ['undefined', () => undefined],
  ['a string', () => 'admin'],
  [
    'a throw',
    () => {
      throw new Error('session store down');
    },
  ],
  ['a rejected promise', () => Promise.reject(new Error('nope'))],
];

describe(`adminPolicy.resolveActor answers on ${lane}`, () => {
  let answer: (req: any) => unknown = () => null;
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      options: { failedAttempts: false, adminPolicy: { resolveActor: (req) => answer(req) as never } },
      structural: { admin: { path: 'api-keys', guards: [AllowAll] } },
      providers: [AllowAll],
    });
    await t.apiKeys.create({ ownerId: 'acme' });
  });
  afterAll(() => t.close());

  it.each(REFUSED)('%s → 403 FORBIDDEN on every route, nothing changed', async (_, resolve) => {
    answer = resolve;
    const before = await t.apiKeys.list({ ownerId: 'acme' });
    for (const res of [
      await request(t.server).get('/api-keys/keys'),
      await request(t.server).post('/api-keys/keys').send({ ownerId: 'acme' }),
      await request(t.server).post('/api-keys/keys/revoke').send({ ownerId: 'acme' }),
      await request(t.server).post('/api-keys/verify').send({ key: 'sk_x' }),
    ]) {
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ statusCode: 403, error: 'Forbidden', code: 'FORBIDDEN', message: expect.any(String) });
    }
    expect((await t.apiKeys.list({ ownerId: 'acme' })).items).toEqual(before.items);
  });

  it('{ actorId, admin: true } manages every owner; { actorId, ownerId } only its own', async () => {
    answer = () => ({ actorId: 'staff', admin: true });
    const all = await request(t.server).get('/api-keys/keys?ownerId=acme').expect(200);
    expect(all.body.items.length).toBeGreaterThan(0);
    answer = () => ({ actorId: 'u2', ownerId: 'globex' });
    const own = await request(t.server).get('/api-keys/keys').expect(200);
    expect(own.body.items).toEqual([]);
    await request(t.server).get('/api-keys/keys?ownerId=acme').expect(400);
  });
});
