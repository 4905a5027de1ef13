import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import request from 'supertest';
import type { AdminActor, ApiKeyAuditEvent } from '../lib/index.js';
import { lane } from './utils/databases.js';
import { fakeClock } from './utils/fake-clock.js';
import { expectValidationError } from './utils/http-expectations.js';
import { PLATFORMS, createTestApp, type Platform, type TestApp } from './utils/test-app.js';

// GET /audit-events (SPEC §9): with the root key (actor `key:<id>`) and behind host guards with
// owner-scoped actors, who read their own owner's trail only — whatever they ask for, and with
// owner ids that differ only in case or accents (MariaDB's default collation would fold them).
// Every bad query is a 400 naming its field, never a 500.

const T0 = Date.UTC(2031, 2, 3, 9, 15);
const UNKNOWN_ID = '9b2f6c1e-4a3d-4e5f-8a7b-1c2d3e4f5a6b';

const USERS: Record<string, AdminActor> = {
  alice: { actorId: 'alice', ownerId: 'acme' },
  shouty: { actorId: 'shouty', ownerId: 'ACME' },
  accented: { actorId: 'accented', ownerId: 'acmé' },
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

describe.each(PLATFORMS)(`GET /audit-events with host guards on %s (${lane})`, (platform: Platform) => {
  const clock = fakeClock(T0);
  let t: TestApp;
  let acmeKeyId: string;
  let globexKeyId: string;
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
        adminPolicy: { resolveActor: (req: { user: AdminActor }) => req.user },
      },
      structural: { admin: { path: 'api-keys', guards: [HeaderUserGuard] } },
    });
    clock.advance(1000);
    acmeKeyId = (await alice.post('/keys', { name: 'acme-1' }).expect(201)).body.apiKey.id;
    clock.advance(1000);
    globexKeyId = (await bob.post('/keys', { name: 'globex-1' }).expect(201)).body.apiKey.id;
    clock.advance(1000);
    await alice.post(`/keys/${acmeKeyId}/revoke`, {}).expect(200);
    await alice.post(`/keys/${acmeKeyId}/revoke`, {}).expect(200); // idempotent: no second row
    clock.advance(1000);
    await staff.post('/keys', { ownerId: 'ACME', name: 'shouty-1' }).expect(201);
    await staff.post('/keys', { ownerId: 'acmé', name: 'accented-1' }).expect(201);
    clock.advance(1000);
    for (let i = 0; i < 25; i++) await t.apiKeys.create({ ownerId: 'acme', name: `svc-${i}` }, { actorId: 'batch' });
  });
  afterAll(() => t.close());

  it('answers the trail newest first, with who, what, where and when', async () => {
    const res = await staff.get('/audit-events?limit=3').expect(200);
    expect(res.body.items).toHaveLength(3);
    expect(res.body.nextCursor).toEqual(expect.any(String));
    const revoked = (await staff.get(`/audit-events?keyId=${acmeKeyId}`).expect(200)).body.items as ApiKeyAuditEvent[];
    expect(revoked.map((event) => event.action)).toEqual(['key.revoked', 'key.created']);
    expect(revoked[0]).toEqual({
      id: expect.any(String),
      action: 'key.revoked',
      actorId: 'alice',
      keyId: acmeKeyId,
      ownerId: 'acme',
      at: new Date(T0 + 3000).toISOString(),
      ip: expect.any(String),
      details: {},
    });
    expect(revoked[1].details).toMatchObject({ namespace: 'default' });
  });

  it('filters by action, actor, owner and period, and pages without duplicates or omissions', async () => {
    const byAction = await staff.get('/audit-events?action=key.revoked').expect(200);
    expect(byAction.body.items.map((e: ApiKeyAuditEvent) => e.keyId)).toEqual([acmeKeyId]);
    const byActor = await staff.get('/audit-events?actorId=bob').expect(200);
    expect(byActor.body.items.map((e: ApiKeyAuditEvent) => [e.action, e.keyId])).toEqual([['key.created', globexKeyId]]);
    const since = new Date(T0 + 2000).toISOString();
    const until = new Date(T0 + 4000).toISOString();
    const period = await staff.get(`/audit-events?since=${since}&until=${until}`).expect(200);
    expect(period.body.items.map((e: ApiKeyAuditEvent) => e.action)).toEqual(['key.revoked', 'key.created']);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: request.Response = await staff.get(`/audit-events?ownerId=acme&limit=7${cursor ? `&cursor=${cursor}` : ''}`).expect(200);
      seen.push(...page.body.items.map((e: ApiKeyAuditEvent) => e.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(27); // acme-1 created and revoked, 25 batch keys
    expect(new Set(seen).size).toBe(27);
  });

  it('an owner-scoped actor reads its own owner only: another owner is a 400, its keys are invisible', async () => {
    const own = (await alice.get('/audit-events?limit=100').expect(200)).body.items as ApiKeyAuditEvent[];
    expect(own).toHaveLength(27);
    expect(new Set(own.map((event) => event.ownerId))).toEqual(new Set(['acme']));
    expectValidationError(await alice.get('/audit-events?ownerId=globex'), 'ownerId');
    expect((await alice.get(`/audit-events?keyId=${globexKeyId}`).expect(200)).body.items).toEqual([]);
    expect((await alice.get('/audit-events?actorId=bob').expect(200)).body.items).toEqual([]);
    const globex = (await bob.get('/audit-events').expect(200)).body.items as ApiKeyAuditEvent[];
    expect(globex.map((event) => [event.action, event.keyId])).toEqual([['key.created', globexKeyId]]);
  });

  it("owner ids differing only in case or accents are other owners' trails", async () => {
    for (const [user, owner] of [
      ['shouty', 'ACME'],
      ['accented', 'acmé'],
    ]) {
      const items = (await as(user).get('/audit-events?limit=100').expect(200)).body.items as ApiKeyAuditEvent[];
      expect(items.map((event) => [event.action, event.ownerId])).toEqual([['key.created', owner]]);
    }
    for (const owner of ['ACME', 'acmé', 'Acme']) {
      const items = (await staff.get(`/audit-events?ownerId=${encodeURIComponent(owner)}&limit=100`).expect(200)).body.items;
      expect(items.every((event: ApiKeyAuditEvent) => event.ownerId === owner)).toBe(true);
      expect(items.length).toBeLessThanOrEqual(1);
    }
    // A padded owner id is no identifier at all.
    expectValidationError(await staff.get('/audit-events?ownerId=acme%20'), 'ownerId');
  });

  it('answers 400 naming the field for every bad filter, never a 500', async () => {
    const bad: Array<[string, string]> = [
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=abc', 'limit'],
      ['cursor=not-a-cursor', 'cursor'],
      [`cursor=${'A'.repeat(5000)}`, 'cursor'],
      [`cursor=${Buffer.from(JSON.stringify(['1', 2])).toString('base64url')}`, 'cursor'],
      [`cursor=${Buffer.from(JSON.stringify([-1, 'x'])).toString('base64url')}`, 'cursor'],
      ['since=yesterday', 'since'],
      ['until=2031-02-30T00:00:00Z', 'until'],
      [`since=${'9'.repeat(100)}`, 'since'],
      ['action=key.exploded', 'action'],
      ['action=KEY.CREATED', 'action'],
      ['keyId=not-a-uuid', 'keyId'],
      [`keyId=${UNKNOWN_ID}x`, 'keyId'],
      ['ownerId=', 'ownerId'],
      [`ownerId=${'o'.repeat(129)}`, 'ownerId'],
      ['actorId=%00', 'actorId'],
      ['ownerId=a&ownerId=b', 'ownerId'],
    ];
    for (const [query, field] of bad) {
      const res = await staff.get(`/audit-events?${query}`);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      expectValidationError(res, field);
    }
    const unknown = await staff.get('/audit-events?nope=1');
    expect(unknown.status).toBe(400);
    expect((await staff.get(`/audit-events?keyId=${UNKNOWN_ID}`).expect(200)).body).toEqual({ items: [], nextCursor: null });
  });
});

describe(`GET /audit-events with the root key (${lane})`, () => {
  let t: TestApp;
  afterAll(() => t?.close());

  it('names the root key as the actor (`key:<id>`) and records the address', async () => {
    t = await createTestApp({ options: { failedAttempts: false }, structural: { admin: { path: 'api-keys' } } });
    const root = await t.apiKeys.create({ ownerId: 'ops', name: 'root', permissions: ['api_keys:admin'] });
    const created = await request(t.server).post('/api-keys/keys').set('x-api-key', root.key).send({ ownerId: 'acme' }).expect(201);
    const res = await request(t.server).get('/api-keys/audit-events').set('x-api-key', root.key).expect(200);
    expect(res.body.items.map((e: ApiKeyAuditEvent) => [e.action, e.actorId, e.keyId])).toEqual([
      ['key.created', `key:${root.apiKey.id}`, created.body.apiKey.id],
      ['key.created', 'system', root.apiKey.id],
    ]);
    expect(res.body.items[0].ip).toMatch(/127\.0\.0\.1|::1/);
    expect(JSON.stringify(res.body)).not.toContain(created.body.key);
    await request(t.server).get('/api-keys/audit-events').expect(401);
  });
});
