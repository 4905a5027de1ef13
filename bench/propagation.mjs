// Revocation propagation between two app processes (SPEC §10: p99 < 50 ms, max < 250 ms on
// loopback): A and B are separate Node processes on one database and one Redis
// (RedisInvalidationBus), each with the key cache on. Per round: A creates a key, B verifies
// it until B holds it in its cache, then a poller sends B back-to-back requests with the key
// while A revokes it; the figure is the time from A's revoke answering to B's first 401 (it
// can be ≤ 0: B may hear the message before A's answer reaches this process). Prints p50, p99
// and max over `--rounds` (200). The instances are test/fixtures/cache-instance.mjs on the
// build.
// --bus-down N then runs N rounds with the bus down: a third instance, C, reaches Redis through
// a TCP proxy in this process with a short key-cache TTL (--bus-down-ttl, 3 s); the proxy
// closes every connection and stops listening (Redis gone, as far as C can tell), C notices,
// and per round the time from A's revoke answering to C's first 401 is measured against the
// TTL + 1 s (the revocation message is lost: only the TTL bounds how long C serves the key).
//
// --probe ipc asks B over IPC whether it still holds the key (the fixture's `holds`) instead of
// sending it requests: the time B took to drop the key, without an HTTP round trip in it.
//
//   npm run build && node bench/propagation.mjs [--db sqlite|postgres] [--rounds 200]
//                                              [--probe http|ipc] [--bus-down 10] [--bus-down-ttl 3000]
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect, createServer } from 'node:net';
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
    probe: { type: 'string', default: 'http' },
    'bus-down': { type: 'string', default: '0' },
    'bus-down-ttl': { type: 'string', default: '3000' },
  },
});
const rounds = Number(args.rounds);
if (!['http', 'ipc'].includes(args.probe)) throw new Error('--probe takes http or ipc');
const REDIS = { host: process.env.REDIS_HOST ?? '127.0.0.1', port: Number(process.env.REDIS_PORT ?? 6379) };
const channel = `nest-api-keys-bench:${randomBytes(4).toString('hex')}:invalidate`;

const database = await createBenchDatabase(args.db, 'benchp');
const { entities: _e, migrations: _m, ...db } = database.options;

function start(name, ioredis, redis = REDIS, ttlMs = Number(args.ttl)) {
  const config = { name, db, redis, channel, ioredis, cache: { ttlMs } };
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
      if (args.probe === 'ipc' ? !(await b.call('holds', { keyId: id })) : (await status(b, key)) === 401) return performance.now();
    }
    return Number.NaN;
  })();
  await sleep(2);
  await a.call('revoke', { keyId: id });
  const answered = performance.now();
  const rejected = await Promise.race([poller, sleep(5_000).then(() => Number.NaN)]);
  stop = true;
  if (Number.isNaN(rejected)) throw new Error(`round ${round}: B still held the key 5 s after the revoke`);
  times.push(rejected - answered);
}

times.sort((x, y) => x - y);
const at = (p) => times[Math.min(times.length - 1, Math.floor(times.length * p))];
console.log(
  `revocation A → B over ${rounds} rounds (${args.db}, Redis pub/sub, ${args.probe === 'ipc' ? "B's cache asked over IPC" : "B's first 401"}): ` +
    `p50 ${at(0.5).toFixed(1)} ms, p99 ${at(0.99).toFixed(1)} ms, max ${times.at(-1).toFixed(1)} ms (target p99 < 50, max < 250)`,
);
const busDownRounds = Number(args['bus-down']);
const busDownTtl = Number(args['bus-down-ttl']);
let c;
let proxy;
if (busDownRounds > 0) {
  proxy = await startProxy(REDIS);
  c = await start('C', 6, { host: '127.0.0.1', port: proxy.port }, busDownTtl);
  while (!(await c.call('stats')).subscribed) await sleep(20);
  await proxy.cut();
  const cutAt = performance.now();
  while ((await c.call('stats')).subscribed) await sleep(20);
  console.log(`bus down: C noticed after ${(performance.now() - cutAt).toFixed(0)} ms`);
  const late = [];
  for (let round = 0; round < busDownRounds; round++) {
    const { key, id } = await a.call('create', { input: { ownerId: 'propagation' } });
    while ((await status(c, key)) !== 200 || !(await c.call('holds', { keyId: id }))) await sleep(5);
    await a.call('revoke', { keyId: id });
    const answered = performance.now();
    let rejected = Number.NaN;
    while (performance.now() - answered < busDownTtl + 5_000) {
      if ((await status(c, key)) === 401) {
        rejected = performance.now();
        break;
      }
      await sleep(2);
    }
    if (Number.isNaN(rejected)) throw new Error(`bus-down round ${round}: C still accepted the key TTL + 5 s after the revoke`);
    late.push(rejected - answered);
  }
  late.sort((x, y) => x - y);
  console.log(
    `revocation A → C with C's bus down, ${busDownRounds} rounds, TTL ${busDownTtl} ms: ` +
      `min ${late[0].toFixed(0)} ms, p50 ${late[Math.floor(late.length / 2)].toFixed(0)} ms, max ${late.at(-1).toFixed(0)} ms ` +
      `(target: within TTL + 1 s = ${busDownTtl + 1000} ms)`,
  );
}
for (const instance of [a, b, c].filter(Boolean)) {
  await Promise.race([instance.call('stop').catch(() => undefined), sleep(5_000)]);
  instance.child.kill();
}
await proxy?.close();
await database.drop();

/** A TCP proxy to `target` on an ephemeral port; `cut()` closes every connection and stops listening. */
async function startProxy(target) {
  const sockets = new Set();
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
      socket.on('error', () => undefined);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const cut = async () => {
    const closed = new Promise((resolve) => server.close(resolve));
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  return { port: server.address().port, cut, close: () => (server.listening ? cut() : undefined) };
}
