import type { ValueTransformer } from 'typeorm';

/**
 * BIGINT columns as JS numbers. Times are stored this way too, as UTC epoch milliseconds:
 * one portable type on SQLite, PostgreSQL and MySQL, no driver time-zone conversion, and
 * every value comes from the library clock. Drivers hand BIGINT back as a string on
 * PostgreSQL and MySQL.
 * @internal
 */
export const bigintAsNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null || value === undefined ? null : Number(value)),
};
