// In-process cost of ApiKeyGuard on a warm key (no HTTP, no load generator): µs per
// canActivate and per ApiKeyService.verify, median of 5 batches. The HTTP runs (run.mjs) say
// what a request costs; this says what the library's own code costs, steadily enough to
// compare two commits on a busy machine. Uses `npm run build` output.
//
//   node bench/guard-micro.mjs [--n 50000] [--verification-log on|off]
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { Module } from '@nestjs/common';
import { ModuleRef, NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeyGuard, ApiKeyService, ApiKeysModule, RequirePermissions } from '../dist/index.js';
import { createBenchDatabase } from './bench-database.mjs';

const { values: args } = parseArgs({
  options: { n: { type: 'string', default: '50000' }, 'verification-log': { type: 'string', default: 'on' } },
});
if (!['on', 'off'].includes(args['verification-log'])) throw new Error('--verification-log takes on or off');
const N = Number(args.n);

const database = await createBenchDatabase('sqlite', 'benchg');
class ReportsController {
  list() {}
}
RequirePermissions('reports:read')(
  ReportsController.prototype,
  'list',
  Object.getOwnPropertyDescriptor(ReportsController.prototype, 'list'),
);
class MicroModule {}
Module({
  imports: [
    TypeOrmModule.forRoot({ ...database.options }),
    ApiKeysModule.forRoot({ verificationLog: { enabled: args['verification-log'] === 'on' } }),
  ],
})(MicroModule);
const app = await NestFactory.createApplicationContext(MicroModule, { logger: ['error'] });
const apiKeys = app.get(ApiKeyService);
const guard = await app.get(ModuleRef).create(ApiKeyGuard);
const { key } = await apiKeys.create({ ownerId: 'micro', permissions: ['reports:read'] });

// What Nest hands a guard for an HTTP request, reduced to what ApiKeyGuard reads.
const request = { headers: { 'x-api-key': key }, ip: '127.0.0.1', socket: { remoteAddress: '127.0.0.1' } };
const http = { getRequest: () => request, getResponse: () => ({}) };
const context = {
  getHandler: () => ReportsController.prototype.list,
  getClass: () => ReportsController,
  getType: () => 'http',
  switchToHttp: () => http,
};

async function time(label, fn) {
  for (let i = 0; i < 20_000; i++) await fn(); // warm-up: JIT, the key cache, the known-valid set
  const batches = [];
  for (let b = 0; b < 5; b++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < N; i++) await fn();
    batches.push(Number(process.hrtime.bigint() - start) / 1000 / N);
  }
  console.log(`| ${label} | ${batches.sort((a, b) => a - b)[2].toFixed(2)} |`);
}

console.log(`\n${N} sequential calls per batch, µs per call (median of 5 batches)\n`);
console.log('| step | µs/call |');
console.log('|---|---:|');
await time('ApiKeyGuard.canActivate, warm key, @RequirePermissions', () => guard.canActivate(context));
await time('ApiKeyService.verify, warm key, permissions', () => apiKeys.verify(key, { permissions: ['reports:read'], ip: '127.0.0.1' }));
await app.close();
await database.drop();
