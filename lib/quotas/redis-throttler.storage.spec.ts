import { Cluster as Cluster5, Redis as Redis5 } from 'ioredis';
import { Cluster as Cluster6, Redis as Redis6 } from 'ioredis6';
import { IOREDIS_MAJORS } from '../../test/fixtures/ioredis-clients.js';
import { StoreUnavailableError } from '../api-keys.errors.js';
import { RedisThrottlerStorage, type RedisScriptClient } from './redis-throttler.storage.js';

// The TypeScript side of RedisThrottlerStorage with a stand-in client: the script's reply
// mapping and failing closed. The script itself runs against a real Redis in
// test/redis-storage.e2e-spec.ts.
function fakeRedis(evalImpl: (...args: unknown[]) => Promise<unknown>) {
  const evalMock = jest.fn(evalImpl);
  return { client: { eval: evalMock } as RedisScriptClient, evalMock };
}

describe('RedisThrottlerStorage', () => {
  it('passes keys and arguments to one script call and maps its ms reply to seconds', async () => {
    const { client, evalMock } = fakeRedis(async () => [3, 1500, 0, 0]);
    const storage = new RedisThrottlerStorage(client, { prefix: 'p:' });
    expect(await storage.increment('key:1', 60_000, 5, 0, 'burst')).toEqual({
      totalHits: 3,
      timeToExpire: 2,
      isBlocked: false,
      timeToBlockExpire: 0,
    });
    expect(evalMock).toHaveBeenCalledTimes(1);
    const [script, numKeys, counter, block, ttl, limit, blockDuration] = evalMock.mock.calls[0];
    expect(typeof script).toBe('string');
    expect([numKeys, counter, block, ttl, limit, blockDuration]).toEqual([2, 'p:burst:key:1', 'p:burst:key:1:block', 60_000, 5, 0]);
  });

  it('encodes the throttler name, so (name, key) pairs cannot run into each other', async () => {
    const { client, evalMock } = fakeRedis(async () => [1, 60_000, 0, 0]);
    const storage = new RedisThrottlerStorage(client, { prefix: 'p:' });
    await storage.increment('b:c', 60_000, 5, 0, 'api-keys:a');
    await storage.increment('c', 60_000, 5, 0, 'api-keys:a:b');
    expect(evalMock.mock.calls.slice(-2).map((call) => call[2])).toEqual(['p:api-keys%3Aa:b:c', 'p:api-keys%3Aa%3Ab:c']);
  });

  it('reports a block with its remaining time, at least one second', async () => {
    const storage = new RedisThrottlerStorage(fakeRedis(async () => [6, 1200, 1, 2001]).client);
    expect(await storage.increment('k', 60_000, 5, 3000, 'n')).toEqual({
      totalHits: 6,
      timeToExpire: 2,
      isBlocked: true,
      timeToBlockExpire: 3,
    });
    const nearlyOver = new RedisThrottlerStorage(fakeRedis(async () => [6, 1, 1, 1]).client);
    expect((await nearlyOver.increment('k', 60_000, 5, 3000, 'n')).timeToBlockExpire).toBe(1);
  });

  it("uses the default prefix 'api-keys:rl:'", async () => {
    const { client, evalMock } = fakeRedis(async () => [1, 100, 0, 0]);
    await new RedisThrottlerStorage(client).increment('k', 100, 1, 0, 'n');
    expect(evalMock.mock.calls[0][2]).toBe('api-keys:rl:n:k');
  });

  it('fails closed: any Redis error becomes StoreUnavailableError', async () => {
    const storage = new RedisThrottlerStorage(fakeRedis(async () => Promise.reject(new Error('Connection is closed.'))).client);
    const error = await storage.increment('k', 100, 1, 0, 'n').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).reason).toBe('Redis: Connection is closed.');
    // Script errors too: a counter that cannot be read must never let the call pass.
    const scriptError = new RedisThrottlerStorage(fakeRedis(async () => Promise.reject(new Error('ERR user_script:1'))).client);
    await expect(scriptError.increment('k', 100, 1, 0, 'n')).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  describe('with a client that never answers', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('rejects with StoreUnavailableError once timeoutMs has passed, not before', async () => {
      const storage = new RedisThrottlerStorage(fakeRedis(() => new Promise(() => undefined)).client, { timeoutMs: 300 });
      let settled: unknown;
      const pending = storage.increment('k', 100, 1, 0, 'n').then(
        () => (settled = 'resolved'),
        (error: unknown) => (settled = error),
      );
      await jest.advanceTimersByTimeAsync(299);
      expect(settled).toBeUndefined();
      await jest.advanceTimersByTimeAsync(1);
      await pending;
      expect(settled).toBeInstanceOf(StoreUnavailableError);
      expect((settled as StoreUnavailableError).reason).toMatch(/300 ms/);
    });

    it('defaults to a 250 ms timeout (a hung Redis answers 503 within 300 ms)', async () => {
      const storage = new RedisThrottlerStorage(fakeRedis(() => new Promise(() => undefined)).client);
      let settled: unknown;
      const pending = storage.increment('k', 100, 1, 0, 'n').catch((error: unknown) => (settled = error));
      await jest.advanceTimersByTimeAsync(249);
      expect(settled).toBeUndefined();
      await jest.advanceTimersByTimeAsync(1);
      await pending;
      expect(settled).toBeInstanceOf(StoreUnavailableError);
    });
  });
});

