import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { type Runtime, type RuntimeOptions, startRuntime } from '../../infra/local/runtime.ts';
import { type TestClock, testClock } from './clock.ts';

export interface TestRuntime extends Runtime {
  /** The runtime's clock: starts at TEST_NOW, runs with real time, and can be moved forward. */
  clock: TestClock;
  /** A document client on the run's DynamoDB Local, for reading and planting items. */
  doc: DynamoDBDocumentClient;
}

/**
 * The local runtime as every e2e file boots it: in memory, on the run's shared DynamoDB Local
 * under its own table prefix, a free port, short queue windows, nothing seeded unless asked, and
 * the test's clock (never the wall clock).
 */
export async function startTestRuntime(
  prefix: string,
  options: Omit<RuntimeOptions, 'now'> = {},
): Promise<TestRuntime> {
  const clock = testClock();
  const rt = await startRuntime({
    port: 0,
    memory: true,
    dynamoEndpoint: inject('dynamoEndpoint'),
    tablePrefix: `${prefix}${randomUUID().slice(0, 6)}-`,
    seed: 'never',
    busWindowMs: 20,
    ...options,
    now: clock,
  });
  const doc = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: rt.dynamoEndpoint, region: 'us-east-1' }),
    {
      marshallOptions: { removeUndefinedValues: true },
    },
  );
  return Object.assign(rt, { clock, doc });
}
