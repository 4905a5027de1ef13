// Memory and per-call cost of the in-process counters under a flood of distinct clients or
// keys: 1,000,000 increments of distinct keys in InMemoryRateLimitStorage (windows expiring,
// then all live so the cap evicts), and 1,000,000 failed attempts from distinct clients in
// FailedAttempts. Prints, per 100k calls, the mean
// cost per call and the RSS after a full GC, and the growth over the run. Uses the build.
//
//   npm run build && node --expose-gc bench/memory-flood.mjs [--n 1000000]
import { parseArgs } from 'node:util';
import { InMemoryRateLimitStorage } from '../dist/index.js';
import { FailedAttempts } from '../dist/quotas/failed-attempts.js';
import { KeyFormat } from '../dist/keys/key-format.js';

const { values: args } = parseArgs({ options: { n: { type: 'string', default: '1000000' } } });
const N = Number(args.n);
const SEGMENT = 100_000;
if (typeof global.gc !== 'function') throw new Error('run with node --expose-gc');

const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);
const rss = () => {
  global.gc();
  global.gc();
  return process.memoryUsage().rss;
};

async function flood(label, call) {
  const start = rss();
  const rows = [];
  for (let done = 0; done < N; done += SEGMENT) {
    const t0 = process.hrtime.bigint();
    for (let i = done; i < done + SEGMENT; i++) await call(i);
    const perCall = Number(process.hrtime.bigint() - t0) / SEGMENT / 1000;
    rows.push({ calls: done + SEGMENT, usPerCall: perCall.toFixed(2), rssMB: mb(rss()) });
  }
  const growth = rss() - start;
  console.log(`\n${label}: ${N.toLocaleString('en')} distinct, RSS growth ${mb(growth)} MB`);
  console.table(rows);
  return growth;
}

// A clock that moves 1 ms per call: windows of a minute stay live for the first 60k calls,
// so expiry and the cap both do work.
let now = Date.UTC(2030, 0, 1);
const clock = { now: () => now };

const storage = new InMemoryRateLimitStorage(clock);
const storageGrowth = await flood('InMemoryRateLimitStorage.increment', async (i) => {
  now += 1;
  await storage.increment(`key:${i}`, 60_000, 10, 0, 'bench');
});

const format = new KeyFormat('sk', 32);
const badKey = format.generate();
const attempts = new FailedAttempts(null, clock, { limit: 30, windowMs: 60_000 });
const attemptsGrowth = await flood('FailedAttempts (distinct clients, one bad key each)', async (i) => {
  now += 1;
  const gate = attempts.begin(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:${i >> 24}`, badKey);
  await gate.attempt?.settle(true);
});

console.log(`\nheld at the end: ${storage.size} windows (cap 200,000)`);

// Every window live (the clock stands still): the cap, not expiry, bounds the map.
const frozen = new InMemoryRateLimitStorage({ now: () => now });
const frozenGrowth = await flood('InMemoryRateLimitStorage.increment, clock frozen (all live: the cap evicts)', async (i) => {
  await frozen.increment(`key:${i}`, 60_000, 10, 0, 'bench');
});
console.log(`\nheld at the end: ${frozen.size} windows (cap 200,000)`);
const ok = [storageGrowth, attemptsGrowth, frozenGrowth].every((growth) => growth < 50 * 1024 * 1024);
console.log(ok ? 'every run grew RSS by under 50 MB' : 'a run grew RSS by 50 MB or more');
process.exitCode = ok ? 0 : 1;
