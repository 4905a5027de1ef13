import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  ApiKeyEntity,
  ApiKeysError,
  ApiKeyValidationError,
  KeyNotRotatableError,
  type ApiKeyEvent,
  type ApiKeyStatus,
} from '../lib/index.js';
import { ApiKeyPermissionEntity } from '../lib/entities/api-key-permission.entity.js';
import { KeyFormat } from '../lib/keys/key-format.js';
import { isKeyHashCollision } from '../lib/store/driver-errors.js';
import { createTestDatabase } from './utils/databases.js';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { fakeClock } from './utils/fake-clock.js';
import { keyRow } from './utils/rows.js';

// Storage at rest (SPEC §3, §4), import, bulk revoke, purge, events and list status filters,
// through ApiKeyService on a real app and checked against the database rows.

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const hmac = (secret: string, value: string) => createHmac('sha256', secret).update(value).digest('hex');

const PEPPER = 'a-pepper-of-16+chars';
const P1 = 'pepper-one-0123456789';
const P2 = 'pepper-two-0123456789';
const T0 = Date.UTC(2031, 0, 1, 12);

async function keyCount(ds: DataSource): Promise<number> {
  return ds.getRepository(ApiKeyEntity).count();
}

/** Polls the row until `done` holds (the hash upgrade runs after verify answers). */
async function waitForRow(ds: DataSource, id: string, done: (row: Record<string, any>) => boolean) {
  let row = await keyRow(ds, id);
  for (let i = 0; i < 250 && !(row && done(row)); i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    row = await keyRow(ds, id);
  }
  return row!;
}

/** Every value of every row of every library table, as one string. */
async function everyStoredValue(ds: DataSource): Promise<string> {
  const chunks: string[] = [];
  for (const metadata of ds.entityMetadatas) {
    const rows = await ds
      .createQueryBuilder()
      .select('*')
      .from(metadata.target as any, 't')
      .getRawMany();
    chunks.push(JSON.stringify(rows));
  }
  return chunks.join('\n');
}

// Apps shared by the tests that need no options of their own; each test uses its own keys.
let plain: TestApp;
let peppered: TestApp;
beforeAll(async () => {
  [plain, peppered] = await Promise.all([createTestApp(), createTestApp({ options: { pepper: PEPPER } })]);
});
afterAll(async () => {
  await plain?.close();
  await peppered?.close();
});

