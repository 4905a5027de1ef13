import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import request from 'supertest';
import type { AdminActor } from '../lib/index.js';
import { KeyFormat } from '../lib/keys/key-format.js';
import { lane } from './utils/databases.js';
import { fakeClock } from './utils/fake-clock.js';
import { expectNotFound, expectValidationError } from './utils/http-expectations.js';
import { PLATFORMS, createTestApp, type Platform, type TestApp } from './utils/test-app.js';

// The usage routes of the admin API (SPEC §9): GET /keys/:id/usage, GET /keys/:id/verifications
// and GET /stats, behind host guards with owner-scoped actors (another owner's key answers 404,
// like a random id; stats are filtered to the owner), and every bad query a 400, never a 500.

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2031, 2, 3, 9, 15);
const UNKNOWN_ID = '9b2f6c1e-4a3d-4e5f-8a7b-1c2d3e4f5a6b';
const iso = (ms: number) => new Date(ms).toISOString();

const USERS: Record<string, AdminActor> = {
  alice: { actorId: 'alice', ownerId: 'acme' },
  bob: { actorId: 'bob', ownerId: 'globex' },
  staff: { actorId: 'staff', admin: true },
};

/** The host's guard: `x-user` names a user of USERS, or the request is refused. */
@Injectable()
class HeaderUserGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest();
    req.user = USERS[String(req.headers['x-user'] ?? '')];
    return req.user !== undefined;
  }
}

