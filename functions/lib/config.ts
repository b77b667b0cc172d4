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

let parsed: z.infer<typeof Env> | undefined;
export const env = (): z.infer<typeof Env> => {
  parsed ??= Env.parse(process.env);
  return parsed;
};

/** A table's physical name, from the variable the stack (or the local runtime) set. */
export function tableName(id: TableId): string {
  const name = process.env[tableEnvVar(id)];
  if (!name) throw new Error(`${tableEnvVar(id)} is not set: the function is not wired to table ${id}`);
  return name;
}

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
  PROMOTIONS_CACHE_SECONDS: z.coerce.number().int().min(0).max(3_600).default(60),
});

/** The bearer-token key alone, for the read routes that personalise for a signed-in shopper. */
const AuthEnv = PricingEnv.pick({ AUTH_JWT_SECRET: true });
let authParsed: z.infer<typeof AuthEnv> | undefined;
export const authSecret = (): string => {
  authParsed ??= AuthEnv.parse(process.env);
  return authParsed.AUTH_JWT_SECRET;
};

let pricingParsed: z.infer<typeof PricingEnv> | undefined;
export const pricingEnv = (): z.infer<typeof PricingEnv> => {
  pricingParsed ??= PricingEnv.parse(process.env);
  return pricingParsed;
};

/**
 * The catalog's minimum margin over cost (whole percent) for functions that show prices without
 * the pricing function's keys (bundle and scene previews); the same variable the pricing function reads.
 */
export const minMarginPercent = (): number =>
  z.coerce.number().int().min(0).max(500).default(10).parse(process.env.MIN_MARGIN_PERCENT);
