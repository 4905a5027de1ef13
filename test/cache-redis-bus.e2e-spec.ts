import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import {
  DEFAULT_INVALIDATION_CHANNEL,
  RedisInvalidationBus,
  type ApiKeysInvalidation,
  type RedisInvalidationClient,
} from '../lib/index.js';
import { IOREDIS_MAJORS } from './fixtures/ioredis-clients.js';
import { lane } from './utils/databases.js';
import { TcpProxy } from './utils/tcp-proxy.js';

// RedisInvalidationBus against a real Redis, once per ioredis major of the peer range: what
// goes on the wire, delivery between two buses, bounded failures, and leaving cleanly.

const REDIS = { host: process.env.REDIS_HOST ?? '127.0.0.1', port: Number(process.env.REDIS_PORT ?? 6379) };
const RUN = `ak-test:${lane}:${Date.now().toString(36)}:${randomBytes(3).toString('hex')}`;
let channels = 0;
const nextChannel = () => `${RUN}:${++channels}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean | Promise<boolean>, limitMs = 5_000): Promise<void> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > limitMs) throw new Error(`not within ${limitMs} ms`);
    await sleep(10);
  }
}

describe.each(IOREDIS_MAJORS.map((m) => [m.label, m] as const))('RedisInvalidationBus with %s', (_label, ioredis) => {
  const clients: Array<{ disconnect(): void }> = [];
  const client = (options: Record<string, unknown> = {}) => {
    const created = ioredis.create({ ...REDIS, ...options }) as unknown as RedisInvalidationClient & { disconnect(): void };
    (created as unknown as { on(e: string, l: () => void): void }).on('error', () => undefined);
    clients.push(created);
    return created;
  };
  let admin: Redis;
  beforeAll(() => {
    admin = new Redis(REDIS);
  });
  afterAll(() => {
    for (const c of clients) c.disconnect();
    admin.disconnect();
  });
  afterEach(() => jest.restoreAllMocks());

  it('delivers what one bus publishes to the other, after a first "start over" on subscribing; ids and flags only on the wire', async () => {
    const channel = nextChannel();
    const sender = new RedisInvalidationBus(client(), { channel });
    const receiver = new RedisInvalidationBus(client(), { channel });
    const received: ApiKeysInvalidation[] = [];
    const stop = receiver.subscribe((message) => received.push(message));
    await until(() => receiver.isSubscribed);
    expect(received).toEqual([{ keyIds: [], all: true }]); // what was published before is lost: start over

    const wire: string[] = [];
    const spy = admin.duplicate();
    await spy.subscribe(channel);
    spy.on('message', (_channel, payload) => wire.push(payload));
    await sender.publish({ keyIds: ['k1', 'k2'], notFound: true, origin: 'sender' });
    await until(() => received.length === 2 && wire.length === 1);
    expect(received[1]).toEqual({ keyIds: ['k1', 'k2'], notFound: true, origin: 'sender' });
    expect(JSON.parse(wire[0])).toEqual({ keyIds: ['k1', 'k2'], notFound: true, origin: 'sender' });
    spy.disconnect();

    await stop();
    expect(receiver.isSubscribed).toBe(false);
    await until(async () => ((await admin.pubsub('NUMSUB', channel)) as [string, number])[1] === 0);
  });

  it('its heartbeat pings a healthy subscription without ever starting over', async () => {
    const bus = new RedisInvalidationBus(client(), { channel: nextChannel(), heartbeatMs: 50 });
    const received: ApiKeysInvalidation[] = [];
    const stop = bus.subscribe((message) => received.push(message));
    await until(() => bus.isSubscribed);
    await sleep(600); // a dozen pings in subscriber mode (RESP2 on ioredis 5, RESP3 on 6)
    expect(bus.isSubscribed).toBe(true);
    expect(received).toEqual([{ keyIds: [], all: true }]); // the first subscription's only
    await stop();
  });

  it('a malformed message on the channel clears everything (logged once)', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const channel = nextChannel();
    const bus = new RedisInvalidationBus(client(), { channel });
    const received: ApiKeysInvalidation[] = [];
    const stop = bus.subscribe((message) => received.push(message));
    await until(() => bus.isSubscribed);
    await admin.publish(channel, 'not json');
    await admin.publish(channel, JSON.stringify({ keyIds: [42] }));
    await until(() => received.length === 3);
    expect(received.slice(1)).toEqual([
      { keyIds: [], all: true },
      { keyIds: [], all: true },
    ]);
    expect(warn.mock.calls.filter(([m]) => /malformed/.test(String(m)))).toHaveLength(1);
    await stop();
  });

  it('a publish to a stopped or hung Redis fails within timeoutMs, whatever the client options', async () => {
    const proxy = new TcpProxy(REDIS);
    await proxy.start();
    try {
      const strict = client({ port: proxy.port, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
      const recommended = new RedisInvalidationBus(strict, { timeoutMs: 300 });
      const defaults = new RedisInvalidationBus(client({ port: proxy.port }), { timeoutMs: 300 });
      await until(() => (strict as unknown as { status: string }).status === 'ready');
      await recommended.publish({ keyIds: ['warm'] });
      await defaults.publish({ keyIds: ['warm'] });
      for (const fault of ['refuse', 'hang'] as const) {
        if (fault === 'refuse') await proxy.refuse();
        else {
          await proxy.forward();
          await until(() => (strict as unknown as { status: string }).status === 'ready');
          proxy.hang();
        }
        for (const bus of [recommended, defaults]) {
          const started = performance.now();
          await expect(bus.publish({ keyIds: ['k'] })).rejects.toThrow();
          expect(performance.now() - started).toBeLessThan(1_000);
        }
      }
    } finally {
      await proxy.stop();
    }
  });

  it('checks its arguments', () => {
    expect(() => new RedisInvalidationBus({} as never)).toThrow(/ioredis client/);
    expect(() => new RedisInvalidationBus(client({ lazyConnect: true }), { channel: '' })).toThrow(/channel/);
    expect(() => new RedisInvalidationBus(client({ lazyConnect: true }), { timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(new RedisInvalidationBus(client({ lazyConnect: true })).channel).toBe(DEFAULT_INVALIDATION_CHANNEL);
  });
});
