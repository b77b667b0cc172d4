import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { backoffDelayMs, chunk } from '../../../models/batching.ts';
import { documentClient } from '../../lib/aws.ts';
import { sleep } from '../../lib/timers.ts';

export type KeysByTable = Record<string, Record<string, unknown>[]>;
export type ItemsByTable = Record<string, Record<string, unknown>[]>;

export class UnprocessedKeysError extends Error {
  constructor(readonly remaining: number) {
    super(`${remaining} keys stayed unprocessed after every retry`);
    this.name = 'UnprocessedKeysError';
  }
}

/**
 * BatchGetItem over several tables at once (100 keys per call, calls in parallel). Keys returned
 * in UnprocessedKeys are retried with full-jitter backoff; if some remain after `maxAttempts` it
 * throws rather than answer with a silently partial result. `onCall` counts round trips.
 */
export async function batchGetAll(
  keys: KeysByTable,
  {
    client = documentClient(),
    maxAttempts = 6,
    wait = sleep,
    onCall,
    consistent = false,
  }: {
    client?: DynamoDBDocumentClient;
    maxAttempts?: number;
    wait?: (ms: number) => Promise<void>;
    onCall?: () => void;
    /** Strongly consistent reads: the reader must see what a previous step has just written. */
    consistent?: boolean;
  } = {},
): Promise<ItemsByTable> {
  const flat = Object.entries(keys).flatMap(([table, ks]) => dedupeKeys(ks).map((key) => ({ table, key })));
  const result: ItemsByTable = Object.fromEntries(Object.keys(keys).map((t) => [t, []]));
  const { chunks } = chunk(flat, { maxCount: 100 });
  await Promise.all(
    chunks.map(async (part) => {
      let request: KeysByTable = {};
      for (const { table, key } of part) request[table] = [...(request[table] ?? []), key];
      for (let attempt = 0; Object.keys(request).length > 0; attempt++) {
        if (attempt >= maxAttempts) {
          throw new UnprocessedKeysError(Object.values(request).reduce((n, ks) => n + ks.length, 0));
        }
        if (attempt > 0) await wait(backoffDelayMs(attempt));
        onCall?.();
        const out = await client.send(
          new BatchGetCommand({
            RequestItems: Object.fromEntries(
              Object.entries(request).map(([t, Keys]) => [
                t,
                { Keys, ...(consistent ? { ConsistentRead: true } : {}) },
              ]),
            ),
          }),
        );
        for (const [table, items] of Object.entries(out.Responses ?? {})) result[table]!.push(...items);
        request = Object.fromEntries(
          Object.entries(out.UnprocessedKeys ?? {}).map(([t, v]) => [
            t,
            (v.Keys ?? []) as Record<string, unknown>[],
          ]),
        );
      }
    }),
  );
  return result;
}

/** BatchGetItem refuses a request that names the same key twice. */
function dedupeKeys(keys: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  const seen = new Set<string>();
  return keys.filter((k) => {
    const id = JSON.stringify(Object.entries(k).sort());
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
