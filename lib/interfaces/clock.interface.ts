/**
 * Source of "now" for every expiry, idle, grace and refill decision. Inject a fake one in
 * tests to move time without sleeping.
 *
 * @example
 * ApiKeysModule.forRoot({ clock: { now: () => fakeNow } })
 */
export interface ApiKeysClock {
  /** Current time in epoch milliseconds. */
  now(): number;
}

export const systemClock: ApiKeysClock = { now: () => Date.now() };
