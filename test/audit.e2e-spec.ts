import { randomBytes } from 'node:crypto';
import {
  ApiKeyAuditEventEntity,
  ApiKeyAuditService,
  ApiKeyEntity,
  ApiKeyRbacService,
  ApiKeySecretsService,
  API_KEY_AUDIT_ACTIONS,
  type ApiKeyAuditEvent,
} from '../lib/index.js';
import { AuditStore } from '../lib/audit/audit.store.js';
import { ApiKeyChanges } from '../lib/changes/api-key-changes.js';
import { KeyFormat } from '../lib/keys/key-format.js';
import { sha256Hex } from '../lib/keys/key-hasher.js';
import { insertKeys } from './utils/bulk-keys.js';
import { lane } from './utils/databases.js';
import { leakedSubstrings } from './utils/database-dump.js';
import { fakeClock } from './utils/fake-clock.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

// The audit trail against a real database (SPEC §8): exactly one row per change, for every
// action, in the change's own transaction (a failed insert rolls the change back), nothing for a
// no-op, and never a raw key, a hash or a secret value in a row.

const T0 = Date.UTC(2031, 2, 3, 9, 15);
const CTX = { actorId: 'alice', ip: '203.0.113.7' };

describe(`audit trail on ${lane}`, () => {
  const clock = fakeClock(T0);
  let t: TestApp;
  let audit: ApiKeyAuditService;
  let rbac: ApiKeyRbacService;
  let secrets: ApiKeySecretsService;
  const rows = () => t.dataSource.getRepository(ApiKeyAuditEventEntity).find({ order: { at: 'ASC', id: 'ASC' } });
  const count = () => t.dataSource.getRepository(ApiKeyAuditEventEntity).count();

  /** Runs `change` and answers the audit rows it added. */
  async function added(change: () => Promise<unknown>): Promise<ApiKeyAuditEventEntity[]> {
    const before = new Set((await rows()).map((row) => row.id));
    await change();
    return (await rows()).filter((row) => !before.has(row.id));
  }

  beforeAll(async () => {
    t = await createTestApp({
      options: { clock, failedAttempts: false, secrets: { keys: { k1: randomBytes(32).toString('base64') }, activeKeyId: 'k1' } },
    });
    audit = t.app.get(ApiKeyAuditService);
    rbac = t.app.get(ApiKeyRbacService);
    secrets = t.app.get(ApiKeySecretsService);
  });
  afterAll(() => t.close());

  it('writes exactly one row per change, for every action, with the actor, the address and the time', async () => {
    const seen = new Map<string, ApiKeyAuditEventEntity>();
    const one = async (action: string, change: () => Promise<unknown>) => {
      clock.advance(1000);
      const rows = await added(change);
      expect(rows.map((row) => row.action)).toEqual([action]);
      expect(rows[0]).toMatchObject({ actorId: CTX.actorId, ip: CTX.ip, at: clock.now() });
      seen.set(action, rows[0]);
      return rows[0];
    };

    await one('permission.created', () => rbac.createPermission('billing:read', {}, CTX));
    await one('role.created', () => rbac.createRole('billing', ['billing:read'], CTX));
    let keyId = '';
    const created = await one('key.created', async () => {
      keyId = (await t.apiKeys.create({ ownerId: 'acme', name: 'one', remaining: 10 }, CTX)).apiKey.id;
    });
    expect(created).toMatchObject({ keyId, ownerId: 'acme' });
    const imported = await one('key.imported', () => t.apiKeys.import({ ownerId: 'acme', key: new KeyFormat('sk', 32).generate() }, CTX));
    expect(imported.keyId).toEqual(expect.any(String));
    await one('key.updated', () => t.apiKeys.update(keyId, { name: 'renamed' }, CTX));
    await one('key.roles_set', () => rbac.assignRoles(keyId, ['billing'], CTX));
    await one('key.permissions_set', () => rbac.assignPermissions(keyId, ['billing:read'], CTX));
    await one('key.child_created', () => t.apiKeys.createChildKey(keyId, { name: 'child' }, CTX));
    let successor = '';
    await one('key.rotated', async () => {
      successor = (await t.apiKeys.rotate(keyId, {}, CTX)).apiKey.id;
    });
    await one('key.revoked', () => t.apiKeys.revoke(successor, CTX));
    await t.apiKeys.create({ ownerId: 'globex', name: 'bulk' });
    const bulk = await one('keys.revoked', () => t.apiKeys.revokeMany({ ownerId: 'globex' }, CTX));
    expect(bulk).toMatchObject({ keyId: null, ownerId: 'globex', details: { count: 1, filter: { ownerId: 'globex' } } });
    clock.advance(10 * 86_400_000);
    await one('keys.purged', () => t.apiKeys.purge({ olderThanMs: 86_400_000 }, CTX));
    await one('owner.rate_limits_set', () => t.apiKeys.setOwnerRateLimits('acme', [{ name: 'minute', limit: 5, windowMs: 60_000 }], CTX));
    const put = await one('secret.put', () => secrets.put('acme', 'stripe', 'whsec_do-not-log-this-value', CTX));
    expect(put).toMatchObject({ ownerId: 'acme', details: { name: 'stripe', keyId: 'k1' } });
    await one('secret.deleted', () => secrets.delete('acme', 'stripe', CTX));
    await one('role.deleted', () => rbac.deleteRole('billing', CTX));
    await one('permission.deleted', () => rbac.deletePermission('billing:read', CTX));

    expect([...seen.keys()].sort()).toEqual([...API_KEY_AUDIT_ACTIONS].sort());
    expect(JSON.stringify(await rows())).not.toContain('whsec_do-not-log-this-value');
  });

  it('records the default actor `system`, and no address without one', async () => {
    const [row] = await added(() => t.apiKeys.create({ ownerId: 'acme' }));
    expect(row).toMatchObject({ action: 'key.created', actorId: 'system', ip: null });
  });

  it('writes nothing for a no-op: a second revoke, an empty bulk revoke or purge, an unchanged update, a missing secret', async () => {
    const { apiKey } = await t.apiKeys.create({ ownerId: 'noop', name: 'same' });
    await t.apiKeys.revoke(apiKey.id, CTX);
    const before = await count();
    const again = await t.apiKeys.revoke(apiKey.id, CTX);
    expect(again.revokedAt).toEqual(expect.any(Date));
    expect(await t.apiKeys.revokeMany({ ownerId: 'nobody-has-this' }, CTX)).toBe(0);
    expect(await t.apiKeys.purge({ olderThanMs: 365 * 86_400_000 }, CTX)).toBe(0);
    await t.apiKeys.update(apiKey.id, { name: 'same' }, CTX);
    expect(await secrets.delete('noop', 'absent', CTX)).toBe(false);
    expect(await count()).toBe(before);
  });

  it('a failed audit insert rolls the change back: no key created, none revoked, no event', async () => {
    const store = t.app.get(AuditStore);
    const events: string[] = [];
    const subscription = t.apiKeys.events$.subscribe((event) => events.push(event.type));
    const keysBefore = await t.dataSource.getRepository(ApiKeyEntity).count();
    const failing = jest.spyOn(store, 'insert').mockRejectedValueOnce(new Error('audit table is gone'));
    try {
      await expect(t.apiKeys.create({ ownerId: 'rollback', name: 'never' }, CTX)).rejects.toThrow('audit table is gone');
      expect(await t.dataSource.getRepository(ApiKeyEntity).count()).toBe(keysBefore);
      expect(await t.apiKeys.list({ ownerId: 'rollback' })).toMatchObject({ items: [] });

      const { apiKey } = await t.apiKeys.create({ ownerId: 'rollback', name: 'kept' });
      failing.mockRejectedValueOnce(new Error('audit table is gone'));
      await expect(t.apiKeys.revoke(apiKey.id, CTX)).rejects.toThrow('audit table is gone');
      expect((await t.apiKeys.get(apiKey.id))!.revokedAt).toBeNull();
      expect(events).toEqual(['key.created']);
      // The next attempt succeeds whole: one revocation, one row.
      const rowsAdded = await added(() => t.apiKeys.revoke(apiKey.id, CTX));
      expect(rowsAdded.map((row) => row.action)).toEqual(['key.revoked']);
    } finally {
      failing.mockRestore();
      subscription.unsubscribe();
    }
  });

  it('refuses (and rolls back) a change whose details carry a raw key or a secret-named field', async () => {
    const { apiKey, key } = await t.apiKeys.create({ ownerId: 'leaky', name: 'before' });
    const changes = t.app.get(ApiKeyChanges);
    for (const details of [{ note: key }, { nested: [{ again: key }] }, { hash: 'x' }, { Secret: 'x' }, { value: 'x' }]) {
      const attempt = changes.run(CTX, async (tx) => {
        await tx.manager.update(ApiKeyEntity, { id: apiKey.id }, { name: 'after' });
        tx.record({ action: 'key.updated', keyId: apiKey.id, ownerId: 'leaky', details });
      });
      await expect(attempt).rejects.toThrow(/refused to audit key\.updated/);
      expect((await t.apiKeys.get(apiKey.id))!.name).toBe('before');
    }
  });

  it('refuses an actor id or an address the trail cannot hold, before any work', async () => {
    for (const ctx of [{ actorId: 'a'.repeat(129) }, { actorId: ' padded' }, { ip: 'x'.repeat(46) }]) {
      const error = await t.apiKeys.create({ ownerId: 'ctx' }, ctx).catch((e) => e);
      expect(error.code).toBe('VALIDATION_FAILED');
    }
    expect(await t.apiKeys.list({ ownerId: 'ctx' })).toMatchObject({ items: [] });
  });

  it('1,000 concurrent revocations of distinct keys write 1,000 rows', async () => {
    // The keys are stored in bulk beforehand (their creation is not under test here).
    const keys = await insertKeys(
      t.dataSource,
      Array.from({ length: 1000 }, (_, i) => ({ ownerId: 'mass', name: `k${i}` })),
      { now: clock.now() },
    );
    const started = Date.now();
    await Promise.all(keys.map(({ id }) => t.apiKeys.revoke(id, { actorId: 'bulk-test' })));
    const elapsed = Date.now() - started;
    console.log(`1,000 concurrent revocations on ${lane}: ${elapsed} ms`);
    const revoked = await t.dataSource
      .getRepository(ApiKeyAuditEventEntity)
      .find({ where: { actorId: 'bulk-test', action: 'key.revoked' }, select: { keyId: true } });
    expect(revoked).toHaveLength(1000);
    expect(new Set(revoked.map((row) => row.keyId))).toEqual(new Set(keys.map(({ id }) => id)));
    const page = await audit.list({ actorId: 'bulk-test', limit: 100 });
    expect(page.items).toHaveLength(100);
    expect(elapsed).toBeLessThan(60_000);
  }, 240_000);

  it('the audit table holds no raw key, no hash and no secret value', async () => {
    const raw: string[] = [];
    for (let i = 0; i < 20; i++) {
      const { key, apiKey } = await t.apiKeys.create({ ownerId: 'dump', name: `d${i}` }, CTX);
      raw.push(key, (await t.apiKeys.rotate(apiKey.id, {}, CTX)).key);
    }
    const value = `whsec_${randomBytes(24).toString('base64url')}`;
    await secrets.put('dump', 'hook', value, CTX);
    const hashes = (await t.dataSource.getRepository(ApiKeyEntity).find({ select: { hash: true } })).map((row) => row.hash);
    expect(hashes).toContain(sha256Hex(raw[0]));
    const table = await t.dataSource.getRepository(ApiKeyAuditEventEntity).find();
    const dump = table.map((row) => JSON.stringify(row)).join('\n');
    expect(dump).toContain('"action":"key.rotated"');
    expect(leakedSubstrings(dump, [...raw, ...hashes, value], 16)).toEqual([]);
  });

  it('list() pages newest first without duplicates or omissions, and filters', async () => {
    const all: ApiKeyAuditEvent[] = [];
    let cursor: string | undefined;
    do {
      const page = await audit.list({ limit: 37, ...(cursor ? { cursor } : {}) });
      all.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(all).toHaveLength(await count());
    expect(new Set(all.map((event) => event.id)).size).toBe(all.length);
    const times = all.map((event) => Date.parse(event.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const revokes = await audit.list({ action: 'key.revoked', ownerId: 'rollback', limit: 100 });
    expect(revokes.items.map((event) => [event.action, event.ownerId])).toEqual([['key.revoked', 'rollback']]);
    const since = await audit.list({ since: new Date(T0 + 5000), until: T0 + 6000 });
    expect(since.items.map((event) => event.action)).toEqual(['key.updated']);

    for (const [query, field] of [
      [{ limit: 0 }, 'limit'],
      [{ limit: 101 }, 'limit'],
      [{ cursor: 'nope' }, 'cursor'],
      [{ cursor: 'x'.repeat(5000) }, 'cursor'],
      [{ since: 'yesterday' }, 'since'],
      [{ action: 'key.exploded' }, 'action'],
      [{ keyId: 'not-a-uuid' }, 'keyId'],
      [{ ownerId: ' acme' }, 'ownerId'],
    ] as const) {
      const error = await audit.list(query as never).catch((e) => e);
      expect({ field, errors: error.errors?.map((e: { field: string }) => e.field) }).toEqual({ field, errors: [field] });
    }
  });
});
