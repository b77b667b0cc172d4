import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { type FunctionDecl, type FunctionId, functions } from '../topology.ts';

const ROOT = resolve(import.meta.dirname, '../..');

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

/**
 * Imports every declared function's module, in declaration order, and adds its handler to
 * `handlers` as soon as it is loaded. Call it once the handlers' environment is set: their modules
 * read process.env when first evaluated.
 */
export async function loadHandlers(handlers: Map<FunctionId, LambdaHandler>): Promise<void> {
  for (const fn of functions) {
    const module = (await import(pathToFileURL(resolve(ROOT, fn.entry)).href)) as {
      handler?: LambdaHandler;
    };
    if (typeof module.handler !== 'function') throw new Error(`${fn.entry} does not export a handler`);
    handlers.set(fn.id, module.handler);
  }
}