describe('ApiKeyService storage at rest', () => {
  it('never stores the raw key: hash is SHA-256 hex, start and last4 are the display parts', async () => {
    const t = plain;
    const { key, apiKey } = await t.apiKeys.create({ ownerId: 'acme', name: 'plain', permissions: ['billing:read'] });
    const row = await keyRow(t.dataSource, apiKey.id);
    expect(row).toMatchObject({ hash: sha256(key), hash_version: 'sha256', start: key.slice(0, 'sk_'.length + 4), last4: key.slice(-4) });
    expect(apiKey).toMatchObject({ hashVersion: 'sha256', start: row!.start, last4: row!.last4 });
    expect(apiKey).not.toHaveProperty('hash');

    const stored = await everyStoredValue(t.dataSource);
    expect(stored).toContain(sha256(key)); // the scan does see the row
    expect(stored).not.toContain(key);
    expect(stored).not.toContain(key.slice('sk_'.length)); // not even the body without the prefix
    expect(JSON.stringify(await t.apiKeys.get(apiKey.id))).not.toContain(key);
    expect((await t.apiKeys.verify(key)).code).toBe('VALID');
  });

  it('with a pepper stores HMAC-SHA-256(pepper, key) under version p1', async () => {
    const t = peppered;
    const { key, apiKey } = await t.apiKeys.create({ ownerId: 'acme' });
    const row = await keyRow(t.dataSource, apiKey.id);
    expect(row).toMatchObject({ hash: hmac(PEPPER, key), hash_version: 'p1' });
    expect(row!.hash).not.toBe(sha256(key));
    expect(await everyStoredValue(t.dataSource)).not.toContain(key);
    expect(await t.apiKeys.verify(key)).toMatchObject({ valid: true, code: 'VALID' });
  });

  it('rotates the pepper: old keys verify under the new ring and are re-hashed to it', async () => {
    const database = await createTestDatabase();
    const apps: TestApp[] = [];
    try {
      const first = await createTestApp({ database, options: { pepper: { current: 'p1', secrets: { p1: P1 } } } });
      apps.push(first);
      const a = await first.apiKeys.create({ ownerId: 'acme', name: 'a' });
      const b = await first.apiKeys.create({ ownerId: 'acme', name: 'b' });
      expect(await keyRow(first.dataSource, a.apiKey.id)).toMatchObject({ hash: hmac(P1, a.key), hash_version: 'p1' });
      await first.app.close();

      const second = await createTestApp({ database, options: { pepper: { current: 'p2', secrets: { p1: P1, p2: P2 } } } });
      apps.push(second);
      expect(await second.apiKeys.verify(a.key)).toMatchObject({ valid: true, code: 'VALID', key: { id: a.apiKey.id } });
      const upgraded = await waitForRow(second.dataSource, a.apiKey.id, (row) => row.hash_version === 'p2');
      expect(upgraded).toMatchObject({ hash: hmac(P2, a.key), hash_version: 'p2' });
      // Only the key that was used moved; the other still has its p1 hash.
      expect(await keyRow(second.dataSource, b.apiKey.id)).toMatchObject({ hash: hmac(P1, b.key), hash_version: 'p1' });
      // The upgraded row verifies again; new keys are issued under p2.
      expect((await second.apiKeys.verify(a.key)).code).toBe('VALID');
      const c = await second.apiKeys.create({ ownerId: 'acme', name: 'c' });
      expect(c.apiKey.hashVersion).toBe('p2');
      expect(await keyRow(second.dataSource, c.apiKey.id)).toMatchObject({ hash: hmac(P2, c.key), hash_version: 'p2' });
      expect(await everyStoredValue(second.dataSource)).not.toContain(a.key);
      await second.app.close();

      // Once p1 is dropped from the ring, the key never used under p2 no longer matches.
      const third = await createTestApp({ database, options: { pepper: { current: 'p2', secrets: { p2: P2 } } } });
      apps.push(third);
      expect((await third.apiKeys.verify(a.key)).code).toBe('VALID');
      expect((await third.apiKeys.verify(c.key)).code).toBe('VALID');
      expect((await third.apiKeys.verify(b.key)).code).toBe('NOT_FOUND');
    } finally {
      for (const app of apps) await app.app.close().catch(() => undefined);
      await database.drop();
    }
  });
});

