import * as z from 'zod';

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
  /** Overrides a declared schedule's cadence, in minutes, by schedule id (infra/topology.ts). */
  scheduleMinutes: z
    .record(
      z.string(),
      z
        .int()
        .min(1)
        .max(60 * 24 * 30),
    )
    .optional(),
});
export type StageConfig = z.infer<typeof StageConfig>;

export const Stage = z.enum(['dev', 'prod']);
export type Stage = z.infer<typeof Stage>;

export function stageConfig(stage: unknown, stages: unknown): { stage: Stage; config: StageConfig } {
  const name = Stage.parse(stage ?? 'dev');
  const config = StageConfig.parse((stages as Record<string, unknown> | undefined)?.[name]);
  return { stage: name, config };
}
