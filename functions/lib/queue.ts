import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { logger } from './logger.ts';

/** The EventBridge event as an SQS target receives it: the whole event is the message body. */
const BusEnvelope = z.object({
  id: z.string(),
  source: z.string(),
  'detail-type': z.string(),
  detail: z.unknown(),
});

/**
 * A queue-fed consumer of bus events. Records are processed concurrently; each failure is reported
 * as a partial batch failure so only that message is retried, and after the queue's
 * maxReceiveCount it moves to the dead-letter queue. A detail that does not parse fails as well:
 * it is kept in the DLQ for a person to look at, not dropped.
 */
export function busEventConsumer<S extends z.ZodType>(
  detailSchema: S,
  apply: (detail: z.output<S>) => Promise<void>,
) {
  const processor = new BatchProcessor(EventType.SQS);
  const onRecord = async (record: SQSRecord) => {
    const envelope = BusEnvelope.parse(JSON.parse(record.body));
    const detail = detailSchema.parse(envelope.detail);
    await apply(detail);
  };
  return middy<SQSEvent, SQSBatchResponse, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event, context) =>
      processPartialResponse(event, onRecord, processor, { context, throwOnFullBatchFailure: false }),
    );
}
