/**
 * The functions' timers: waiting (a retry's backoff) and bounding how long something may take.
 * Adapters that wait take `wait` as an option defaulting to `sleep`, so tests pass one that does not.
 */

export const sleep = (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What `withinBudget` rejects with when the budget ran out first. */
export class OverBudgetError extends Error {
  constructor(readonly budgetMs: number) {
    super('took longer than its budget');
    this.name = 'OverBudgetError';
  }
}

/**
 * `work`'s outcome if it settles within `ms`, else a rejection with `OverBudgetError` (or
 * `overBudget()`'s error). The timer is cleared either way, so it never holds the event loop (or
 * a Lambda invocation) open. `work` itself is not cancelled: it runs on, and a later rejection of
 * it counts as handled.
 */
export async function withinBudget<T>(
  work: Promise<T>,
  ms: number,
  overBudget: () => Error = () => new OverBudgetError(ms),
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(overBudget()), ms);
  });
  try {
    return await Promise.race([work, budget]);
  } finally {
    clearTimeout(timer);
  }
}