describe('RedisThrottlerStorage with real ioredis clients (no server)', () => {
  it('takes a Redis or Cluster client of either major as it is (tsc checks this file)', () => {
    const clients = [
      new Redis5({ lazyConnect: true }),
      new Cluster5([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true }),
      new Redis6({ lazyConnect: true }),
      new Cluster6([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true }),
    ];
    try {
      const storages = [
        new RedisThrottlerStorage(clients[0] as Redis5),
        new RedisThrottlerStorage(clients[1] as Cluster5),
        new RedisThrottlerStorage(clients[2] as Redis6),
        new RedisThrottlerStorage(clients[3] as Cluster6),
      ];
      expect(storages.every((s) => typeof s.increment === 'function')).toBe(true);
      expect(clients.map((c) => c.status)).toEqual(['wait', 'wait', 'wait', 'wait']);
    } finally {
      for (const client of clients) client.disconnect();
    }
  });

  describe.each(IOREDIS_MAJORS.map((m) => [m.label, m] as const))('%s', (_label, ioredis) => {
    it("calls the client's own eval, bound to the client, once per increment", async () => {
      const client = ioredis.create({ lazyConnect: true });
      try {
        const evalSpy = jest.spyOn(client, 'eval').mockResolvedValue([4, 2500, 0, 0]);
        const storage = new RedisThrottlerStorage(client, { prefix: 'p:' });
        expect(await storage.increment('k', 60_000, 5, 0, 'n')).toEqual({
          totalHits: 4,
          timeToExpire: 3,
          isBlocked: false,
          timeToBlockExpire: 0,
        });
        expect(evalSpy).toHaveBeenCalledTimes(1);
        expect(evalSpy.mock.contexts[0]).toBe(client);
        expect(evalSpy.mock.calls[0].slice(1)).toEqual([2, 'p:n:k', 'p:n:k:block', 60_000, 5, 0]);
      } finally {
        client.disconnect();
      }
    });

    it('fails closed at once when the client refuses the command (not connected, offline queue off)', async () => {
      const client = ioredis.create({ lazyConnect: true, enableOfflineQueue: false });
      try {
        const storage = new RedisThrottlerStorage(client, { timeoutMs: 60_000 });
        const started = performance.now();
        const error = await storage.increment('k', 100, 1, 0, 'n').catch((e: unknown) => e);
        expect(performance.now() - started).toBeLessThan(1000);
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect((error as StoreUnavailableError).reason).toMatch(/^Redis: .*enableOfflineQueue/);
      } finally {
        client.disconnect();
      }
    });
  });

  it('covers both majors of the peer range', () => {
    expect(IOREDIS_MAJORS.map((m) => m.major)).toEqual([5, 6]);
  });
});
