/** A settable clock for the `clock` option: time moves only when a test moves it. */
export function fakeClock(start: number) {
  let now = start;
  return {
    now: () => now,
    set: (ms: number) => void (now = ms),
    advance: (ms: number) => void (now += ms),
  };
}

export type FakeClock = ReturnType<typeof fakeClock>;
