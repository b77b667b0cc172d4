import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { once } from './aws.ts';
import { env } from './config.ts';

/**
 * The EventBridge client, created once per container on first use. It lives apart from the
 * DynamoDB clients (aws.ts), and its accessor is marked pure, so that a function that never
 * publishes does not bundle the client, even when it imports an adapter that can publish
 * (hits-read reads through hits-store, whose re-ranking side publishes).
 */
export const eventBridge = /* @__PURE__ */ once(
  () =>
    new EventBridgeClient({
      region: env().AWS_REGION,
      maxAttempts: 4,
      ...(env().EVENTBRIDGE_ENDPOINT ? { endpoint: env().EVENTBRIDGE_ENDPOINT } : {}),
    }),
);
