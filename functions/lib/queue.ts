import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import { fromItsSource } from '../../events/registry.ts';
import { logger } from './logger.ts';

/** The EventBridge event as an SQS target receives it: the whole event is the message body. */
const BusEnvelope = z.object({
  id: z.string(),
  source: z.string(),
  'detail-type': z.string(),
  detail: z.unknown(),
});

/**
 * A record's detail, parsed, if it travelled under the source the registry names for its type: an
 * order or review put on the bus under the storefront's source (or any other but the shop's) is
 * refused here too, not only by the rules' patterns.
 */
function detailOf<S extends z.ZodType>(record: SQSRecord, detailSchema: S): z.output<S> {
  const envelope = BusEnvelope.parse(JSON.parse(record.body));
  const type = (envelope.detail as { type?: unknown } | null)?.type;
  if (typeof type !== 'string' || !fromItsSource(type, envelope.source)) {
    throw new Error(`a ${String(type)} event from ${envelope.source} is not from its source`);
  }
  return detailSchema.parse(envelope.detail);
}

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
    await apply(detailOf(record, detailSchema));
  };
  return middy<SQSEvent, SQSBatchResponse, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event, context) =>
      processPartialResponse(event, onRecord, processor, { context, throwOnFullBatchFailure: false }),
    );
}

/** How many times a failed batch is applied again, in halves, to find the records that fail it. */
const MAX_ISOLATING_APPLIES = 24;

/**
 * A queue-fed consumer that applies a whole batch at once (to write once per product per batch,
 * not once per event). A record whose body or detail does not parse is reported failed alone
 * (and ends in the DLQ). If applying the batch throws, the batch is applied again in halves, and
 * each half that fails in halves again, so that a record that makes any batch fail (one no write
 * can hold, say) is reported failed alone and its neighbours are applied now: a bystander's order
 * is never sent to the DLQ with an attacker's. Applying again is safe because every consumer's
 * bookkeeping is exactly-once per business key. When the failure is not one record's (the store
 * is down), the halves fail too; after MAX_ISOLATING_APPLIES the rest is reported failed and
 * redelivered whole.
 */
export function busBatchConsumer<S extends z.ZodType>(
  detailSchema: S,
  apply: (details: z.output<S>[]) => Promise<void>,
) {
  return middy<SQSEvent, SQSBatchResponse, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event) => {
      const failures: { itemIdentifier: string }[] = [];
      const parsed: { id: string; detail: z.output<S> }[] = [];
      for (const record of event.Records) {
        try {
          parsed.push({ id: record.messageId, detail: detailOf(record, detailSchema) });
        } catch (error) {
          logger.warn('unreadable record', { messageId: record.messageId, error: (error as Error).message });
          failures.push({ itemIdentifier: record.messageId });
        }
      }
      let budget = MAX_ISOLATING_APPLIES;
      const applyIsolating = async (part: typeof parsed, retry: boolean): Promise<void> => {
        if (part.length === 0) return;
        if (retry && budget-- <= 0) {
          failures.push(...part.map((p) => ({ itemIdentifier: p.id })));
          return;
        }
        try {
          await apply(part.map((p) => p.detail));
        } catch (error) {
          if (part.length === 1) {
            logger.error('record failed its batch; it alone will be redelivered', {
              messageId: part[0]!.id,
              error: (error as Error).message,
            });
            failures.push({ itemIdentifier: part[0]!.id });
            return;
          }
          const half = Math.ceil(part.length / 2);
          await applyIsolating(part.slice(0, half), true);
          await applyIsolating(part.slice(half), true);
        }
      };
      await applyIsolating(parsed, false);
      return { batchItemFailures: failures };
    });
}
