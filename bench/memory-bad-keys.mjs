// RSS under a flood of distinct bad keys through the verify path as a guard runs it, with the
// key cache on (the default): each key well-formed (valid checksum) but unknown, so each one
// reaches the database once and then sits in the bounded NOT_FOUND cache; each from its own
// client, so brute-force protection counts one client per key. Prints, per 100k keys, the
// mean cost and the RSS after a full GC, then the growth and the sizes every bounded map ended
// at. Exits non-zero at 50 MB of growth or more (the target). Uses the build.
//
//   npm run build && node --expose-gc bench/memory-bad-keys.mjs [--n 1000000] [--db sqlite|postgres]
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeyService, ApiKeysModule, getApiKeysFailedAttemptsToken } from '../dist/index.js';
import { API_KEYS_KEY_CACHE } from '../dist/cache/api-key-cache.js';
import { KeyFormat } from '../dist/keys/key-format.js';
import { createBenchDatabase } from './bench-database.mjs';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '1000000' },
    db: { type: 'string', default: 'sqlite' },
    concurrency: { type: 'string', default: '100' },
  },
});
const N = Number(args.n);
const SEGMENT = Math.min(100_000, N);
const concurrency = Number(args.concurrency);
if (typeof global.gc !== 'function') throw new Error('run with node --expose-gc');
const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);
const rss = () => {
  global.gc();
  global.gc();
  return process.memoryUsage().rss;
};

const database = await createBenchDatabase(args.db, 'benchm');
class FloodModule {}
Module({
  imports: [TypeOrmModule.forRoot(database.options), ApiKeysModule.forRoot({ failedAttempts: { limit: 30, windowMs: 60_000 } })],
})(FloodModule);
const app = await NestFactory.createApplicationContext(FloodModule, { logger: ['error', 'warn'] });
const apiKeys = app.get(ApiKeyService);
const attempts = app.get(getApiKeysFailedAttemptsToken());
const cache = app.get(API_KEYS_KEY_CACHE);
const format = new KeyFormat('sk', 32);

async function badKey(i) {
  const raw = format.generate();
  const gate = attempts.begin(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:${i >> 24}`, raw);
  if (gate.retryAfterMs > 0) return;
  const result = await apiKeys.verify(raw);
  await gate.attempt.settle(result.code === 'NOT_FOUND' || result.code === 'MALFORMED');
  if (result.code !== 'NOT_FOUND') throw new Error(`a bad key answered ${result.code}`);
}

const start = rss();
const heapStart = process.memoryUsage().heapUsed;
console.error(`  start: RSS ${mb(start)} MB, V8 heap used ${mb(heapStart)} MB`);
const rows = [];
for (let done = 0; done < N; done += SEGMENT) {
  const t0 = process.hrtime.bigint();
  for (let i = done; i < done + SEGMENT; i += concurrency) {
    await Promise.all(Array.from({ length: Math.min(concurrency, done + SEGMENT - i) }, (_, j) => badKey(i + j)));
  }
  const usPerKey = Number(process.hrtime.bigint() - t0) / SEGMENT / 1000;
  // RSS after a full GC, and what of it V8's heap holds (the rest: native memory, the SQLite
  // page cache, freed pages not yet returned to the system).
  const rssNow = rss();
  const { heapUsed, heapTotal, external } = process.memoryUsage();
  rows.push({
    keys: done + SEGMENT,
    usPerKey: usPerKey.toFixed(1),
    rssMB: mb(rssNow),
    heapUsedMB: mb(heapUsed),
    heapTotalMB: mb(heapTotal),
    externalMB: mb(external),
  });
  console.error(`  ${(done + SEGMENT).toLocaleString('en')} keys, RSS ${rows.at(-1).rssMB} MB`);
}
const growth = rss() - start;
console.log(
  `\n${N.toLocaleString('en')} distinct bad keys (${args.db}, cache on): RSS growth ${mb(growth)} MB (target < 50 MB); ` +
    `V8 heap used ${mb(heapStart)} → ${mb(process.memoryUsage().heapUsed)} MB`,
);
console.table(rows);
console.log('bounded maps at the end:', {
  ...cache.stats(),
  failedAttemptClients: attempts['counts'].size,
  knownValid: attempts['knownValid'].size,
});
await app.close();
await database.drop();
if (growth >= 50 * 1024 * 1024) process.exit(1);
