// In-process cost of the steps of one cold verify (no HTTP), to see where a guarded request's
// time goes: the library's verify, the key lookup as it was before KeyLoader (TypeORM findOne
// with the permission/role/owner relations), the same without relations, a raw SELECT, and
// SHA-256. Sequential calls, µs per call (median of 5 batches). Uses `npm run build` output.
//
//   node bench/micro.mjs [--db sqlite|postgres] [--n 2000]
import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { ApiKeyEntity, ApiKeyService, ApiKeysModule } from '../dist/index.js';
import { createBenchDatabase } from './bench-database.mjs';

const { values: args } = parseArgs({ options: { db: { type: 'string', default: 'sqlite' }, n: { type: 'string', default: '2000' } } });
const N = Number(args.n);
// The relations the library loads with a key (lib/store/api-key.store.ts).
const KEY_RELATIONS = {
  permissionGrants: { permission: true },
  roleGrants: { role: { permissionGrants: { permission: true } } },
  owner: true,
};

const database = await createBenchDatabase(args.db, 'benchm');
const { name } = database;
class MicroModule {}
Module({
  imports: [TypeOrmModule.forRoot({ ...database.options }), ApiKeysModule.forRoot({})],
})(MicroModule);
const app = await NestFactory.createApplicationContext(MicroModule, { logger: ['error', 'warn'] });
const apiKeys = app.get(ApiKeyService);
const dataSource = app.get(DataSource);
const repo = dataSource.getRepository(ApiKeyEntity);
// 1,000 other keys, so lookups run against an index rather than a one-row table.
for (let i = 0; i < 1000; i++) await apiKeys.create({ ownerId: `o${i % 50}` });
const { key, apiKey } = await apiKeys.create({ ownerId: 'micro', permissions: ['a:read'] });
const credited = await apiKeys.create({ ownerId: 'micro', remaining: 1e12 });
const stored = await repo.findOne({ where: { id: apiKey.id } });
const hash = stored.hash;
const param = args.db === 'postgres' ? '$1' : '?';
const table = args.db === 'postgres' ? `"${name}"."api_keys"` : 'api_keys';

async function time(label, fn) {
  for (let i = 0; i < 200; i++) await fn(); // warm-up
  const batches = [];
  for (let b = 0; b < 5; b++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < N / 5; i++) await fn();
    batches.push(Number(process.hrtime.bigint() - start) / 1000 / (N / 5));
  }
  const us = batches.sort((a, b) => a - b)[2];
  console.log(`| ${label} | ${us.toFixed(1)} |`);
  return us;
}

console.log(`\n${args.db}, ${N} sequential calls each, µs per call (median of 5 batches)\n`);
console.log('| step | µs/call |');
console.log('|---|---:|');
await time('ApiKeyService.verify (key without quotas)', () => apiKeys.verify(key));
await time('ApiKeyService.verify (key with credits, cost 1)', () => apiKeys.verify(credited.key));
await time('TypeORM findOne + relations (the lookup before KeyLoader)', () =>
  repo.findOne({ where: { hash: In([hash]) }, relations: KEY_RELATIONS }),
);
await time('TypeORM findOne, no relations', () => repo.findOne({ where: { hash: In([hash]) } }));
await time('raw SELECT * by hash (dataSource.query)', () => dataSource.query(`SELECT * FROM ${table} WHERE hash = ${param}`, [hash]));
await time('SHA-256 of the key', async () => createHash('sha256').update(key).digest('hex'));
await app.close();
await database.drop();
