import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import type { BehaviourEvent } from '../events/behaviour.ts';
import type { HitModelTrained } from '../events/hits.ts';
import { historyFromEvents } from '../models/hits/dataset.ts';
import { RETRAIN_HISTORY_DAYS, retrainHits, retrainWindow } from '../models/hits/retrain.ts';
import { publishEvents } from './adapters/event-publisher.ts';
import { readEventLog } from './adapters/eventlog-store.ts';
import { currentHitArtifact } from './adapters/hit-model-cache.ts';
import { putHitModel, scanProductInfo } from './adapters/hits-store.ts';
import { nowDate } from './lib/clock.ts';
import { tableName } from './lib/config.ts';
import { logger } from './lib/logger.ts';

/** The schedule's input (infra/topology.ts); epochs and days can be lowered for a quick run. */
const RetrainJob = z.object({
  job: z.literal('retrain'),
  days: z.int().min(21).max(120).default(RETRAIN_HISTORY_DAYS),
  epochs: z.int().min(1).max(200).default(30),
  /** `always`: an operator's override, e.g. after the features changed and no comparison is fair. */
  promote: z.enum(['if-better', 'always']).default('if-better'),
});

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export async function handler(event: unknown) {
  const job = RetrainJob.parse(event);
  const now = nowDate();
  const { startMs, endMs } = retrainWindow(now.getTime(), job.days);
  const events: BehaviourEvent[] = [];
  for await (const batch of readEventLog(tableName('eventlog'), {
    fromDay: day(startMs),
    toDay: day(endMs - 1),
  })) {
    events.push(...batch);
  }
  const products = await scanProductInfo(tableName('products'));
  const current = await currentHitArtifact(tableName('hitmodels'));
  const result = await retrainHits(
    historyFromEvents(products, events),
    { startMs, endMs, now },
    job.promote === 'always' ? undefined : current,
    { epochs: job.epochs },
  );
  if (result.status === 'skipped') {
    logger.warn('hit model not retrained', { reason: result.reason, events: events.length });
    return { status: result.status, reason: result.reason };
  }
  logger.info('hit model retrained', {
    status: result.status,
    version: result.artifact.manifest.version,
    ...result.metrics,
    ...result.rows,
  });
  if (result.status === 'promoted') {
    await putHitModel(tableName('hitmodels'), result.artifact);
    const trained: HitModelTrained = {
      type: 'HitModelTrained',
      eventId: `model-${randomUUID()}`,
      occurredAt: now.toISOString(),
      version: 1,
      modelVersion: result.artifact.manifest.version,
      metrics: {
        precision20: result.metrics.precision20,
        auc: Number.isNaN(result.metrics.auc) ? null : result.metrics.auc,
        previousPrecision20: result.metrics.currentPrecision20,
        previousAuc: result.metrics.currentAuc,
      },
    };
    const { failed } = await publishEvents([trained]);
    // The model is stored either way; the hourly re-rank would pick it up within the hour.
    if (failed.length > 0) throw new Error('HitModelTrained was not published');
  }
  return { status: result.status, modelVersion: result.artifact.manifest.version, ...result.metrics };
}
