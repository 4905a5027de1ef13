import { StoreUnavailableError } from '../api-keys.errors.js';
import { isConnectionFailure } from './driver-errors.js';

/** Whether an error means "the store is down or too slow" (503) rather than a bug (500). @internal */
export function isStoreUnavailableError(error: unknown): boolean {
  for (let current: any = error, depth = 0; current && depth < 3; current = current.driverError ?? current.cause, depth++) {
    if (current instanceof StoreUnavailableError) return true;
  }
  return isConnectionFailure(error);
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
