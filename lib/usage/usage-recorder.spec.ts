import { Logger } from '@nestjs/common';
import type { ApiKeyEntity } from '../entities/api-key.entity.js';
import type { VerifyCode } from '../interfaces/verify-code.interface.js';
import type { VerificationRecord } from '../verification/verification-hook.js';
import type { RollupIncrement } from './usage-buffer.js';
import { TRIM_EVERY, UsageRecorder, VERIFICATIONS_KEPT_PER_KEY } from './usage-recorder.js';
import { VERIFICATION_LOG_DEFAULTS } from './usage.options.js';
import type { UsageStore, VerificationRow } from './usage.store.js';

const T = Date.UTC(2031, 2, 3, 10, 15);

/** A store in memory that adds rollups and keeps log rows, and can be told to fail. */
class FakeStore {
  rollups = new Map<string, { count: number; spent: number }>();
  rows: VerificationRow[] = [];
  trims: string[][] = [];
  /** The `olderThan` times of each trim: the keys trimmed by an index range. */
  trimCutoffs: Array<Record<string, number>> = [];
  failNext: Array<'rollups' | 'log'> = [];
  statements = 0;
  isOpen = true;

  async addToRollups(increments: RollupIncrement[]): Promise<void> {
    this.statements++;
    this.maybeFail('rollups');
    for (const i of increments) {
      const id = `${i.keyId}|${i.hourStart}|${i.code}`;
      const row = this.rollups.get(id) ?? { count: 0, spent: 0 };
      this.rollups.set(id, { count: row.count + i.count, spent: row.spent + i.spent });
    }
  }

  async insertLog(rows: VerificationRow[]): Promise<void> {
    this.statements++;
    this.maybeFail('log');
    for (const row of rows) if (!this.rows.some((r) => r.id === row.id)) this.rows.push(row);
  }

  async trimLog(keyIds: string[], _keep: number, olderThan: ReadonlyMap<string, number> = new Map()): Promise<void> {
    this.trims.push(keyIds);
    this.trimCutoffs.push(Object.fromEntries(olderThan));
  }

  async probe(): Promise<void> {}

  private maybeFail(statement: 'rollups' | 'log'): void {
    if (this.failNext[0] !== statement) return;
    this.failNext.shift();
    throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  }
}

function record(keyId: string | undefined, code: VerifyCode, extra: Partial<VerificationRecord> = {}): VerificationRecord {
  const key = keyId ? ({ id: keyId, ownerId: `owner-${keyId}`, namespace: 'ns' } as ApiKeyEntity) : undefined;
  return { at: T, result: { valid: code === 'VALID', code, message: '' }, key, spent: 0, options: {}, ...extra };
}

