import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from 'zod';
import { HitModelTrained, SignalsAggregated } from '../events/hits.ts';
import { rerankAll, rerankTouched } from '../models/hits/rerank.ts';
import { hitModelCache } from './adapters/hit-model-cache.ts';
import { dynamoHitStore } from './adapters/hits-store.ts';
import { nowMs } from './lib/clock.ts';
import { tableName } from './lib/config.ts';
import { logger } from './lib/logger.ts';
import { countMetric } from './lib/metrics.ts';
import { busBatchConsumer } from './lib/queue.ts';

const names = {
  products: tableName('products'),
  signals: tableName('signals'),
  hitscores: tableName('hitscores'),
  rankings: tableName('rankings'),
};
const store = dynamoHitStore(names);

const model = hitModelCache(tableName('hitmodels'));

const onSignals = busBatchConsumer(SignalsAggregated, async (batches) => {
  const ids = [...new Set(batches.flatMap((b) => b.productIds))];
  const report = await rerankTouched(store, await model.current(), ids, nowMs());
  countMetric('HitRankingUpdates', report.events);
  logger.info('re-ranked', { ...report });
});

/** EventBridge's direct invocation (HitModelTrained) and the scheduled full re-rank. */
const DirectEvent = z.object({ 'detail-type': z.string(), detail: z.unknown() });
const ScheduledJob = z.object({ job: z.literal('rerank-all') });

export async function handler(
  event: SQSEvent | unknown,
  context: Context,
): Promise<SQSBatchResponse | undefined> {
  if (typeof event === 'object' && event !== null && 'Records' in event) {
    return onSignals(event as SQSEvent, context);
  }
  const job = ScheduledJob.safeParse(event);
  if (job.success) {
    const report = await rerankAll(store, await model.current(), nowMs());
    countMetric('HitRankingUpdates', report.events);
    logger.info('full re-rank (scheduled)', { ...report });
    return undefined;
  }
  const direct = DirectEvent.parse(event);
  if (direct['detail-type'] === 'HitModelTrained') {
    const trained = HitModelTrained.parse(direct.detail);
    const s = await model.reload();
    logger.info('full re-rank (new model)', {
      announced: trained.modelVersion,
      modelVersion: s.version,
      ...(await rerankAll(store, s, nowMs())),
    });
    return undefined;
  }
  throw new Error(`rerank-hits does not handle ${direct['detail-type']}`);
}