describe('ApiKeyService.import', () => {
  const format = new KeyFormat('sk', 32);

  it('imports a raw key in our format: hashed now, verifies, never stored raw', async () => {
    const t = plain;
    const raw = format.generate();
    const apiKey = await t.apiKeys.import({ ownerId: 'acme', key: raw, permissions: ['billing:read'] });
    expect(apiKey).toMatchObject({ hashVersion: 'sha256', start: raw.slice(0, 7), last4: raw.slice(-4), permissions: ['billing:read'] });
    expect(await keyRow(t.dataSource, apiKey.id)).toMatchObject({ hash: sha256(raw), hash_version: 'sha256' });
    expect(await t.apiKeys.verify(raw, { permissions: ['billing:read'] })).toMatchObject({ valid: true, key: { id: apiKey.id } });
    expect(await everyStoredValue(t.dataSource)).not.toContain(raw);
  });

  it('imports a SHA-256 hex hash: verifies as version sha256 without a pepper', async () => {
    const t = plain;
    const raw = format.generate();
    const apiKey = await t.apiKeys.import({ ownerId: 'acme', hash: sha256(raw).toUpperCase() });
    expect(apiKey.hashVersion).toBe('sha256');
    expect(await keyRow(t.dataSource, apiKey.id)).toMatchObject({ hash: sha256(raw), hash_version: 'sha256' });
    expect(await t.apiKeys.verify(raw)).toMatchObject({ valid: true, code: 'VALID', key: { id: apiKey.id } });
    expect((await keyRow(t.dataSource, apiKey.id))!.hash_version).toBe('sha256');
    await expect(t.apiKeys.import({ ownerId: 'acme', hash: 'not-a-hash' })).rejects.toBeInstanceOf(ApiKeyValidationError);
  });

  it('under a pepper, an imported SHA-256 hash is found and upgraded to the pepper on first verify', async () => {
    const t = peppered;
    const raw = format.generate();
    const apiKey = await t.apiKeys.import({ ownerId: 'acme', hash: sha256(raw) });
    expect(apiKey.hashVersion).toBe('sha256');
    expect(await t.apiKeys.verify(raw)).toMatchObject({ valid: true, key: { id: apiKey.id } });
    const row = await waitForRow(t.dataSource, apiKey.id, (r) => r.hash_version === 'p1');
    expect(row).toMatchObject({ hash: hmac(PEPPER, raw), hash_version: 'p1' });
    expect((await t.apiKeys.verify(raw)).code).toBe('VALID');
    expect((await t.apiKeys.get(apiKey.id))!.hashVersion).toBe('p1');
  });

  it('imports legacy keys matching legacyKeyPattern; other strings stay MALFORMED', async () => {
    const t = await createTestApp({ options: { legacyKeyPattern: /^legacy_[a-z0-9]{20}$/ } });
    try {
      const legacy = `legacy_${randomBytes(10).toString('hex')}`;
      const apiKey = await t.apiKeys.import({ ownerId: 'acme', key: legacy });
      expect(apiKey).toMatchObject({ start: legacy.slice(0, 4), last4: legacy.slice(-4) });
      expect(await keyRow(t.dataSource, apiKey.id)).toMatchObject({ hash: sha256(legacy) });
      expect(await t.apiKeys.verify(legacy)).toMatchObject({ valid: true, key: { id: apiKey.id } });

      // Same shape but not imported: looked up, not found.
      expect((await t.apiKeys.verify(`legacy_${randomBytes(10).toString('hex')}`)).code).toBe('NOT_FOUND');
      for (const other of [`legacy_${'A'.repeat(20)}`, `legacy_${'a'.repeat(21)}`, randomBytes(16).toString('hex'), 'sk_notakey']) {
        expect((await t.apiKeys.verify(other)).code).toBe('MALFORMED');
      }
      await expect(t.apiKeys.import({ ownerId: 'acme', key: randomBytes(16).toString('hex') })).rejects.toBeInstanceOf(
        ApiKeyValidationError,
      );
    } finally {
      await t.close();
    }
  });

  it('a duplicate import answers KEY_EXISTS and leaves one row', async () => {
    const t = plain;
    const raw = format.generate();
    await t.apiKeys.import({ ownerId: 'acme', key: raw });
    const { key: created } = await t.apiKeys.create({ ownerId: 'acme' });
    const before = await keyCount(t.dataSource);
    for (const input of [{ key: raw }, { hash: sha256(raw) }, { key: created }]) {
      const error = await t.apiKeys.import({ ownerId: 'other', ...input } as any).catch((e) => e);
      expect(error).toBeInstanceOf(ApiKeysError);
      expect(error).toMatchObject({ code: 'KEY_EXISTS', status: 409 });
      expect(error.message).not.toContain(raw);
    }
    expect(await keyCount(t.dataSource)).toBe(before);
    expect(await t.apiKeys.verify(raw)).toMatchObject({ valid: true, key: { ownerId: 'acme' } });
  });

  it("reads only the key hash's unique index as KEY_EXISTS: another unique violation is another conflict", async () => {
    const t = plain;
    const { apiKey } = await t.apiKeys.create({ ownerId: 'acme', permissions: ['dup:read'] });
    // The drivers' own errors: a second row with the same hash, and a second permission named alike.
    const stored = await t.dataSource.getRepository(ApiKeyEntity).findOneByOrFail({ id: apiKey.id });
    const hashClash = await t.dataSource
      .getRepository(ApiKeyEntity)
      .insert({ ...stored, id: randomUUID(), lineageId: randomUUID(), permissionGrants: undefined, roleGrants: undefined } as object)
      .catch((e) => e);
    const nameClash = await t.dataSource
      .getRepository(ApiKeyPermissionEntity)
      .insert({ id: randomUUID(), name: 'dup:read', createdAt: 0 })
      .catch((e) => e);
    expect(isKeyHashCollision(hashClash)).toBe(true);
    expect(isKeyHashCollision(nameClash)).toBe(false);
    expect(isKeyHashCollision(new Error('UNIQUE constraint failed: api_keys.hash'))).toBe(false); // not a driver's unique violation
  });

  it('under a pepper, a raw key already stored in another form (its SHA-256 hash) is KEY_EXISTS too', async () => {
    const t = peppered;
    const raw = format.generate();
    const imported = await t.apiKeys.import({ ownerId: 'acme', hash: sha256(raw) });
    const before = await keyCount(t.dataSource);
    const error = await t.apiKeys.import({ ownerId: 'mallory', key: raw }).catch((e) => e);
    expect(error).toMatchObject({ code: 'KEY_EXISTS', status: 409 });
    expect(await keyCount(t.dataSource)).toBe(before);
    expect(await t.apiKeys.verify(raw)).toMatchObject({ valid: true, key: { id: imported.id, ownerId: 'acme' } });
  });
});

