import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import type { HitModelTrained } from '../events/hits.ts';
import { RETRAIN_HISTORY_DAYS, retrainHits, retrainWindow } from '../models/hits/retrain.ts';
import { DailySeries, DailySignalRow } from '../models/lake/jobs/hit-daily-signals.ts';
import { publishEvents } from './adapters/event-publisher.ts';
import { currentHitArtifact } from './adapters/hit-model-cache.ts';
import { putHitModel, scanProductInfo } from './adapters/hits-store.ts';
import { listResultFiles, readResultRows } from './adapters/lake-results.ts';
import { nowDate } from './lib/clock.ts';
import { tableName } from './lib/config.ts';
import { collectGarbage } from './lib/gc.ts';
import { logger } from './lib/logger.ts';
import { stepHandler } from './lib/step.ts';

/**
 * The retraining, the second step of the lake's hit-daily-signals job (infra/topology/lake.ts):
 * the query wrote the daily per-product signals of the last 56 days (`files` locally, `prefix` on
 * S3), and this trains on them. Epochs can be lowered for a quick run.
 */
const RetrainJob = z
  .object({
    job: z.literal('hit-daily-signals'),
    runAt: z.iso.datetime({ offset: true }),
    files: z.array(z.string().min(1)).optional(),
    prefix: z.string().min(1).optional(),
    epochs: z.int().min(1).max(200).default(30),
    /** `always`: an operator's override, e.g. after the features changed and no comparison is fair. */
    promote: z.enum(['if-better', 'always']).default('if-better'),
  })
  .refine((e) => (e.files === undefined) !== (e.prefix === undefined), 'give files or prefix, not both');

export const handler = stepHandler(RetrainJob, async (job) => {
  const now = nowDate();
  const { startMs, endMs } = retrainWindow(Date.parse(job.runAt), RETRAIN_HISTORY_DAYS);
  // Streamed into the series: the rows are never held as objects (npm run bench:retrain).
  const daily = new DailySeries();
  for (const file of job.files ?? (await listResultFiles(job.prefix!))) {
    for await (const row of readResultRows(file)) daily.add(DailySignalRow.parse(row));
  }
  const series = daily.build();
  collectGarbage();
  const products = await scanProductInfo(tableName('products'));
  const current = await currentHitArtifact(tableName('hitmodels'));
  const result = await retrainHits(
    { products, series },
    { startMs, endMs, now },
    job.promote === 'always' ? undefined : current,
    // Between phases (models/hits/retrain.ts).
    { epochs: job.epochs, collect: collectGarbage },
  );
  if (result.status === 'skipped') {
    logger.warn('hit model not retrained', { reason: result.reason, dailyRows: daily.rows });
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
});
