// The bench app: one Nest app serving every variant, built on the compiled library
// (`npm run build` → ../dist). Started by bench/run.mjs as a child process:
//
//   node bench/app.mjs --platform express|fastify --db sqlite|postgres [--port 0]
//                      [--verification-log on|off] [--cache on|off] [--stored 0]
//
// --cache off passes `cache: false` (every verify reads the database); --stored N first fills
// the key table with N other keys (random hashes, bulk inserts), for 1k-against-1M runs.
// It creates its keys at boot and hands them to the parent over IPC (never on stdout).
// Routes:
//   GET /bench/bare      no guard
//   GET /bench/noop      a guard of the app's own that only checks the header is there: what
//                        any Nest guard costs, the floor under ApiKeyGuard
//   GET /bench/guarded   ApiKeyGuard, a key without credits or limits
//   GET /bench/credits   ApiKeyGuard, a key with remaining = 1e12 (cost 1 per call)
//   GET /bench/limited   ApiKeyGuard, a key with a rate limit that never denies
//   GET /bench/deferred  an experiment: ApiKeyGuard whose decision reaches Nest at the end of
//                        the event loop's turn (the same work plus a promise and a
//                        setImmediate), so every request read in a turn passes the guard before
//                        any handler runs and writes; same key as guarded
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import { Controller, Get, Injectable, Module, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ApiKeyCost, ApiKeyGuard, ApiKeyService, ApiKeysModule } from '../dist/index.js';
import { createBenchDatabase, fillKeys } from './bench-database.mjs';

const { values: args } = parseArgs({
  options: {
    platform: { type: 'string', default: 'express' },
    db: { type: 'string', default: 'sqlite' },
    port: { type: 'string', default: '0' },
    'verification-log': { type: 'string', default: 'on' },
    cache: { type: 'string', default: 'on' },
    stored: { type: 'string', default: '0' },
  },
});
if (!['on', 'off'].includes(args.cache)) throw new Error(`--cache on|off, not ${args.cache}`);

// Plain JavaScript: decorators applied by hand, as TypeScript would emit them.
class BenchController {
  bare() {
    return { ok: true };
  }
  noop() {
    return { ok: true };
  }
  guarded() {
    return { ok: true };
  }
  credits() {
    return { ok: true };
  }
  limited() {
    return { ok: true };
  }
  deferred() {
    return { ok: true };
  }
}
function decorateMethod(target, name, decorators) {
  const descriptor = Object.getOwnPropertyDescriptor(target.prototype, name);
  for (const decorator of decorators.reverse()) decorator(target.prototype, name, descriptor);
}
class HeaderPresentGuard {
  canActivate(context) {
    return context.switchToHttp().getRequest().headers['x-api-key'] !== undefined;
  }
}
Injectable()(HeaderPresentGuard);
class DeferredApiKeyGuard extends ApiKeyGuard {
  canActivate(context) {
    const decided = super.canActivate(context);
    if (typeof decided !== 'boolean') return decided;
    return new Promise((resolve) => setImmediate(() => resolve(decided)));
  }
}
Injectable()(DeferredApiKeyGuard);
decorateMethod(BenchController, 'bare', [Get('bare')]);
decorateMethod(BenchController, 'noop', [Get('noop'), UseGuards(HeaderPresentGuard)]);
decorateMethod(BenchController, 'guarded', [Get('guarded'), UseGuards(ApiKeyGuard)]);
decorateMethod(BenchController, 'credits', [Get('credits'), UseGuards(ApiKeyGuard), ApiKeyCost(1)]);
decorateMethod(BenchController, 'limited', [Get('limited'), UseGuards(ApiKeyGuard)]);
decorateMethod(BenchController, 'deferred', [Get('deferred'), UseGuards(DeferredApiKeyGuard)]);
Controller('bench')(BenchController);

const db = await createBenchDatabase(args.db);

class BenchModule {}
Module({
  imports: [
    TypeOrmModule.forRoot(db.options),
    // Library defaults otherwise (in-process rate-limit storage, lastUsedAt tracking, usage
    // counting, the key cache, …); --verification-log off measures the guard without usage
    // counting, --cache off without the key cache.
    ApiKeysModule.forRoot({
      verificationLog: { enabled: args['verification-log'] !== 'off' },
      ...(args.cache === 'off' ? { cache: false } : {}),
    }),
  ],
  controllers: [BenchController],
})(BenchModule);

const adapter = args.platform === 'fastify' ? new FastifyAdapter() : new ExpressAdapter();
const app = await NestFactory.create(BenchModule, adapter, { logger: ['error', 'warn'] });
app.enableShutdownHooks();
await app.listen(Number(args.port), '127.0.0.1');

const dataSource = app.get(DataSource);
const stored = Number(args.stored);
if (stored > 0) await fillKeys(dataSource, stored, (done) => console.error(`  stored ${done.toLocaleString('en')} keys`));

const apiKeys = app.get(ApiKeyService);
const created = {
  guarded: await apiKeys.create({ ownerId: 'bench', name: 'guarded' }),
  credits: await apiKeys.create({ ownerId: 'bench', name: 'credits', remaining: 1e12 }),
  limited: await apiKeys.create({
    ownerId: 'bench',
    name: 'limited',
    rateLimits: [{ name: 'bench', limit: 1_000_000_000, windowMs: 3_600_000 }],
  }),
};
const keys = Object.fromEntries(Object.entries(created).map(([variant, { key }]) => [variant, key]));
keys.noop = keys.guarded; // the same header, so both parse the same request
keys.deferred = keys.guarded;

const shutdown = async () => {
  await app.close();
  await db.drop();
  process.exit(0);
};
// CPU profile of a chosen stretch only (boot and warm-up excluded): 'profile:start', then
// { profileStop: file } writes a .cpuprofile there and answers { profiled: file }.
let session;
process.on('message', async (message) => {
  if (message === 'stop') void shutdown();
  if (message === 'profile:start') {
    session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
    process.send({ profiling: true });
  }
  if (message?.profileStop) {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    writeFileSync(message.profileStop, JSON.stringify(profile));
    process.send({ profiled: message.profileStop });
  }
  // CPU time this process has used (user + system, µs): the runner reads it around each load.
  if (message === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send({ cpu: user + system });
  }
  if (message === 'stats') {
    const credits = await apiKeys.get(created.credits.apiKey.id);
    process.send({ stats: { creditsSpent: 1e12 - credits.remaining } });
  }
});
process.on('SIGTERM', () => void shutdown());

const journal = args.db === 'sqlite' ? (await dataSource.query('PRAGMA journal_mode'))[0].journal_mode : undefined;
const url = await app.getUrl();
if (process.send) process.send({ ready: true, url: url.replace('[::1]', '127.0.0.1'), keys, journal });
else console.log(`bench app (${args.platform}, ${args.db}) at ${url}`);
