/**
 * The instant the time-sensitive tests run at. Fixed, so that a run on any calendar day sees the
 * same seeded history and the same answers; `MERCHANDISER_TEST_NOW` moves it, which is how
 * `npm run test:dates` runs those tests at month ends, a leap day, a Monday and a Sunday, and just
 * after and before midnight UTC.
 */
export const TEST_NOW = new Date(process.env.MERCHANDISER_TEST_NOW ?? '2026-11-23T09:30:00.000Z');
if (Number.isNaN(TEST_NOW.getTime())) {
  throw new Error(`MERCHANDISER_TEST_NOW is not an instant: ${process.env.MERCHANDISER_TEST_NOW}`);
}

export const DAY_MS = 86_400_000;

/** The start (00:00 UTC) of the day `ms` falls in: where the runtime anchors the demo history. */
export const startOfDayUtc = (ms: number): Date => new Date(Math.floor(ms / DAY_MS) * DAY_MS);

export interface TestClock {
  (): number;
  /** Moves the clock forward (a quote's expiry, a day's end) without waiting. */
  advance(ms: number): void;
}

/**
 * A clock that starts at `start` and runs at the pace of real time from there (queue windows and
 * time budgets still take real milliseconds), for `startRuntime({ now })` and the test's own
 * timestamps. It never goes backwards.
 */
export function testClock(start: Date = TEST_NOW): TestClock {
  const t0 = performance.now();
  let skew = 0;
  const clock = () => start.getTime() + Math.floor(performance.now() - t0) + skew;
  return Object.assign(clock, {
    advance(ms: number) {
      if (!(ms >= 0)) throw new RangeError('a test clock only moves forward');
      skew += ms;
    },
  });
}
