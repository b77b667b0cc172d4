import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { env } from './config.ts';

/**
 * AWS clients, created once per container (on first use) and reused across invocations. Adapters take a client
 * as an argument defaulting to these, so tests hand in a mock or a client of the embedded store.
 * The SDK's standard retry mode already backs off with jitter on throttling; maxAttempts is raised
 * because a throttled write that gives up becomes a redelivered batch.
 */
const once = <T>(make: () => T): (() => T) => {
  let made: T | undefined;
  return () => {
    made ??= make();
    return made;
  };
};

export const dynamoDb = once(
  () =>
    new DynamoDBClient({
      region: env().AWS_REGION,
      maxAttempts: 6,
      ...(env().DYNAMODB_ENDPOINT ? { endpoint: env().DYNAMODB_ENDPOINT } : {}),
    }),
);

export const documentClient = once(() =>
  DynamoDBDocumentClient.from(dynamoDb(), { marshallOptions: { removeUndefinedValues: true } }),
);

export const eventBridge = once(
  () =>
    new EventBridgeClient({
      region: env().AWS_REGION,
      maxAttempts: 4,
      ...(env().EVENTBRIDGE_ENDPOINT ? { endpoint: env().EVENTBRIDGE_ENDPOINT } : {}),
    }),
);
