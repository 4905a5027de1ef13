import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import { Redis as Redis5 } from 'ioredis';
import { Redis as Redis6 } from 'ioredis6';
import type { ApiKeysInvalidation } from '../interfaces/invalidation-bus.interface.js';
import { RedisInvalidationBus, type RedisInvalidationClient } from './redis-invalidation.bus.js';

// The bus's own logic with a stand-in client; against a real Redis (both ioredis majors, a
// proxy cutting the connection) in test/cache-redis-bus.e2e-spec.ts and across processes in
// test/cache-instances.e2e-spec.ts.

class FakeSubscriber extends EventEmitter {
  status = 'connecting';
  subscribe = jest.fn(async (_channel: string) => 1);
  ping = jest.fn(async () => 'PONG');
  quit = jest.fn(async () => 'OK');
  disconnect = jest.fn((reconnect?: boolean) => {
    this.status = reconnect ? 'reconnecting' : 'end';
  });
  ready(): void {
    this.status = 'ready';
    this.emit('ready');
  }
}

function fakeClient() {
  const subscribers: FakeSubscriber[] = [];
  const duplicate = jest.fn((_options: unknown) => {
    const subscriber = new FakeSubscriber();
    subscribers.push(subscriber);
    return subscriber;
  });
  const publish = jest.fn(async (_channel: string, _message: string) => 1);
  return { client: { publish, duplicate } as RedisInvalidationClient, subscribers, publish, duplicate };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('RedisInvalidationBus', () => {
  afterEach(() => jest.restoreAllMocks());

  it('takes a Redis client of either major as it is (tsc checks this file)', () => {
    const clients = [new Redis5({ lazyConnect: true }), new Redis6({ lazyConnect: true })];
    try {
      const buses = [new RedisInvalidationBus(clients[0]), new RedisInvalidationBus(clients[1], { channel: 'app:invalidate' })];
      expect(buses.map((bus) => bus.channel)).toEqual(['nest-api-keys:invalidate', 'app:invalidate']);
    } finally {
      for (const client of clients) client.disconnect();
    }
  });

  it('subscribes on a duplicate with its own reconnect settings, on every ready, and starts over each time', async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const { client, subscribers, duplicate } = fakeClient();
    const bus = new RedisInvalidationBus(client, { channel: 'c' });
    const received: ApiKeysInvalidation[] = [];
    const stop = bus.subscribe((message) => received.push(message));
    bus.subscribe(() => undefined); // a second handler shares the connection
    expect(duplicate).toHaveBeenCalledTimes(1);
    expect(duplicate.mock.calls[0][0]).toMatchObject({ autoResubscribe: false, enableOfflineQueue: false, lazyConnect: false });
    const subscriber = subscribers[0];
    expect(bus.isSubscribed).toBe(false);

    subscriber.ready();
    await flush();
    expect(subscriber.subscribe).toHaveBeenCalledWith('c');
    expect(bus.isSubscribed).toBe(true);
    expect(received).toEqual([{ keyIds: [], all: true }]);

    subscriber.emit('message', 'c', JSON.stringify({ keyIds: ['k1'] }));
    subscriber.emit('message', 'other', JSON.stringify({ keyIds: ['k2'] }));
    expect(received.at(-1)).toEqual({ keyIds: ['k1'] });
    expect(received).toHaveLength(2);

    subscriber.emit('close');
    expect(bus.isSubscribed).toBe(false);
    subscriber.ready(); // reconnected
    await flush();
    expect(subscriber.subscribe).toHaveBeenCalledTimes(2);
    expect(received.at(-1)).toEqual({ keyIds: [], all: true });
    await stop();
  });

  it('a subscribe that fails or hangs reconnects instead of waiting', async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { client, subscribers } = fakeClient();
    const bus = new RedisInvalidationBus(client, { timeoutMs: 50 });
    bus.subscribe(() => undefined);
    const subscriber = subscribers[0];
    subscriber.subscribe.mockImplementationOnce(() => new Promise(() => undefined));
    subscriber.ready();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(subscriber.disconnect).toHaveBeenCalledWith(true);
    expect(bus.isSubscribed).toBe(false);
  });

  it('a heartbeat ping that does not answer marks the subscription lost and reconnects', async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { client, subscribers } = fakeClient();
    const bus = new RedisInvalidationBus(client, { timeoutMs: 30, heartbeatMs: 20 });
    const stop = bus.subscribe(() => undefined);
    const subscriber = subscribers[0];
    subscriber.ready();
    await flush();
    expect(bus.isSubscribed).toBe(true);
    subscriber.ping.mockImplementation(() => new Promise(() => undefined));
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(bus.isSubscribed).toBe(false);
    expect(subscriber.disconnect).toHaveBeenCalledWith(true);
    await stop();
  });

  it('the last handler to leave quits the duplicate; a publish is bounded by timeoutMs', async () => {
    const { client, subscribers, publish } = fakeClient();
    const bus = new RedisInvalidationBus(client, { timeoutMs: 50 });
    const first = bus.subscribe(() => undefined);
    const second = bus.subscribe(() => undefined);
    subscribers[0].ready();
    await flush();
    await first();
    expect(subscribers[0].quit).not.toHaveBeenCalled();
    await second();
    expect(subscribers[0].quit).toHaveBeenCalledTimes(1);
    expect(subscribers[0].disconnect).toHaveBeenCalled();

    await bus.publish({ keyIds: ['k'], origin: 'me' });
    expect(publish).toHaveBeenCalledWith('nest-api-keys:invalidate', JSON.stringify({ keyIds: ['k'], origin: 'me' }));
    publish.mockImplementationOnce(() => new Promise(() => undefined));
    await expect(bus.publish({ keyIds: ['k'] })).rejects.toThrow(/no answer within 50 ms/);
  });
});
