import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { backoffDelayMs, chunk } from '../../../models/batching.ts';
import { documentClient } from '../../lib/aws.ts';
import { sleep } from '../../lib/timers.ts';

export class UnprocessedItemsError extends Error {
  constructor(
    readonly table: string,
    readonly remaining: number,
  ) {
    super(`${remaining} items to ${table} stayed unprocessed after every retry`);
    this.name = 'UnprocessedItemsError';
  }
}

/**
 * Writes many items with BatchWriteItem (25 per call, `concurrency` calls in flight). Items that
 * come back in UnprocessedItems are retried with full-jitter backoff; if some still remain after
 * `maxAttempts`, it throws with their count rather than report success.
 */
export async function batchWriteAll(
  table: string,
  items: readonly Record<string, unknown>[],
  {
    client = documentClient(),
    concurrency = 8,
    maxAttempts = 8,
    wait = sleep,
    onWritten,
    signal,
  }: {
    client?: DynamoDBDocumentClient;
    concurrency?: number;
    maxAttempts?: number;
    wait?: (ms: number) => Promise<void>;
    /** Called with the running total after each call, for progress reports. */
    onWritten?: (written: number) => void;
    /** Stops taking new chunks (the calls in flight finish) and rejects with the signal's reason. */
    signal?: AbortSignal;
  } = {},
): Promise<number> {
  const { chunks } = chunk(items, { maxCount: 25 });
  let next = 0;
  let written = 0;
  const worker = async () => {
    while (next < chunks.length) {
      signal?.throwIfAborted();
      let requests = chunks[next++]!.map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt >= maxAttempts) throw new UnprocessedItemsError(table, requests.length);
        if (attempt > 0) await wait(backoffDelayMs(attempt));
        const out = await client.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
        const unprocessed = (out.UnprocessedItems?.[table] ?? []) as typeof requests;
        written += requests.length - unprocessed.length;
        requests = unprocessed;
        onWritten?.(written);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length) }, worker));
  return written;
}
