import { BehaviourEvent, behaviourEventTypes } from '../../events/behaviour.ts';
import { patternOf } from '../../events/registry.ts';
import { LAKE_JOBS, type LakeJobId } from '../../models/lake/jobs/index.ts';
import { type LakeColumn, lakeColumnsOf, PARTITION_KEYS } from '../../models/lake/schema.ts';
import type { FunctionId } from './types.ts';

/**
 * The lake: behaviour history as Parquet, partitioned by event date and type, and the batch jobs
 * that read it with SQL. On AWS an EventBridge rule feeds a Firehose delivery stream that converts
 * to Parquet against a Glue table (its columns are these, generated from the contracts) into S3;
 * Athena runs the jobs, each in a Step Functions state machine started on its schedule, and a
 * function turns the result files into serving state. Locally the bus feeds a buffer that writes the
 * same files under the data folder, and DuckDB runs the same SQL in process (infra/local/lake/).
 */

export interface LakeTableDecl {
  id: string;
  description: string;
  /** S3 prefix (AWS) and folder (locally) under the lake's root. */
  prefix: string;
  columns: readonly LakeColumn[];
  partitionKeys: readonly { name: string; description: string }[];
}

export interface LakeStreamDecl {
  id: string;
  description: string;
  table: string;
  /** The EventBridge pattern of what is delivered (the event's `detail` is the record). */
  pattern: Record<string, unknown>;
  /**
   * Firehose buffering: a delivery when this many MB are buffered or the oldest record is this old.
   * Firehose needs at least 64 MB with Parquet conversion; cdk.json stages may lengthen the interval.
   */
  buffer: { mb: number; seconds: number };
}

export interface LakeJobDecl {
  id: LakeJobId;
  /** Every this many minutes (a stage may override it: cdk.json `scheduleMinutes.<id>`); null: on demand only. */
  everyMinutes: number | null;
  /** The function that reads the result files (`{ job, runAt, prefix | files }`). */
  resultsFunctionId: FunctionId;
  /** Why it runs as often as it does. */
  cadence: string;
  /**
   * An `each-file` job's results (models/lake/jobs/index.ts): at most `maxConcurrency` files are
   * written at once (the Distributed Map's MaxConcurrency on AWS, a stage may override it: cdk.json
   * `mapConcurrency.<id>`; locally the runner's), and the results function's answers for the files
   * are summed into the run's, field by field.
   */
  files?: { maxConcurrency: number; summed: readonly string[] };
}

/**
 * The function that builds a job's Athena statement for a run: the first step of every job's state
 * machine on AWS (locally the runner hands DuckDB the same SQL itself).
 */
export const lakeQueryFunctionId = 'lake-query' as const satisfies FunctionId;

export const lakeTables = [
  {
    id: 'events',
    description:
      'Every behaviour event as it arrived, one row per delivery (readers drop repeated event ids): the history the batch jobs read.',
    prefix: 'events/',
    columns: lakeColumnsOf(BehaviourEvent.options),
    partitionKeys: PARTITION_KEYS.map(({ name, description }) => ({ name, description })),
  },
] as const satisfies readonly LakeTableDecl[];

export const lakeStreams = [
  {
    id: 'events-to-lake',
    description:
      "Every behaviour event into the lake, as Parquet by event date and type: the storefront's behaviour and the shop's orders and reviews, each only from its own source",
    table: 'events',
    pattern: patternOf(behaviourEventTypes),
    buffer: { mb: 64, seconds: 300 },
  },
] as const satisfies readonly LakeStreamDecl[];

export const lakeJobs = [
  {
    id: 'rfm-cut-points',
    everyMinutes: 24 * 60,
    resultsFunctionId: 'lake-results',
    cadence: 'Daily: recency cut points are instants, so scores do not drift between runs',
  },
  {
    id: 'bundle-itemsets',
    everyMinutes: 24 * 60,
    resultsFunctionId: 'lake-results',
    cadence:
      'Daily (a stage may mine more often): bundles are mined from 90 days of orders, so a day moves them little',
  },
  {
    id: 'related-evidence',
    everyMinutes: null,
    resultsFunctionId: 'lake-results',
    cadence:
      'On demand (npm run rebuild:related, and after the demo load): the live path keeps evidence fresh, and a rebuild would overwrite what it applied after the window',
    // Each child writes a file's products (evidence, totals, lists: 25 items per BatchWriteItem,
    // 4 in flight); 8 of them stay well inside an on-demand table's first burst.
    files: { maxConcurrency: 8, summed: ['files', 'products', 'lists'] },
  },
  {
    id: 'related-totals',
    everyMinutes: 24 * 60,
    resultsFunctionId: 'lake-results',
    cadence:
      "Daily: a pair's score divides by its partner's popularity, which a day changes little; and a new product gets its content neighbours",
  },
  {
    id: 'hit-daily-signals',
    everyMinutes: 7 * 24 * 60,
    resultsFunctionId: 'train-hits',
    cadence: 'Weekly (prod: daily, cdk.json): the retraining reads 56 days of daily signals',
  },
] as const satisfies readonly LakeJobDecl[];

// Every job the models define is declared, and nothing else; an each-file job says how its files run.
const declared: readonly string[] = lakeJobs.map((j) => j.id);
for (const j of LAKE_JOBS) {
  if (!declared.includes(j.id)) throw new Error(`lake job ${j.id} is not declared`);
  const decl: LakeJobDecl = lakeJobs.find((d) => d.id === j.id)!;
  if ((j.results === 'each-file') !== (decl.files !== undefined))
    throw new Error(`lake job ${j.id}: \`files\` is declared exactly for an each-file job`);
}
