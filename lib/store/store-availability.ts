import { StoreUnavailableError } from '../api-keys.errors.js';

// Driver and TypeORM signals that the store is down, as opposed to a bug in a query.
const UNAVAILABLE_ERROR_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST', 'ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN', 'ER_LOCK_WAIT_TIMEOUT',
  '57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006', '55P03', '57014',
  'SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_CANTOPEN', 'SQLITE_IOERR',
]);
const UNAVAILABLE_ERROR_NAMES = new Set([
  'CannotExecuteNotConnectedError', 'ConnectionIsNotSetError', 'QueryRunnerAlreadyReleasedError',
  'ConnectionNotFoundError',
]);
const UNAVAILABLE_MESSAGE =
  /connection terminated|connection is not open|connection is not established|not connected|pool is (closed|draining|ended)|connection lost|cannot enqueue|the database connection is not open|timeout exceeded when trying to connect|closed state|database is closed/i;

/** Whether an error means "the store is down or too slow" (503) rather than a bug (500). @internal */
export function isStoreUnavailableError(error: unknown): boolean {
  for (let current: any = error, depth = 0; current && depth < 3; current = current.driverError ?? current.cause, depth++) {
    if (current instanceof StoreUnavailableError) return true;
    if (UNAVAILABLE_ERROR_CODES.has(current.code)) return true;
    if (UNAVAILABLE_ERROR_NAMES.has(current.name) || UNAVAILABLE_ERROR_NAMES.has(current.constructor?.name)) return true;
    if (typeof current.message === 'string' && UNAVAILABLE_MESSAGE.test(current.message)) return true;
  }
  return false;
}

/** Tells work that runs under a deadline whether its caller has already given up. @internal */
export interface Deadline {
  readonly expired: boolean;
}

/**
 * Runs a store call with a deadline: a hung database answers StoreUnavailableError after
 * `timeoutMs` instead of holding the request open; outage errors become the same error.
 * Anything else (a bug) is rethrown untouched so it stays a 500. The work keeps running
 * after the deadline (a query cannot be recalled), so it checks `deadline.expired` before
 * anything that consumes (a credit, a rate-limit count): a 503 is not charged.
 * @internal
 */
export async function withStoreDeadline<T>(work: (deadline: Deadline) => Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const state = { expired: false };
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      state.expired = true;
      reject(new StoreUnavailableError(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([work(state), deadline]);
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw error;
    if (isStoreUnavailableError(error)) throw new StoreUnavailableError((error as Error).message);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
