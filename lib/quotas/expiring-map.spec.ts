import { ExpiringMap, type Expiring } from './expiring-map.js';

interface Window extends Expiring {
  hits: number;
}

/** Counts the Map operations (reads, deletes, iterations) `work` performs. */
function countMapWork(work: () => void): { lookups: number; iterations: number } {
  const counted = { lookups: 0, iterations: 0 };
  const spies = [
    ...(['get', 'delete'] as const).map((name) => {
      const original = Map.prototype[name];
      return jest.spyOn(Map.prototype, name).mockImplementation(function (this: Map<unknown, unknown>, key: unknown) {
        counted.lookups++;
        return original.call(this, key) as never;
      });
    }),
    ...(['entries', 'keys', 'values', 'forEach', Symbol.iterator] as const).map((name) => {
      const original = Map.prototype[name] as (...args: unknown[]) => unknown;
      return jest.spyOn(Map.prototype as any, name as any).mockImplementation(function (this: Map<unknown, unknown>, ...args: unknown[]) {
        counted.iterations++;
        return original.apply(this, args);
      });
    }),
  ];
  try {
    work();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return counted;
}

describe('ExpiringMap', () => {
  it('does a constant amount of work per new window, however many it holds (no rescan)', () => {
    const perNewWindow = (held: number) => {
      const map = new ExpiringMap<Window>(1_000_000);
      let now = 0;
      for (let i = 0; i < held; i++) map.set(`old-${i}`, { hits: 1, expiresAt: now + 1_000 }, 1_000, now);
      now += 5_000; // every held window is over
      const work = countMapWork(() => {
        for (let i = 0; i < 1_000; i++) map.set(`new-${i}`, { hits: 1, expiresAt: now + 1_000 }, 1_000, now);
      });
      return { ...work, lookupsPerWrite: work.lookups / 1_000 };
    };
    for (const held of [5_000, 50_000]) {
      const work = perNewWindow(held);
      expect(work.iterations).toBe(0);
      // One set, one queue read and up to two expired entries dropped (each a get and a delete).
      expect(work.lookupsPerWrite).toBeLessThanOrEqual(6);
    }
  });

  it('drops each expired window once, as later writes come: the map shrinks to the live ones', () => {
    const map = new ExpiringMap<Window>(1_000_000);
    for (let i = 0; i < 10_000; i++) map.set(`old-${i}`, { hits: 1, expiresAt: 1_000 }, 1_000, 0);
    for (let i = 0; i < 6_000; i++) map.set(`new-${i}`, { hits: 1, expiresAt: 6_000 }, 1_000, 5_000);
    expect(map.size).toBe(6_000);
  });

  it('never holds more than maxEntries, evicting the oldest first', () => {
    const map = new ExpiringMap<Window>(1_000);
    for (let i = 0; i < 5_000; i++) map.set(`k-${i}`, { hits: 1, expiresAt: 60_000 }, 60_000, 0);
    expect(map.size).toBe(1_000);
    expect(map.get('k-4999', 1)).toBeDefined();
    expect(map.get('k-0', 1)).toBeUndefined();
  });
});
