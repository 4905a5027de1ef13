// Verify latency against the size of the key table: 1k stored keys, then 1M (by default),
// with the key cache off so that every verify looks its key up by hash (the cache would hide
// the table). In process, no HTTP: the lookup is what grows with the table, if anything.
// Per size: `--samples` verifies of random real keys, sequential, timed one by one; p50, p90,
// p99 in µs, and the ratios of the larger table to the smaller. Uses the build.
//
//   npm run build && node bench/key-count.mjs [--db sqlite|postgres] [--sizes 1000,1000000] [--samples 20000]
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ApiKeyService, ApiKeysModule } from '../dist/index.js';
import { createBenchDatabase, fillKeys } from './bench-database.mjs';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'sqlite' },
    sizes: { type: 'string', default: '1000,1000000' },
    samples: { type: 'string', default: '20000' },
    real: { type: 'string', default: '1000' },
  },
});
const sizes = args.sizes
  .split(',')
  .map(Number)
  .sort((a, b) => a - b);
const samples = Number(args.samples);
const realCount = Number(args.real);

const database = await createBenchDatabase(args.db, 'benchk');
class KeyCountModule {}
Module({ imports: [TypeOrmModule.forRoot(database.options), ApiKeysModule.forRoot({ cache: false, failedAttempts: false })] })(
  KeyCountModule,
);
const app = await NestFactory.createApplicationContext(KeyCountModule, { logger: ['error', 'warn'] });
const apiKeys = app.get(ApiKeyService);
const dataSource = app.get(DataSource);

const real = [];
for (let i = 0; i < realCount; i++) real.push((await apiKeys.create({ ownerId: `k${i % 50}` })).key);

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
const results = [];
let stored = realCount;
for (const size of sizes) {
  if (size > stored) {
    console.error(`filling to ${size.toLocaleString('en')} keys …`);
    await fillKeys(dataSource, size - stored, (done) => console.error(`  +${done.toLocaleString('en')}`));
    stored = size;
  }
  for (let i = 0; i < 2000; i++) await apiKeys.verify(real[i % real.length]); // warm-up
  const times = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    const key = real[Math.floor(Math.random() * real.length)];
    const t0 = process.hrtime.bigint();
    const result = await apiKeys.verify(key);
    times[i] = Number(process.hrtime.bigint() - t0) / 1000;
    if (!result.valid) throw new Error(`verify answered ${result.code}`);
  }
  times.sort();
  const row = { stored: size, p50: percentile(times, 0.5), p90: percentile(times, 0.9), p99: percentile(times, 0.99) };
  results.push(row);
  console.log(
    `${size.toLocaleString('en')} stored keys (${args.db}): p50 ${row.p50.toFixed(0)} µs, p90 ${row.p90.toFixed(0)} µs, p99 ${row.p99.toFixed(0)} µs`,
  );
}
const [small, large] = [results[0], results[results.length - 1]];
console.log(
  `${large.stored.toLocaleString('en')} vs ${small.stored.toLocaleString('en')}: p50 × ${(large.p50 / small.p50).toFixed(2)}, ` +
    `p99 × ${(large.p99 / small.p99).toFixed(2)} (target: p50 within 1.2×)`,
);
await app.close();
await database.drop();
