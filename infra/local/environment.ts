import { signJwtHs256 } from '../../functions/lib/auth.ts';
import { EVENT_BUS_ENV, type TableId, tableEnvVar } from '../topology.ts';

/** The local runtime's bearer-token key unless AUTH_JWT_SECRET is set; tests sign tokens with it. */
export const LOCAL_DEV_JWT_SECRET = 'local-dev-jwt-secret-not-for-production';
/** The `iss` and `aud` local tokens carry (what cdk.json's `auth` pins per stage on AWS). */
export const LOCAL_TOKEN_ISSUER = 'merchandiser-local';
export const LOCAL_TOKEN_AUDIENCE = 'merchandiser';
/**
 * A shopper token the local runtime accepts (its key, issuer and audience), issued at `nowMs` and
 * valid for `lifetimeSeconds` (at most a day, the runtime's default maximum): for the bench, local
 * tools and the tests. `extra` overrides claims, or removes one when `undefined`.
 */
export function localShopperToken(
  userId: string,
  {
    nowMs,
    lifetimeSeconds = 86_400,
    extra = {},
  }: { nowMs: number; lifetimeSeconds?: number; extra?: Record<string, unknown> },
): string {
  const iat = Math.floor(nowMs / 1000);
  const claims = {
    iss: LOCAL_TOKEN_ISSUER,
    aud: LOCAL_TOKEN_AUDIENCE,
    sub: userId,
    iat,
    exp: iat + lifetimeSeconds,
    ...extra,
  };
  return signJwtHs256(JSON.parse(JSON.stringify(claims)), LOCAL_DEV_JWT_SECRET);
}

/**
 * The local quote-signing key ring (on AWS a Secrets Manager secret read at run time): the same
 * shape, `{"current": "<keyId>", "<keyId>": "<key>"}`.
 */
export const LOCAL_QUOTE_SIGNING_KEYS = JSON.stringify({
  current: 'local-1',
  'local-1': 'local-dev-quote-signing-key-not-for-production',
});

/**
 * What the stack sets on each Lambda function, for the handlers in this process: the endpoints of
 * DynamoDB (Local) and of the local bus, the bus and table names, Powertools settings, development
 * keys, and dummy credentials. A value already in process.env wins where one may be given.
 */
export function handlerEnvironment({
  dynamoEndpoint,
  url,
  busName,
  tableNames,
  logLevel,
}: {
  dynamoEndpoint: string;
  /** The local gateway's base URL: the local bus answers PutEvents under it. */
  url: string;
  busName: string;
  tableNames: Record<TableId, string>;
  /** POWERTOOLS_LOG_LEVEL; else the process's own, else WARN. */
  logLevel?: string | undefined;
}): Record<string, string> {
  return {
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
    AWS_EC2_METADATA_DISABLED: 'true',
    DYNAMODB_ENDPOINT: dynamoEndpoint,
    EVENTBRIDGE_ENDPOINT: `${url}/_local/eventbridge`,
    [EVENT_BUS_ENV]: busName,
    POWERTOOLS_SERVICE_NAME: 'merchandiser',
    POWERTOOLS_LOG_LEVEL: logLevel ?? process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    // Business metrics are CloudWatch EMF lines on Lambda; locally they would only be noise.
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
    // Shopper tokens: the local HS256 key, unless an identity provider's JWKS is given
    // (AUTH_JWKS_URL, with its AUTH_ISSUER and AUTH_AUDIENCE: README, "Identity providers").
    AUTH_ISSUER: process.env.AUTH_ISSUER ?? LOCAL_TOKEN_ISSUER,
    AUTH_AUDIENCE: process.env.AUTH_AUDIENCE ?? LOCAL_TOKEN_AUDIENCE,
    ...(process.env.AUTH_JWKS_URL
      ? {}
      : { AUTH_JWT_SECRET: process.env.AUTH_JWT_SECRET ?? LOCAL_DEV_JWT_SECRET }),
    // The development quote-signing key ring; on AWS a secret read at run time.
    QUOTE_SIGNING_KEYS: process.env.QUOTE_SIGNING_KEYS ?? LOCAL_QUOTE_SIGNING_KEYS,
    ...Object.fromEntries(Object.entries(tableNames).map(([id, name]) => [tableEnvVar(id as TableId), name])),
  };
}
