// What one usage flush costs the CPU, in process, under a hot key: `--keys` keys (1) share
// `--per-flush` verifications (15,000: a warm guarded route serves 10–20k a second) between two
// flushes, then the recorder flushes; `--flushes` times (300) after `--warmup` flushes (30).
// The verifications go straight to the real UsageRecorder.afterVerify as the guard reports
// them (`--source record`, the default: a stored key, code VALID, the client address), or
// through ApiKeyService.verify with the key cache on (`--source verify`: slower to run, same
// flush). Only the flushes are measured.
//
// CPU time, not wall time, is the figure (it holds with other load on the box):
// - node: process.cpuUsage() around each flush; the median and the mean per flush. On SQLite
//   this includes the database, which runs in process.
// - pg ours: the CPU of this bench's own PostgreSQL backends (found by application_name), as
//   the kernel's exact run time (/proc/<pid>/schedstat, ns), before and after, divided by N.
// - pg all: utime + stime of every `postgres` process (/proc/<pid>/stat, clock ticks), before
//   and after, divided by N: our backends plus the WAL writer, checkpointer, background writer
//   and autovacuum workers, and any other client's backends (the run says when it saw some);
//   a process that exits during a flush drops out of it.
// - wall: the median wall time of a flush.
// A second pass of `--flushes` breaks a flush down by UsageStore method (one call = one
// statement), with the same figures per call.
//
// Autovacuum: when the server runs it, its workers are in "pg all". When it is off (as on the
// development machines), `--vacuum-every` (60: autovacuum's one-minute naptime at one flush a
// second) runs `VACUUM` on the log table every that many flushes between flushes, and reports
// its CPU per flush apart ("vacuum"): the deferred cost of the rows the flushes deleted.
// `--vacuum-every 0` never vacuums (dead rows pile up, as they would with autovacuum off).
//
//   npm run build && node bench/usage-flush-cost.mjs [--db postgres|sqlite] [--flushes 300] [--keys 1]
//     [--per-flush 15000] [--warmup 30] [--vacuum-every 60] [--source record|verify] [--json file]
import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ApiKeyService, ApiKeysModule } from '../dist/index.js';
import { UsageRecorder } from '../dist/usage/usage-recorder.js';
import { UsageRetention } from '../dist/usage/usage-retention.js';
import { UsageStore } from '../dist/usage/usage.store.js';
import { createBenchDatabase } from './bench-database.mjs';
import { postgresCpuByPid, postgresCpuSince } from './postgres-cpu.mjs';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'postgres' },
    flushes: { type: 'string', default: '300' },
    warmup: { type: 'string', default: '30' },
    keys: { type: 'string', default: '1' },
    'per-flush': { type: 'string', default: '15000' },
    'vacuum-every': { type: 'string', default: '60' },
    source: { type: 'string', default: 'record' },
    json: { type: 'string' },
  },
});
const N = Number(args.flushes);
const WARMUP = Number(args.warmup);
const KEYS = Number(args.keys);
const PER_FLUSH = Number(args['per-flush']);
const VACUUM_EVERY = Number(args['vacuum-every']);
const postgres = args.db === 'postgres';
const APPLICATION = `usage-flush-cost-${process.pid}`;
if (!['record', 'verify'].includes(args.source)) throw new Error('--source record|verify');

const database = await createBenchDatabase(args.db, 'benchf');
if (postgres) database.options.applicationName = APPLICATION;
class FlushModule {}
Module({
  imports: [
    TypeOrmModule.forRoot(database.options),
    // The flush timer far out: every flush here is the bench's own.
    ApiKeysModule.forRoot({ failedAttempts: false, verificationLog: { flushIntervalMs: 3_600_000 } }),
  ],
})(FlushModule);
const app = await NestFactory.createApplicationContext(FlushModule, { logger: ['error'] });
app.get(UsageRetention).onModuleDestroy(); // no purge in the middle of the measurement
const apiKeys = app.get(ApiKeyService);
const recorder = app.get(UsageRecorder);
const store = app.get(UsageStore);
const dataSource = app.get(DataSource);
const keys = [];
for (let i = 0; i < KEYS; i++) keys.push(await apiKeys.create({ ownerId: `owner-${i % 3}`, name: `hot-${i}` }));

