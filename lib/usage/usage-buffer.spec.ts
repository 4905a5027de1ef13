import { dayStartOf, hourStartOf, newestPerKey, RecentLog, RollupCounter, TimeOrderedIds, type LogEntry } from './usage-buffer.js';

const entry = (keyId: string, at: number): LogEntry => ({ at, keyId, ownerId: 'o', code: 'VALID', spent: 0 });

describe('RollupCounter', () => {
  it('adds per (key, hour, code), hands everything over once, sorted, and starts over', () => {
    const counter = new RollupCounter();
    counter.add('b', 'o', 'ns', 7_200_000, 'VALID', 1, 2);
    counter.add('a', 'o', 'ns', 3_600_000, 'VALID', 1, 1);
    counter.add('b', 'o', 'ns', 7_200_000, 'VALID', 1, 3);
    counter.add('b', 'o', 'ns', 3_600_000, 'REVOKED', 1, 0);
    expect(counter.size).toBe(3);
    expect(counter.take()).toEqual([
      { keyId: 'a', ownerId: 'o', namespace: 'ns', hourStart: 3_600_000, code: 'VALID', count: 1, spent: 1 },
      { keyId: 'b', ownerId: 'o', namespace: 'ns', hourStart: 3_600_000, code: 'REVOKED', count: 1, spent: 0 },
      { keyId: 'b', ownerId: 'o', namespace: 'ns', hourStart: 7_200_000, code: 'VALID', count: 2, spent: 5 },
    ]);
    expect(counter.take()).toEqual([]);
  });

  it('restores a failed flush on top of what was counted meanwhile', () => {
    const counter = new RollupCounter();
    counter.add('a', 'o', 'ns', 0, 'VALID', 1, 1);
    const failed = counter.take();
    counter.add('a', 'o', 'ns', 0, 'VALID', 1, 4);
    counter.restore(failed);
    expect(counter.take()).toEqual([{ keyId: 'a', ownerId: 'o', namespace: 'ns', hourStart: 0, code: 'VALID', count: 2, spent: 5 }]);
  });
});

describe('RecentLog', () => {
  it('keeps the newest `capacity` entries in order and counts what it dropped', () => {
    const log = new RecentLog(3);
    for (let i = 1; i <= 7; i++) log.push(entry('k', i));
    expect(log.size).toBe(3);
    expect(log.takeDropped()).toBe(4);
    expect(log.takeDropped()).toBe(0);
    expect(log.drain().map((e) => e.at)).toEqual([5, 6, 7]);
    expect(log.drain()).toEqual([]);
    expect(log.droppedTotal).toBe(4);
  });

  it('requeues a failed batch before the newer entries, dropping the oldest past the capacity', () => {
    const log = new RecentLog(4);
    for (let i = 1; i <= 3; i++) log.push(entry('k', i));
    const failed = log.drain();
    for (let i = 4; i <= 6; i++) log.push(entry('k', i));
    log.requeue(failed);
    expect(log.drain().map((e) => e.at)).toEqual([3, 4, 5, 6]);
    expect(log.takeDropped()).toBe(2);
  });
});

describe('newestPerKey', () => {
  it('keeps the newest n of each key, in the original order', () => {
    const entries = [entry('a', 1), entry('b', 2), entry('a', 3), entry('a', 4), entry('b', 5), entry('a', 6)];
    expect(newestPerKey(entries, 2).map((e) => `${e.keyId}${e.at}`)).toEqual(['b2', 'a4', 'b5', 'a6']);
  });
});

describe('TimeOrderedIds', () => {
  it('makes version-7 UUIDs that sort by time, then by the order they were made', () => {
    const ids = new TimeOrderedIds();
    const made = [ids.next(5), ids.next(5), ids.next(5), ids.next(4), ids.next(6)];
    for (const id of made) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...made].sort()).toEqual([made[3], made[0], made[1], made[2], made[4]]);
    // Within one millisecond across the counter's carry into the next hex digits.
    const many = Array.from({ length: 5000 }, () => ids.next(Date.UTC(2031, 0, 1)));
    expect([...many].sort()).toEqual(many);
    expect(new Set(many).size).toBe(many.length);
  });
});

describe('hour and day starts', () => {
  it('are the UTC hour and day holding the time', () => {
    const t = Date.UTC(2031, 2, 3, 23, 59, 59, 999);
    expect(hourStartOf(t)).toBe(Date.UTC(2031, 2, 3, 23));
    expect(dayStartOf(t)).toBe(Date.UTC(2031, 2, 3));
    expect(hourStartOf(Date.UTC(2031, 2, 4))).toBe(Date.UTC(2031, 2, 4));
  });
});
