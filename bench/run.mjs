// Load run: every variant of bench/app.mjs, on Express and Fastify, on SQLite (WAL file) and
// PostgreSQL, with autocannon. Run it with `npm run bench` (builds the library first).
//
//   node bench/run.mjs [--platforms express,fastify] [--dbs sqlite,postgres]
//                      [--caches on,off] [--stored 0,1000000]
//                      [--connections 32] [--duration 10] [--warmup 3] [--runs 3]
//                      [--json bench/results.json] [--profile] [--pin]
//
// --caches runs each app with the key cache on (the default) and/or off (`cache: false`);
// --stored fills the key table with that many other keys first (1k against 1M stored keys).
//
// Per platform × database × cache × stored: one app process serves all variants; each variant gets a warm-up,
// then the runs go round-robin over the variants (run 1 of each, run 2 of each, …) so a
// noisy moment hits every variant alike; the median run (by req/s) is reported, with its
// ratio to the bare route of the same app. Only these ratios are comparable across
// machines; the absolute numbers depend on the box (and here the load generator shares it).
// Each run also reads the CPU time the app process and the PostgreSQL server processes used
// during it: CPU µs per request, and its ratio (bare's CPU per request / the variant's) — the
// share of bare's throughput a CPU-bound server keeps.
// --pin (Linux, taskset) gives the app process CPU 0 and this process (the load generator) CPU 1,
// so the two never take turns on one core: on a 2-core box the ratio then follows what the
// server does per request rather than how the scheduler shares the cores.
// --profile then loads the guarded and credits variants once more (not measured) under the V8
// sampling profiler, started over IPC so boot and warm-up are excluded, and summarises self
// time per function and per package (bench/profile.mjs).
import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { postgresCpuByPid, postgresCpuSince } from './postgres-cpu.mjs';
import { summarizeProfile } from './profile.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    platforms: { type: 'string', default: 'express,fastify' },
    dbs: { type: 'string', default: 'sqlite,postgres' },
    variants: { type: 'string', default: 'bare,guarded,credits,limited' },
    caches: { type: 'string', default: 'on' },
    stored: { type: 'string', default: '0' },
    connections: { type: 'string', default: '32' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    runs: { type: 'string', default: '3' },
    json: { type: 'string' },
    profile: { type: 'boolean', default: false },
    pin: { type: 'boolean', default: false },
    'verification-log': { type: 'string', default: 'on' },
  },
});
if (!['on', 'off'].includes(args['verification-log'])) throw new Error('--verification-log takes on or off');
const list = (value) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const connections = Number(args.connections);
const duration = Number(args.duration);
const warmup = Number(args.warmup);
const runs = Number(args.runs);
const variants = list(args.variants);

function startApp(platform, db, cache, stored, execArgv = []) {
  return new Promise((resolve, reject) => {
    const argv = ['--platform', platform, '--db', db, '--cache', cache, '--stored', String(stored)];
    const child = fork(join(here, 'app.mjs'), [...argv, '--verification-log', args['verification-log']], { execArgv, stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`bench app exited early (${code})`)));
    if (args.pin) pinToCpu(child.pid, 0);
    child.once('message', (message) => {
      child.removeAllListeners('exit');
      resolve({ child, ...message });
    });
  });
}

/** Binds a process (all its threads) to one CPU. */
function pinToCpu(pid, cpu) {
  execFileSync('taskset', ['--all-tasks', '--cpu-list', '--pid', String(cpu), String(pid)], { stdio: 'ignore' });
}
if (args.pin) pinToCpu(process.pid, 1);

/** Sends a message to the app and waits for the reply that has `field`. */
function ask(app, message, field) {
  return new Promise((resolve) => {
    const onMessage = (reply) => {
      if (reply && field in reply) {
        app.child.off('message', onMessage);
        resolve(reply[field]);
      }
    };
    app.child.on('message', onMessage);
    app.child.send(message);
  });
}

async function stopApp(app) {
  // Let requests still queued in the app from the last load finish before it closes its
  // database (else they log "store unavailable" on the way out).
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return new Promise((resolve) => {
    app.child.once('exit', resolve);
    app.child.send('stop');
  });
}

