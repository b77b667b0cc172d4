import { BUNDLE_DEFAULTS } from '../../bundles/mine.ts';
import type { BundleConfig } from '../../bundles/settings.ts';
import type { RelatedConfig } from '../../related/evidence.ts';
import type { Dialect } from '../dialect.ts';
import { bundleItemsetsPlan, bundleItemsetsSql } from './bundle-itemsets.ts';
import { hitDailySignalsPlan, hitDailySignalsSql } from './hit-daily-signals.ts';
import { type LakePlan, planStatement } from './plan.ts';
import { relatedEvidencePlan, relatedTotalsPlan } from './related-evidence.ts';
import { rfmCutPointsSql } from './rfm-cut-points.ts';

/**
 * The batch jobs over the lake: each a query (the same text on Athena and DuckDB but for the
 * dialect's functions) whose result files someone turns into serving state or a model.
 *
 * - `each-file`: the result files are independent (a file never splits what one write needs), so
 *   they can be written in parallel (a Distributed Map on AWS);
 * - `all-files`: the reader needs every file at once (the bundle rules need every itemset count).
 */
/** What a job's SQL is built for: its window, and the shop's settings (the related and bundle jobs). */
export interface JobWindow {
  fromMs: number;
  toMs: number;
  related?: RelatedConfig;
  bundles?: BundleConfig;
}

export interface LakeJob {
  id: string;
  description: string;
  /** The window read, in days before the run (null: the whole lake). */
  windowDays: number | null;
  results: 'each-file' | 'all-files';
  sql(d: Dialect, window: JobWindow): string;
  /** The same job as a plan in steps: for one machine (in parts and buckets) and Athena (its written steps). */
  plan?(d: Dialect, window: JobWindow): LakePlan;
}

const bundleWindow = ({ fromMs, toMs, bundles }: JobWindow) => ({
  fromMs,
  toMs,
  ...(bundles ? { minCount: bundles.minCount, minSupport: bundles.minSupport } : {}),
});

const relatedWindow = ({ fromMs, toMs, related }: JobWindow) => ({
  fromMs,
  toMs,
  ...(related ? { config: related } : {}),
});

export const LAKE_JOBS = [
  {
    id: 'rfm-cut-points',
    description: "The shop's RFM quintile cut points from every order (rfmProfiles #cuts)",
    windowDays: null,
    results: 'all-files',
    sql: (d) => rfmCutPointsSql(d),
  },
  {
    id: 'bundle-itemsets',
    description: 'Itemsets of up to four products bought together in 90 days, for the bundles (bundles)',
    windowDays: BUNDLE_DEFAULTS.historyDays,
    results: 'all-files',
    sql: (d, w) => bundleItemsetsSql(d, bundleWindow(w)),
    plan: (d, w) => bundleItemsetsPlan(d, bundleWindow(w)),
  },
  {
    id: 'related-evidence',
    description: "Every product's decayed related evidence and its neighbour list, rebuilt (related)",
    windowDays: 90,
    // A row is one product with its partners' totals: a file is written alone.
    results: 'each-file',
    sql: (d, w) => planStatement(relatedEvidencePlan(d, relatedWindow(w))),
    plan: (d, w) => relatedEvidencePlan(d, relatedWindow(w)),
  },
  {
    id: 'related-totals',
    description:
      "Every product's decayed related totals, and every product's content neighbours from the catalog, as the compact items the live path reads (related)",
    windowDays: 90,
    results: 'all-files',
    sql: (d, w) => planStatement(relatedTotalsPlan(d, relatedWindow(w))),
    plan: (d, w) => relatedTotalsPlan(d, relatedWindow(w)),
  },
  {
    id: 'hit-daily-signals',
    description: "Daily per-product signals for the hit model's retraining (read by train-hits)",
    windowDays: 56,
    results: 'all-files',
    sql: (d, w) => hitDailySignalsSql(d, w),
    plan: (d, w) => hitDailySignalsPlan(d, w),
  },
] as const satisfies readonly LakeJob[];

export type LakeJobId = (typeof LAKE_JOBS)[number]['id'];

export const lakeJob = (id: LakeJobId): LakeJob => LAKE_JOBS.find((j) => j.id === id)!;

/** The window a run at `nowMs` reads: whole UTC days up to the start of `nowMs`'s day. */
export function jobWindow(job: LakeJob, nowMs: number): { fromMs: number; toMs: number } {
  const toMs = Math.floor(nowMs / 86_400_000) * 86_400_000;
  return { fromMs: job.windowDays === null ? 0 : toMs - job.windowDays * 86_400_000, toMs };
}
