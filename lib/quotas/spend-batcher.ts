/** One conditional spend statement: the new balance, or null when nothing was taken. @internal */
export type SpendStatement = (keyId: string, cost: number, now: number) => Promise<number | null>;

interface Waiter {
  cost: number;
  now: number;
  resolve(balance: number | null): void;
  reject(error: unknown): void;
}

/**
 * Concurrent spends of one key on this instance, combined. Every spend of a key is one
 * conditional UPDATE of the same row, so the database runs them one at a time (each waits for
 * the row lock and the commit before it): a busy key is bound by round trips, not by work.
 *
 * The first spend of an idle key waits for the end of the event loop's turn, so the spends of
 * every request read in that turn join it (on SQLite a statement runs synchronously: started at
 * once, it would end before another spend could arrive, a write transaction per request). The
 * spends that arrive while a statement runs wait for it. Each batch goes as ONE statement for
 * its total cost.
 *
 * All or nothing: when the total does not fit, the first half goes as one statement, then the
 * rest, halving again where a part does not fit, so N spends on R credits admit exactly as many
 * as fit, in arrival order, in about 2·log2(N) statements (one statement per spend queued N of
 * them on the row lock and the pool, and under load they passed the store deadline). A spend
 * that does not fit on its own denies, without a statement, the later spends of the batch that
 * cost as much or more: the balance was below their cost while they all waited. Each admitted
 * caller gets the balance it would have seen had the spends run one after another.
 * @internal
 */
export class SpendBatcher {
  /** Keys with a batch waiting for its turn or a statement running, and the spends waiting. */
  private readonly waiting = new Map<string, Waiter[]>();

  constructor(private readonly statement: SpendStatement) {}

  /** Takes `cost` credits of the key: the balance after this spend, or null when nothing was taken. */
  spend(keyId: string, cost: number, now: number): Promise<number | null> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { cost, now, resolve, reject };
      const queue = this.waiting.get(keyId);
      if (queue) {
        queue.push(waiter);
        return;
      }
      this.waiting.set(keyId, [waiter]);
      setImmediate(() => void this.drain(keyId));
    });
  }

  /** Keys with spends running or waiting now (for tests and diagnostics). */
  get busyKeys(): number {
    return this.waiting.size;
  }

  /** Runs batches of the key until none waits. */
  private async drain(keyId: string): Promise<void> {
    for (;;) {
      const batch = this.waiting.get(keyId)!;
      if (batch.length === 0) {
        this.waiting.delete(keyId);
        return;
      }
      this.waiting.set(keyId, []);
      await this.settle(keyId, batch);
    }
  }

  /**
   * One statement for the batch's total; when it does not fit, the first half, then the rest.
   * `denied.from`: the smallest cost that did not fit on its own in this batch.
   */
  private async settle(keyId: string, batch: Waiter[], denied = { from: Number.POSITIVE_INFINITY }): Promise<void> {
    const open: Waiter[] = [];
    for (const waiter of batch) {
      if (waiter.cost >= denied.from) waiter.resolve(null);
      else open.push(waiter);
    }
    if (open.length === 0) return;
    const total = open.reduce((sum, waiter) => sum + waiter.cost, 0);
    let balance: number | null;
    try {
      balance = await this.statement(keyId, total, open[open.length - 1].now);
    } catch (error) {
      for (const waiter of open) waiter.reject(error);
      return;
    }
    if (balance !== null) {
      let after = balance + total;
      for (const waiter of open) waiter.resolve((after -= waiter.cost));
      return;
    }
    if (open.length === 1) {
      denied.from = Math.min(denied.from, open[0].cost);
      open[0].resolve(null);
      return;
    }
    const half = Math.ceil(open.length / 2);
    await this.settle(keyId, open.slice(0, half), denied);
    await this.settle(keyId, open.slice(half), denied);
  }
}
