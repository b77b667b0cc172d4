import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { BehaviourEvent } from '../../events/behaviour.ts';
import { eventLogExpiry, eventLogKey } from '../../models/eventlog.ts';
import { documentClient } from '../lib/aws.ts';

export const eventLogItem = (event: BehaviourEvent) => ({
  ...eventLogKey(event),
  type: event.type,
  detail: event,
  expiresAt: eventLogExpiry(event),
});

/** Appends the event unless it is already there. Returns false for a duplicate delivery. */
export async function appendToEventLog(
  table: string,
  event: BehaviourEvent,
  client: DynamoDBDocumentClient = documentClient,
): Promise<boolean> {
  try {
    await client.send(
      new PutCommand({
        TableName: table,
        Item: eventLogItem(event),
        // `bucket` is a DynamoDB reserved word, hence the placeholder.
        ConditionExpression: 'attribute_not_exists(#b)',
        ExpressionAttributeNames: { '#b': 'bucket' },
      }),
    );
    return true;
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}
