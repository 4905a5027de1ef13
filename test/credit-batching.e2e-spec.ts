import type { Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import request from 'supertest';
import { QuotaController } from './fixtures/quota.controller.js';
import { lane } from './utils/databases.js';
import { SqlRecorder } from './utils/sql-recorder.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

// Concurrent spends of one key share a statement (lib/quotas/spend-batcher.ts): fewer round
// trips on the hot row, and still exact — every credit is taken by a conditional UPDATE, each
// caller is told the balance its own spend left, and past the balance nothing is admitted.

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/**
 * `n` GET requests that reach the server together: `n` connections are opened first, then every
 * request is written in one go (the server reads them in one turn of its event loop, each in a
 * callback of its own). Answers the status of each.
 */
async function simultaneousGets(server: Server, path: string, key: string, n: number): Promise<number[]> {
  const { port } = server.address() as AddressInfo;
  let accepted = 0;
  const onConnection = () => accepted++;
  server.on('connection', onConnection);
  const sockets = await Promise.all(
    range(n).map(
      () =>
        new Promise<Socket>((resolve, reject) => {
          const socket = connect(port, '127.0.0.1', () => resolve(socket));
          socket.once('error', reject);
        }),
    ),
  );
  // A connection the server has not accepted yet would be read a turn later than the others.
  while (accepted < n) await new Promise((resolve) => setImmediate(resolve));
  server.off('connection', onConnection);
  const statuses = sockets.map(
    (socket) =>
      new Promise<number>((resolve, reject) => {
        let received = '';
        socket.on('data', (chunk) => {
          received += chunk;
          const status = /^HTTP\/1\.1 (\d{3}) /.exec(received);
          if (status && received.includes('\r\n\r\n')) {
            resolve(Number(status[1]));
            socket.destroy();
          }
        });
        socket.once('error', reject);
      }),
  );
  for (const socket of sockets) socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nx-api-key: ${key}\r\nConnection: close\r\n\r\n`);
  return Promise.all(statuses);
}

describe(`credit spends combined per key (${lane})`, () => {
  let t: TestApp;
  const sql = new SqlRecorder();

  beforeAll(async () => {
    t = await createTestApp({
      controllers: [QuotaController],
      options: { storeTimeoutMs: 30_000, failedAttempts: false, lastUsedWriteIntervalMs: 3_600_000, verificationLog: { enabled: false } },
      typeorm: { logging: true, logger: sql } as never,
    });
  });
  afterAll(() => t.close());

  it('100 requests read in one turn of the event loop spend in one statement, on SQLite too', async () => {
    // Each request reaches its spend in a callback of its own; a statement started with the
    // first one would, on SQLite (synchronous), end before the next is read: a write per request.
    await t.app.listen(0, '127.0.0.1');
    const { key, apiKey } = await t.apiKeys.create({ ownerId: 'batch-http', remaining: 1000 });
    await request(t.server).get('/quota/free').set('x-api-key', key).expect(200); // the row is cached
    sql.reset();
    expect(await simultaneousGets(t.server, '/quota/one', key, 100)).toEqual(range(100).map(() => 200));
    expect((await t.apiKeys.get(apiKey.id))!.remaining).toBe(900);
    expect(sql.creditWrites()).toHaveLength(1);
  });

  it('200 concurrent spends with credits to spare: all admitted, each told a different balance, in fewer statements', async () => {
    const { key, apiKey } = await t.apiKeys.create({ ownerId: 'batch', remaining: 1000 });
    await t.apiKeys.verify(key, { cost: 0 }); // the row is cached: what follows are the spends
    sql.reset();
    const results = await Promise.all(range(200).map(() => t.apiKeys.verify(key)));
    expect(results.every((r) => r.code === 'VALID')).toBe(true);
    const balances = results.map((r) => r.remaining!).sort((a, b) => a - b);
    expect(balances).toEqual(range(200).map((i) => 800 + i)); // as if one after another
    expect((await t.apiKeys.get(apiKey.id))!.remaining).toBe(800);
    expect(sql.creditWrites().length).toBeGreaterThan(0);
    expect(sql.creditWrites().length).toBeLessThan(200);
  });

  it('200 concurrent spends on 50 credits: exactly 50 admitted, balances 0–49, the rest USAGE_EXCEEDED', async () => {
    const { key, apiKey } = await t.apiKeys.create({ ownerId: 'batch-short', remaining: 50 });
    await t.apiKeys.verify(key, { cost: 0 });
    sql.reset();
    const results = await Promise.all(range(200).map(() => t.apiKeys.verify(key)));
    const valid = results.filter((r) => r.code === 'VALID');
    expect(valid).toHaveLength(50);
    expect(valid.map((r) => r.remaining!).sort((a, b) => a - b)).toEqual(range(50));
    expect(results.filter((r) => r.code === 'USAGE_EXCEEDED')).toHaveLength(150);
    expect((await t.apiKeys.get(apiKey.id))!.remaining).toBe(0);
    // A batch that does not fit is halved, not sent as one statement per spend (200 statements
    // queued on the row lock and the pool passed the store deadline under load).
    expect(sql.creditWrites().length).toBeLessThan(40);
  });

  it('mixed costs from concurrent callers never overdraw: what was admitted adds up to what left the balance', async () => {
    const { key, apiKey } = await t.apiKeys.create({ ownerId: 'batch-mixed', remaining: 100 });
    await t.apiKeys.verify(key, { cost: 0 });
    const costs = range(60).map((i) => 1 + (i % 5)); // 1..5, 180 credits asked of 100
    const results = await Promise.all(costs.map((cost) => t.apiKeys.verify(key, { cost })));
    const admitted = results.reduce((sum, r, i) => sum + (r.code === 'VALID' ? costs[i] : 0), 0);
    const left = (await t.apiKeys.get(apiKey.id))!.remaining!;
    expect(admitted + left).toBe(100);
    expect(left).toBeLessThan(5); // a denial only when the call's own cost no longer fits
    expect(results.every((r) => r.code === 'VALID' || r.code === 'USAGE_EXCEEDED')).toBe(true);
  });
});
