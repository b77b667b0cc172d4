import * as z from 'zod';
import { CurrencyCode } from '../../events/common.ts';
import { EVENT_BUS_ENV, type TableId, tableEnvVar } from '../../infra/topology.ts';

/**
 * Configuration is parsed once per container, on first use (handlers touch it at cold start), so a
 * malformed variable fails the first request plainly. Lazy rather than at import: a module that
 * merely imports an adapter (a script, a test) must not freeze the environment before it is set.
 */
const Env = z.object({
  AWS_REGION: z.string().default('us-east-1'),
  /** Set only by the local runtime: where DynamoDB Local and the local bus listen. */
  DYNAMODB_ENDPOINT: z.url().optional(),
  EVENTBRIDGE_ENDPOINT: z.url().optional(),
  [EVENT_BUS_ENV]: z.string().min(1).default('default'),
  CATALOG_CURRENCY: CurrencyCode.default('CNY'),
  SERVICE_VERSION: z.string().default('0.1.0'),
});

/** The variables `schema` names, parsed from process.env once, on first use. */
function parsedOnce<S extends z.ZodType>(schema: S): () => z.output<S> {
  let parsed: z.output<S> | undefined;
  return () => {
    parsed ??= schema.parse(process.env);
    return parsed;
  };
}

export const env = parsedOnce(Env);

/** A table's physical name, from the variable the stack (or the local runtime) set. */
export function tableName(id: TableId): string {
  const name = process.env[tableEnvVar(id)];
  if (!name) throw new Error(`${tableEnvVar(id)} is not set: the function is not wired to table ${id}`);
  return name;
}

/**
 * How long a container reuses a table it reads whole or a shop-wide item (60 s unless configured):
 * what changed there serves within that long. Each setting is parsed on its own, so a malformed one
 * fails only the functions that read it.
 */
const CacheSeconds = z.coerce.number().int().min(0).max(3_600).default(60);

/**
 * The pricing function's secrets and knobs, parsed on its first request. Locally the runtime sets
 * development values (infra/local/runtime.ts). On AWS the two keys are not stack literals: they
 * live in Secrets Manager (or SSM SecureString) and the deployment injects them into these
 * variables, so a function without them fails its first request plainly instead of signing with
 * a guessable key.
 */
const PricingEnv = z.object({
  /** HS256 key for bearer tokens the function verifies itself (no authorizer in front). */
  AUTH_JWT_SECRET: z.string().min(16, 'AUTH_JWT_SECRET must be at least 16 characters'),
  /** HMAC-SHA256 key that signs quotes; rotating it invalidates outstanding quotes. */
  QUOTE_SIGNING_KEY: z.string().min(16, 'QUOTE_SIGNING_KEY must be at least 16 characters'),
  QUOTE_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(900),
  /** The catalog's minimum margin over cost, whole percent (the margin floor of models/pricing). */
  MIN_MARGIN_PERCENT: z.coerce.number().int().min(0).max(500).default(10),
  /** How long a container reuses the active promotion set before scanning again. */
  PROMOTIONS_CACHE_SECONDS: CacheSeconds,
});

export const pricingEnv = parsedOnce(PricingEnv);

/** The bearer-token key alone, for the read routes that personalise for a signed-in shopper. */
const authEnv = parsedOnce(PricingEnv.pick({ AUTH_JWT_SECRET: true }));
export const authSecret = (): string => authEnv().AUTH_JWT_SECRET;

/**
 * The catalog's minimum margin over cost (whole percent) for functions that show prices without
 * the pricing function's keys (bundle and scene previews); the same variable the pricing function reads.
 */
const marginEnv = parsedOnce(PricingEnv.pick({ MIN_MARGIN_PERCENT: true }));
export const minMarginPercent = (): number => marginEnv().MIN_MARGIN_PERCENT;

/**
 * How long a container keeps the shop's cut points and segment policy between reads
 * (`segmentSettingsCache`, functions/adapters/profile-items.ts).
 */
const segmentSettingsEnv = parsedOnce(z.object({ SEGMENT_SETTINGS_CACHE_SECONDS: CacheSeconds }));
export const segmentSettingsCacheSeconds = (): number => segmentSettingsEnv().SEGMENT_SETTINGS_CACHE_SECONDS;

/**
 * How long a request-path container reuses the experiment definitions (`cachedExperiments`): a new
 * or changed experiment serves within that long.
 */
const experimentsEnv = parsedOnce(z.object({ EXPERIMENTS_CACHE_SECONDS: CacheSeconds }));
export const experimentsCacheSeconds = (): number => experimentsEnv().EXPERIMENTS_CACHE_SECONDS;

/**
 * The standard Powertools names the logger and the metrics are created with (at import, as
 * Powertools itself reads its variables), apart from the rest so that importing the logger does
 * not freeze the variables the runtime sets later.
 */
export const powertoolsNames = parsedOnce(
  z.object({
    POWERTOOLS_SERVICE_NAME: z.string().default('merchandiser'),
    POWERTOOLS_METRICS_NAMESPACE: z.string().default('merchandiser'),
  }),
);
