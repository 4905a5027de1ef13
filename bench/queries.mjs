// Counts the SQL statements one verify sends, per variant (no load; a diagnostic for
// RESULTS.md). Uses the compiled library (`npm run build`).
//
//   node bench/queries.mjs [--db sqlite|postgres] [--show]
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { API_KEYS_ENTITIES, API_KEYS_MIGRATIONS, ApiKeyService, ApiKeysModule } from '../dist/index.js';

const { values: args } = parseArgs({ options: { db: { type: 'string', default: 'sqlite' }, show: { type: 'boolean', default: false } } });
const PG = { host: process.env.PGHOST ?? '127.0.0.1', port: Number(process.env.PGPORT ?? 5432), username: process.env.PGUSER ?? 'postgres', password: process.env.PGPASSWORD ?? '', database: process.env.PGDATABASE ?? 'test' };

let log = null;
const logger = {
  logQuery: (query) => log?.push(query),
  logQueryError: () => undefined,
  logQuerySlow: () => undefined,
  logSchemaBuild: () => undefined,
  logMigration: () => undefined,
  log: () => undefined,
};

const name = `benchq_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
const file = join(tmpdir(), `${name}.db`);
let options;
if (args.db === 'postgres') {
  const admin = new DataSource({ type: 'postgres', ...PG });
  await admin.initialize();
  await admin.query(`CREATE SCHEMA "${name}"`);
  await admin.destroy();
  options = { type: 'postgres', ...PG, schema: name };
} else {
  options = { type: 'better-sqlite3', database: file, enableWAL: true };
}

class QueriesModule {}
Module({
  imports: [
    TypeOrmModule.forRoot({ ...options, entities: [...API_KEYS_ENTITIES], migrations: [...API_KEYS_MIGRATIONS], migrationsRun: true, logging: ['query'], logger }),
    ApiKeysModule.forRoot({}),
  ],
})(QueriesModule);
const app = await NestFactory.createApplicationContext(QueriesModule, { logger: ['error', 'warn'] });
const apiKeys = app.get(ApiKeyService);
const variants = {
  guarded: await apiKeys.create({ ownerId: 'q' }),
  credits: await apiKeys.create({ ownerId: 'q', remaining: 1e12 }),
  limited: await apiKeys.create({ ownerId: 'q', rateLimits: [{ name: 'q', limit: 1e9, windowMs: 3_600_000 }] }),
};
for (const [variant, { key }] of Object.entries(variants)) {
  await apiKeys.verify(key); // first verify of the key (lastUsedAt pending, statements prepared)
  log = [];
  await apiKeys.verify(key);
  const statements = log;
  log = null;
  console.log(`${variant}: ${statements.length} statement(s) per verify; longest ${Math.max(...statements.map((s) => s.length))} chars`);
  if (args.show) for (const s of statements) console.log(`  ${s}`);
}
await app.close();
if (args.db === 'postgres') {
  const admin = new DataSource({ type: 'postgres', ...PG });
  await admin.initialize();
  await admin.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
  await admin.destroy();
} else {
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
}
