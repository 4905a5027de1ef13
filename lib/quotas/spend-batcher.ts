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
 * While a key's statement runs, the spends that arrive wait; then they go as ONE statement for
 * their total cost. All or nothing: when the total does not fit, each of them runs as its own
 * statement (side by side, as without batching), so N concurrent spends on R credits still
 * admit exactly as many as fit. Each caller of a combined statement gets the balance it would
 * have seen had the spends run one after another.
 * @internal
 */
export class SpendBatcher {
  /** Keys with a statement running, and the spends waiting for it to end. */
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
      this.waiting.set(keyId, []);
      void this.drain(keyId, [waiter]);
    });
  }

  /** Keys with spends running or waiting now (for tests and diagnostics). */
  get busyKeys(): number {
    return this.waiting.size;
  }

  /** Runs batches of the key until none waits. */
  private async drain(keyId: string, first: Waiter[]): Promise<void> {
    for (let batch = first; ;) {
      await this.settle(keyId, batch);
      const next = this.waiting.get(keyId)!;
      if (next.length === 0) {
        this.waiting.delete(keyId);
        return;
      }
      this.waiting.set(keyId, []);
      batch = next;
    }
  }

  /** One statement for the whole batch; when its total does not fit, one statement per spend, all at once. */
  private async settle(keyId: string, batch: Waiter[]): Promise<void> {
    if (batch.length > 1) {
      const total = batch.reduce((sum, waiter) => sum + waiter.cost, 0);
      let balance: number | null;
      try {
        balance = await this.statement(keyId, total, batch[batch.length - 1].now);
      } catch (error) {
        for (const waiter of batch) waiter.reject(error);
        return;
      }
      if (balance !== null) {
        let after = balance + total;
        for (const waiter of batch) waiter.resolve((after -= waiter.cost));
        return;
      }
    }
    // Side by side, as without batching: each is conditional, so the database admits exactly
    // those that fit (one after another would cost a round trip each while a key runs out).
    await Promise.all(batch.map((waiter) => this.statement(keyId, waiter.cost, waiter.now).then(waiter.resolve, waiter.reject)));
  }
}
