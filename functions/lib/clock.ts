/**
 * The functions' clock. On Lambda it is the wall clock. The local runtime sets its own (see
 * `startRuntime({ now })`), so that a seeded history, the handlers and the tests agree on what
 * "now" is on any calendar day: a history that ends on 23 November and a retrain that reads the
 * wall clock two weeks later would find nothing to learn from. Domain code never reads it: it
 * takes `now` as an argument; handlers and adapters read it here (`nowMs`, `nowDate`), never `Date` directly.
 */
let source: () => number = Date.now;

/** Milliseconds since the epoch, by the current clock. */
export const nowMs = (): number => source();

/** The current instant, by the current clock. */
export const nowDate = (): Date => new Date(source());

/** Replaces the clock for this process (the local runtime's composition root does this, once). */
export function useClock(next: () => number): void {
  source = next;
}
