/**
 * The functions' timers. Adapters that wait (a retry's backoff) take `wait` as an option defaulting
 * to `sleep`, so tests pass one that does not.
 */

export const sleep = (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms));
