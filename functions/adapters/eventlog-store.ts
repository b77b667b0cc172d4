import { gunzipSync, gzipSync } from 'node:zlib';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { BehaviourEvent } from '../../events/behaviour.ts';
import {
  daysBetween,
  EVENTLOG_SEGMENT_PREFIX,
  eventLogBuckets,
  eventLogExpiry,
  eventLogKey,
  eventLogSegments,
  mergeBucketEvents,
} from '../../models/eventlog.ts';
import { documentClient } from '../lib/aws.ts';
import { batchWriteAll } from './dynamo/batch-write.ts';
import { conditionally } from './dynamo/conflicts.ts';
import { allPages } from './dynamo/paging.ts';

export const eventLogItem = (event: BehaviourEvent) => ({
  ...eventLogKey(event),
  eventId: event.eventId,
  type: event.type,
  // One string attribute, not a nested map: replays parse it anyway, and it writes several times faster.
  detail: JSON.stringify(event),
  expiresAt: eventLogExpiry(event),
});

/** Appends the event unless it is already there. Returns false for a duplicate delivery. */
export async function appendToEventLog(
  table: string,
  event: BehaviourEvent,
  client: DynamoDBDocumentClient = documentClient(),
): Promise<boolean> {
  return conditionally(
    client.send(
      new PutCommand({
        TableName: table,
        Item: eventLogItem(event),
        // `bucket` is a DynamoDB reserved word, hence the placeholder.
        ConditionExpression: 'attribute_not_exists(#b)',
        ExpressionAttributeNames: { '#b': 'bucket' },
      }),
    ),
  );
}

/** Segment items for a bulk import; each expires with its newest event. */
export const eventLogSegmentItems = (events: readonly BehaviourEvent[]) =>
  eventLogSegments(events).map((s) => ({
    bucket: s.bucket,
    eventKey: s.eventKey,
    count: s.events.length,
    events: gzipSync(JSON.stringify(s.events)),
    expiresAt: Math.max(...s.events.map(eventLogExpiry)),
  }));

/** Writes a bulk import (history, backfill) as segments; safe to repeat. */
export async function importToEventLog(
  table: string,
  events: readonly BehaviourEvent[],
  options: { client?: DynamoDBDocumentClient; signal?: AbortSignal; concurrency?: number } = {},
): Promise<number> {
  await batchWriteAll(table, eventLogSegmentItems(events), {
    client: options.client ?? documentClient(),
    concurrency: options.concurrency ?? 4,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return events.length;
}

function decodeItem(item: Record<string, unknown>): BehaviourEvent[] {
  if (typeof item.eventKey === 'string' && item.eventKey.startsWith(EVENTLOG_SEGMENT_PREFIX)) {
    return JSON.parse(gunzipSync(item.events as Uint8Array).toString('utf8')) as BehaviourEvent[];
  }
  return [JSON.parse(item.detail as string) as BehaviourEvent];
}

async function readBucket(table: string, bucket: string, client: DynamoDBDocumentClient) {
  const items = await allPages((start) =>
    client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: '#b = :b',
        ExpressionAttributeNames: { '#b': 'bucket' },
        ExpressionAttributeValues: { ':b': bucket },
        ExclusiveStartKey: start,
      }),
    ),
  );
  return items.map(decodeItem);
}

/**
 * Replays the event log from one UTC day to another (both included), a day at a time in time
 * order, each event once. Days are read with their shards in parallel; memory holds one day.
 */
export async function* readEventLog(
  table: string,
  { fromDay, toDay }: { fromDay: string; toDay: string },
  client: DynamoDBDocumentClient = documentClient(),
): AsyncGenerator<BehaviourEvent[]> {
  for (const day of daysBetween(fromDay, toDay)) {
    const shards = await Promise.all(eventLogBuckets(day).map((b) => readBucket(table, b, client)));
    const events = mergeBucketEvents(shards.flat());
    if (events.length > 0) yield events;
  }
}
