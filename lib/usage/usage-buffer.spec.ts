import { dayStartOf, hourStartOf, RecentLog, RollupCounter, TimeOrderedIds, type LogEntry } from './usage-buffer.js';

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
    const log = new RecentLog(3, Infinity);
    for (let i = 1; i <= 7; i++) log.push(entry('k', i));
    expect(log.size).toBe(3);
    expect(log.takeDropped()).toBe(4);
    expect(log.takeDropped()).toBe(0);
    expect(log.drain().map((e) => e.at)).toEqual([5, 6, 7]);
    expect(log.drain()).toEqual([]);
    expect(log.droppedTotal).toBe(4);
  });

  it('requeues a failed batch before the newer entries, dropping the oldest past the capacity', () => {
    const log = new RecentLog(4, Infinity);
    for (let i = 1; i <= 3; i++) log.push(entry('k', i));
    const failed = log.drain();
    for (let i = 4; i <= 6; i++) log.push(entry('k', i));
    log.requeue(failed);
    expect(log.drain().map((e) => e.at)).toEqual([3, 4, 5, 6]);
    expect(log.takeDropped()).toBe(2);
  });
});

describe('RecentLog per key', () => {
  const order = (log: RecentLog) => log.drain().map((e) => `${e.keyId}${e.at}`);

  it('keeps the newest `perKey` of each key, in order; an older one giving way is not a drop', () => {
    const log = new RecentLog(100, 2);
    for (const [key, at] of [
      ['a', 1],
      ['b', 2],
      ['a', 3],
      ['a', 4],
      ['b', 5],
      ['a', 6],
    ] as const)
      log.push(entry(key, at));
    expect(log.size).toBe(4);
    expect(order(log)).toEqual(['b2', 'a4', 'b5', 'a6']);
    expect(log.takeDropped()).toBe(0);
  });

  it('past the capacity drops the oldest entry of all, whatever its key', () => {
    const log = new RecentLog(4, 2);
    for (const [key, at] of [
      ['a', 1],
      ['b', 2],
      ['a', 3],
      ['c', 4],
      ['a', 5],
    ] as const)
      log.push(entry(key, at));
    log.push(entry('d', 6)); // full: b2 goes
    log.push(entry('b', 7)); // full: a3 goes
    log.push(entry('a', 8)); // full: c4 goes (a holds one)
    log.push(entry('a', 9)); // a holds two: a5 gives way
    expect(log.takeDropped()).toBe(3);
    expect(order(log)).toEqual(['d6', 'b7', 'a8', 'a9']);
  });

  it("a key at its count reuses its oldest entry's object: nothing is allocated per verification", () => {
    const log = new RecentLog(10_000, 3);
    for (let at = 1; at <= 3; at++) log.record(at, 'hot', 'o', 'VALID', 0, undefined, undefined);
    const oldest = log['oldest'];
    log.record(4, 'hot', 'o', 'VALID', 0, '10.0.0.1', ['t']);
    expect(log['newest']).toBe(oldest);
    expect(log.drain().map((e) => [e.at, e.ip, e.tags])).toEqual([
      [2, undefined, undefined],
      [3, undefined, undefined],
      [4, '10.0.0.1', ['t']],
    ]);
  });

  it.each([
    [1, 1, 3],
    [5, 2, 5],
    [40, 3, 9],
    [64, 100, 17],
  ])('matches a plain-array model over 20,000 random operations (capacity %i, perKey %i, seed %i)', (capacity, perKey, seed) => {
    let state = seed;
    const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const log = new RecentLog(capacity, perKey);
    let model: LogEntry[] = [];
    let modelDropped = 0;
    const modelPush = (e: LogEntry) => {
      const same = model.filter((m) => m.keyId === e.keyId);
      if (same.length >= perKey) model.splice(model.indexOf(same[0]), 1);
      else if (model.length >= capacity) {
        model.shift();
        modelDropped++;
      }
      model.push(e);
    };
    const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    for (let step = 0; step < 20_000; step++) {
      const roll = next();
      if (roll < 0.9) {
        const e = entry(keys[Math.floor(next() * keys.length)], step);
        log.push(e);
        modelPush(e);
      } else if (roll < 0.97) {
        const drained = log.drain().map((e) => `${e.keyId}${e.at}`);
        const expected = model.map((e) => `${e.keyId}${e.at}`);
        if (drained.join() !== expected.join()) expect(drained).toEqual(expected);
        model = [];
      } else {
        // A failed flush of some older entries, put back before the newer ones.
        const failed = Array.from({ length: Math.floor(next() * 6) }, (_, i) => entry(keys[i % keys.length], -step - i));
        log.requeue(failed);
        const newer = model;
        model = [];
        for (const e of [...failed, ...newer]) modelPush(e);
      }
      if (log.size !== model.length) expect(log.size).toBe(model.length);
    }
    expect(log.droppedTotal).toBe(modelDropped);
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
