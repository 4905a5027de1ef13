import { Logger } from '@nestjs/common';
import type { RecordedChange } from '../interfaces/api-key-change.interface.js';
import type { ApiKeysInvalidation, ApiKeysInvalidationBus } from '../interfaces/invalidation-bus.interface.js';
import type { ApiKeyCache } from './api-key-cache.js';
import { CacheInvalidationHook } from './cache-invalidation.hook.js';
import { InProcessInvalidationBus } from './in-process-invalidation.bus.js';

const revoked = (keyId: string): RecordedChange => ({ action: 'key.revoked', keyId, ownerId: 'o', actorId: 'a', at: 0 });

function fakeCache() {
  const applied: ApiKeysInvalidation[] = [];
  return { applied, cache: { apply: (message: ApiKeysInvalidation) => applied.push(message) } as unknown as ApiKeyCache };
}

describe('CacheInvalidationHook', () => {
  afterEach(() => jest.restoreAllMocks());

  it('evicts locally before it returns, then publishes with its origin; other instances apply it, it ignores its own', async () => {
    const bus = new InProcessInvalidationBus();
    const a = fakeCache();
    const b = fakeCache();
    const hookA = new CacheInvalidationHook(a.cache, bus);
    const hookB = new CacheInvalidationHook(b.cache, bus);
    hookA.onModuleInit();
    hookB.onModuleInit();
    hookA.afterCommit([revoked('k1')]);
    expect(a.applied).toEqual([{ keyIds: ['k1'] }]); // synchronously, before the change answers
    await new Promise((resolve) => setImmediate(resolve));
    expect(a.applied).toHaveLength(1); // its own message came back and was ignored
    expect(b.applied).toEqual([{ keyIds: ['k1'], origin: expect.any(String) }]);
    await hookA.onModuleDestroy();
    await hookB.onModuleDestroy();
    hookB.afterCommit([revoked('k2')]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(a.applied).toHaveLength(1); // unsubscribed
  });

  it('a change that invalidates nothing publishes nothing', () => {
    const bus = { publish: jest.fn(async () => undefined), subscribe: jest.fn(() => () => undefined) };
    const hook = new CacheInvalidationHook(fakeCache().cache, bus);
    hook.afterCommit([{ action: 'secret.put', ownerId: 'o', actorId: 'a', at: 0 }]);
    expect(bus.publish).not.toHaveBeenCalled();
  });

  it('a publish that fails or throws never fails the change, and is logged once per outage', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    let mode: 'reject' | 'throw' | 'ok' = 'reject';
    const bus: ApiKeysInvalidationBus = {
      publish: async () => {
        if (mode === 'reject') throw new Error('down');
      },
      subscribe: () => () => undefined,
    };
    const throwing = {
      ...bus,
      publish: () =>
        mode === 'throw'
          ? (() => {
              throw new Error('sync');
            })()
          : Promise.resolve(),
    };
    const hook = new CacheInvalidationHook(fakeCache().cache, bus);
    for (let i = 0; i < 5; i++) expect(() => hook.afterCommit([revoked(`k${i}`)])).not.toThrow();
    await hook.onModuleDestroy(); // waits for the publishes in flight
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatch(/could not publish \(down\)/);
    mode = 'ok';
    hook.afterCommit([revoked('k9')]);
    await hook.onModuleDestroy();
    expect(log).toHaveBeenCalledWith('Invalidation bus: publishing again.');

    mode = 'throw';
    const second = new CacheInvalidationHook(fakeCache().cache, throwing as ApiKeysInvalidationBus);
    expect(() => second.afterCommit([revoked('k1')])).not.toThrow();
    await second.onModuleDestroy();
    expect(warn).toHaveBeenCalledTimes(2);
  });

  it('a malformed message from a custom bus clears everything', () => {
    let deliver!: (message: ApiKeysInvalidation) => void;
    const bus: ApiKeysInvalidationBus = { publish: async () => undefined, subscribe: (handler) => ((deliver = handler), () => undefined) };
    const { applied, cache } = fakeCache();
    new CacheInvalidationHook(cache, bus).onModuleInit();
    deliver({ keyIds: 'k1' } as never);
    expect(applied).toEqual([{ keyIds: [], all: true }]);
  });

  it('with cache: false it neither subscribes nor publishes', () => {
    const bus = { publish: jest.fn(async () => undefined), subscribe: jest.fn(() => () => undefined) };
    const hook = new CacheInvalidationHook(null, bus);
    hook.onModuleInit();
    hook.afterCommit([revoked('k1')]);
    expect(bus.subscribe).not.toHaveBeenCalled();
    expect(bus.publish).not.toHaveBeenCalled();
  });
});
