import { join } from 'node:path';
import { bundleConfig, relatedConfig } from '../../../functions/lib/config.ts';
import { mapLimit } from '../../../models/batching.ts';
import { duckdb } from '../../../models/lake/dialect.ts';
import { jobWindow, type LakeJobId, lakeJob } from '../../../models/lake/jobs/index.ts';
import { type LakeJobDecl, lakeJobs } from '../../topology/lake.ts';
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
 * lake writing the files under `<lake>/results/<job>/` and the function invoked in process. An
 * `each-file` job's function gets one file per invocation, `files.maxConcurrency` at once, as the
 * Distributed Map's children do, and the run's result sums theirs.
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
  const decl: LakeJobDecl = lakeJobs.find((j) => j.id === id)!;
  const window = jobWindow(job, now);
  // The shop's related and bundle settings, as the functions read them (RELATED_SETTINGS, BUNDLE_SETTINGS).
  const built = { ...window, related: relatedConfig(), bundles: bundleConfig() };
  const started = performance.now();
  const runAt = new Date(now).toISOString();
  const out = join(lake.root, 'results', id);
  // In steps where the job has them: one machine runs them in pieces (parts and buckets) too.
  const files = job.plan
    ? await lake.unloadPlan(job.plan(duckdb, built), out)
    : await lake.unload(job.sql(duckdb, built), out);
  const result = decl.files
    ? summed(
        decl.files.summed,
        await mapLimit(files, decl.files.maxConcurrency, (file) =>
          invoke(decl.resultsFunctionId, { ...input, job: id, runAt, files: [file] }),
        ),
        id,
      )
    : await invoke(decl.resultsFunctionId, { ...input, job: id, runAt, files });
  return { job: id, runAt, window, files, seconds: (performance.now() - started) / 1000, result };
}

/** The children's answers as one, each of `fields` summed (what the Map state's Output does on AWS). */
function summed(fields: readonly string[], results: readonly unknown[], job: LakeJobId) {
  const out: Record<string, unknown> = { job };
  for (const f of fields) {
    out[f] = results.reduce<number>((n, r) => n + Number((r as Record<string, unknown>)[f] ?? 0), 0);
  }
  return out;
}
