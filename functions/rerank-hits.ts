import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from 'zod';
import { HitModelTrained, SignalsAggregated } from '../events/hits.ts';
import { defaultHitArtifact } from '../models/hits/default-model.ts';
import { type HitModel, hitProbabilities, loadHitModel, positiveWeightOf } from '../models/hits/model.ts';
import { type HitScorer, rerankAll, rerankTouched } from '../models/hits/rerank.ts';
import { dynamoHitStore, latestHitModel } from './adapters/hits-store.ts';
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

/** How long a container keeps its model before looking for a newer one in hitmodels. */
const MODEL_TTL_MS = 5 * 60_000;
let cached: { scorer: HitScorer; loadedAt: number } | undefined;

/**
 * The newest stored model, else the one bundled with the code. Loaded once per container and
 * looked up again after MODEL_TTL_MS, or at once when a HitModelTrained event says there is news.
 */
async function scorer(fresh = false): Promise<HitScorer> {
  if (cached && !fresh && nowMs() - cached.loadedAt < MODEL_TTL_MS) return cached.scorer;
  const artifact = (await latestHitModel(tableName('hitmodels'))) ?? defaultHitArtifact;
  const previous = cached;
  if (previous?.scorer.version === artifact.manifest.version) {
    previous.loadedAt = nowMs();
    return previous.scorer;
  }
  const model: HitModel = await loadHitModel(artifact);
  const weight = positiveWeightOf(artifact.manifest);
  const next: HitScorer = {
    version: artifact.manifest.version,
    score: (vectors) => hitProbabilities(model, vectors, weight),
  };
  cached = { scorer: next, loadedAt: nowMs() };
  logger.info('hit model loaded', { modelVersion: next.version });
  return next;
}

const onSignals = busBatchConsumer(SignalsAggregated, async (batches) => {
  const ids = [...new Set(batches.flatMap((b) => b.productIds))];
  const report = await rerankTouched(store, await scorer(), ids, nowMs());
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
    const report = await rerankAll(store, await scorer(), nowMs());
    countMetric('HitRankingUpdates', report.events);
    logger.info('full re-rank (scheduled)', { ...report });
    return undefined;
  }
  const direct = DirectEvent.parse(event);
  if (direct['detail-type'] === 'HitModelTrained') {
    const trained = HitModelTrained.parse(direct.detail);
    const s = await scorer(true);
    logger.info('full re-rank (new model)', {
      announced: trained.modelVersion,
      modelVersion: s.version,
      ...(await rerankAll(store, s, nowMs())),
    });
    return undefined;
  }
  throw new Error(`rerank-hits does not handle ${direct['detail-type']}`);
}
