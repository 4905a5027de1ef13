import { randomBytes } from 'node:crypto';
import { ConsoleLogger, Logger, type LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  ApiKeySecretEntity,
  ApiKeySecretsService,
  ApiKeysModule,
  SecretUnreadableError,
  SecretsNotConfiguredError,
  type ApiKeyEvent,
  type ApiKeysModuleOptions,
} from '../lib/index.js';
import { EventPublisherHook } from '../lib/events/event-publisher.hook.js';
import type { RecordedChange } from '../lib/interfaces/api-key-change.interface.js';
import { SecretCipher } from '../lib/secrets/secret-cipher.js';
import { resolveSecretsOption } from '../lib/secrets/secrets-keyring.js';
import { SecretsStore } from '../lib/secrets/secrets.store.js';
import { createTestDatabase, lane, type TestDatabase } from './utils/databases.js';
import { dumpDatabase, leakedSubstrings } from './utils/database-dump.js';
import { fakeClock } from './utils/fake-clock.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

// The secrets vault against a real database (SPEC §8): round trip, rows tampered with in the
// database, re-encryption stopped half-way, concurrent writes during it, and what a dump of
// the database, the logs, the events and the recorded changes hold.

const newKey = () => randomBytes(32).toString('base64');
const K1 = newKey();
const K2 = newKey();
const ringOn = (activeKeyId: 'k1' | 'k2', keys: Record<string, string> = { k1: K1, k2: K2 }): ApiKeysModuleOptions['secrets'] => ({
  keys,
  activeKeyId,
});
/** A value that looks like what hosts store, random enough that no 8 characters of it occur by chance. */
const secretValue = (i: number) => `whsec_${i}_${randomBytes(24).toString('base64url')}`;

interface Vault {
  t: TestApp;
  secrets: ApiKeySecretsService;
  rows: () => Promise<ApiKeySecretEntity[]>;
}

async function vault(options: ApiKeysModuleOptions, database?: TestDatabase): Promise<Vault> {
  const t = await createTestApp({ options, ...(database ? { database } : {}) });
  return {
    t,
    secrets: t.app.get(ApiKeySecretsService),
    rows: () => t.dataSource.getRepository(ApiKeySecretEntity).find({ order: { ownerId: 'ASC', name: 'ASC' } }),
  };
}

