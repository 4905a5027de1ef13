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
  /** Holds every statement until the returned function is called. */
  const hold = (): (() => void) => {
    let open!: () => void;
    row.gate = new Promise((resolve) => (open = resolve));
    return open;
  };
  return { row, statement, hold };
}

/** Lets the batcher's promise chain move on. */
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('SpendBatcher', () => {
  it('sends the spends that arrive while a statement runs as one statement, each answered its own balance', async () => {
    const { row, statement, hold } = fakeRow(100);
    const open = hold();
    const batcher = new SpendBatcher(statement);
    const first = batcher.spend('k', 1, 0);
    await flush(); // its statement has started
    const rest = [2, 3, 4].map((cost) => batcher.spend('k', cost, 0));
    open();
    expect(await first).toBe(99);
    expect(await Promise.all(rest)).toEqual([97, 94, 90]); // as if one after another, in arrival order
    expect(row.statements).toEqual([1, 9]);
    expect(row.balance).toBe(90);
    await flush();
    expect(batcher.busyKeys).toBe(0);
  });

  it('sends the spends of one turn of the event loop as one statement, though a statement ends at once (SQLite)', async () => {
    // better-sqlite3 runs a statement synchronously: started with the first spend, it would end
    // before any other request's spend arrives, and every request would cost a write transaction.
    const { row, statement } = fakeRow(100);
    const batcher = new SpendBatcher(statement);
    const answers: Array<Promise<number | null>> = [];
    for (const cost of [1, 2, 3, 4]) {
      answers.push(batcher.spend('k', cost, 0));
      await Promise.resolve(); // each request reaches its spend in a callback of its own
    }
    expect(await Promise.all(answers)).toEqual([99, 97, 94, 90]);
    expect(row.statements).toEqual([10]);
    expect(await batcher.spend('k', 5, 0)).toBe(85); // the next turn: a statement of its own
    expect(row.statements).toEqual([10, 5]);
    await flush();
    expect(batcher.busyKeys).toBe(0);
  });

  it('halves a batch whose total does not fit, so exactly as many as fit are admitted, in few statements', async () => {
    const { row, statement, hold } = fakeRow(5);
    const open = hold();
    const batcher = new SpendBatcher(statement);
    const first = batcher.spend('k', 1, 0);
    await flush();
    const answers = [first, ...Array.from({ length: 9 }, () => batcher.spend('k', 1, 0))];
    open();
    expect(await Promise.all(answers)).toEqual([4, 3, 2, 1, 0, null, null, null, null, null]);
    expect(row.balance).toBe(0);
    // 9 on 4: 5 no, 3 yes, 2 no, 1 yes, 1 no — then the other 4 cost as much as a spend that did not fit.
    expect(row.statements).toEqual([1, 9, 5, 3, 2, 1, 1]);
  });

  it('with mixed costs, a spend that does not fit denies only the later ones that cost as much or more', async () => {
    const { row, statement, hold } = fakeRow(10);
    const open = hold();
    const batcher = new SpendBatcher(statement);
    const first = batcher.spend('k', 4, 0);
    const rest = [5, 3, 1, 3, 1].map((cost) => batcher.spend('k', cost, 0));
    open();
    expect(await first).toBe(6);
    // 5 fits (1 left); 3 does not, nor the second 3; both 1s do — as one after another would.
    expect(await Promise.all(rest)).toEqual([1, null, 0, null, null]);
    expect(row.balance).toBe(0);
  });

  it('200 spends on 50 credits: exactly 50 admitted, in order, in a few dozen statements', async () => {
    const { row, statement, hold } = fakeRow(50);
    const open = hold();
    const batcher = new SpendBatcher(statement);
    const answers = Array.from({ length: 200 }, () => batcher.spend('k', 1, 0));
    open();
    const balances = await Promise.all(answers);
    expect(balances.slice(0, 50)).toEqual(Array.from({ length: 50 }, (_, i) => 49 - i));
    expect(balances.slice(50).every((balance) => balance === null)).toBe(true);
    expect(row.statements.length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(200)) + 2);
  });

  it('keeps keys apart: a busy key does not hold back another', async () => {
    const { statement, hold } = fakeRow(100);
    const open = hold();
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
    const { row, statement, hold } = fakeRow(100);
    const open = hold();
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
    const first = batcher.spend('k', 1, 10);
    await flush();
    const answers = [first, batcher.spend('k', 1, 20), batcher.spend('k', 1, 30)];
    open();
    await Promise.all(answers);
    expect(times).toEqual([10, 30]);
  });
});
