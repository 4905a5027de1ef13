import request from 'supertest';
import { ApiKeyAuditService, type ApiKeyEvent } from '../lib/index.js';
import { lane } from './utils/databases.js';
import { fakeClock } from './utils/fake-clock.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

// Events of SPEC §8 against a real database: `credits.threshold` at 80, 90 and 100 % used, once
// each per refill period and again after a refill, exact under concurrent spends; a throwing
// handler never breaks a request; and the events and audit rows of a key's life, in order.

const DAY = 86_400_000;
const T0 = Date.UTC(2031, 2, 3, 9, 15);

describe(`credits.threshold and the event sequence on ${lane}`, () => {
  const clock = fakeClock(T0);
  const events: ApiKeyEvent[] = [];
  let throwing = false;
  let t: TestApp;
  const thresholdsOf = (keyId: string) =>
    events.filter((event) => event.type === 'credits.threshold' && event.keyId === keyId).map((event) => event.details!.threshold);

  beforeAll(async () => {
    t = await createTestApp({
      options: {
        clock,
        failedAttempts: false,
        cache: false,
        onEvent: (event) => {
          events.push(event);
          if (throwing) throw new Error('the webhook is down');
        },
      },
    });
  });
  afterAll(() => t.close());

  it('fires 80, 90 and 100 % once each per period under concurrent spends, and again after the refill', async () => {
    const { key, apiKey } = await t.apiKeys.create({ ownerId: 'acme', remaining: 50, refill: { amount: 50, interval: 'daily' } });
    const results = await Promise.all(Array.from({ length: 60 }, () => t.apiKeys.verify(key)));
    expect(results.filter((r) => r.valid)).toHaveLength(50);
    expect(thresholdsOf(apiKey.id).sort()).toEqual([100, 80, 90]);
    const first = events.find((event) => event.type === 'credits.threshold' && event.details!.threshold === 80)!;
    expect(first).toMatchObject({
      keyId: apiKey.id,
      ownerId: 'acme',
      details: { threshold: 80, remaining: 10, total: 50, periodStart: new Date(Date.UTC(2031, 2, 3)).toISOString() },
    });
    expect(JSON.stringify(events)).not.toContain(key);

    // A full balance again in the same period: spending it does not repeat the thresholds.
    await t.apiKeys.update(apiKey.id, { remaining: 50 });
    expect(await t.apiKeys.verify(key, { cost: 50 })).toMatchObject({ valid: true, remaining: 0 });
    expect(thresholdsOf(apiKey.id)).toHaveLength(3);

    clock.advance(DAY); // the refill: a new period
    for (let i = 0; i < 39; i++) await t.apiKeys.verify(key);
    expect(thresholdsOf(apiKey.id)).toHaveLength(3);
    await t.apiKeys.verify(key, { cost: 11 }); // 50 → 11 → 0: crosses 80, 90 and 100 at once
    expect(thresholdsOf(apiKey.id)).toEqual([...thresholdsOf(apiKey.id).slice(0, 3), 80, 90, 100]);
  });

  it('measures a key without refill against the balance granted; a new grant arms them again; dry runs and free calls never fire', async () => {
    const { key, apiKey } = await t.apiKeys.create({ ownerId: 'acme', remaining: 10 });
    await t.apiKeys.verify(key, { cost: 8, dryRun: true });
    await t.apiKeys.verify(key, { cost: 0 });
    expect(thresholdsOf(apiKey.id)).toEqual([]);
    await t.apiKeys.verify(key, { cost: 8 });
    expect(thresholdsOf(apiKey.id)).toEqual([80]);
    await t.apiKeys.verify(key, { cost: 2 });
    expect(thresholdsOf(apiKey.id)).toEqual([80, 90, 100]);
    await t.apiKeys.update(apiKey.id, { remaining: 100 });
    await t.apiKeys.verify(key, { cost: 95 });
    expect(thresholdsOf(apiKey.id)).toEqual([80, 90, 100, 80, 90]);
  });

  it('a handler that throws never breaks a request', async () => {
    const { key, apiKey } = await t.apiKeys.create({ ownerId: 'acme', remaining: 1 });
    throwing = true;
    try {
      const res = await request(t.server).get('/demo/whoami').set('x-api-key', key);
      expect(res.status).toBe(200);
      expect(thresholdsOf(apiKey.id)).toEqual([80, 90, 100]);
      expect((await request(t.server).get('/demo/whoami').set('x-api-key', key)).status).toBe(429);
    } finally {
      throwing = false;
    }
  });

  it('a key created, failing verification, rotated and revoked: its events and audit rows, in order', async () => {
    events.length = 0;
    const { key, apiKey } = await t.apiKeys.create({ ownerId: 'seq', permissions: ['billing:read'] }, { actorId: 'alice' });
    await t.apiKeys.verify(key, { permissions: ['billing:write'] });
    await t.apiKeys.verify(key, { permissions: ['billing:write'] }); // debounced
    expect((await t.apiKeys.verify(key, { permissions: ['billing:read'] })).valid).toBe(true);
    const { apiKey: next } = await t.apiKeys.rotate(apiKey.id, {}, { actorId: 'alice' });
    await t.apiKeys.revoke(next.id, { actorId: 'bob' });
    await t.apiKeys.revoke(next.id, { actorId: 'bob' }); // a no-op: no event, no row
    expect(events.map((event) => [event.type, event.keyId, event.actorId, event.details?.code])).toEqual([
      ['key.created', apiKey.id, 'alice', undefined],
      ['key.verification_failed', apiKey.id, 'system', 'INSUFFICIENT_PERMISSIONS'],
      ['key.rotated', next.id, 'alice', undefined],
      ['key.revoked', next.id, 'bob', undefined],
    ]);
    const trail = await t.app.get(ApiKeyAuditService).list({ ownerId: 'seq' });
    expect(trail.items.map((event) => [event.action, event.keyId, event.actorId]).reverse()).toEqual([
      ['key.created', apiKey.id, 'alice'],
      ['key.rotated', next.id, 'alice'],
      ['key.revoked', next.id, 'bob'],
    ]);
    expect(JSON.stringify([events, trail])).not.toContain(key);
  });
});