describe('UsageRecorder', () => {
  let store: FakeStore;
  let recorder: UsageRecorder;
  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    store = new FakeStore();
    recorder = new UsageRecorder(store as unknown as UsageStore, { ...VERIFICATION_LOG_DEFAULTS, maxBuffer: 50 }, { now: () => T });
  });
  afterEach(() => jest.restoreAllMocks());

  it('counts in memory only, then writes rollups by key, hour and code with the credits spent', async () => {
    recorder.afterVerify(record('a', 'VALID', { spent: 3 }));
    recorder.afterVerify(record('a', 'VALID', { spent: 2, at: T + 3_600_000 }));
    recorder.afterVerify(record('a', 'REVOKED'));
    recorder.afterVerify(record(undefined, 'NOT_FOUND'));
    recorder.afterVerify(record('a', 'VALID', { spent: 9, options: { dryRun: true } })); // consumes nothing, counts nothing
    expect(store.statements).toBe(0);
    await recorder.flush();
    const hour = Date.UTC(2031, 2, 3, 10);
    expect(Object.fromEntries(store.rollups)).toEqual({
      [`a|${hour}|VALID`]: { count: 1, spent: 3 },
      [`a|${hour + 3_600_000}|VALID`]: { count: 1, spent: 2 },
      [`a|${hour}|REVOKED`]: { count: 1, spent: 0 },
      [`|${hour}|NOT_FOUND`]: { count: 1, spent: 0 },
    });
    expect(store.rows.map((r) => [r.keyId, r.code, r.cost])).toEqual([
      ['a', 'VALID', 3],
      ['a', 'VALID', 2],
      ['a', 'REVOKED', 0],
    ]);
  });

  it('keeps what a failed statement did not write, and writes it exactly once later', async () => {
    for (let i = 0; i < 10; i++) recorder.afterVerify(record('a', 'VALID', { spent: 1 }));
    store.failNext = ['rollups'];
    await expect(recorder.flush()).rejects.toThrow(/ECONNREFUSED/);
    expect(recorder.pending).toMatchObject({ rollups: 1, log: 10 });
    recorder.afterVerify(record('a', 'VALID', { spent: 1 }));
    store.failNext = ['log']; // the rollups go through, the log does not
    await expect(recorder.flush()).rejects.toThrow();
    expect(recorder.pending).toMatchObject({ rollups: 0, log: 11 });
    await recorder.flush();
    expect([...store.rollups.values()]).toEqual([{ count: 11, spent: 11 }]);
    expect(store.rows).toHaveLength(11);
    expect(new Set(store.rows.map((r) => r.id)).size).toBe(11);
  });

  it('bounds the log by maxBuffer (newest kept, drops counted), never the counts', async () => {
    for (let i = 0; i < 500; i++) recorder.afterVerify(record(`k${i % 3}`, 'VALID', { at: T + i }));
    expect(recorder.pending).toMatchObject({ log: 50, droppedTotal: 450 });
    await recorder.flush();
    expect([...store.rollups.values()].reduce((sum, r) => sum + r.count, 0)).toBe(500);
    expect(store.rows.map((r) => r.at)).toEqual(Array.from({ length: 50 }, (_, i) => T + 450 + i));
    expect(Logger.prototype.warn).toHaveBeenCalledWith(expect.stringMatching(/dropped 450 entries past verificationLog.maxBuffer/));
  });

  it('writes at most the newest 100 per key per flush and trims a key once it has 10 more rows', async () => {
    recorder = new UsageRecorder(store as unknown as UsageStore, VERIFICATION_LOG_DEFAULTS, { now: () => T });
    for (let i = 0; i < 250; i++) recorder.afterVerify(record('hot', 'VALID', { at: T + i }));
    recorder.afterVerify(record('cold', 'VALID'));
    await recorder.flush();
    expect(store.rows.filter((r) => r.keyId === 'hot')).toHaveLength(VERIFICATIONS_KEPT_PER_KEY);
    expect(store.trims).toEqual([['hot', 'cold']]); // first flush of each key since boot: trimmed
    for (let i = 0; i < TRIM_EVERY - 1; i++) recorder.afterVerify(record('cold', 'VALID'));
    await recorder.flush();
    expect(store.trims).toHaveLength(1); // 9 more rows: not yet
    recorder.afterVerify(record('cold', 'VALID'));
    await recorder.flush();
    expect(store.trims[1]).toEqual(['cold']);
  });

  it('trims a key it wrote 100 rows of to the rows no older than the oldest of them, the others by rank', async () => {
    recorder = new UsageRecorder(store as unknown as UsageStore, VERIFICATION_LOG_DEFAULTS, { now: () => T });
    for (let i = 0; i < 250; i++) recorder.afterVerify(record('hot', 'VALID', { at: T + i }));
    recorder.afterVerify(record('hot', 'VALID', { at: T + 100 })); // counted late: older than the 99 before it
    for (let i = 0; i < 20; i++) recorder.afterVerify(record('warm', 'VALID', { at: T + i }));
    await recorder.flush();
    expect(store.trims).toEqual([['hot', 'warm']]);
    expect(store.trimCutoffs).toEqual([{ hot: T + 100 }]); // the oldest of the 100 written; 'warm' (20 rows) is ranked
    for (let i = 0; i < 99; i++) recorder.afterVerify(record('hot', 'VALID', { at: T + 1000 + i }));
    await recorder.flush();
    expect(store.trimCutoffs[1]).toEqual({}); // 99 rows: ranked, as any key
  });

  it('shares one write between concurrent flushes and writes what came during a running one', async () => {
    recorder.afterVerify(record('a', 'VALID'));
    const first = recorder.flush();
    recorder.afterVerify(record('a', 'VALID'));
    const [second, third] = [recorder.flush(), recorder.flush()];
    expect(second).toBe(third);
    await Promise.all([first, second]);
    expect([...store.rollups.values()]).toEqual([{ count: 2, spent: 0 }]);
    expect(store.statements).toBe(4); // two flushes of one rollup row and one log row each
  });

  it('records nothing when the log is disabled', async () => {
    recorder = new UsageRecorder(store as unknown as UsageStore, { ...VERIFICATION_LOG_DEFAULTS, enabled: false }, { now: () => T });
    recorder.afterVerify(record('a', 'VALID'));
    recorder.afterVerify(record(undefined, 'MALFORMED'));
    await recorder.flush();
    expect(store.statements).toBe(0);
  });
});
