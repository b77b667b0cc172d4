import type { BundleConfig } from '../bundles/settings.ts';
import { fnv1a } from '../hash.ts';
import type { RelatedConfig } from '../related/evidence.ts';
import { athena } from './dialect.ts';
import { jobWindow, type LakeJobId, lakeJob } from './jobs/index.ts';
import { type Staging, stagedPlan } from './jobs/plan.ts';

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

/**
 * How a run writes its steps on Athena: a table per step in the lake's database (CTAS), named after
 * the job, the run and the step (Glue names are lowercase letters, digits and underscores, so the
 * run name is folded and its hash keeps two folded names apart). The workgroup enforces its result
 * location, so a CTAS may not name one (Athena fails it): the files go under the workgroup's
 * `athena/tables/<query id>/`, always empty. Dropping a table leaves its files, which the bucket's
 * lifecycle rule for `athena/tables/` expires.
 */
export function athenaStaging(job: LakeJobId, run: string): Staging {
  if (!RUN_NAME.test(run)) throw new RangeError(`a run name must match ${RUN_NAME}: ${JSON.stringify(run)}`);
  const folded = run.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const tag = fnv1a(run).toString(16).padStart(8, '0');
  const table = (step: string) => `${workTablePrefix(job)}${folded}_${tag}_${step}`;
  return {
    table,
    create: (step, select) =>
      `CREATE TABLE ${table(step)} WITH (format = 'PARQUET', write_compression = 'ZSTD') AS\n${select}`,
    drop: (step) => `DROP TABLE IF EXISTS ${table(step)}`,
  };
}

/** The steps a job writes on Athena before its result (none: one statement): what its state machine stages. */
export function stagedSteps(job: LakeJobId): string[] {
  const plan = lakeJob(job).plan?.(athena, { fromMs: 0, toMs: 86_400_000 });
  return plan?.steps.filter((s) => s.materialize).map((s) => s.id) ?? [];
}

/** Every work table of a job starts with this: what its state machine may create and drop. */
export const workTablePrefix = (job: LakeJobId) => `work_${job.replace(/-/g, '_')}_`;

export interface AthenaRun {
  /**
   * The statements that write the job's steps, in order, before `queryString` (none for a job of
   * one statement): Athena evaluates a WITH query again at every reference, so a step that several
   * others read is written once instead of read from the events at each reference.
   */
  work: string[];
  /** The statement for Athena's StartQueryExecution: the UNLOAD of the result. */
  queryString: string;
  /** Drops the work tables after the UNLOAD, or after a failure. */
  cleanup: string[];
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
  const settings = { ...window, ...(related ? { related } : {}), ...(bundles ? { bundles } : {}) };
  const plan = lakeJob(job).plan?.(athena, settings);
  const staged = plan && stagedPlan(plan, athenaStaging(job, run));
  const sql = (staged && staged.work.length > 0 ? staged.result : lakeJob(job).sql(athena, settings)).trim();
  return {
    work: staged?.work ?? [],
    queryString: `UNLOAD (${sql}) TO '${prefix}' WITH (format = 'JSON', compression = 'GZIP')`,
    cleanup: staged?.cleanup ?? [],
    runAt: new Date(nowMs).toISOString(),
    prefix,
    resultsKey: prefix.slice(`s3://${bucket}/`.length),
    window,
  };
}