describe('ApiKeyService.revokeMany and purge', () => {
  let t: TestApp;
  const clock = fakeClock(T0);
  beforeEach(async () => {
    t = await createTestApp({ options: { clock } });
  });
  afterEach(() => t.close());

  it('revokeMany needs a filter and counts exactly the keys it revoked', async () => {
    clock.set(T0);
    for (const filter of [{}, { createdBefore: undefined }, { ownerId: undefined, namespace: undefined }]) {
      await expect(t.apiKeys.revokeMany(filter)).rejects.toBeInstanceOf(ApiKeyValidationError);
    }
    const a = await Promise.all([1, 2, 3].map(() => t.apiKeys.create({ ownerId: 'bulk-a' })));
    const alreadyRevoked = await t.apiKeys.create({ ownerId: 'bulk-a' });
    await t.apiKeys.revoke(alreadyRevoked.apiKey.id);
    const otherNamespace = await t.apiKeys.create({ ownerId: 'bulk-a', namespace: 'eu' });
    const b = await Promise.all([1, 2].map(() => t.apiKeys.create({ ownerId: 'bulk-b' })));
    clock.advance(1000);
    const later = await t.apiKeys.create({ ownerId: 'bulk-b' });

    expect(await t.apiKeys.revokeMany({ ownerId: 'bulk-a', namespace: 'default' })).toBe(3);
    for (const k of a) expect((await keyRow(t.dataSource, k.apiKey.id))!.revoked_at).toBe(T0 + 1000);
    expect((await keyRow(t.dataSource, alreadyRevoked.apiKey.id))!.revoked_at).toBe(T0); // kept, not re-stamped
    expect((await keyRow(t.dataSource, otherNamespace.apiKey.id))!.revoked_at).toBeNull();
    expect(await t.apiKeys.revokeMany({ ownerId: 'bulk-a', namespace: 'default' })).toBe(0);

    expect(await t.apiKeys.revokeMany({ ownerId: 'bulk-b', createdBefore: T0 + 1000 })).toBe(2);
    for (const k of b) expect((await t.apiKeys.verify(k.key)).code).toBe('REVOKED');
    expect((await t.apiKeys.verify(later.key)).code).toBe('VALID');
    expect((await t.apiKeys.verify(otherNamespace.key)).code).toBe('VALID');
  });

  it('purge deletes only revoked, expired and rotated keys past the cutoff, and unlinks successors', async () => {
    const HOUR = 3_600_000;
    clock.set(T0 + 10 * HOUR);
    const owner = 'purge';
    const mk = (input: Record<string, unknown> = {}) => t.apiKeys.create({ ownerId: owner, ...input });

    const active = await mk({ name: 'active' });
    const disabled = await mk({ name: 'disabled', enabled: false });
    const revokedOld = await mk({ name: 'revoked-old' });
    await t.apiKeys.revoke(revokedOld.apiKey.id);
    const expiredOld = await mk({ name: 'expired-old', expiresAt: T0 + 10 * HOUR + 1000 });
    const expiresLater = await mk({ name: 'expires-later', expiresAt: T0 + 100 * HOUR });
    // Rotated with no grace: the old row goes, its successor stays and loses the back-link.
    const rotatedOld = await mk({ name: 'rotated-old', permissions: ['billing:read'] });
    const successor = await t.apiKeys.rotate(rotatedOld.apiKey.id);
    // Rotated with a long grace, whose successor was revoked: the successor goes, the old row stays.
    const graceOld = await mk({ name: 'grace-old' });
    const graceSuccessor = await t.apiKeys.rotate(graceOld.apiKey.id, { gracePeriodMs: 100 * HOUR });
    await t.apiKeys.revoke(graceSuccessor.apiKey.id);
    // A chain X → Y where Y is revoked: both go in the same purge.
    const chainOld = await mk({ name: 'chain-old' });
    const chainNew = await t.apiKeys.rotate(chainOld.apiKey.id);
    await t.apiKeys.revoke(chainNew.apiKey.id);

    clock.advance(2 * HOUR);
    const revokedRecent = await mk({ name: 'revoked-recent' });
    await t.apiKeys.revoke(revokedRecent.apiKey.id);
    expect((await t.apiKeys.verify(graceOld.key)).code).toBe('REVOKED'); // follows the revoked successor

    const before = await keyCount(t.dataSource);
    const purged = await t.apiKeys.purge({ olderThanMs: HOUR });
    const gone = [revokedOld, expiredOld, rotatedOld, graceSuccessor, chainOld, chainNew];
    expect(purged).toBe(gone.length);
    expect(await keyCount(t.dataSource)).toBe(before - gone.length);
    for (const k of gone) expect(await keyRow(t.dataSource, k.apiKey.id)).toBeNull();
    for (const k of [active, disabled, expiresLater, successor, graceOld, revokedRecent]) {
      expect(await keyRow(t.dataSource, k.apiKey.id)).not.toBeNull();
    }
    const survivor = await keyRow(t.dataSource, successor.apiKey.id);
    expect(survivor!.rotated_from_id).toBeNull();
    expect(await t.apiKeys.verify(successor.key, { permissions: ['billing:read'] })).toMatchObject({ valid: true });
    const orphan = await keyRow(t.dataSource, graceOld.apiKey.id);
    expect(orphan!.rotated_to_id).toBeNull();
    // Grants of purged keys went with them.
    const grants = await t.dataSource
      .createQueryBuilder()
      .select('*')
      .from('api_key_permission_grants', 'g')
      .where('g.key_id IN (:...ids)', { ids: gone.map((k) => k.apiKey.id) })
      .getRawMany();
    expect(grants).toEqual([]);

    // The old key whose successor was purged stays dead, inside and after its grace.
    expect((await t.apiKeys.verify(graceOld.key)).code).toBe('REVOKED');
    clock.advance(200 * HOUR);
    expect((await t.apiKeys.verify(graceOld.key)).code).toBe('REVOKED');
    await expect(t.apiKeys.rotate(graceOld.apiKey.id)).rejects.toBeInstanceOf(KeyNotRotatableError);
    expect((await t.apiKeys.verify(graceOld.key)).code).toBe('REVOKED');

    await expect(t.apiKeys.purge({} as any)).rejects.toBeInstanceOf(ApiKeyValidationError);
    await expect(t.apiKeys.purge({ olderThanMs: -1 })).rejects.toBeInstanceOf(ApiKeyValidationError);
  });
});

