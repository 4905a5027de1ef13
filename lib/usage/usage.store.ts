import type { DataSource, SelectQueryBuilder } from 'typeorm';
import { ApiKeyEntity } from '../entities/api-key.entity.js';
import type { ApiKeyStore } from '../store/api-key.store.js';
import { bindParameter, qualifiedTable, sqlFamilyOf } from '../store/sql-dialect.js';
import type { WriteSerializer } from '../store/write-serializer.js';
import { ApiKeyUsageRollupEntity } from './api-key-usage-rollup.entity.js';
import { ApiKeyVerificationEntity } from './api-key-verification.entity.js';
import { ROLLUP_COLUMNS, usageDialectFor, type LogValues, type UsageDialect } from './usage-dialect.js';
import { DAY_MS, type RollupIncrement } from './usage-buffer.js';

/** Rows per INSERT statement (7–8 bound values each: far below every driver's limit). @internal */
export const INSERT_BATCH = 500;
/** Keys per trimming statement. */
const TRIM_BATCH = 200;

/** A log row as the flush writes it. @internal */
export interface VerificationRow {
  id: string;
  keyId: string;
  ownerId: string;
  at: number;
  code: string;
  cost: number;
  ip: string | null;
  /** `\ntag\ntag\n`, or null. */
  tags: string | null;
}

/** Which rollup rows a query counts: filters combine; none means every stored key. @internal */
export interface RollupFilter {
  keyId?: string;
  ownerId?: string;
  namespace?: string;
  /** Also count the verifications of unknown and malformed keys (the empty key). */
  includeUnknownKeys?: boolean;
}

/** The position after the last entry of a log page. @internal */
export interface LogCursor {
  at: number;
  id: string;
}

/**
 * Every query of the usage feature, in one place. Each write is a single statement (no
 * transaction): it applies whole or not at all, so a flush knows exactly what to keep for the
 * next one. Writes go through the key store's WriteSerializer (one at a time on SQLite's shared
 * connection); reads run directly.
 * @internal
 */
export class UsageStore {
  private dialectInstance: UsageDialect | undefined;

  constructor(private readonly keys: ApiKeyStore) {}

  private get dataSource(): DataSource {
    return this.keys.dataSource;
  }

  /** Whether the DataSource is still open (it closes at application shutdown). */
  get isOpen(): boolean {
    return this.dataSource.isInitialized;
  }

  get writes(): WriteSerializer {
    return this.keys.writes;
  }

  /** Built on first use: it reads entity metadata the boot checks look at first. */
  private get dialect(): UsageDialect {
    return (this.dialectInstance ??= usageDialectFor(this.dataSource));
  }

  /** Selects both tables with every column, so that a missing migration fails at boot. */
  async probe(): Promise<void> {
    await this.dataSource.getRepository(ApiKeyUsageRollupEntity).createQueryBuilder('r').where('1 = 0').getMany();
    await this.dataSource.getRepository(ApiKeyVerificationEntity).createQueryBuilder('v').where('1 = 0').getMany();
  }

  /**
   * Adds the increments to their rollup rows in ONE statement (at most INSERT_BATCH rows): an
   * additive upsert, so a statement either adds all of them or none, and two instances adding
   * to the same row both count. Rows come in a stable order, so concurrent flushes lock alike.
   */
  async addToRollups(increments: RollupIncrement[]): Promise<void> {
    if (increments.length === 0) return;
    if (increments.length > INSERT_BATCH) throw new Error(`at most ${INSERT_BATCH} rollup rows per statement`);
    const values = increments.flatMap((r) => ROLLUP_COLUMNS.map((column) => valueOf(r, column)));
    await this.writes.write(() => this.dataSource.query(this.dialect.upsertRollups(increments.length), values));
  }

  /** Inserts log rows in ONE statement (at most INSERT_BATCH); a row already stored (a retried flush) is skipped. */
  async insertLog(rows: VerificationRow[]): Promise<void> {
    if (rows.length === 0) return;
    if (rows.length > INSERT_BATCH) throw new Error(`at most ${INSERT_BATCH} log rows per statement`);
    const [sql, parameters] = this.dialect.insertLog(
      rows.map((r): LogValues => [r.id, r.keyId, r.ownerId, r.at, r.code, r.cost, r.ip, r.tags]),
    );
    await this.writes.write(() => this.dataSource.query(sql, parameters));
  }

