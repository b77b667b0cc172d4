import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type * as z from 'zod';
import { logger } from './logger.ts';

/**
 * The middy chain of a function a state machine invokes (a lake job's query and results steps, the
 * retraining, the full re-rank's steps): the invocation's context in every log line, as the HTTP
 * and queue functions have it (on AWS, and locally for one call at a time: the local runtime's
 * concurrent calls share one logger), and the input parsed with zod. A malformed input throws, so the
 * task fails where the state machine's retries and alarms see it; there is no HTTP status to map.
 */
export function stepHandler<S extends z.ZodType, R>(
  input: S,
  run: (parsed: z.output<S>, context: Context) => Promise<R>,
) {
  return middy<unknown, R, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event, context) => run(input.parse(event), context));
}
