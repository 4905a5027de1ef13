/**
 * What a database driver's error means, in one place: the driver codes of PostgreSQL (pg),
 * MySQL/MariaDB (mysql2) and SQLite (better-sqlite3), read through TypeORM's wrapping.
 * @internal
 */
interface DriverErrorShape {
  code?: string;
  errno?: number;
  name?: string;
  message?: string;
  driverError?: DriverErrorShape;
  cause?: DriverErrorShape;
  constructor?: { name?: string };
}

const codeOf = (error: unknown): string | undefined => {
  const e = (error ?? {}) as DriverErrorShape;
  return e.driverError?.code ?? e.code;
};

/** A unique or primary-key violation (PostgreSQL 23505, MySQL ER_DUP_ENTRY, SQLite constraint). */
export function isUniqueViolation(error: unknown): boolean {
  const code = codeOf(error);
  return code === '23505' || code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Names of the key hash's unique index as each driver reports it (`UQ_api_keys_hash`; SQLite: the column). */
const KEY_HASH_INDEX = /\bUQ_api_keys_hash\b|\bapi_keys\.hash\b/;

/**
 * A unique violation of the key hash's index: the one conflict that means "this key is already
 * stored" (KEY_EXISTS). Any other unique violation is a different conflict and is not read as one.
 */
export function isKeyHashCollision(error: unknown): boolean {
  if (!isUniqueViolation(error)) return false;
  const e = (error ?? {}) as DriverErrorShape & { constraint?: string; driverError?: DriverErrorShape & { constraint?: string } };
  const names = [e.driverError?.constraint, e.constraint, e.driverError?.message, e.message].filter(
    (v): v is string => typeof v === 'string',
  );
  return names.some((name) => KEY_HASH_INDEX.test(name));
}

/** A deadlock victim or serialization failure: PostgreSQL 40P01/40001, MySQL/MariaDB 1213. */
export function isDeadlock(error: unknown): boolean {
  const e = (error ?? {}) as DriverErrorShape;
  const code = codeOf(error);
  const errno = e.driverError?.errno ?? e.errno;
  return code === '40P01' || code === '40001' || code === 'ER_LOCK_DEADLOCK' || errno === 1213;
}

// Signals that the store is down or too slow, as opposed to a bug in a query.
const CONNECTION_FAILURE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_LOCK_WAIT_TIMEOUT',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '55P03',
  '57014',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_CANTOPEN',
  'SQLITE_IOERR',
]);
const CONNECTION_FAILURE_NAMES = new Set([
  'CannotExecuteNotConnectedError',
  'ConnectionIsNotSetError',
  'QueryRunnerAlreadyReleasedError',
  'ConnectionNotFoundError',
]);
const CONNECTION_FAILURE_MESSAGE =
  /connection terminated|connection is not open|connection is not established|not connected|pool is (closed|draining|ended)|connection lost|cannot enqueue|the database connection is not open|timeout exceeded when trying to connect|closed state|database is closed/i;

/** Whether an error (or what it wraps, a few levels down) says the store is down or too slow. */
export function isConnectionFailure(error: unknown): boolean {
  for (
    let current = error as DriverErrorShape | undefined, depth = 0;
    current && depth < 3;
    current = current.driverError ?? current.cause, depth++
  ) {
    if (current.code !== undefined && CONNECTION_FAILURE_CODES.has(current.code)) return true;
    if (CONNECTION_FAILURE_NAMES.has(current.name ?? '') || CONNECTION_FAILURE_NAMES.has(current.constructor?.name ?? '')) return true;
    if (typeof current.message === 'string' && CONNECTION_FAILURE_MESSAGE.test(current.message)) return true;
  }
  return false;
}
