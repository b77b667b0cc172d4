import type { BundleConfig } from '../bundles/settings.ts';
import type { RelatedConfig } from '../related/evidence.ts';
import { athena } from './dialect.ts';
import { jobWindow, type LakeJobId, lakeJob } from './jobs/index.ts';

/**
 * A lake job's query as Athena runs it in the job's state machine: the job's SQL (the `athena`
 * dialect, the window of the run) wrapped in an UNLOAD that writes its rows as gzipped JSON lines
 * under the run's own results prefix, where the job's results function reads them
 * (functions/adapters/lake-results.ts). Locally DuckDB's COPY does the same (infra/local/lake/).
 */

/**
 * A run's name as it may appear in an S3 key and inside a SQL string literal: Step Functions
 * execution names are wider (they allow `'`, which would end the literal), so a run started by hand
 * must be named within this.
 */
export const RUN_NAME = /^[A-Za-z0-9_.-]{1,80}$/;
/** An S3 bucket name (the lake's), checked for the same reason. */
export const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Where a run's result files go: `s3://<bucket>/results/<job>/<run>/` (UNLOAD needs it empty: one per run). */
export function resultsPrefix(bucket: string, job: LakeJobId, run: string): string {
  if (!BUCKET_NAME.test(bucket)) throw new RangeError(`not a bucket name: ${JSON.stringify(bucket)}`);
  if (!RUN_NAME.test(run)) throw new RangeError(`a run name must match ${RUN_NAME}: ${JSON.stringify(run)}`);
  return `s3://${bucket}/results/${job}/${run}/`;
}

export interface AthenaRun {
  /** The statement for Athena's StartQueryExecution. */
  queryString: string;
  /** The instant the job ran for (the results are as of it), ISO. */
  runAt: string;
  /** The run's results prefix, for the results function. */
  prefix: string;
  /** The same prefix as a key in the bucket: what an each-file job's Distributed Map lists. */
  resultsKey: string;
  window: { fromMs: number; toMs: number };
}

/** The job's run at `nowMs` named `run`: the UNLOAD statement and what its results function needs. */
export function athenaRun(
  job: LakeJobId,
  {
    bucket,
    run,
    nowMs,
    related,
    bundles,
  }: { bucket: string; run: string; nowMs: number; related?: RelatedConfig; bundles?: BundleConfig },
): AthenaRun {
  const prefix = resultsPrefix(bucket, job, run);
  const window = jobWindow(lakeJob(job), nowMs);
  const sql = lakeJob(job)
    .sql(athena, { ...window, ...(related ? { related } : {}), ...(bundles ? { bundles } : {}) })
    .trim();
  return {
    queryString: `UNLOAD (${sql}) TO '${prefix}' WITH (format = 'JSON', compression = 'GZIP')`,
    runAt: new Date(nowMs).toISOString(),
    prefix,
    resultsKey: prefix.slice(`s3://${bucket}/`.length),
    window,
  };
}
