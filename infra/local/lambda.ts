import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { FunctionDecl } from '../topology.ts';

export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

export class LambdaTimeoutError extends Error {
  override name = 'LambdaTimeoutError';
}

/**
 * Invokes a handler as the Lambda runtime would: a fresh context per call and the function's
 * declared timeout enforced, so a slow handler fails locally the way it would on AWS.
 */
export async function invokeLocal(
  fn: FunctionDecl,
  handler: LambdaHandler,
  event: unknown,
): Promise<unknown> {
  const started = Date.now();
  const deadline = started + fn.timeoutSeconds * 1000;
  const requestId = randomUUID();
  const context: Context = {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `merchandiser-local-${fn.id}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:merchandiser-local-${fn.id}`,
    memoryLimitInMB: String(fn.memoryMb),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/merchandiser-local-${fn.id}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new LambdaTimeoutError(`${fn.id} timed out after ${fn.timeoutSeconds} s`)),
      fn.timeoutSeconds * 1000,
    );
  });
  try {
    return await Promise.race([handler(event, context), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