  /**
   * Deletes all but the newest `keep` log rows of each of these keys; of a key in `olderThan`,
   * only the rows before that time (the caller just wrote at least `keep` rows at or after it,
   * so the newest `keep` are never among them): a range of the (key_id, at, id) index, where
   * ranking every row of the key costs far more.
   */
  async trimLog(keyIds: string[], keep: number, olderThan: ReadonlyMap<string, number> = new Map()): Promise<void> {
    const table = qualifiedTable(this.dataSource, ApiKeyVerificationEntity);
    const q = (name: string) => this.dataSource.driver.escape(name);
    const family = sqlFamilyOf(this.dataSource.options.type);
    const ranged = keyIds.filter((keyId) => olderThan.has(keyId));
    await this.inBatches(ranged, (batch) => [
      `DELETE FROM ${table} WHERE ` +
        batch
          .map((_, n) => `(${q('key_id')} = ${bindParameter(family, 2 * n + 1)} AND ${q('at')} < ${bindParameter(family, 2 * n + 2)})`)
          .join(' OR '),
      batch.flatMap((keyId) => [keyId, olderThan.get(keyId)]),
    ]);
    const ranked = ranged.length === 0 ? keyIds : keyIds.filter((keyId) => !olderThan.has(keyId));
    // The derived table is materialised first, which MySQL/MariaDB need to delete from the table they read.
    await this.inBatches(ranked, (batch) => [
      `DELETE FROM ${table} WHERE ${q('id')} IN (SELECT ${q('id')} FROM (SELECT ${q('id')}, ` +
        `ROW_NUMBER() OVER (PARTITION BY ${q('key_id')} ORDER BY ${q('at')} DESC, ${q('id')} DESC) AS ${q('rn')} ` +
        `FROM ${table} WHERE ${q('key_id')} IN (${batch.map((_, n) => bindParameter(family, n + 1)).join(', ')})) ${q('ranked')} ` +
        `WHERE ${q('rn')} > ${Number(keep)})`,
      batch,
    ]);
  }

  /** One write per TRIM_BATCH keys, one after another: `statement` gives its SQL and parameters. */
  private async inBatches(keyIds: string[], statement: (batch: string[]) => [sql: string, parameters: unknown[]]): Promise<void> {
    for (let i = 0; i < keyIds.length; i += TRIM_BATCH) {
      const [sql, parameters] = statement(keyIds.slice(i, i + TRIM_BATCH));
      await this.writes.write(() => this.dataSource.query(sql, parameters));
    }
  }

  /** Deletes log rows before `logCutoff` and rollup rows of hours starting at or before `lastHourStart`. */
  async purge(logCutoff: number, lastHourStart: number): Promise<{ verifications: number; rollups: number }> {
    const at = this.dataSource.driver.escape('at');
    const verifications = await this.writes.write(() =>
      this.dataSource
        .createQueryBuilder()
        .delete()
        .from(ApiKeyVerificationEntity)
        .where(`${at} < :cutoff`, { cutoff: logCutoff })
        .execute(),
    );
    const rollups = await this.writes.write(() =>
      this.dataSource
        .createQueryBuilder()
        .delete()
        .from(ApiKeyUsageRollupEntity)
        .where('hour_start <= :last', { last: lastHourStart })
        .execute(),
    );
    return { verifications: verifications.affected ?? 0, rollups: rollups.affected ?? 0 };
  }

  /** Counts and credits per bucket (hour or UTC day) and code, in [from, to). */
  async series(
    filter: RollupFilter,
    granularity: 'hour' | 'day',
    from: number,
    to: number,
  ): Promise<Array<{ bucket: number; code: string; count: number; spent: number }>> {
    const bucket = granularity === 'day' ? `r.hour_start - (r.hour_start % ${DAY_MS})` : 'r.hour_start';
    const rows: Array<{ bucket: string | number; code: string; count: string | number; spent: string | number }> = await this.rollups(
      filter,
      from,
      to,
    )
      .select(bucket, 'bucket')
      .addSelect('r.code', 'code')
      .addSelect('SUM(r.count)', 'count')
      .addSelect('SUM(r.spent)', 'spent')
      .groupBy(bucket)
      .addGroupBy('r.code')
      .getRawMany();
    return rows.map((row) => ({ bucket: Number(row.bucket), code: row.code, count: Number(row.count), spent: Number(row.spent) }));
  }