// ---- CPU readers ----------------------------------------------------------------------------
let ourPids = [];
async function findOurBackends() {
  if (!postgres) return;
  const rows = await dataSource.query('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [APPLICATION]);
  ourPids = rows.map((row) => Number(row.pid));
}
/** Exact CPU ns of our backends (schedstat's first field). */
function ourPgNs() {
  let ns = 0;
  for (const pid of ourPids) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the backend is gone
    }
  }
  return ns;
}
const allPgUs = () => (postgres ? postgresCpuByPid() : new Map());
const allPgDelta = postgresCpuSince;
const nodeUs = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};
const median = (values) => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const mean = (values) => (values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length);

// ---- the load between two flushes -----------------------------------------------------------
let simulatedNow = Date.now();
const raws = keys.map((k) => k.key);
async function verifications() {
  const start = simulatedNow;
  simulatedNow += 1000;
  if (args.source === 'verify') {
    for (let i = 0; i < PER_FLUSH; i++) await apiKeys.verify(raws[i % KEYS], { ip: '127.0.0.1' });
    return;
  }
  for (let i = 0; i < PER_FLUSH; i++) {
    recorder.afterVerify({
      at: start + Math.floor((i * 1000) / PER_FLUSH),
      result: { valid: true, code: 'VALID', message: 'ok' },
      key: keys[i % KEYS].apiKey,
      spent: 0,
      options: { ip: '127.0.0.1' },
    });
  }
}

let vacuums = { count: 0, ourNs: 0, nodeUs: 0 };
let flushesSinceVacuum = 0;
async function maybeVacuum(measure) {
  if (!postgres || VACUUM_EVERY <= 0 || ++flushesSinceVacuum < VACUUM_EVERY) return;
  flushesSinceVacuum = 0;
  const table = `"${database.name}"."api_key_verifications"`;
  await findOurBackends();
  const [pg0, n0] = [ourPgNs(), nodeUs()];
  await dataSource.query(`VACUUM ${table}`);
  if (measure) {
    vacuums.count++;
    vacuums.ourNs += ourPgNs() - pg0;
    vacuums.nodeUs += nodeUs() - n0;
  }
}

// ---- per-statement wrappers (second pass only) ----------------------------------------------
const statementNames = Object.getOwnPropertyNames(Object.getPrototypeOf(store)).filter(
  (name) => name !== 'constructor' && typeof store[name] === 'function',
);
const perStatement = new Map();
let instrumented = false;
for (const name of statementNames) {
  const original = store[name].bind(store);
  store[name] = async (...params) => {
    if (!instrumented) return original(...params);
    const pg0 = ourPgNs();
    const t0 = process.hrtime.bigint();
    const n0 = nodeUs();
    try {
      return await original(...params);
    } finally {
      const n1 = nodeUs();
      const t1 = process.hrtime.bigint();
      const pg1 = ourPgNs();
      const entry = perStatement.get(name) ?? { calls: 0, node: [], pgNs: 0, wall: [] };
      entry.calls++;
      entry.node.push(n1 - n0);
      entry.wall.push(Number(t1 - t0) / 1000);
      entry.pgNs += pg1 - pg0;
      perStatement.set(name, entry);
    }
  };
}

async function flushTimed() {
  const n0 = nodeUs();
  const t0 = process.hrtime.bigint();
  await recorder.flush();
  return { node: nodeUs() - n0, wall: Number(process.hrtime.bigint() - t0) / 1000 };
}

