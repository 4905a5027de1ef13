import type { ValueTransformer } from 'typeorm';

/**
 * Times are stored as UTC epoch milliseconds in BIGINT columns: one portable type on SQLite,
 * PostgreSQL and MySQL, no driver time-zone conversion, and every value comes from the
 * library clock. Drivers hand BIGINT back as a string on PostgreSQL and MySQL.
 * @internal
 */
export const epochMs: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null || value === undefined ? null : Number(value)),
};
