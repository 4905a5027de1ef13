// Counts the SQL statements one verify sends, per variant (no load; a diagnostic for
// RESULTS.md). Uses the compiled library (`npm run build`).
//
//   node bench/queries.mjs [--db sqlite|postgres] [--show]
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeyService, ApiKeysModule } from '../dist/index.js';
import { createBenchDatabase } from './bench-database.mjs';

const { values: args } = parseArgs({ options: { db: { type: 'string', default: 'sqlite' }, show: { type: 'boolean', default: false } } });

let log = null;
const logger = {
  logQuery: (query) => log?.push(query),
  logQueryError: () => undefined,
  logQuerySlow: () => undefined,
  logSchemaBuild: () => undefined,
  logMigration: () => undefined,
  log: () => undefined,
};

const database = await createBenchDatabase(args.db, 'benchq');
class QueriesModule {}
Module({
  imports: [TypeOrmModule.forRoot({ ...database.options, logging: ['query'], logger }), ApiKeysModule.forRoot({})],
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
  const longest = statements.length ? `; longest ${Math.max(...statements.map((s) => s.length))} chars` : ' (served from the key cache)';
  console.log(`${variant}: ${statements.length} statement(s) per verify${longest}`);
  if (args.show) for (const s of statements) console.log(`  ${s}`);
}
await app.close();
await database.drop();