async function otherClients() {
  if (!postgres) return 0;
  const [row] = await dataSource.query(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND application_name <> $1 AND pid <> pg_backend_pid()",
    [APPLICATION],
  );
  return row.n;
}

// ---- run ------------------------------------------------------------------------------------
const autovacuum = postgres ? (await dataSource.query('SHOW autovacuum'))[0].autovacuum : 'n/a';
console.error(
  `usage flush cost on ${args.db}: ${KEYS} hot key(s), ${PER_FLUSH} verifications per flush (${args.source}), ` +
    `${WARMUP} warm-up + 2 × ${N} flushes; autovacuum ${autovacuum}` +
    (postgres && VACUUM_EVERY > 0 ? `, VACUUM of the log every ${VACUUM_EVERY} flushes` : ''),
);
for (let i = 0; i < WARMUP; i++) {
  await verifications();
  await recorder.flush();
  await maybeVacuum(false);
}

// Pass 1: whole flushes.
await findOurBackends();
const others = [await otherClients()];
const flushes = [];
let ourNs = 0;
let allUs = 0;
for (let i = 0; i < N; i++) {
  await verifications();
  if (i % 50 === 0) await findOurBackends(); // the pool may have opened another connection
  const [pg0, all0] = [ourPgNs(), allPgUs()];
  flushes.push(await flushTimed());
  ourNs += ourPgNs() - pg0;
  allUs += allPgDelta(all0, allPgUs());
  await maybeVacuum(true);
}
others.push(await otherClients());

// Pass 2: by statement.
instrumented = true;
for (let i = 0; i < N; i++) {
  await verifications();
  if (i % 50 === 0) await findOurBackends();
  await recorder.flush();
  await maybeVacuum(true);
}
instrumented = false;

const stored = await dataSource.query(
  postgres
    ? `SELECT count(*)::int AS n FROM "${database.name}"."api_key_verifications"`
    : 'SELECT count(*) AS n FROM "api_key_verifications"',
);
const fmt = (x) => (x === undefined ? '' : x.toFixed(0));
const rows = {
  flush: {
    'calls/flush': 1,
    'node µs median': fmt(median(flushes.map((f) => f.node))),
    'node µs mean': fmt(mean(flushes.map((f) => f.node))),
    'pg ours µs/flush': postgres ? fmt(ourNs / 1000 / N) : '',
    'pg all µs/flush': postgres ? fmt(allUs / N) : '',
    'wall µs median': fmt(median(flushes.map((f) => f.wall))),
  },
};
for (const [name, entry] of perStatement) {
  rows[name] = {
    'calls/flush': (entry.calls / N).toFixed(2),
    'node µs median': fmt(median(entry.node)),
    'node µs mean': fmt(mean(entry.node)),
    'pg ours µs/flush': postgres ? fmt(entry.pgNs / 1000 / N) : '',
    'pg all µs/flush': '',
    'wall µs median': fmt(median(entry.wall)),
  };
}
if (vacuums.count > 0) {
  rows[`vacuum (every ${VACUUM_EVERY})`] = {
    'calls/flush': (vacuums.count / (2 * N)).toFixed(3),
    'node µs median': '',
    'node µs mean': fmt(vacuums.nodeUs / (2 * N)),
    'pg ours µs/flush': fmt(vacuums.ourNs / 1000 / (2 * N)),
    'pg all µs/flush': '',
    'wall µs median': '',
  };
}
console.log(`\nusage flush on ${args.db}, ${KEYS} hot key(s) × ${PER_FLUSH} verifications per flush, N = ${N}`);
console.table(rows);
console.log(
  `log rows stored at the end: ${stored[0].n} (${KEYS} keys × 100 kept)` +
    (postgres ? `; other client backends seen: ${others.join(' → ')} ("pg all" includes their CPU)` : ''),
);
if (args.json) writeFileSync(args.json, JSON.stringify({ args, rows, stored: Number(stored[0].n) }, null, 2));
await app.close();
await database.drop();