  /** Counts and credits per code in [from, to). */
  async totalsByCode(filter: RollupFilter, from: number, to: number): Promise<Array<{ code: string; count: number; spent: number }>> {
    const rows: Array<{ code: string; count: string | number; spent: string | number }> = await this.rollups(filter, from, to)
      .select('r.code', 'code')
      .addSelect('SUM(r.count)', 'count')
      .addSelect('SUM(r.spent)', 'spent')
      .groupBy('r.code')
      .getRawMany();
    return rows.map((row) => ({ code: row.code, count: Number(row.count), spent: Number(row.spent) }));
  }

  /** The busiest keys in [from, to): most verifications first, then by id. */
  async topKeys(
    filter: RollupFilter,
    from: number,
    to: number,
    limit: number,
  ): Promise<Array<{ keyId: string; ownerId: string; total: number; valid: number; spent: number }>> {
    const rows: Array<Record<'key_id' | 'owner_id' | 'total' | 'valid' | 'spent', string | number>> = await this.rollups(filter, from, to)
      .select('r.key_id', 'key_id')
      .addSelect('MAX(r.owner_id)', 'owner_id')
      .addSelect('SUM(r.count)', 'total')
      .addSelect("SUM(CASE WHEN r.code = 'VALID' THEN r.count ELSE 0 END)", 'valid')
      .addSelect('SUM(r.spent)', 'spent')
      .groupBy('r.key_id')
      .orderBy('SUM(r.count)', 'DESC')
      .addOrderBy('r.key_id', 'ASC')
      .limit(limit)
      .getRawMany();
    return rows.map((row) => ({
      keyId: String(row.key_id),
      ownerId: String(row.owner_id),
      total: Number(row.total),
      valid: Number(row.valid),
      spent: Number(row.spent),
    }));
  }

  /** Display names of these keys (keys purged since are absent). */
  async keyNames(ids: string[]): Promise<Map<string, string | null>> {
    if (ids.length === 0) return new Map();
    const rows: Array<{ id: string; name: string | null }> = await this.dataSource
      .getRepository(ApiKeyEntity)
      .createQueryBuilder('k')
      .select('k.id', 'id')
      .addSelect('k.name', 'name')
      .where('k.id IN (:...ids)', { ids })
      .getRawMany();
    return new Map(rows.map((row) => [row.id, row.name]));
  }

  /** A page of a key's log, newest first, after `cursor`; `tags` entries must all be present. */
  async logPage(keyId: string, limit: number, cursor?: LogCursor, tags: string[] = []): Promise<ApiKeyVerificationEntity[]> {
    const query = this.dataSource.getRepository(ApiKeyVerificationEntity).createQueryBuilder('v').where('v.key_id = :keyId', { keyId });
    if (cursor)
      query.andWhere('(v.at < :cursorAt OR (v.at = :cursorAt AND v.id < :cursorId))', { cursorAt: cursor.at, cursorId: cursor.id });
    tags.forEach((tag, n) => query.andWhere(this.dialect.contains('v.tags', `tag${n}`), { [`tag${n}`]: `\n${tag}\n` }));
    return query.orderBy('v.at', 'DESC').addOrderBy('v.id', 'DESC').limit(limit).getMany();
  }

  private rollups(filter: RollupFilter, from: number, to: number): SelectQueryBuilder<ApiKeyUsageRollupEntity> {
    const query = this.dataSource
      .getRepository(ApiKeyUsageRollupEntity)
      .createQueryBuilder('r')
      .where('r.hour_start >= :from AND r.hour_start < :to', { from, to });
    if (!filter.includeUnknownKeys) query.andWhere("r.key_id <> ''");
    if (filter.keyId !== undefined) query.andWhere('r.key_id = :keyId', { keyId: filter.keyId });
    if (filter.ownerId !== undefined) query.andWhere('r.owner_id = :ownerId', { ownerId: filter.ownerId });
    if (filter.namespace !== undefined) query.andWhere('r.namespace = :namespace', { namespace: filter.namespace });
    return query;
  }
}

function valueOf(row: RollupIncrement, column: (typeof ROLLUP_COLUMNS)[number]): string | number {
  switch (column) {
    case 'key_id':
      return row.keyId;
    case 'hour_start':
      return row.hourStart;
    case 'code':
      return row.code;
    case 'owner_id':
      return row.ownerId;
    case 'namespace':
      return row.namespace;
    case 'count':
      return row.count;
    case 'spent':
      return row.spent;
  }
}