describe('ApiKeyService events', () => {
  it('emits key.created/updated/rotated/revoked on events$ and onEvent, never with a raw key', async () => {
    const received: ApiKeyEvent[] = [];
    const t = await createTestApp({ options: { onEvent: (event) => void received.push(event) } });
    const streamed: ApiKeyEvent[] = [];
    const subscription = t.apiKeys.events$.subscribe((event) => streamed.push(event));
    try {
      const { key, apiKey } = await t.apiKeys.create({ ownerId: 'acme', name: 'evented' }, { actorId: 'alice' });
      await t.apiKeys.update(apiKey.id, { name: 'renamed' }, { actorId: 'bob' });
      await t.apiKeys.update(apiKey.id, { name: 'renamed' }); // no-op: no event
      const rotated = await t.apiKeys.rotate(apiKey.id, { gracePeriodMs: 1000 });
      await t.apiKeys.revoke(rotated.apiKey.id);
      await t.apiKeys.revoke(rotated.apiKey.id); // idempotent: no event

      expect(streamed.map((e) => e.type)).toEqual(['key.created', 'key.updated', 'key.rotated', 'key.revoked']);
      expect(received).toEqual(streamed);
      expect(streamed[0]).toMatchObject({ keyId: apiKey.id, ownerId: 'acme', actorId: 'alice', at: expect.any(Number) });
      expect(streamed[1]).toMatchObject({ keyId: apiKey.id, actorId: 'bob' });
      expect(streamed[2]).toMatchObject({ keyId: rotated.apiKey.id, actorId: 'system', details: { rotatedFromId: apiKey.id } });
      expect(streamed[3]).toMatchObject({ keyId: rotated.apiKey.id });
      const text = JSON.stringify(streamed);
      for (const secret of [key, rotated.key, sha256(key), sha256(rotated.key)]) expect(text).not.toContain(secret);
    } finally {
      subscription.unsubscribe();
      await t.close();
    }
  });

  it('an onEvent handler that throws does not break create, and events$ still gets the event', async () => {
    const t = await createTestApp({
      options: {
        onEvent: () => {
          throw new Error('handler bug');
        },
      },
    });
    const streamed: ApiKeyEvent[] = [];
    const subscription = t.apiKeys.events$.subscribe((event) => streamed.push(event));
    try {
      const { key, apiKey } = await t.apiKeys.create({ ownerId: 'acme' });
      expect(await keyRow(t.dataSource, apiKey.id)).not.toBeNull();
      expect((await t.apiKeys.verify(key)).code).toBe('VALID');
      await expect(t.apiKeys.revoke(apiKey.id)).resolves.toMatchObject({ status: 'revoked' });
      expect(streamed.map((e) => e.type)).toEqual(['key.created', 'key.revoked']);
    } finally {
      subscription.unsubscribe();
      await t.close();
    }
  });
});