describe(`secrets vault on ${lane}`, () => {
  describe('round trip', () => {
    let v: Vault;
    const clock = fakeClock(Date.UTC(2031, 0, 1));
    beforeAll(async () => (v = await vault({ secrets: ringOn('k1'), clock })));
    afterAll(() => v.t.close());

    it('stores, reads, lists, replaces and deletes, with exact owners and names', async () => {
      const value = 'sk_live_ünïcödé ✓ 🔑';
      const put = await v.secrets.put('acme', 'stripe', value, { actorId: 'alice' });
      expect(put).toEqual({
        name: 'stripe',
        ownerId: 'acme',
        keyId: 'k1',
        createdAt: new Date(clock.now()),
        updatedAt: new Date(clock.now()),
      });
      expect(put).not.toHaveProperty('value');
      expect(await v.secrets.get('acme', 'stripe')).toBe(value);

      // Identifiers compare exactly on every database: these are other secrets.
      for (const [owner, name] of [
        ['ACME', 'stripe'],
        ['acme', 'Stripe'],
        ['acmé', 'stripe'],
        ['acme', 'STRIPE'],
        ['acme', 'stripe.'],
      ]) {
        expect(await v.secrets.get(owner, name)).toBeNull();
      }
      await v.secrets.put('acme', 'Stripe', 'upper');
      await v.secrets.put('globex', 'stripe', 'theirs');
      expect(await v.secrets.get('acme', 'stripe')).toBe(value);
      expect((await v.secrets.list('acme')).map((s) => s.name)).toEqual(['Stripe', 'stripe']);

      clock.advance(60_000);
      const replaced = await v.secrets.put('acme', 'stripe', 'rotated-by-stripe');
      expect(replaced.createdAt).toEqual(put.createdAt);
      expect(replaced.updatedAt).toEqual(new Date(clock.now()));
      expect(await v.secrets.get('acme', 'stripe')).toBe('rotated-by-stripe');
      expect((await v.rows()).filter((r) => r.ownerId === 'acme' && r.name === 'stripe')).toHaveLength(1);

      const largest = 'é'.repeat(16 * 1024); // 32 KiB of UTF-8
      await v.secrets.put('acme', 'pem', largest);
      expect(await v.secrets.get('acme', 'pem')).toBe(largest);

      expect(await v.secrets.metadata('acme', 'stripe')).toEqual(replaced);
      expect(await v.secrets.reveal('acme', 'stripe')).toEqual({ ...replaced, value: 'rotated-by-stripe' });
      expect(await v.secrets.delete('acme', 'stripe')).toBe(true);
      expect(await v.secrets.delete('acme', 'stripe')).toBe(false);
      expect(await v.secrets.get('acme', 'stripe')).toBeNull();
      expect(await v.secrets.metadata('acme', 'stripe')).toBeNull();
      expect(await v.secrets.get('globex', 'stripe')).toBe('theirs');
    });

    it('refuses bad owners, names and values with a validation error that never quotes the value', async () => {
      const bad: Array<[string, string, unknown, string]> = [
        ['', 'stripe', 'v', 'ownerId'],
        [' acme', 'stripe', 'v', 'ownerId'],
        ['a'.repeat(129), 'stripe', 'v', 'ownerId'],
        ['acme', '', 'v', 'name'],
        ['acme', 'has space', 'v', 'name'],
        ['acme', 'a/b', 'v', 'name'],
        ['acme', 'x'.repeat(129), 'v', 'name'],
        ['acme', 'zero\u200bwidth', 'v', 'name'],
        ['acme', 'stripe', '', 'value'],
        ['acme', 'stripe', 42, 'value'],
        ['acme', 'stripe', null, 'value'],
        ['acme', 'stripe', 'x'.repeat(32 * 1024 + 1), 'value'],
        ['acme', 'stripe', 'é'.repeat(16 * 1024 + 1), 'value'], // 16,385 characters, 32,770 bytes
        ['acme', 'stripe', 'lone \ud800 surrogate', 'value'],
      ];
      for (const [owner, name, value, field] of bad) {
        const error = await v.secrets.put(owner, name, value as string).catch((e) => e);
        expect({ field, code: error.code, errors: error.errors?.map((e: { field: string }) => e.field) }).toEqual({
          field,
          code: 'VALIDATION_FAILED',
          errors: [field],
        });
        if (typeof value === 'string' && value.length > 8) expect(error.message).not.toContain(value.slice(0, 9));
      }
      expect(await v.secrets.list('acme')).not.toContainEqual(expect.objectContaining({ name: 'has space' }));
    });
  });

  it('without a keyring, every method throws SecretsNotConfiguredError', async () => {
    const v = await vault({});
    try {
      expect(v.secrets.configured).toBe(false);
      const calls = [
        () => v.secrets.put('acme', 'stripe', 'v'),
        () => v.secrets.get('acme', 'stripe'),
        () => v.secrets.reveal('acme', 'stripe'),
        () => v.secrets.metadata('acme', 'stripe'),
        () => v.secrets.list('acme'),
        () => v.secrets.delete('acme', 'stripe'),
        () => v.secrets.reencrypt(),
      ];
      for (const call of calls) {
        const error = await call().catch((e) => e);
        expect(error).toBeInstanceOf(SecretsNotConfiguredError);
        expect(error).toMatchObject({ code: 'SECRETS_NOT_CONFIGURED', status: 501 });
      }
    } finally {
      await v.t.close();
    }
  });

  it('fails the boot on a short key, saying which and never printing it', async () => {
    const short = randomBytes(16).toString('base64');
    const database = await createTestDatabase();
    // The options fail while the module compiles, after TypeORM may have connected: keep hold of
    // its DataSource so that no pooled connection outlives the test.
    let dataSource: DataSource | undefined;
    let initializing: Promise<unknown> | undefined;
    const error = await Test.createTestingModule({
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({ ...database.options, retryAttempts: 0 }) as never,
          dataSourceFactory: async (options) => {
            dataSource = new DataSource(options!);
            initializing = dataSource.initialize();
            return initializing as Promise<DataSource>;
          },
        }),
        ApiKeysModule.forRoot({ secrets: { keys: { k1: K1, old: short }, activeKeyId: 'k1' } }),
      ],
    })
      .compile()
      .then((moduleRef) => moduleRef.createNestApplication().init())
      .catch((e) => e);
    await initializing?.catch(() => undefined);
    if (dataSource?.isInitialized) await dataSource.destroy();
    await database.drop();
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(/secrets\.keys\["old"\] decodes to 16 bytes, not 32/);
    expect(error.message).not.toContain(short);
    expect(error.message).not.toContain(K1);
  });

  describe('rows tampered with in the database', () => {
    let v: Vault;
    const original = 'tampering-target-' + randomBytes(12).toString('hex');
    beforeAll(async () => {
      v = await vault({ secrets: ringOn('k1') });
      await v.secrets.put('acme', 'stripe', original);
      await v.secrets.put('acme', 'github', 'acme-github-token');
      await v.secrets.put('globex', 'stripe', 'globex-stripe-key');
    });
    afterAll(() => v.t.close());

    const repo = () => v.t.dataSource.getRepository(ApiKeySecretEntity);
    const rowOf = async (ownerId: string, name: string) => (await repo().findOneBy({ ownerId, name }))!;
    const flip = (base64: string, byte: number, bit: number) => {
      const bytes = Buffer.from(base64, 'base64');
      bytes[byte % bytes.length] ^= 1 << (bit % 8);
      return bytes.toString('base64');
    };

    it('rejects every altered IV, ciphertext, tag, key id and truncated tag (100 %), and reads again once restored', async () => {
      const row = await rowOf('acme', 'stripe');
      const ivBytes = Buffer.from(row.iv, 'base64').length;
      const ctBytes = Buffer.from(row.ciphertext, 'base64').length;
      const tag = Buffer.from(row.tag, 'base64');
      const variants: Array<Partial<ApiKeySecretEntity>> = [
        ...Array.from({ length: ivBytes * 8 }, (_, bit) => ({ iv: flip(row.iv, bit >> 3, bit) })),
        ...Array.from({ length: ctBytes }, (_, byte) => ({ ciphertext: flip(row.ciphertext, byte, byte) })),
        ...Array.from({ length: tag.length * 8 }, (_, bit) => ({ tag: flip(row.tag, bit >> 3, bit) })),
        ...Array.from({ length: tag.length }, (_, n) => ({ tag: tag.subarray(0, n).toString('base64') })),
        { ciphertext: Buffer.from(row.ciphertext, 'base64').subarray(1).toString('base64') },
        { ciphertext: '' },
        { iv: '' },
        { keyId: 'k2' },
      ];
      let rejected = 0;
      for (const variant of variants) {
        await repo().update({ id: row.id }, variant);
        const error = await v.secrets.get('acme', 'stripe').catch((e) => e);
        expect({ variant, error: error instanceof SecretUnreadableError ? error.reason : error }).toEqual({
          variant,
          error: 'authentication-failed',
        });
        expect(error.message).not.toContain(original);
        rejected++;
        await repo().update({ id: row.id }, { iv: row.iv, ciphertext: row.ciphertext, tag: row.tag, keyId: row.keyId });
        expect(await v.secrets.get('acme', 'stripe')).toBe(original);
      }
      expect(rejected).toBe(variants.length);
      expect(rejected).toBeGreaterThan(250);
    });

    it("rejects a row's seal moved to another owner's or another name's row (the AAD), and a key id not in the ring", async () => {
      const source = await rowOf('acme', 'stripe');
      const seal = { iv: source.iv, ciphertext: source.ciphertext, tag: source.tag, keyId: source.keyId };
      for (const [ownerId, name] of [
        ['globex', 'stripe'], // another owner, same name
        ['acme', 'github'], // same owner, another name
      ]) {
        const target = await rowOf(ownerId, name);
        await repo().update({ id: target.id }, seal);
        const error = await v.secrets.get(ownerId, name).catch((e) => e);
        expect(error).toBeInstanceOf(SecretUnreadableError);
        expect(error.reason).toBe('authentication-failed');
        expect(error.message).not.toContain(original);
      }
      // The row itself moved (its owner or name edited) fails the same way.
      await repo().update({ id: source.id }, { name: 'moved' });
      expect((await v.secrets.get('acme', 'moved').catch((e) => e)).reason).toBe('authentication-failed');
      await repo().update({ id: source.id }, { name: 'stripe', keyId: 'k9' });
      const unknown = await v.secrets.get('acme', 'stripe').catch((e) => e);
      expect(unknown).toMatchObject({ code: 'SECRET_UNREADABLE', reason: 'unknown-key' });
      expect(unknown.message).toMatch(/key 'k9', which is not in secrets\.keys/);
      await repo().update({ id: source.id }, { keyId: 'k1' });
      expect(await v.secrets.get('acme', 'stripe')).toBe(original);
    });
  });

  describe('reencrypt', () => {
    let database: TestDatabase;
    let values: Map<string, string>;
    beforeEach(async () => {
      database = await createTestDatabase();
      values = new Map();
      const before = await vault({ secrets: ringOn('k1') }, database);
      try {
        for (let i = 0; i < 40; i++) {
          const name = `svc-${String(i).padStart(2, '0')}`;
          values.set(name, secretValue(i));
          await before.secrets.put(i % 2 ? 'acme' : 'globex', name, values.get(name)!);
        }
      } finally {
        await before.t.close();
      }
    });
    afterEach(() => database.drop());

    const ownerOf = (name: string) => (Number(name.slice(4)) % 2 ? 'acme' : 'globex');
    async function expectAllReadable(v: Vault): Promise<void> {
      for (const [name, value] of values) expect({ name, value: await v.secrets.get(ownerOf(name), name) }).toEqual({ name, value });
    }
    const keyIds = async (v: Vault) =>
      (await v.rows()).reduce<Record<string, number>>((count, row) => ({ ...count, [row.keyId]: (count[row.keyId] ?? 0) + 1 }), {});

    it('stopped after half its batches leaves every row readable; a rerun moves the rest: 100 % on the new key', async () => {
      const v = await vault({ secrets: ringOn('k2') }, database);
      try {
        expect(await keyIds(v)).toEqual({ k1: 40 });
        const stop = new Error('killed at 50 %');
        const interrupted = v.secrets.reencrypt({
          batchSize: 4,
          onBatch: ({ batches }) => {
            if (batches === 5) throw stop;
          },
        });
        await expect(interrupted).rejects.toBe(stop);
        expect(await keyIds(v)).toEqual({ k1: 20, k2: 20 });
        await expectAllReadable(v);

        const batches: number[] = [];
        const rerun = await v.secrets.reencrypt({ batchSize: 4, onBatch: (p) => void batches.push(p.reencrypted) });
        expect(rerun).toEqual({ activeKeyId: 'k2', reencrypted: 20, unreadable: [] });
        expect(batches).toEqual([4, 8, 12, 16, 20]);
        expect(await keyIds(v)).toEqual({ k2: 40 });
        await expectAllReadable(v);
        expect(await v.secrets.reencrypt()).toEqual({ activeKeyId: 'k2', reencrypted: 0, unreadable: [] });
        // Every value has a new IV and ciphertext; metadata keeps its dates.
        expect((await v.secrets.list('acme')).every((s) => s.keyId === 'k2')).toBe(true);
      } finally {
        await v.t.close();
      }
      // The old key can go now.
      const after = await vault({ secrets: ringOn('k2', { k2: K2 }) }, database);
      try {
        await expectAllReadable(after);
      } finally {
        await after.t.close();
      }
    });

    it('never loses a put or a delete made while it runs (real concurrency), and each row is rewritten whole', async () => {
      const v = await vault({ secrets: ringOn('k2') }, database);
      try {
        const names = [...values.keys()];
        const replaced = names.filter((_, i) => i % 3 === 0);
        const deleted = names.filter((_, i) => i % 3 === 1).slice(0, 5);
        const run = v.secrets.reencrypt({ batchSize: 3 });
        const writes = [
          ...replaced.map(async (name, i) => {
            values.set(name, `replaced-${i}-${randomBytes(8).toString('hex')}`);
            await v.secrets.put(ownerOf(name), name, values.get(name)!);
          }),
          ...deleted.map(async (name) => {
            values.delete(name);
            expect(await v.secrets.delete(ownerOf(name), name)).toBe(true);
          }),
        ];
        const [result] = await Promise.all([run, ...writes]);
        expect(result.unreadable).toEqual([]);
        expect(result.reencrypted).toBeLessThanOrEqual(40 - deleted.length);
        await v.secrets.reencrypt(); // anything a put raced past is on k2 already; a rerun is a no-op or finishes
        expect(await keyIds(v)).toEqual({ k2: 40 - deleted.length });
        await expectAllReadable(v);
        for (const name of deleted) expect(await v.secrets.get(ownerOf(name), name)).toBeNull();
      } finally {
        await v.t.close();
      }
    });

    it('does not overwrite a row a put changed after the batch read it (compare-and-swap on key id and IV)', async () => {
      const v = await vault({ secrets: ringOn('k2') }, database);
      try {
        const store = v.t.app.get(SecretsStore);
        const [stale] = await store.writes.transaction((manager) => store.staleBatch(manager, 'k2', '', 1));
        await v.secrets.put(stale.ownerId, stale.name, 'written-meanwhile');
        const cipher = new SecretCipher(resolveSecretsOption(ringOn('k2'))!);
        const resealed = cipher.seal(stale.ownerId, stale.name, values.get(stale.name)!);
        expect(await store.writes.transaction((manager) => store.replaceSeal(manager, stale, resealed))).toBe(false);
        expect(await v.secrets.get(stale.ownerId, stale.name)).toBe('written-meanwhile');
      } finally {
        await v.t.close();
      }
    });

    it('skips and reports rows it cannot decrypt, and still finishes the others', async () => {
      const warnings: string[] = [];
      const v = await vault({ secrets: ringOn('k2') }, database);
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
      try {
        const repo = v.t.dataSource.getRepository(ApiKeySecretEntity);
        await repo.update({ name: 'svc-01' }, { keyId: 'gone' });
        const tampered = (await repo.findOneBy({ name: 'svc-02' }))!;
        await repo.update({ name: 'svc-02' }, { tag: Buffer.alloc(16, 1).toString('base64') });
        const result = await v.secrets.reencrypt({ batchSize: 7 });
        expect(result.reencrypted).toBe(38);
        expect(result.unreadable).toHaveLength(2);
        expect(result.unreadable).toEqual(
          expect.arrayContaining([
            { ownerId: 'acme', name: 'svc-01', keyId: 'gone', reason: 'unknown-key' },
            { ownerId: 'globex', name: 'svc-02', keyId: 'k1', reason: 'authentication-failed' },
          ]),
        );
        expect(warnings.filter((w) => w.includes('reencrypt skipped'))).toHaveLength(2);
        expect(await keyIds(v)).toEqual({ k2: 38, gone: 1, k1: 1 });
        expect(tampered.keyId).toBe('k1');
      } finally {
        warn.mockRestore();
        await v.t.close();
      }
    });
  });

  it('a dump of the database after 1,000 keys and 100 secrets holds no 8 characters of any key or secret', async () => {
    const v = await vault({ secrets: ringOn('k1') });
    try {
      const plaintexts: string[] = [];
      // What a key shows by design (SPEC §3): `start` (prefix and 4 body characters) and `last4`.
      // SQLite stores a row's columns back to back, so the file holds start + last4 contiguously:
      // a window inside that string is the display data, not a leak of the rest of the key.
      const displayed: string[] = [];
      for (let batch = 0; batch < 20; batch++) {
        const created = await Promise.all(
          Array.from({ length: 50 }, (_, i) => v.t.apiKeys.create({ ownerId: `owner-${i % 10}`, name: `key ${batch}-${i}` })),
        );
        plaintexts.push(...created.map((c) => c.key));
        displayed.push(...created.map((c) => c.apiKey.start + c.apiKey.last4));
      }
      expect(displayed[0]).toHaveLength('sk_'.length + 4 + 4);
      for (let i = 0; i < 100; i++) {
        // Not hex: 8 hex characters (32 bits) of a secret can meet the dump's hex hashes and ids by
        // chance (it happened on MariaDB); 8 base64url characters are 48 bits.
        const value = i % 2 ? secretValue(i) : JSON.stringify({ client_secret: randomBytes(24).toString('base64url'), n: i });
        plaintexts.push(value);
        await v.secrets.put(`owner-${i % 10}`, `service-${i}`, value);
      }
      // Half of them replaced: the old ciphertexts are gone from the rows, and were never plaintext.
      for (let i = 0; i < 50; i++) {
        const value = secretValue(1000 + i);
        plaintexts.push(value);
        await v.secrets.put(`owner-${i % 10}`, `service-${i}`, value);
      }
      expect(plaintexts).toHaveLength(1150);
      const dump = await dumpDatabase(v.t.dataSource);
      // The dump is real: it holds the tables, names and owners in clear.
      for (const shown of ['api_keys', 'api_key_secrets', 'service-42', 'owner-7']) expect(dump).toContain(shown);
      expect(leakedSubstrings(dump, ['service-42-is-a-name-in-clear'.slice(0, 10)])).not.toEqual([]);
      const leaks = leakedSubstrings(dump, plaintexts);
      expect(leaks.filter(({ substring }) => !displayed.some((shown) => shown.includes(substring)))).toEqual([]);
      // Only keys' display fields may match at all, and only where start and last4 meet.
      expect(leaks.every(({ of }) => of.startsWith('sk_'))).toBe(true);
      // And the keyring itself is nowhere in it.
      expect(leakedSubstrings(dump, [K1, K2, Buffer.from(K1, 'base64').toString('latin1')])).toEqual([]);
    } finally {
      await v.t.close();
    }
  });

  it('no secret value reaches a log line, an event or a recorded change', async () => {
    const lines: string[] = [];
    const capture: LoggerService = {
      log: (...args: unknown[]) => void lines.push(args.map(String).join(' ')),
      error: (...args: unknown[]) =>
        void lines.push(args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : String(a))).join(' ')),
      warn: (...args: unknown[]) => void lines.push(args.map(String).join(' ')),
      debug: (...args: unknown[]) => void lines.push(args.map(String).join(' ')),
      verbose: (...args: unknown[]) => void lines.push(args.map(String).join(' ')),
      fatal: (...args: unknown[]) => void lines.push(args.map(String).join(' ')),
    };
    const recorded: RecordedChange[] = [];
    // The event publisher is a change hook: it sees every recorded change, as the audit writer will.
    const afterCommit = EventPublisherHook.prototype.afterCommit;
    const spy = jest.spyOn(EventPublisherHook.prototype, 'afterCommit').mockImplementation(function (this: EventPublisherHook, changes) {
      recorded.push(...changes);
      afterCommit.call(this, changes);
    });
    const events: ApiKeyEvent[] = [];
    const database = await createTestDatabase();
    const first = await vault({ secrets: ringOn('k1'), onEvent: (e) => events.push(e) }, database);
    // After the boot: compiling a testing module installs Nest's TestingLogger over any earlier override.
    Logger.overrideLogger(capture);
    const valuesWritten: string[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        const value = secretValue(i);
        valuesWritten.push(value);
        await first.secrets.put('acme', `svc-${i}`, value, { actorId: 'alice', ip: '203.0.113.9' });
        expect(await first.secrets.get('acme', `svc-${i}`)).toBe(value);
      }
      expect(await first.secrets.delete('acme', 'svc-0', { actorId: 'alice' })).toBe(true);
      expect(await first.secrets.delete('acme', 'svc-0', { actorId: 'alice' })).toBe(false); // records nothing
      await first.t.dataSource.getRepository(ApiKeySecretEntity).update({ name: 'svc-1' }, { tag: Buffer.alloc(16).toString('base64') });
      await expect(first.secrets.get('acme', 'svc-1')).rejects.toBeInstanceOf(SecretUnreadableError);
    } finally {
      await first.t.close();
    }
    const second = await vault({ secrets: ringOn('k2'), onEvent: (e) => events.push(e) }, database);
    Logger.overrideLogger(capture);
    try {
      const result = await second.secrets.reencrypt();
      expect(result.reencrypted).toBe(3);
      expect(result.unreadable).toHaveLength(1);
    } finally {
      await second.t.close();
      await database.drop();
      spy.mockRestore();
      Logger.overrideLogger(new ConsoleLogger());
    }

    expect(recorded.map(({ action, ownerId, actorId, details, keyId }) => ({ action, ownerId, actorId, details, keyId }))).toEqual([
      ...[0, 1, 2, 3, 4].map((i) => ({
        action: 'secret.put',
        ownerId: 'acme',
        actorId: 'alice',
        details: { name: `svc-${i}`, keyId: 'k1' },
        keyId: undefined,
      })),
      { action: 'secret.deleted', ownerId: 'acme', actorId: 'alice', details: { name: 'svc-0', keyId: 'k1' }, keyId: undefined },
    ]);
    expect(recorded[0].ip).toBe('203.0.113.9');
    expect(lines.some((line) => line.includes('reencrypt moved 3 secret(s)'))).toBe(true); // the capture works
    const everything = [...lines, JSON.stringify(recorded), JSON.stringify(events)].join('\n');
    expect(leakedSubstrings(everything, [...valuesWritten, K1, K2])).toEqual([]);
  });
});
