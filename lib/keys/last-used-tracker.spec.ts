import { Logger } from '@nestjs/common';
import type { ApiKeyStore } from '../store/api-key.store.js';
import { LastUsedTracker, MAX_PENDING_KEYS } from './last-used-tracker.js';

/** A store whose lastUsedAt writes the test answers by hand. */
function heldStore() {
  const writes: Array<{ entries: Array<[string, number]>; settle: (error?: Error) => void }> = [];
  const store = {
    writeLastUsed: (entries: Array<[string, number]>) =>
      new Promise<void>((resolve, reject) => writes.push({ entries, settle: (error) => (error ? reject(error) : resolve()) })),
  } as unknown as ApiKeyStore;
  return { store, writes };
}

describe('LastUsedTracker', () => {
  afterEach(() => jest.restoreAllMocks());

  it('a batch being written still counts as pending; listeners hear of it once it is written', async () => {
    const { store, writes } = heldStore();
    const tracker = new LastUsedTracker(store, 60_000);
    const heard: string[][] = [];
    tracker.onWritten((ids) => heard.push(ids));
    tracker.note('a', 100);
    tracker.note('b', 200);
    const flushed = tracker.flush();
    expect(writes).toHaveLength(1);
    expect(tracker.pendingFor('a')).toBe(100); // the write has not answered yet
    writes[0].settle();
    await flushed;
    expect(heard).toEqual([['a', 'b']]);
    expect(tracker.pendingFor('a')).toBeUndefined();
  });

  it('a failed write keeps its batch for the next flush and tells no listener', async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { store, writes } = heldStore();
    const tracker = new LastUsedTracker(store, 60_000);
    const listener = jest.fn();
    tracker.onWritten(listener);
    tracker.note('a', 100);
    const flushed = tracker.flush();
    writes[0].settle(new Error('down'));
    await flushed;
    expect(listener).not.toHaveBeenCalled();
    expect(tracker.pendingFor('a')).toBe(100);
  });

  it('memory: under 100k distinct keys with a write that hangs, at most MAX_PENDING_KEYS wait', async () => {
    const { store, writes } = heldStore();
    const tracker = new LastUsedTracker(store, 60_000);
    let largest = 0;
    for (let i = 0; i < 100_000; i++) {
      tracker.note(`k${i}`, i);
      largest = Math.max(largest, tracker.pendingCount);
    }
    // A write started at 10,000 without waiting for the interval; it hangs, so the rest waits, capped.
    expect(writes).toHaveLength(1);
    expect(writes[0].entries).toHaveLength(10_000);
    expect(largest).toBe(MAX_PENDING_KEYS);
    writes[0].settle();
  });
});