describe.each(PLATFORMS)(`usage routes on %s (${lane})`, (platform: Platform) => {
  const clock = fakeClock(T0);
  let t: TestApp;
  let acmeKey: { key: string; id: string };
  let globexKey: { key: string; id: string };
  const as = (user: string) => ({
    get: (path: string) => request(t.server).get(`/api-keys${path}`).set('x-user', user),
    post: (path: string, body: object) => request(t.server).post(`/api-keys${path}`).set('x-user', user).send(body),
  });
  const alice = as('alice');
  const bob = as('bob');
  const staff = as('staff');

  beforeAll(async () => {
    t = await createTestApp({
      platform,
      options: {
        clock,
        failedAttempts: false,
        verificationLog: { flushIntervalMs: 3_600_000 },
        adminPolicy: { resolveActor: (req: { user: AdminActor }) => req.user },
      },
      structural: { admin: { path: 'api-keys', guards: [HeaderUserGuard] } },
    });
    const a = await t.apiKeys.create({ ownerId: 'acme', name: 'acme-1', remaining: 100 });
    acmeKey = { key: a.key, id: a.apiKey.id };
    await t.apiKeys.create({ ownerId: 'acme', name: 'acme-2' });
    const g = await t.apiKeys.create({ ownerId: 'globex', name: 'globex-1' });
    globexKey = { key: g.key, id: g.apiKey.id };

    // acme: 3 valid calls of cost 2 an hour ago and one now (through POST /verify with tags);
    // globex: 2 valid calls and a permission denial; and one unknown key.
    clock.set(T0 - HOUR);
    for (let i = 0; i < 3; i++) await t.apiKeys.verify(acmeKey.key, { cost: 2, tags: ['batch'] });
    clock.set(T0);
    await alice.post('/verify', { key: acmeKey.key, cost: 5, tags: ['portal', 'export'] }).expect(200);
    await t.apiKeys.verify(globexKey.key);
    await t.apiKeys.verify(globexKey.key);
    await t.apiKeys.verify(globexKey.key, { permissions: ['billing:read'] });
    await t.apiKeys.verify(new KeyFormat('sk', 32).generate());
  });
  afterAll(() => t.close());

  describe('GET /keys/:id/usage', () => {
    it('answers the last 24 hours by default, one bucket per hour, with the credits spent', async () => {
      const res = await alice.get(`/keys/${acmeKey.id}/usage`).expect(200);
      expect(res.body.granularity).toBe('hour');
      expect(res.body.buckets).toHaveLength(25); // 09:00 yesterday to 09:00 today, both partly in the period
      expect(res.body.buckets[0]).toEqual({ at: iso(Date.UTC(2031, 2, 2, 9)), total: 0, valid: 0, byCode: {}, spent: 0 });
      expect(res.body.buckets.slice(-2)).toEqual([
        { at: iso(Date.UTC(2031, 2, 3, 8)), total: 3, valid: 3, byCode: { VALID: 3 }, spent: 6 },
        { at: iso(Date.UTC(2031, 2, 3, 9)), total: 1, valid: 1, byCode: { VALID: 1 }, spent: 5 },
      ]);
    });

    it('answers days, and a chosen period', async () => {
      const days = await alice.get(`/keys/${acmeKey.id}/usage?granularity=day`).expect(200);
      expect(days.body.buckets).toHaveLength(31);
      expect(days.body.buckets[30]).toEqual({ at: iso(Date.UTC(2031, 2, 3)), total: 4, valid: 4, byCode: { VALID: 4 }, spent: 11 });
      const since = iso(T0 - 2 * HOUR);
      const until = iso(T0 - HOUR + 1);
      const hours = await staff.get(`/keys/${acmeKey.id}/usage?since=${since}&until=${until}`).expect(200);
      expect(hours.body.buckets.map((b: { total: number }) => b.total)).toEqual([0, 3]);
    });

    it("answers 404 for another owner's key, exactly as for an unknown id", async () => {
      expectNotFound(await alice.get(`/keys/${globexKey.id}/usage`));
      expectNotFound(await bob.get(`/keys/${acmeKey.id}/usage`));
      expectNotFound(await alice.get(`/keys/${UNKNOWN_ID}/usage`));
      expectNotFound(await alice.get('/keys/not-a-uuid/usage'));
      expect((await bob.get(`/keys/${globexKey.id}/usage`)).body.buckets.at(-1)).toMatchObject({
        total: 3,
        valid: 2,
        byCode: { INSUFFICIENT_PERMISSIONS: 1, VALID: 2 },
      });
      await staff.get(`/keys/${globexKey.id}/usage`).expect(200);
    });
  });

  describe('GET /keys/:id/verifications', () => {
    it('pages the log newest first, with tags, and filters on tags', async () => {
      const first = await alice.get(`/keys/${acmeKey.id}/verifications?limit=2`).expect(200);
      expect(first.body.items).toEqual([
        { at: iso(T0), code: 'VALID', cost: 5, tags: ['portal', 'export'] },
        { at: iso(T0 - HOUR), code: 'VALID', cost: 2, tags: ['batch'] },
      ]);
      const rest = await alice.get(`/keys/${acmeKey.id}/verifications?limit=2&cursor=${first.body.nextCursor}`).expect(200);
      expect(rest.body).toEqual({ items: [expect.objectContaining({ cost: 2 }), expect.objectContaining({ cost: 2 })], nextCursor: null });

      const exports = await alice.get(`/keys/${acmeKey.id}/verifications?tags=export`).expect(200);
      expect(exports.body.items.map((i: { cost: number }) => i.cost)).toEqual([5]);
      const both = await alice.get(`/keys/${acmeKey.id}/verifications?tags=export&tags=portal`).expect(200);
      expect(both.body.items).toHaveLength(1);
      const none = await alice.get(`/keys/${acmeKey.id}/verifications?tags=export&tags=batch`).expect(200);
      expect(none.body).toEqual({ items: [], nextCursor: null });
      const encoded = await alice.get(`/keys/${acmeKey.id}/verifications?tags=${encodeURIComponent('ex%')}`).expect(200);
      expect(encoded.body.items).toEqual([]);
    });

    it("answers 404 for another owner's key", async () => {
      expectNotFound(await bob.get(`/keys/${acmeKey.id}/verifications`));
      expectNotFound(await alice.get(`/keys/${globexKey.id}/verifications?tags=x`));
      expectNotFound(await alice.get(`/keys/${UNKNOWN_ID}/verifications`));
    });
  });

  describe('GET /stats', () => {
    it('gives an owner-scoped actor its own keys and verifications only', async () => {
      const res = await alice.get('/stats').expect(200);
      expect(res.body).toEqual({
        keys: { total: 2, byStatus: { active: 2, revoked: 0, disabled: 0, expired: 0, rotated: 0, idle: 0 } },
        verifications: {
          since: iso(Date.UTC(2031, 2, 2, 9)),
          until: iso(Date.UTC(2031, 2, 3, 10)),
          total: 4,
          valid: 4,
          byCode: { VALID: 4 },
          spent: 11,
          successRate: 1,
        },
      });
      const globex = await bob.get('/stats').expect(200);
      expect(globex.body.keys.total).toBe(1);
      expect(globex.body.verifications).toMatchObject({ total: 3, valid: 2, successRate: 2 / 3 });
      expect((await alice.get('/stats?ownerId=acme').expect(200)).body).toEqual(res.body);
      expectValidationError(await alice.get('/stats?ownerId=globex'), 'ownerId');
    });

    it('gives an administrator every owner, unknown keys included, or one owner', async () => {
      const all = await staff.get('/stats').expect(200);
      expect(all.body.keys.total).toBe(3);
      expect(all.body.verifications).toMatchObject({
        total: 8,
        valid: 6,
        byCode: { NOT_FOUND: 1, INSUFFICIENT_PERMISSIONS: 1, VALID: 6 },
        spent: 11,
        successRate: 0.75,
      });
      const globex = await staff.get('/stats?ownerId=globex').expect(200);
      expect(globex.body.verifications).toMatchObject({ total: 3, byCode: { INSUFFICIENT_PERMISSIONS: 1, VALID: 2 } });
      const lastHour = await staff.get(`/stats?since=${iso(T0 - 60_000)}`).expect(200);
      expect(lastHour.body.verifications).toMatchObject({ since: iso(Date.UTC(2031, 2, 3, 9)), total: 5 });
    });
  });

  describe('bad input', () => {
    it.each([
      [`/keys/:id/usage?granularity=week`, 'granularity'],
      [`/keys/:id/usage?since=yesterday`, 'since'],
      [`/keys/:id/usage?since=2031-13-45T00:00:00Z`, 'since'],
      [`/keys/:id/usage?since=${iso(T0)}&until=${iso(T0 - HOUR)}`, 'since'],
      [`/keys/:id/usage?since=${iso(T0)}&until=${iso(T0)}`, 'since'],
      [`/keys/:id/usage?since=${iso(T0 - 32 * DAY)}`, 'since'],
      [`/keys/:id/usage?granularity=day&since=${iso(T0 - 400 * DAY)}`, 'since'],
      [`/keys/:id/usage?since=0001-01-01T00:00:00Z&granularity=day`, 'since'],
      [`/keys/:id/usage?until=${'9'.repeat(100)}`, 'until'],
      [`/keys/:id/usage?since=${iso(T0)}&since=${iso(T0)}`, 'since'],
      [`/keys/:id/usage?hours=3`, 'hours'],
      [`/keys/:id/usage?since[$gt]=2031`, 'since[$gt]'],
      [`/keys/:id/verifications?limit=0`, 'limit'],
      [`/keys/:id/verifications?limit=101`, 'limit'],
      [`/keys/:id/verifications?limit=ten`, 'limit'],
      [`/keys/:id/verifications?cursor=not-a-cursor`, 'cursor'],
      [`/keys/:id/verifications?cursor=${'A'.repeat(300)}`, 'cursor'],
      [`/keys/:id/verifications?${Array.from({ length: 11 }, (_, i) => `tags=t${i}`).join('&')}`, 'tags'],
      [`/keys/:id/verifications?tags=`, 'tags'],
      [`/keys/:id/verifications?tags=a%0Ab`, 'tags'],
      [`/keys/:id/verifications?tags=${'x'.repeat(129)}`, 'tags'],
      [`/stats?since=${iso(T0 - 367 * DAY)}`, 'since'],
      [`/stats?until=soon`, 'until'],
      [`/stats?ownerId=%20acme`, 'ownerId'],
    ])('GET %s answers 400 naming %s', async (path, field) => {
      expectValidationError(await staff.get(path.replace(':id', acmeKey.id)), field);
    });

    it('POST /verify validates tags', async () => {
      expectValidationError(await staff.post('/verify', { key: acmeKey.key, tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }), 'tags');
      expectValidationError(await staff.post('/verify', { key: acmeKey.key, tags: ['ok', 'new\nline'] }), 'tags');
      expectValidationError(await staff.post('/verify', { key: acmeKey.key, tags: 'export' }), 'tags');
      expectValidationError(await staff.post('/verify', { key: acmeKey.key, tags: [{ nested: true }] }), 'tags');
    });
  });
});
