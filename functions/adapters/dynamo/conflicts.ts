import { backoffDelayMs } from '../../../models/batching.ts';
import { sleep } from '../../lib/timers.ts';

/** True when a write's ConditionExpression failed: the item was not as the writer expected. */
export const isConditionFailed = (error: unknown): boolean =>
  (error as Error).name === 'ConditionalCheckFailedException';

/**
 * A conditional write: true when it was made, false when its condition failed (a stale or
 * duplicate write, a lost race); any other error is thrown.
 */
export async function conditionally(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (isConditionFailed(error)) return false;
    throw error;
  }
}

/**
 * Runs `attempt` (given its number, 0 first) until it is not a 'conflict' (a marker or version
 * check lost to a concurrent writer: read again and retry), backing off with full jitter before
 * each retry; gives up, naming `what`, after `maxRetries`, so the batch fails and is redelivered
 * rather than spinning.
 */
export async function untilNoConflict<T>(
  attempt: (n: number) => Promise<T | 'conflict'>,
  what: string | (() => string),
  { maxRetries = 8, wait = sleep }: { maxRetries?: number; wait?: (ms: number) => Promise<void> } = {},
): Promise<T> {
  for (let n = 0; ; n++) {
    if (n > maxRetries) throw new Error(`${typeof what === 'string' ? what : what()} kept conflicting`);
    if (n > 0) await wait(backoffDelayMs(n));
    const result = await attempt(n);
    if (result !== 'conflict') return result;
  }
}
