import * as z from 'zod';
import { LAKE_JOBS } from '../models/lake/jobs/index.ts';
import {
  type LakeJobDecl,
  lakeJobs,
  lakeStreams,
  type RuleDecl,
  rules,
  type ScheduleDecl,
  schedules,
  shardedJobs,
} from './topology.ts';

/** Per-stage settings, read from cdk.json context (`-c stage=prod` picks one). */
export const StageConfig = z.object({
  removalPolicy: z.enum(['destroy', 'retain']),
  logRetentionDays: z.int().positive(),
  archiveRetentionDays: z.int().positive(),
  corsAllowOrigins: z.array(z.string()).min(1),
  throttle: z.object({ rateLimit: z.number().positive(), burstLimit: z.int().positive() }),
  logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']),
  /** Alarm thresholds and where alarms go (an SNS topic; mailed here when set). */
  alarms: z.object({
    email: z.email().optional(),
    api5xxPercent: z.number().positive().max(100),
    apiP99Ms: z.int().positive(),
    /**
     * A queue-fed rule's oldest message older than this (seconds) is a backlog: the consumer is
     * failing or too slow, days before SQS's 14-day retention would delete anything.
     */
    queueAgeSeconds: z.int().min(60),
  }),
  /**
   * Overrides a declared schedule's or lake job's cadence, in minutes, by id (infra/topology.ts);
   * `null` turns a lake job's schedule off (it runs on demand only).
   */
  scheduleMinutes: z
    .record(
      z.string(),
      z
        .int()
        .min(1)
        .max(60 * 24 * 30)
        .nullable(),
    )
    .optional(),
  /**
   * Overrides a queued rule's consumer concurrency (the SQS event source's maximum concurrency,
   * 2 to 1000), by rule id; a rule not named keeps its declared `maxConcurrency`.
   */
  consumerConcurrency: z.record(z.string(), z.int().min(2).max(1000)).optional(),
  /**
   * Overrides a Distributed Map's MaxConcurrency (children at once), by the id of what declares it
   * (an each-file lake job, a sharded job); the declared value otherwise. Bounded by what the tables the children
   * write absorb, not by Step Functions (10,000).
   */
  mapConcurrency: z.record(z.string(), z.int().min(1).max(10_000)).optional(),
  /** The lake on AWS (the lake stack). */
  lake: z.object({
    /** Days a behaviour event is kept in the lake (and a record set aside under errors/). */
    eventsExpireDays: z.int().min(31),
    /** Athena refuses a query that would scan more than this (the workgroup's per-query cutoff). */
    athenaBytesScannedCutoffGb: z.number().min(0.01),
    /** A longer Firehose buffer interval than the stream declares (fewer, larger files), at most 900 s. */
    bufferSeconds: z.int().min(60).max(900).optional(),
  }),
});
export type StageConfig = z.infer<typeof StageConfig>;

/**
 * What the schema cannot see alone: an override names something the topology declares (a misspelt
 * id would otherwise be ignored silently), only a lake job's schedule can be turned off, the lake
 * keeps every day a job reads, and a stage only lengthens the Firehose buffer.
 */
function checkAgainstTopology(config: StageConfig, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: 'custom', path, message });
  const jobIds = new Set<string>(lakeJobs.map((j) => j.id));
  const scheduleIds = new Set<string>([
    ...(schedules as readonly ScheduleDecl[]).map((s) => s.id),
    ...shardedJobs.map((j) => j.id),
  ]);
  for (const [id, minutes] of Object.entries(config.scheduleMinutes ?? {})) {
    if (!jobIds.has(id) && !scheduleIds.has(id))
      issue(['scheduleMinutes', id], 'no schedule or lake job has this id');
    else if (minutes === null && !jobIds.has(id))
      issue(['scheduleMinutes', id], 'only a lake job can run on demand only');
  }
  const queued = new Set(
    (rules as readonly RuleDecl[]).filter((r) => r.target.kind === 'queue').map((r) => r.id),
  );
  for (const id of Object.keys(config.consumerConcurrency ?? {})) {
    if (!queued.has(id)) issue(['consumerConcurrency', id], 'no queued rule has this id');
  }
  const maps = new Set<string>([
    ...lakeJobs.flatMap((j: LakeJobDecl) => (j.files ? [j.id] : [])),
    ...shardedJobs.map((j) => j.id),
  ]);
  for (const id of Object.keys(config.mapConcurrency ?? {})) {
    if (!maps.has(id)) issue(['mapConcurrency', id], 'no Distributed Map is declared with this id');
  }
  // A job reads its window's dates and a day either side (models/lake/dialect.ts, eventDates).
  const longest = Math.max(...LAKE_JOBS.map((j) => j.windowDays ?? 0)) + 2;
  if (config.lake.eventsExpireDays < longest) {
    issue(['lake', 'eventsExpireDays'], `the longest job window needs ${longest} days of events`);
  }
  const declared = Math.max(...lakeStreams.map((s) => s.buffer.seconds));
  if (config.lake.bufferSeconds !== undefined && config.lake.bufferSeconds < declared) {
    issue(['lake', 'bufferSeconds'], `a stage may lengthen the declared ${declared} s, not shorten it`);
  }
}

export const Stage = z.enum(['dev', 'prod']);
export type Stage = z.infer<typeof Stage>;

export function stageConfig(stage: unknown, stages: unknown): { stage: Stage; config: StageConfig } {
  const name = Stage.parse(stage ?? 'dev');
  const config = StageConfig.superRefine(checkAgainstTopology).parse(
    (stages as Record<string, unknown> | undefined)?.[name],
  );
  return { stage: name, config };
}
