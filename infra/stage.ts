import * as z from 'zod';
import { SECRET_MEMBER_NAME } from '../functions/lib/secrets.ts';
import { BundleSettings } from '../models/bundles/settings.ts';
import { LAKE_JOBS } from '../models/lake/jobs/index.ts';
import { RelatedSettings } from '../models/related/settings.ts';
import {
  functions,
  type LakeJobDecl,
  lakeJobs,
  lakeStreams,
  type RuleDecl,
  routeKey,
  routes,
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
   * The identity provider that signs shopper tokens (README, "Identity providers"): its issuer
   * (`iss`, and the JWT authorizer's discovery URL), the audiences a token must name (`aud`: a
   * Cognito app client id, an Auth0 API identifier), its JWKS URL, the algorithms accepted, the
   * longest token lifetime and the clock skew allowed.
   */
  auth: z.object({
    issuer: z.url({ protocol: /^https$/ }),
    audience: z.array(z.string().min(1)).min(1),
    jwksUrl: z.url({ protocol: /^https$/ }),
    algorithms: z
      .array(
        z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']),
      )
      .min(1)
      .default(['RS256']),
    maxTokenLifetimeSeconds: z
      .int()
      .min(60)
      .max(30 * 86_400)
      .default(86_400),
    clockSkewSeconds: z.int().min(0).max(300).default(30),
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
   * Per-route limits (route key, `POST /v1/events`) below the stage's: the routes where one caller
   * makes the service write or publish (intake, quotes, redemption, groups). Every public route that
   * writes must have one (test/infra).
   */
  routeThrottles: z.record(
    z.string(),
    z.object({ rateLimit: z.number().positive(), burstLimit: z.int().positive() }),
  ),
  /**
   * Reserved concurrency by function id: each function behind a public route gets its own share
   * (and no more), so a flood on one cannot take the account's concurrency from the others or from
   * the consumers. The account must keep 100 unreserved beyond the sum.
   */
  reservedConcurrency: z.record(z.string(), z.int().min(1).max(1000)),
  /**
   * CloudFront with a WAF rate-based rule in front of the HTTP API (prod): the API answers on its
   * custom domain `originDomainName` (an ACM certificate in the API's region) and its default
   * `execute-api` endpoint is turned off; CloudFront's distribution and the web ACL live in
   * us-east-1 (a CloudFront web ACL must).
   */
  edge: z
    .object({
      originDomainName: z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/),
      originCertificateArn: z.string().startsWith('arn:aws:acm:'),
      /** Requests from one IP address in any 5 minutes before WAF blocks it (WAF's minimum is 10). */
      wafRateLimitPer5Minutes: z.int().min(10),
      /**
       * The member of the origin-verify secret CloudFront sends in `x-origin-verify` (the secret is
       * generated with `v1`); to rotate, add a member to the secret, name it here and deploy the
       * edge, then remove the old member (docs/deploying.md).
       */
      originVerifyKey: z
        .string()
        .regex(SECRET_MEMBER_NAME, 'a member name: 1-32 letters, digits or "-"')
        .default('v1'),
      /**
       * `enforce`: the functions refuse (403) a request not signed with SigV4 that lacks the header;
       * `log`: they serve it and log it, for the deploy that first adds the check to a stage with
       * traffic, while CloudFront starts sending the header (docs/deploying.md).
       */
      originVerify: z.enum(['enforce', 'log']).default('enforce'),
    })
    .optional(),
  /**
   * Overrides a Distributed Map's MaxConcurrency (children at once), by the id of what declares it
   * (an each-file lake job, a sharded job); the declared value otherwise. Bounded by what the tables the children
   * write absorb, not by Step Functions (10,000).
   */
  mapConcurrency: z.record(z.string(), z.int().min(1).max(10_000)).optional(),
  /**
   * Overrides a sharded job's number of shards (infra/topology/sharded.ts), by its id: a shard step
   * reads its shard's products and their signals in one invocation, about 50k products at most,
   * so a catalog of N products wants N / 50k shards or more. The step handler takes up to 1,000.
   */
  shards: z.record(z.string(), z.int().min(1).max(1_000)).optional(),
  /**
   * The shop's related-products settings (models/related/settings.ts), as `npm run eval:related`
   * prints them after choosing them on the shop's validation split; the defaults for the rest.
   */
  related: RelatedSettings.optional(),
  /** The shop's bundle-mining settings (models/bundles/settings.ts); the defaults for the rest. */
  bundles: BundleSettings.optional(),
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
  const routeKeys = new Set(routes.map((r) => routeKey(r)));
  for (const key of Object.keys(config.routeThrottles)) {
    if (!routeKeys.has(key)) issue(['routeThrottles', key], 'no route has this key');
  }
  for (const [key, t] of Object.entries(config.routeThrottles)) {
    if (t.rateLimit > config.throttle.rateLimit || t.burstLimit > config.throttle.burstLimit)
      issue(['routeThrottles', key], "a route's limit is below the stage's, not above it");
  }
  const functionIds = new Set<string>(functions.map((f) => f.id));
  for (const id of Object.keys(config.reservedConcurrency)) {
    if (!functionIds.has(id)) issue(['reservedConcurrency', id], 'no function has this id');
  }
  const maps = new Set<string>([
    ...lakeJobs.flatMap((j: LakeJobDecl) => (j.files ? [j.id] : [])),
    ...shardedJobs.map((j) => j.id),
  ]);
  for (const id of Object.keys(config.mapConcurrency ?? {})) {
    if (!maps.has(id)) issue(['mapConcurrency', id], 'no Distributed Map is declared with this id');
  }
  for (const id of Object.keys(config.shards ?? {})) {
    if (!shardedJobs.some((j) => j.id === id)) issue(['shards', id], 'no sharded job has this id');
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
