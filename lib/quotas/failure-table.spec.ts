import { FailureTable, type FailureWindow } from './failure-table.js';

/** A deterministic pseudo-random sequence (mulberry32), so a failing run can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The table's rules on plain arrays, written for reading rather than speed: windows in the
 * order they started; reading an ended window drops it; a new window first drops the dropped
 * and up to two ended windows at the front, then the oldest if the table is full.
 */
class ModelTable {
  private ring: Array<{ client: string; window: FailureWindow; dropped: boolean }> = [];

  constructor(private readonly max: number) {}

  get size(): number {
    return this.ring.filter((entry) => !entry.dropped).length;
  }

  get(client: string, now: number): FailureWindow | undefined {
    const entry = this.ring.find((candidate) => !candidate.dropped && candidate.client === client);
    if (!entry) return undefined;
    if (now >= entry.window.expiresAt) {
      entry.dropped = true;
      return undefined;
    }
    return { ...entry.window };
  }

  set(client: string, window: FailureWindow, now: number, sameWindow: boolean): void {
    const entry = this.ring.find((candidate) => !candidate.dropped && candidate.client === client);
    if (entry && sameWindow && now < entry.window.expiresAt) {
      entry.window = { ...window };
      return;
    }
    if (entry) entry.dropped = true;
    let ended = 0;
    while (this.ring.length > 0) {
      const head = this.ring[0];
      if (!head.dropped) {
        if (ended === 2 || now < head.window.expiresAt) break;
        ended++;
      }
      this.ring.shift();
    }
    if (this.ring.length === this.max) this.ring.shift();
    this.ring.push({ client, window: { ...window }, dropped: false });
  }
}

describe('FailureTable', () => {
  it('reads back what was set; updates a live window in place; a new window replaces it', () => {
    const table = new FailureTable(10);
    expect(table.get('1.2.3.4', 0)).toBeUndefined();
    table.set('1.2.3.4', { hits: 1, expiresAt: 1_000 }, 0, true);
    table.set('5.6.7.8', { hits: 7, expiresAt: 2_000 }, 0, true);
    expect(table.get('1.2.3.4', 10)).toEqual({ hits: 1, expiresAt: 1_000 });
    table.set('1.2.3.4', { hits: 2, expiresAt: 1_000 }, 20, true);
    expect(table.get('1.2.3.4', 30)).toEqual({ hits: 2, expiresAt: 1_000 });
    table.set('1.2.3.4', { hits: 1, expiresAt: 5_000 }, 40, false);
    expect(table.get('1.2.3.4', 50)).toEqual({ hits: 1, expiresAt: 5_000 });
    expect(table.get('5.6.7.8', 50)).toEqual({ hits: 7, expiresAt: 2_000 });
    expect(table.size).toBe(2);
  });

  it('an ended window reads as none and is dropped', () => {
    const table = new FailureTable(10);
    table.set('a', { hits: 3, expiresAt: 1_000 }, 0, true);
    expect(table.get('a', 999)).toEqual({ hits: 3, expiresAt: 1_000 });
    expect(table.get('a', 1_000)).toBeUndefined();
    expect(table.size).toBe(0);
    // A window that ended is never updated in place: the next failure starts a new one.
    table.set('b', { hits: 1, expiresAt: 1_000 }, 0, true);
    table.set('b', { hits: 9, expiresAt: 3_000 }, 2_000, true);
    expect(table.get('b', 2_000)).toEqual({ hits: 9, expiresAt: 3_000 });
  });

  it('holds at most maxClients windows: the oldest goes first, an update in place keeps its age', () => {
    const table = new FailureTable(3);
    for (const client of ['a', 'b', 'c']) table.set(client, { hits: 1, expiresAt: 10_000 }, 0, true);
    table.set('a', { hits: 2, expiresAt: 10_000 }, 1, true); // still the oldest
    table.set('d', { hits: 1, expiresAt: 10_000 }, 2, true);
    expect(table.get('a', 3)).toBeUndefined();
    expect(['b', 'c', 'd'].map((client) => table.get(client, 3)?.hits)).toEqual([1, 1, 1]);
    table.set('b', { hits: 1, expiresAt: 20_000 }, 4, false); // a new window: now the newest
    table.set('e', { hits: 1, expiresAt: 10_000 }, 5, true);
    expect(table.get('c', 6)).toBeUndefined();
    expect(['b', 'd', 'e'].map((client) => table.get(client, 6)?.hits)).toEqual([1, 1, 1]);
    expect(table.size).toBe(3);
  });

  it('caps a count at 2^32 - 1 rather than wrapping to a small one', () => {
    const table = new FailureTable(2);
    table.set('a', { hits: 2 ** 40, expiresAt: 1_000 }, 0, true);
    expect(table.get('a', 1)!.hits).toBe(2 ** 32 - 1);
  });

  it('identifies clients by a salted hash: another table files the same client elsewhere', () => {
    const one = new FailureTable(1_000);
    const other = new FailureTable(1_000);
    const homes = (table: FailureTable) =>
      Array.from({ length: 20 }, (_, i) => {
        table.get(`10.0.0.${i}`, 0);
        return table['high'];
      });
    expect(homes(one)).not.toEqual(homes(other));
  });

  // The index is the part a model cannot see: clusters, wrap-around at the end of the index,
  // backward shifts after deletions. Small tables and many clients make every one of them common.
  it.each([
    [1, 7],
    [4, 11],
    [16, 23],
    [100, 42],
  ])('matches the plain-array model over 20,000 random operations (maxClients %i, seed %i)', (max, seed) => {
    const next = random(seed);
    const table = new FailureTable(max);
    const model = new ModelTable(max);
    const clients = Array.from({ length: max * 3 + 2 }, (_, i) => `client-${i}`);
    // expect() only on a mismatch (for its message): 60,000 of them would take seconds.
    const agree = (client: string, now: number) => {
      const [actual, expected] = [table.get(client, now), model.get(client, now)];
      if (actual?.hits !== expected?.hits || actual?.expiresAt !== expected?.expiresAt) expect(actual).toEqual(expected);
      if (table.size !== model.size) expect(table.size).toBe(model.size);
    };
    let now = 0;
    for (let step = 0; step < 20_000; step++) {
      now += Math.floor(next() * 40);
      const client = clients[Math.floor(next() * clients.length)];
      agree(client, now);
      if (next() < 0.5) {
        const window = { hits: Math.floor(next() * 10), expiresAt: now + 1 + Math.floor(next() * 2_000) };
        const sameWindow = next() < 0.7;
        table.set(client, window, now, sameWindow);
        model.set(client, window, now, sameWindow);
      }
    }
    for (const client of clients) agree(client, now);
  });

  it('keeps 100,000 clients in typed arrays: no per-client object in the heap', () => {
    const table = new FailureTable(100_000);
    for (let i = 0; i < 250_000; i++)
      table.set(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, { hits: 1, expiresAt: 1e13 }, i, true);
    expect(table.size).toBe(100_000);
    const arrays = Object.values(table).filter((value) => ArrayBuffer.isView(value)) as ArrayBufferView[];
    expect(arrays.reduce((bytes, array) => bytes + array.byteLength, 0)).toBeLessThanOrEqual(100_000 * 20 + 262_144 * 4);
    // The newest 100,000 are the ones kept.
    expect(table.get('10.3.208.143', 0)).toBeDefined(); // client 249,999
    expect(table.get('10.2.73.240', 0)).toBeDefined(); // client 150,000
    expect(table.get('10.2.73.239', 0)).toBeUndefined(); // client 149,999
  });
});
