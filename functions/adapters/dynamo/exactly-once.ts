import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { nowMs } from '../../lib/clock.ts';
import { batchGetAll } from './batch-get.ts';

/** DynamoDB's limit on items in one transaction. */
export const MAX_TRANSACT_ITEMS = 100;
/** How long an applied event's marker is kept: far longer than SQS redelivery can take. */
const MARKER_TTL_SECONDS = 7 * 24 * 3600;

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export const markerKey = (consumer: string, eventId: string) => `${consumer}#${eventId}`;

/**
 * The effect of some events, written exactly once: each transaction holds the events' markers
 * (Put if not exists, in `processed`) and the writes for one group of keys. Several events share
 * one transaction; one event whose keys outgrow a transaction (a large order, a search listing 100
 * products) is written in groups, each with its own marker, and the event's own marker last, so a
 * redelivery skips the groups already stored. `writesFor` must give the same keys on every attempt.
 * Returns 'conflict' when a condition failed (a duplicate or a concurrent writer): read again.
 */
export async function writeOnce<K>(
  {
    processed,
    consumer,
    eventIds,
    keys,
    writesFor,
  }: {
    processed: string;
    consumer: string;
    eventIds: readonly string[];
    keys: readonly K[];
    writesFor: (group: readonly K[]) => Promise<TransactItem[]>;
  },
  client: DynamoDBDocumentClient,
): Promise<'conflict' | 'too-big' | 'written'> {
  const groupSize = MAX_TRANSACT_ITEMS - eventIds.length;
  const groups: K[][] = [];
  for (let i = 0; i < keys.length; i += groupSize) groups.push(keys.slice(i, i + groupSize));
  const grouped = groups.length > 1;
  if (grouped && eventIds.length > 1) return 'too-big';
  const eventMarker = (id: string) => markerKey(consumer, id);
  const groupMarker = (g: number) => `${eventMarker(eventIds[0]!)}#${g + 1}of${groups.length}`;
  const groupsDone = new Set<string>();
  if (grouped) {
    const out = await batchGetAll(
      { [processed]: groups.map((_, g) => ({ processKey: groupMarker(g) })) },
      { client },
    );
    for (const i of out[processed] ?? []) groupsDone.add(i.processKey as string);
  }

  const expiresAt = Math.floor(nowMs() / 1000) + MARKER_TTL_SECONDS;
  for (const [g, group] of groups.entries()) {
    if (groupsDone.has(groupMarker(g))) continue;
    const markers = grouped ? [groupMarker(g)] : eventIds.map(eventMarker);
    try {
      await client.send(
        new TransactWriteCommand({
          TransactItems: [
            ...markers.map((processKey) => ({
              Put: {
                TableName: processed,
                Item: { processKey, expiresAt },
                ConditionExpression: 'attribute_not_exists(processKey)',
              },
            })),
            ...(await writesFor(group)),
          ],
        }),
      );
    } catch (error) {
      if ((error as Error).name === 'TransactionCanceledException') return 'conflict';
      throw error;
    }
  }
  if (grouped) {
    await client.send(
      new PutCommand({ TableName: processed, Item: { processKey: eventMarker(eventIds[0]!), expiresAt } }),
    );
  }
  return 'written';
}
