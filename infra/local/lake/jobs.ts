import { join } from 'node:path';
import { duckdb } from '../../../models/lake/dialect.ts';
import { jobWindow, type LakeJobId, lakeJob } from '../../../models/lake/jobs/index.ts';
import { lakeJobs } from '../../topology/lake.ts';
import type { FunctionId } from '../../topology.ts';
import type { LocalLake } from './duckdb.ts';

export interface LakeJobRun {
  job: LakeJobId;
  /** The instant the job ran for (the results are as of the start of its day). */
  runAt: string;
  window: { fromMs: number; toMs: number };
  files: string[];
  seconds: number;
  /** What the results function answered. */
  result: unknown;
}

/**
 * One lake job, the local way: what the job's state machine does on AWS (Athena runs the query and
 * UNLOADs the result files to S3, then the results function reads them), with DuckDB over the local
 * lake writing the files under `<lake>/results/<job>/` and the function invoked in process.
 */
export async function runLakeJob(
  lake: LocalLake,
  id: LakeJobId,
  {
    now,
    invoke,
    input = {},
  }: {
    now: number;
    invoke: (functionId: FunctionId, event: unknown) => Promise<unknown>;
    /** More for the results function's event (e.g. the retraining's epochs). */
    input?: Record<string, unknown>;
  },
): Promise<LakeJobRun> {
  const job = lakeJob(id);
  const decl = lakeJobs.find((j) => j.id === id)!;
  const window = jobWindow(job, now);
  const started = performance.now();
  const runAt = new Date(now).toISOString();
  const files = await lake.unload(job.sql(duckdb, window), join(lake.root, 'results', id));
  const result = await invoke(decl.resultsFunctionId, { ...input, job: id, runAt, files });
  return { job: id, runAt, window, files, seconds: (performance.now() - started) / 1000, result };
}