describe('ApiKeyService.list status filter', () => {
  it('agrees with each item status for keys in every status', async () => {
    const clock = fakeClock(T0);
    // A long write interval keeps uses pending (unwritten) while listing.
    const t = await createTestApp({ options: { clock, lastUsedWriteIntervalMs: 3_600_000 } });
    try {
      const owner = 'lister';
      const expected = new Map<string, ApiKeyStatus>();
      const mk = async (status: ApiKeyStatus, input: Record<string, unknown> = {}) => {
        const created = await t.apiKeys.create({ ownerId: owner, ...input });
        expected.set(created.apiKey.id, status);
        return created;
      };
      await mk('active');
      await mk('active', { expiresAt: T0 + 100_000 });
      await mk('active', { maxIdleMs: 60_000 });
      const revoked = await mk('revoked');
      await t.apiKeys.revoke(revoked.apiKey.id);
      const revokedExpired = await mk('revoked', { expiresAt: T0 + 500 });
      await t.apiKeys.revoke(revokedExpired.apiKey.id);
      await mk('disabled', { enabled: false });
      await mk('disabled', { enabled: false, expiresAt: T0 + 500 });
      await mk('expired', { expiresAt: T0 + 500 });
      await mk('expired', { expiresAt: T0 + 1000 }); // expires exactly now
      const rotatedGrace = await mk('rotated');
      const s1 = await t.apiKeys.rotate(rotatedGrace.apiKey.id, { gracePeriodMs: 100_000 });
      expected.set(s1.apiKey.id, 'active');
      const rotatedNoGrace = await mk('rotated');
      const s2 = await t.apiKeys.rotate(rotatedNoGrace.apiKey.id);
      expected.set(s2.apiKey.id, 'active');
      await mk('idle', { maxIdleMs: 500 });
      await mk('active', { maxIdleMs: 1000 }); // idle for exactly maxIdleMs: not yet idle
      // Used (but not yet written) after creation: its last use keeps it active.
      const usedRecently = await mk('active', { maxIdleMs: 700 });
      clock.set(T0 + 600);
      expect((await t.apiKeys.verify(usedRecently.key)).code).toBe('VALID');

      clock.set(T0 + 1000);
      const seen = new Map<string, ApiKeyStatus>();
      for (const status of ['active', 'revoked', 'disabled', 'expired', 'rotated', 'idle'] as ApiKeyStatus[]) {
        const { items, nextCursor } = await t.apiKeys.list({ ownerId: owner, status, limit: 100 });
        expect(nextCursor).toBeNull();
        for (const item of items) {
          expect({ id: item.id, status: item.status }).toEqual({ id: item.id, status });
          expect(seen.has(item.id)).toBe(false);
          seen.set(item.id, item.status);
        }
      }
      expect(Object.fromEntries(seen)).toEqual(Object.fromEntries(expected));
      const all = await t.apiKeys.list({ ownerId: owner, limit: 100 });
      expect(Object.fromEntries(all.items.map((k) => [k.id, k.status]))).toEqual(Object.fromEntries(expected));
    } finally {
      await t.close();
    }
  });
});
