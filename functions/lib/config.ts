import * as z from 'zod';
import { CurrencyCode } from '../../events/common.ts';
import { EVENT_BUS_ENV, type TableId, tableEnvVar } from '../../infra/topology.ts';
import { type BundleConfig, BundleSettings, bundleConfigOf } from '../../models/bundles/settings.ts';
import type { RelatedConfig } from '../../models/related/evidence.ts';
import { RelatedSettings, relatedConfigOf } from '../../models/related/settings.ts';

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

/** A variable holding a JSON object of settings, `{}` when unset. */
const jsonSettings = <S extends z.ZodType>(variable: string, schema: S) =>
  z
    .string()
    .default('{}')
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: `${variable} is not JSON` });
        return z.NEVER;
      }
    })
    .pipe(schema);

/**
 * The shop's related settings (models/related/settings.ts): a JSON object in RELATED_SETTINGS
 * (cdk.json `related` per stage; locally the variable itself), over the defaults.
 */
const RelatedEnv = z.object({ RELATED_SETTINGS: jsonSettings('RELATED_SETTINGS', RelatedSettings) });
const relatedEnv = parsedOnce(RelatedEnv);
export const relatedConfig = (): RelatedConfig => relatedConfigOf(relatedEnv().RELATED_SETTINGS);

/**
 * The shop's bundle-mining settings (models/bundles/settings.ts): a JSON object in BUNDLE_SETTINGS
 * (cdk.json `bundles` per stage; locally the variable itself), over the defaults.
 */
const BundleEnv = z.object({ BUNDLE_SETTINGS: jsonSettings('BUNDLE_SETTINGS', BundleSettings) });
const bundleEnv = parsedOnce(BundleEnv);
export const bundleConfig = (): BundleConfig => bundleConfigOf(bundleEnv().BUNDLE_SETTINGS);

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
 * The pricing function's knobs, parsed on its first request. Its quote-signing keys are a secret
 * read at run time (`quoteSigningKeys` below), not a variable.
 */
const PricingEnv = z.object({
  QUOTE_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(900),
  /** The catalog's minimum margin over cost, whole percent (the margin floor of models/pricing). */
  MIN_MARGIN_PERCENT: z.coerce.number().int().min(0).max(500).default(10),
  /** How long a container reuses the active promotion set before scanning again. */
  PROMOTIONS_CACHE_SECONDS: CacheSeconds,
});

export const pricingEnv = parsedOnce(PricingEnv);

/** The signature algorithms a shopper token may use: asymmetric ones with a JWKS, HS256 with a local key. */
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;
const csv = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/**
 * How shopper tokens are verified (functions/lib/auth.ts), for every function that reads them.
 * Exactly one key source: the identity provider's JWKS (`AUTH_JWKS_URL`, on AWS: cdk.json's
 * `auth` per stage), or a local HS256 key (`AUTH_JWT_SECRET`: `npm start` and the tests only; the
 * stack never sets it). `iss` and `aud` are pinned; `exp` is required and at most
 * `AUTH_MAX_TOKEN_LIFETIME_SECONDS` away (from `iat`, and from now).
 */
const AuthEnv = z
  .object({
    AUTH_ISSUER: z.string().min(1, 'AUTH_ISSUER must name the token issuer'),
    /** One audience or several, comma-separated: a token must name one of them in `aud`. */
    AUTH_AUDIENCE: z.string().min(1, 'AUTH_AUDIENCE must name the audience').transform(csv),
    AUTH_JWKS_URL: z.url().optional(),
    AUTH_JWT_SECRET: z.string().min(32, 'AUTH_JWT_SECRET must be at least 32 characters').optional(),
    /** Comma-separated; by default RS256 and ES256 with a JWKS, HS256 with a local key. */
    AUTH_ALGORITHMS: z
      .string()
      .optional()
      .transform((s) => (s === undefined ? undefined : csv(s))),
    AUTH_MAX_TOKEN_LIFETIME_SECONDS: z.coerce
      .number()
      .int()
      .min(60)
      .max(30 * 86_400)
      .default(86_400),
    AUTH_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
    /** How long a container keeps the provider's keys before it fetches them again. */
    AUTH_JWKS_CACHE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(600),
    /** After a fetch, how long a token with an unknown `kid` waits before it may fetch again. */
    AUTH_JWKS_COOLDOWN_SECONDS: z.coerce.number().int().min(0).max(3_600).default(30),
  })
  .transform((e, ctx) => {
    if ((e.AUTH_JWKS_URL === undefined) === (e.AUTH_JWT_SECRET === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH_JWKS_URL'],
        message: 'set exactly one of AUTH_JWKS_URL (an identity provider) and AUTH_JWT_SECRET (local only)',
      });
      return z.NEVER;
    }
    const jwks = e.AUTH_JWKS_URL !== undefined;
    const algorithms = e.AUTH_ALGORITHMS ?? (jwks ? ['RS256', 'ES256'] : ['HS256']);
    const allowed: readonly string[] = jwks ? ASYMMETRIC_ALGORITHMS : ['HS256'];
    const wrong = algorithms.filter((a) => !allowed.includes(a));
    if (algorithms.length === 0 || wrong.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH_ALGORITHMS'],
        message: `with ${jwks ? 'a JWKS' : 'a local key'} only ${allowed.join(', ')}; not ${wrong.join(', ') || 'none'}`,
      });
      return z.NEVER;
    }
    return {
      issuer: e.AUTH_ISSUER,
      audience: e.AUTH_AUDIENCE,
      algorithms,
      maxLifetimeSeconds: e.AUTH_MAX_TOKEN_LIFETIME_SECONDS,
      clockSkewSeconds: e.AUTH_CLOCK_SKEW_SECONDS,
      keys: jwks
        ? {
            kind: 'jwks' as const,
            url: e.AUTH_JWKS_URL!,
            cacheSeconds: e.AUTH_JWKS_CACHE_SECONDS,
            cooldownSeconds: e.AUTH_JWKS_COOLDOWN_SECONDS,
          }
        : { kind: 'secret' as const, secret: e.AUTH_JWT_SECRET! },
    };
  });
export type AuthConfig = z.output<typeof AuthEnv>;

/** The shopper-token rules and key source, parsed on first use (a guest's request never needs them). */
export const authConfig = parsedOnce(AuthEnv);

/**
 * Where a function finds a secret: the variable itself (the local runtime sets development values),
 * or, on AWS, a Secrets Manager secret whose ARN is in `<NAME>_SECRET_ARN` (functions/lib/secrets.ts
 * reads it at run time and caches it).
 */
const SecretsEnv = z.object({
  /** How long a container keeps a secret it read before reading it again (a rotation shows within it). */
  SECRETS_CACHE_SECONDS: z.coerce.number().int().min(0).max(3_600).default(300),
});
export const secretsEnv = parsedOnce(SecretsEnv);

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
