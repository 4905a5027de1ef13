import { DataSource } from 'typeorm';
import request from 'supertest';
import { API_KEYS_MIGRATIONS } from '../lib/index.js';
import { createTestDatabase, lane } from './utils/databases.js';
import { createTestApp } from './utils/test-app.js';

describe(`API_KEYS_MIGRATIONS on ${lane}`, () => {
  it('create exactly the schema of the entities, and revert cleanly', async () => {
    const database = await createTestDatabase({ synchronize: false, migrations: [...API_KEYS_MIGRATIONS] } as any);
    const dataSource = new DataSource(database.options);
    await dataSource.initialize();
    try {
      const applied = await dataSource.runMigrations();
      expect(applied.map((m) => m.name)).toEqual(['ApiKeysInitialSchema1763800000000', 'ApiKeysQuotas1763900000000']);
      // Nothing left for synchronize to do: the migrated schema equals the entities' schema.
      const diff = await dataSource.driver.createSchemaBuilder().log();
      expect(diff.upQueries.map((q) => q.query)).toEqual([]);

      for (const _ of applied) await dataSource.undoLastMigration();
      const tables = await dataSource.createQueryRunner().getTables(['api_keys', 'api_key_permissions']);
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
