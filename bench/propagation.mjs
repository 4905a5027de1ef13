// Revocation propagation between two app processes (SPEC §10: p99 < 50 ms, max < 250 ms on
// loopback): A and B are separate Node processes on one database and one Redis
// (RedisInvalidationBus), each with the key cache on. Per round: A creates a key, B verifies
// it until B holds it in its cache, then a poller sends B back-to-back requests with the key
// while A revokes it; the figure is the time from A's revoke answering to B's first 401 (it
// can be ≤ 0: B may hear the message before A's answer reaches this process). Prints p50, p99
// and max over `--rounds` (200). The instances are test/fixtures/cache-instance.mjs on the
// build.
//
//   npm run build && node bench/propagation.mjs [--db sqlite|postgres] [--rounds 200]
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createBenchDatabase } from './bench-database.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'sqlite' },
    rounds: { type: 'string', default: '200' },
    ttl: { type: 'string', default: '60000' },
  },
});
const rounds = Number(args.rounds);
const REDIS = { host: process.env.REDIS_HOST ?? '127.0.0.1', port: Number(process.env.REDIS_PORT ?? 6379) };
const channel = `nest-api-keys-bench:${randomBytes(4).toString('hex')}:invalidate`;

const database = await createBenchDatabase(args.db, 'benchp');
const { entities: _e, migrations: _m, ...db } = database.options;

function start(name, ioredis) {
  const config = { name, db, redis: REDIS, channel, ioredis, cache: { ttlMs: Number(args.ttl) } };
  const child = fork(join(here, '../test/fixtures/cache-instance.mjs'), [], {
    env: { ...process.env, API_KEYS_INSTANCE: JSON.stringify(config) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let next = 0;
  const pending = new Map();
  child.on('message', (m) => {
    if (m.id === undefined) return;
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error) p.reject(new Error(m.error));
    else p.resolve(m.result);
  });
  const call = (op, rest = {}) =>
    new Promise((resolve, reject) => {
      const id = ++next;
      pending.set(id, { resolve, reject });
      child.send({ id, op, ...rest });
    });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${name} exited (${code})`)));
    child.once('message', (m) => resolve({ name, url: m.url, call, child }));
  });
}

const status = async (instance, key) => (await fetch(`${instance.url}/whoami`, { headers: { 'x-api-key': key } })).status;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const a = await start('A', 5);
const b = await start('B', 6);
for (const instance of [a, b]) while (!(await instance.call('stats')).subscribed) await sleep(20);

const times = [];
for (let round = 0; round < rounds; round++) {
  const { key, id } = await a.call('create', { input: { ownerId: 'propagation' } });
  while ((await status(b, key)) !== 200 || !(await b.call('holds', { keyId: id }))) await sleep(5);
  let stop = false;
  const poller = (async () => {
    while (!stop) {
      if ((await status(b, key)) === 401) return performance.now();
    }
    return Number.NaN;
  })();
  await sleep(2);
  await a.call('revoke', { keyId: id });
  const answered = performance.now();
  const rejected = await Promise.race([poller, sleep(5_000).then(() => Number.NaN)]);
  stop = true;
  if (Number.isNaN(rejected)) throw new Error(`round ${round}: B still accepted the key 5 s after the revoke`);
  times.push(rejected - answered);
}

times.sort((x, y) => x - y);
const at = (p) => times[Math.min(times.length - 1, Math.floor(times.length * p))];
console.log(
  `revocation A → B over ${rounds} rounds (${args.db}, Redis pub/sub): ` +
    `p50 ${at(0.5).toFixed(1)} ms, p99 ${at(0.99).toFixed(1)} ms, max ${times.at(-1).toFixed(1)} ms (target p99 < 50, max < 250)`,
);
for (const instance of [a, b]) {
  await instance.call('stop').catch(() => undefined);
}
await database.drop();