async function load(app, variant, seconds) {
  const headers = variant === 'bare' ? {} : { 'x-api-key': app.keys[variant] };
  const cpuBefore = { app: await ask(app, 'cpu', 'cpu'), postgres: postgresCpuByPid() };
  const result = await autocannon({ url: `${app.url}/bench/${variant}`, connections, duration: seconds, headers });
  const appCpu = (await ask(app, 'cpu', 'cpu')) - cpuBefore.app;
  const postgresCpu = postgresCpuSince(cpuBefore.postgres);
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) {
    const statuses = Object.entries(result.statusCodeStats ?? {})
      .map(([code, { count }]) => `${count} × ${code}`)
      .join(', ');
    throw new Error(
      `${variant}: ${bad} bad answers in ${result.requests.total} requests ` +
        `(${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts; status codes: ${statuses || 'none'})`,
    );
  }
  const total = result.requests.total;
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    p50: result.latency.p50,
    total,
    cpuUsPerRequest: (appCpu + postgresCpu) / total,
    postgresCpuUsPerRequest: postgresCpu / total,
  };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function measure(platform, db, cache, stored) {
  const app = await startApp(platform, db, cache, stored);
  if (app.journal) console.error(`  SQLite journal_mode: ${app.journal}`);
  try {
    const served = Object.fromEntries(variants.map((v) => [v, 0]));
    // One request per key first: brute-force protection counts the attempts of a key this
    // instance has not yet seen valid as in flight, and past its limit (30 by default, below
    // the 32 connections) answers 429 until the first lookup settles. A real client's first
    // burst can meet that too; the load measures the steady state.
    for (const variant of variants) {
      const headers = variant === 'bare' ? {} : { 'x-api-key': app.keys[variant] };
      const response = await fetch(`${app.url}/bench/${variant}`, { headers });
      if (!response.ok) throw new Error(`${variant}: the first request answered ${response.status}`);
      served[variant] += 1;
    }
    for (const variant of variants) served[variant] += (await load(app, variant, warmup)).total;
    const samples = Object.fromEntries(variants.map((v) => [v, []]));
    for (let run = 1; run <= runs; run++) {
      for (const variant of variants) {
        const sample = await load(app, variant, duration);
        samples[variant].push(sample);
        served[variant] += sample.total;
        console.error(
          `  ${platform}/${db} run ${run} ${variant}: ${sample.rps.toFixed(0)} req/s, p99 ${sample.p99} ms, ` +
            `${sample.cpuUsPerRequest.toFixed(1)} µs CPU/request`,
        );
      }
    }
    const rows = variants.map((variant) => {
      const rps = median(samples[variant].map((s) => s.rps));
      const chosen = samples[variant].find((s) => s.rps === rps);
      return { variant, rps, p99: chosen.p99, p50: chosen.p50, runs: samples[variant] };
    });
    for (const row of rows) row.cpuUsPerRequest = median(row.runs.map((s) => s.cpuUsPerRequest));
    const bare = rows.find((r) => r.variant === 'bare');
    for (const row of rows) {
      row.ratio = bare ? row.rps / bare.rps : null;
      row.p99Ratio = bare ? row.p99 / bare.p99 : null;
      row.cpuRatio = bare ? bare.cpuUsPerRequest / row.cpuUsPerRequest : null;
    }
    // Sanity: the credits key was charged once per answered call (calls cut off by the end of
    // a run may be charged without being counted, at most `connections` per load).
    const stats = variants.includes('credits') ? { creditsServed: served.credits, ...(await ask(app, 'stats', 'stats')) } : {};
    const profiles = [];
    if (args.profile) {
      for (const variant of ['guarded', 'credits'].filter((v) => variants.includes(v))) {
        const file = join(mkdtempSync(join(tmpdir(), 'bench-prof-')), `${platform}-${db}-${variant}.cpuprofile`);
        await ask(app, 'profile:start', 'profiling');
        await load(app, variant, duration);
        await ask(app, { profileStop: file }, 'profiled');
        profiles.push({ platform, db, variant, ...summarizeProfile(file) });
      }
    }
    return { rows, stats: { ...stats, journal: app.journal }, profiles };
  } finally {
    await stopApp(app);
  }
}

const versionOf = (pkg) => {
  try {
    return JSON.parse(readFileSync(join(here, '..', 'node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return 'n/a';
  }
};
const versions = Object.fromEntries(
  [
    '@nestjs/core',
    '@nestjs/platform-express',
    '@nestjs/platform-fastify',
    'express',
    'fastify',
    'typeorm',
    '@nestjs/typeorm',
    'better-sqlite3',
    'pg',
    'autocannon',
  ].map((p) => [p, versionOf(p)]),
);
versions.node = process.version;
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`;
console.log(
  `date ${new Date().toISOString()}; ${machine}; load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(
  Object.entries(versions)
    .map(([k, v]) => `${k} ${v}`)
    .join(', '),
);
const verificationLog = args['verification-log'];
const results = {
  date: new Date().toISOString(),
  machine,
  versions,
  connections,
  duration,
  warmup,
  runs,
  verificationLog,
  tables: [],
  profiles: [],
};
const configurations = [];
for (const db of list(args.dbs))
  for (const platform of list(args.platforms))
    for (const cache of list(args.caches))
      for (const stored of list(args.stored).map(Number)) configurations.push({ db, platform, cache, stored });
for (const { db, platform, cache, stored } of configurations) {
  {
    const label =
      `${platform} / ${db} / cache ${cache}${stored ? ` / ${stored.toLocaleString('en')} stored keys` : ''}` +
      ` (verification log ${verificationLog})`;
    console.error(label);
    const loadBefore = loadavg()[0];
    const { rows, stats, profiles } = await measure(platform, db, cache, stored);
    const load = { before: loadBefore, after: loadavg()[0] };
    results.tables.push({ platform, db, cache, stored, rows, stats, load });
    results.profiles.push(...profiles);
    console.log(`\n${label}`);
    console.log('| variant | req/s | p50 ms | p99 ms | × bare req/s | × bare p99 | CPU µs/request | × bare by CPU |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of rows) {
      console.log(
        `| ${r.variant} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.ratio?.toFixed(2)} | ${r.p99Ratio?.toFixed(2)} | ` +
          `${r.cpuUsPerRequest.toFixed(1)} | ${r.cpuRatio?.toFixed(2)} |`,
      );
    }
    console.log(
      `1-min load average ${load.before.toFixed(2)} → ${load.after.toFixed(2)}${stats.journal ? `; SQLite journal_mode ${stats.journal}` : ''}`,
    );
    if (stats.creditsSpent !== undefined) console.log(`credits: ${stats.creditsServed} answered 2xx, ${stats.creditsSpent} spent`);
    for (const p of profiles) {
      console.log(`\nprofile ${platform} / ${db} / ${p.variant} (${p.busyMs.toFixed(0)} ms busy): top self time`);
      for (const f of p.functions.slice(0, 15)) console.log(`  ${f.percent.toFixed(1)}%  ${f.name.slice(0, 80)}  ${f.where}`);
      console.log('  self time by area:');
      for (const g of p.groups.filter((g) => g.percent >= 0.5)) console.log(`  ${g.percent.toFixed(1)}%  ${g.group}`);
    }
  }
}
if (args.json) writeFileSync(args.json, JSON.stringify(results, null, 2));
