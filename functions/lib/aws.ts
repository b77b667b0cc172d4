import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { env } from './config.ts';

/**
 * DynamoDB clients, created once per container (on first use) and reused across invocations; the
 * EventBridge client is in eventbridge.ts, so that a function that never publishes does not bundle
 * it. Adapters take a client as an argument defaulting to these, so tests hand in a mock or a
 * client of the embedded store. The SDK's standard retry mode already backs off with jitter on
 * throttling; maxAttempts is raised because a throttled write that gives up becomes a redelivered
 * batch.
 *
 * `once(...)` calls are marked pure: creating the accessor has no effect, so esbuild may drop an
 * accessor (and the SDK client behind it) that a function's bundle never calls.
 */
export const once = <T>(make: () => T): (() => T) => {
  let made: T | undefined;
  return () => {
    made ??= make();
    return made;
  };
};

export const dynamoDb = /* @__PURE__ */ once(
  () =>
    new DynamoDBClient({
      region: env().AWS_REGION,
      maxAttempts: 6,
      ...(env().DYNAMODB_ENDPOINT ? { endpoint: env().DYNAMODB_ENDPOINT } : {}),
    }),
);

export const documentClient = /* @__PURE__ */ once(() =>
  DynamoDBDocumentClient.from(dynamoDb(), { marshallOptions: { removeUndefinedValues: true } }),
);
