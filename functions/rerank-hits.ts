import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from 'zod';
import { SignalsAggregated } from '../events/hits.ts';
import { rerankTouched } from '../models/hits/rerank.ts';
import {
  mergePriors,
  rewriteCategoryLists,
  rewriteGlobalList,
  scoreShard,
  shardPriors,
} from '../models/hits/sharded.ts';
import { hitModelCache } from './adapters/hit-model-cache.ts';
import { dynamoHitStore } from './adapters/hits-store.ts';
import { nowMs } from './lib/clock.ts';
import { tableName } from './lib/config.ts';
import { logger } from './lib/logger.ts';
import { countMetric } from './lib/metrics.ts';
import { busBatchConsumer } from './lib/queue.ts';
import { stepHandler } from './lib/step.ts';

const names = {
  products: tableName('products'),
  signals: tableName('signals'),
  hitscores: tableName('hitscores'),
  rankings: tableName('rankings'),
};
const store = dynamoHitStore(names, { onPublished: (n) => countMetric('HitRankingUpdates', n) });

const model = hitModelCache(tableName('hitmodels'));

const onSignals = busBatchConsumer(SignalsAggregated, async (batches) => {
  const ids = [...new Set(batches.flatMap((b) => b.productIds))];
  const report = await rerankTouched(store, await model.current(), ids, nowMs());
  logger.info('re-ranked', { ...report });
});

/**
 * A step of the hourly full re-rank (models/hits/sharded.ts), from its state machine on AWS or the
 * local runner (infra/topology/sharded.ts declares both): every step of a run has its `runAt`.
 */
const RerankStep = z
  .discriminatedUnion('step', [
    z.object({ step: z.enum(['shard-priors', 'score-shard', 'rewrite-lists']), shard: z.int().min(0) }),
    z.object({ step: z.enum(['merge-priors', 'rewrite-global']) }),
  ])
  .and(
    z.object({
      job: z.literal('rerank-all'),
      runAt: z.iso.datetime({ offset: true }).transform((t) => new Date(t).toISOString()),
      shards: z.int().min(1).max(1000),
    }),
  );

async function rerankStep(input: z.infer<typeof RerankStep>) {
  const run = { runAt: input.runAt, shards: input.shards };
  switch (input.step) {
    case 'shard-priors':
      return shardPriors(store, input.shard, run);
    case 'merge-priors':
      return mergePriors(store, run);
    case 'score-shard':
      // Looked up on every shard (one small Query): a run that a new model started (HitModelTrained)
      // scores with it, not with the one a warm container holds for its TTL.
      return scoreShard(store, await model.reload(), input.shard, run);
    case 'rewrite-lists':
      return rewriteCategoryLists(store, input.shard, run);
    case 'rewrite-global': {
      const report = await rewriteGlobalList(store, run);
      logger.info('full re-rank (in shards)', { ...report, runAt: run.runAt, shards: run.shards });
      return report;
    }
  }
}

const onStep = stepHandler(RerankStep, rerankStep);

export async function handler(
  event: SQSEvent | unknown,
  context: Context,
): Promise<SQSBatchResponse | unknown> {
  if (typeof event === 'object' && event !== null && 'Records' in event) {
    return onSignals(event as SQSEvent, context);
  }
  if (typeof event === 'object' && event !== null && 'step' in event) return onStep(event, context);
  throw new Error('rerank-hits takes SQS batches of SignalsAggregated and the steps of rerank-all');
}
