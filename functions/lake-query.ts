import * as z from 'zod';
import { LAKE_JOBS } from '../models/lake/jobs/index.ts';
import { athenaRun, BUCKET_NAME, RUN_NAME } from '../models/lake/unload.ts';
import { bundleConfig, relatedConfig } from './lib/config.ts';
import { logger } from './lib/logger.ts';
import { stepHandler } from './lib/step.ts';

/**
 * The first step of a lake job's state machine (infra/stacks/lake-stack.ts): builds the job's
 * Athena statements for this run (its window ends at the start of the execution's day): the ones
 * that write its steps, the UNLOAD of its result, and the drops of its work tables; and names
 * where its result files go. No AWS call and no grant: the state machine runs the statements. A
 * staged job's sweep calls it too, with a stopped run's name, for the drops alone.
 */
const QueryEvent = z.object({
  job: z.enum(LAKE_JOBS.map((j) => j.id)),
  /** The lake bucket, from the state machine's definition. */
  bucket: z.string().regex(BUCKET_NAME),
  /** The execution's name: the run's results prefix (one per run, as UNLOAD needs an empty one). */
  run: z.string().regex(RUN_NAME, 'name the execution with letters, digits, ".", "_" and "-" only'),
  /** The execution's start: a retried step builds the same statement. */
  startedAt: z.iso.datetime({ offset: true }),
});

export const handler = stepHandler(QueryEvent, async (event) => {
  const { work, queryString, cleanup, runAt, prefix, resultsKey, window } = athenaRun(event.job, {
    bucket: event.bucket,
    run: event.run,
    nowMs: Date.parse(event.startedAt),
    related: relatedConfig(),
    bundles: bundleConfig(),
  });
  logger.info('lake query built', {
    job: event.job,
    runAt,
    prefix,
    fromMs: window.fromMs,
    toMs: window.toMs,
    workStatements: work.length,
  });
  return { work, queryString, cleanup, runAt, prefix, resultsKey };
});
