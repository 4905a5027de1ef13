import type { DataSource } from 'typeorm';
import { ApiKeyEntity } from '../../lib/index.js';

/** The raw `api_keys` row, with driver differences (BIGINT strings, 0/1 booleans) smoothed out. */
export async function keyRow(ds: DataSource, id: string): Promise<Record<string, any> | null> {
  const row = await ds.createQueryBuilder().select('*').from(ApiKeyEntity, 'k').where('k.id = :id', { id }).getRawOne();
  if (!row) return null;
  const ms = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    ...row,
    enabled: row.enabled === true || row.enabled === 1 || row.enabled === '1',
    meta: typeof row.meta === 'string' ? JSON.parse(row.meta) : row.meta,
    created_at: ms(row.created_at),
    updated_at: ms(row.updated_at),
    expires_at: ms(row.expires_at),
    last_used_at: ms(row.last_used_at),
    revoked_at: ms(row.revoked_at),
    rotation_grace_ends_at: ms(row.rotation_grace_ends_at),
  };
}
