import { DataSource } from 'typeorm';
import request from 'supertest';
import { randomUUID } from 'node:crypto';
import { API_KEYS_MIGRATIONS, ApiKeyEntity, ApiKeyOwnerEntity, ApiKeyPermissionEntity, ApiKeyRoleEntity } from '../lib/index.js';
import { ApiKeyPermissionGrantEntity, ApiKeyRoleGrantEntity } from '../lib/entities/api-key-grant.entities.js';
import { KeyFormat } from '../lib/keys/key-format.js';
import { sha256Hex } from '../lib/keys/key-hasher.js';
import { createTestDatabase, lane } from './utils/databases.js';
import { createTestApp } from './utils/test-app.js';

describe(`API_KEYS_MIGRATIONS on ${lane}`, () => {
  it('create exactly the schema of the entities, and revert cleanly', async () => {
    const database = await createTestDatabase({ synchronize: false, migrationsRun: false, migrations: [...API_KEYS_MIGRATIONS] } as any);
    const dataSource = new DataSource(database.options);
    await dataSource.initialize();
    try {
      const applied = await dataSource.runMigrations();
      expect(applied.map((m) => m.name)).toEqual([
        'ApiKeysInitialSchema1763800000000',
        'ApiKeysQuotas1763900000000',
        'ApiKeysExactIdentifiers1764000000000',
        'ApiKeysOwnerCounts1764050000000',
        'ApiKeysAudit1764100000000',
        'ApiKeysUsage1764200000000',
        'ApiKeysSecrets1764300000000',
        'ApiKeysCreditsGranted1764400000000',
      ]);
      // Nothing left for synchronize to do: the migrated schema equals the entities' schema.
      const diff = await dataSource.driver.createSchemaBuilder().log();
      expect(diff.upQueries.map((q) => q.query)).toEqual([]);

      for (const _ of applied) await dataSource.undoLastMigration();
      const tables = await dataSource
        .createQueryRunner()
        .getTables([
          'api_keys',
          'api_key_permissions',
          'api_key_audit_events',
          'api_key_verifications',
          'api_key_usage_rollups',
          'api_key_secrets',
        ]);
      expect(tables).toHaveLength(0);
    } finally {
      await dataSource.destroy();
      await database.drop();
    }
  });

  it('serve a migrated (not synchronized) database end to end', async () => {
    const t = await createTestApp({
      typeorm: { synchronize: false, migrationsRun: true, migrations: [...API_KEYS_MIGRATIONS] } as any,
    });
    try {
      const { key } = await t.apiKeys.create({ ownerId: 'acme', permissions: ['billing:read'] });
      await request(t.server).get('/demo/billing').set('x-api-key', key).expect(200);
    } finally {
      await t.close();
    }
  });
});

describe(`ApiKeysExactIdentifiers1764000000000 on ${lane}`, () => {
  it('converts a populated database in place: keys, grants and owners survive, and identifiers compare exactly', async () => {
    const database = await createTestDatabase({ migrations: API_KEYS_MIGRATIONS.slice(0, 2) } as any);
    // The rows an older version wrote (on MariaDB the library no longer boots on this schema).
    const old = new DataSource(database.options);
    await old.initialize();
    const key = new KeyFormat('sk', 32).generate();
    const id = randomUUID();
    const [permissionId, roleId] = [randomUUID(), randomUUID()];
    await old.getRepository(ApiKeyPermissionEntity).insert({ id: permissionId, name: 'billing:read', description: null, createdAt: 1 });
    await old.getRepository(ApiKeyRoleEntity).insert({ id: roleId, name: 'viewer', createdAt: 1 });
    const row = {
      id,
      lineageId: id,
      ownerId: 'acme',
      name: 'old',
      namespace: 'ns',
      environment: null,
      start: key.slice(0, 7),
      last4: key.slice(-4),
      hash: sha256Hex(key),
      hashVersion: 'sha256',
      meta: {},
      allowedIps: [],
      enabled: true,
      disabledBy: null,
      createdAt: 1,
      updatedAt: 1,
      expiresAt: null,
      maxIdleMs: null,
      lastUsedAt: null,
      revokedAt: null,
      rotatedFromId: null,
      rotatedToId: null,
      rotationGraceEndsAt: null,
      parentKeyId: null,
      remaining: null,
      refillAmount: null,
      refillInterval: null,
      lastRefillAt: null,
      rateLimits: null,
    };
    // Only the columns this schema has: later migrations add columns the entity already knows.
    await old.createQueryBuilder().insert().into(ApiKeyEntity, Object.keys(row)).values(row).execute();
    await old.getRepository(ApiKeyPermissionGrantEntity).insert({ keyId: id, permissionId });
    await old.getRepository(ApiKeyRoleGrantEntity).insert({ keyId: id, roleId });
    await old
      .getRepository(ApiKeyOwnerEntity)
      .insert({ ownerId: 'acme', activeKeys: 1, rateLimits: [{ name: 'per-minute', limit: 100, windowMs: 60_000 }] });
    await old.destroy();

    const after = await createTestApp({
      database: { ...database, options: { ...database.options, migrations: [...API_KEYS_MIGRATIONS] } },
    });
    try {
      expect(await after.dataSource.showMigrations()).toBe(false);
      expect((await after.apiKeys.get(id))!).toMatchObject({
        ownerId: 'acme',
        namespace: 'ns',
        permissions: ['billing:read'],
        roles: ['viewer'],
      });
      expect((await after.apiKeys.verify(key, { permissions: ['billing:read'] })).code).toBe('VALID');
      expect((await after.apiKeys.list({ ownerId: 'ACME' })).items).toEqual([]);
      expect((await after.apiKeys.list({ ownerId: 'acme' })).items).toHaveLength(1);
      const wide = await after.apiKeys.create({
        ownerId: 'acme',
        namespace: 'n'.repeat(128),
        environment: 'e'.repeat(128),
        roles: ['r'.repeat(128)],
      });
      expect(wide.apiKey.namespace).toHaveLength(128);
    } finally {
      await after.close();
      await database.drop();
    }
  });
});

// MariaDB only: PostgreSQL and SQLite compare exactly whatever the database's defaults.
if (lane === 'mariadb')
  describe('exact comparison at boot on MariaDB', () => {
    it('refuses to boot on tables whose identifier columns compare loosely (synchronize on a utf8mb4_general_ci database)', async () => {
      const database = await createTestDatabase({ synchronize: true, migrationsRun: false } as any);
      try {
        await expect(createTestApp({ database })).rejects.toThrow(
          /compare loosely .*api_keys\.owner_id utf8mb4_general_ci.*ApiKeysExactIdentifiers1764000000000/s,
        );
      } finally {
        await database.drop();
      }
    });
  });
