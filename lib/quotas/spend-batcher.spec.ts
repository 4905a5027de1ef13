import { SpendBatcher } from './spend-batcher.js';

/** A row's balance behind a conditional spend statement that answers when the test says so. */
function fakeRow(balance: number) {
  const row = { balance, statements: [] as number[], gate: Promise.resolve(), fail: undefined as Error | undefined };
  const statement = async (_keyId: string, cost: number): Promise<number | null> => {
    row.statements.push(cost);
    await row.gate;
    if (row.fail) throw row.fail;
    if (row.balance < cost) return null;
    row.balance -= cost;
    return row.balance;
  };
  return { row, statement };
}

/** Lets the batcher's promise chain move on. */
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('SpendBatcher', () => {
  it('sends the spends that arrive while a statement runs as one statement, each answered its own balance', async () => {
    const { row, statement } = fakeRow(100);
    let open!: () => void;
    row.gate = new Promise((resolve) => (open = resolve));
    const batcher = new SpendBatcher(statement);
    const first = batcher.spend('k', 1, 0);
    const rest = [2, 3, 4].map((cost) => batcher.spend('k', cost, 0));
    open();
    expect(await first).toBe(99);
    expect(await Promise.all(rest)).toEqual([97, 94, 90]); // as if one after another, in arrival order
    expect(row.statements).toEqual([1, 9]);
    expect(row.balance).toBe(90);
    await flush();
    expect(batcher.busyKeys).toBe(0);
  });

  it('runs each spend as its own statement when the total does not fit, so exactly as many as fit are admitted', async () => {
    const { row, statement } = fakeRow(5);
    let open!: () => void;
    row.gate = new Promise((resolve) => (open = resolve));
    const batcher = new SpendBatcher(statement);
    const answers = Array.from({ length: 10 }, () => batcher.spend('k', 1, 0));
    open();
    expect(await Promise.all(answers)).toEqual([4, 3, 2, 1, 0, null, null, null, null, null]);
    expect(row.balance).toBe(0);
    expect(row.statements).toEqual([1, 9, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('keeps keys apart: a busy key does not hold back another', async () => {
    const { row, statement } = fakeRow(100);
    let open!: () => void;
    row.gate = new Promise((resolve) => (open = resolve));
    const calls: string[] = [];
    const batcher = new SpendBatcher((keyId, cost) => {
      calls.push(keyId);
      return statement(keyId, cost);
    });
    const a = batcher.spend('a', 1, 0);
    const b = batcher.spend('b', 1, 0);
    await flush();
    expect(calls).toEqual(['a', 'b']); // b did not wait for a
    expect(batcher.busyKeys).toBe(2);
    open();
    await Promise.all([a, b]);
  });

  it('rejects every spend of a batch whose statement failed, and the next batch runs', async () => {
    const { row, statement } = fakeRow(100);
    let open!: () => void;
    row.gate = new Promise((resolve) => (open = resolve));
    row.fail = new Error('connection lost');
    const batcher = new SpendBatcher(statement);
    const answers = [1, 1, 1].map((cost) => batcher.spend('k', cost, 0).catch((error: Error) => error.message));
    open();
    expect(await Promise.all(answers)).toEqual(['connection lost', 'connection lost', 'connection lost']);
    row.fail = undefined;
    expect(await batcher.spend('k', 1, 0)).toBe(99);
    await flush();
    expect(batcher.busyKeys).toBe(0);
  });

  it('hands the statement the time of the newest spend of the batch (the refill period it decides)', async () => {
    const times: number[] = [];
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const batcher = new SpendBatcher(async (_keyId, _cost, now) => {
      times.push(now);
      await gate;
      return 50;
    });
    const answers = [batcher.spend('k', 1, 10), batcher.spend('k', 1, 20), batcher.spend('k', 1, 30)];
    open();
    await Promise.all(answers);
    expect(times).toEqual([10, 30]);
  });
});
