import { createHmac } from 'node:crypto';
import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { shopperIdOfSubject } from '../../events/common.ts';
import { once } from './aws.ts';
import { nowDate } from './clock.ts';
import { type AuthConfig, authConfig } from './config.ts';
import { HttpError, type HttpRequest, type IssueLocation } from './http.ts';
import { logger } from './logger.ts';

/**
 * Who the shopper is: the subject of a bearer token verified here with `jose`, or a guest. The
 * rules (functions/lib/config.ts `authConfig`, per stage from cdk.json): an explicit allow-list of
 * algorithms (never `none`, never one the token picks for itself); the identity provider's keys
 * from its JWKS, cached and fetched again when a token names a key id the cache does not hold (at
 * most once per cooldown); `iss` and `aud` pinned; `exp` and `sub` required, `exp` at most the
 * maximum lifetime away (from `iat` and from now); a small clock skew. The subject is mapped to the
 * stored shopper id (`shopperIdOfSubject`: Cognito UUIDs as they are, Auth0's `auth0|...` as
 * `auth0:...`). HS256 with a local key is for `npm start` and the tests only.
 *
 * Behind API Gateway's JWT authorizer (the signed-in-only routes on AWS) the token is verified here
 * again: the authorizer checks neither the maximum lifetime nor this allow-list. No token is a
 * guest; a token that fails any check is a 401, never a silent guest (except on the read routes
 * that personalise: `personalisedShopper`).
 */

export interface Shopper {
  /** null for a guest. */
  userId: string | null;
}

export type JwtClaims = JWTPayload;

export class InvalidTokenError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'InvalidTokenError';
  }
}

/** The identity provider's keys could not be fetched: the caller may retry (503), the token is not at fault. */
export class KeySourceUnavailableError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'KeySourceUnavailableError';
  }
}

export interface ShopperVerifier {
  /** The token's claims once every check holds; InvalidTokenError or KeySourceUnavailableError otherwise. */
  verify(token: string, now: Date): Promise<JwtClaims>;
}

const b64json = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Makes an HS256 token (tests, the bench and local tools; the service only verifies). */
export function signJwtHs256(claims: Record<string, unknown>, secret: string): string {
  const head = `${b64json({ alg: 'HS256', typ: 'JWT' })}.${b64json(claims)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

/** Errors of a JWKS lookup that say something about the token, not about the provider being reachable. */
const TOKEN_FAULTS = [
  errors.JWKSNoMatchingKey,
  errors.JWKSMultipleMatchingKeys,
  errors.JOSENotSupported,
  errors.JOSEAlgNotAllowed,
  errors.JWSInvalid,
  errors.JWTInvalid,
];

/** One remote key set per URL and process: every verifier of a container shares its cache. */
const remoteSets = new Map<string, JWTVerifyGetKey>();

function keyOf(keys: AuthConfig['keys'] | { kind: 'resolver'; resolve: JWTVerifyGetKey }) {
  if (keys.kind === 'secret') return new TextEncoder().encode(keys.secret);
  if (keys.kind === 'resolver') return keys.resolve;
  const id = `${keys.url} ${keys.cacheSeconds} ${keys.cooldownSeconds}`;
  let resolve = remoteSets.get(id);
  if (resolve === undefined) {
    const remote = createRemoteJWKSet(new URL(keys.url), {
      cacheMaxAge: keys.cacheSeconds * 1000,
      cooldownDuration: keys.cooldownSeconds * 1000,
      timeoutDuration: 3_000,
    });
    resolve = async (header, token) => {
      try {
        return await remote(header, token);
      } catch (error) {
        if (TOKEN_FAULTS.some((Fault) => error instanceof Fault)) throw error;
        throw new KeySourceUnavailableError(
          `the identity provider's keys could not be read: ${(error as Error).message}`,
        );
      }
    };
    remoteSets.set(id, resolve);
  }
  return resolve;
}

export interface VerifierConfig {
  issuer: string;
  audience: readonly string[];
  algorithms: readonly string[];
  maxLifetimeSeconds: number;
  clockSkewSeconds: number;
  /** The stage's key source, or a resolver of one's own (tests: jose's createLocalJWKSet). */
  keys: AuthConfig['keys'] | { kind: 'resolver'; resolve: JWTVerifyGetKey };
}

/** A verifier for these rules and keys (tests build their own; functions use the stage's). */
export function shopperVerifier(config: VerifierConfig): ShopperVerifier {
  const key = keyOf(config.keys);
  return {
    async verify(token, now) {
      let payload: JWTPayload;
      try {
        const options = {
          issuer: config.issuer,
          audience: [...config.audience],
          algorithms: [...config.algorithms],
          clockTolerance: config.clockSkewSeconds,
          currentDate: now,
          requiredClaims: ['exp', 'sub'],
        };
        ({ payload } =
          key instanceof Uint8Array
            ? await jwtVerify(token, key, options)
            : await jwtVerify(token, key, options));
      } catch (error) {
        if (error instanceof KeySourceUnavailableError) throw error;
        if (error instanceof errors.JWTExpired) throw new InvalidTokenError('expired');
        if (error instanceof errors.JWSSignatureVerificationFailed)
          throw new InvalidTokenError('bad signature');
        if (error instanceof errors.JWKSNoMatchingKey)
          throw new InvalidTokenError("no key of the identity provider matches the token's `kid`");
        if (error instanceof errors.JOSEError) throw new InvalidTokenError(error.message);
        throw error;
      }
      const nowS = Math.floor(now.getTime() / 1000);
      const exp = payload.exp!;
      const longest = config.maxLifetimeSeconds + config.clockSkewSeconds;
      if (
        exp - nowS > longest ||
        (payload.iat !== undefined && exp - payload.iat > config.maxLifetimeSeconds)
      ) {
        throw new InvalidTokenError(`lives longer than ${config.maxLifetimeSeconds} s`);
      }
      if (payload.iat !== undefined && payload.iat > nowS + config.clockSkewSeconds) {
        throw new InvalidTokenError('issued in the future');
      }
      return payload;
    },
  };
}

/** The stage's verifier, built on first use (a guest's request never needs it). */
export const stageVerifier = once((): ShopperVerifier => shopperVerifier(authConfig()));

const unauthorized = (message: string) =>
  new HttpError(401, 'Unauthorized', message, [{ in: 'header', path: 'authorization', message }]);

const providerUnavailable = (error: KeySourceUnavailableError) => {
  logger.error('identity provider keys unavailable', { error: error.message });
  return new HttpError(
    503,
    'IdentityProviderUnavailable',
    "the identity provider's keys could not be read; retry shortly",
    undefined,
    { 'retry-after': '1' },
  );
};

function bearerToken(req: HttpRequest): string | null {
  const header = req.headers.authorization ?? req.headers.Authorization;
  if (header === undefined || header.trim() === '') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw unauthorized('the Authorization header must be `Bearer <token>`');
  return match[1]!;
}

/** The shopper of a request: the verified bearer token's, else a guest. */
export async function shopperOf(
  req: HttpRequest,
  verifier: ShopperVerifier | (() => ShopperVerifier) = stageVerifier,
  now: Date = nowDate(),
): Promise<Shopper> {
  const token = bearerToken(req);
  if (token === null) return { userId: null };
  let claims: JwtClaims;
  try {
    claims = await (typeof verifier === 'function' ? verifier() : verifier).verify(token, now);
  } catch (error) {
    if (error instanceof InvalidTokenError) throw unauthorized(`invalid token: ${error.message}`);
    if (error instanceof KeySourceUnavailableError) throw providerUnavailable(error);
    throw error;
  }
  const userId = shopperIdOfSubject(claims.sub);
  if (userId === undefined) throw unauthorized('the token has no valid `sub` (user id)');
  return { userId };
}

/** As shopperOf, for routes that need a signed-in shopper: a guest is a 401. */
export async function signedInShopper(
  req: HttpRequest,
  verifier: ShopperVerifier | (() => ShopperVerifier) = stageVerifier,
  now: Date = nowDate(),
): Promise<string> {
  const { userId } = await shopperOf(req, verifier, now);
  if (userId === null) throw unauthorized('sign in first: this route needs a bearer token');
  return userId;
}

/** Response headers of an answer made for one shopper: no shared cache may keep or serve it. */
export const personalHeaders = (userId: string | null | undefined): Record<string, string> =>
  userId ? { 'cache-control': 'private, no-store' } : {};

/** Where a request names a shopper (`query.userId`, `body.events.3.userId`). */
export interface Claimed {
  userId: string;
  in: IssueLocation;
  path: string;
}

/**
 * The shopper a request speaks for when it may also name one: the bearer token's, never an id the
 * request merely names. A named id is accepted only as the token's own: without a token it is a
 * 401, with another shopper's token a 403, each naming the field. A token that fails its checks
 * (expired, after a key rotation), or keys that cannot be fetched, with no id named, is served as a
 * guest and logged: recommendations and behaviour are served to guests too, and a storefront
 * holding a stale token should still work (pricing, where the token decides the price, answers 401).
 */
export async function claimedShopper(
  req: HttpRequest,
  claimed: readonly Claimed[],
  verifier: ShopperVerifier | (() => ShopperVerifier) = stageVerifier,
  now: Date = nowDate(),
): Promise<string | null> {
  let userId: string | null;
  try {
    userId = (await shopperOf(req, verifier, now)).userId;
  } catch (error) {
    const soft =
      error instanceof HttpError &&
      (error.statusCode === 401 || error.code === 'IdentityProviderUnavailable');
    if (claimed.length > 0 || !soft) throw error;
    logger.warn('bearer token refused; served as a guest', { reason: error.message });
    return null;
  }
  for (const c of claimed) {
    if (userId === null) {
      const message =
        'naming a shopper needs their bearer token (Authorization: Bearer <token>); a user id alone is not proof';
      throw new HttpError(401, 'Unauthorized', message, [{ in: c.in, path: c.path, message }]);
    }
    if (c.userId !== userId) {
      const message = "not the signed-in shopper: send the token's own user id, or none";
      throw new HttpError(403, 'Forbidden', message, [{ in: c.in, path: c.path, message }]);
    }
  }
  return userId;
}

/**
 * The shopper a read route personalises for (related products, scene guides): `claimedShopper`
 * with the query's `userId`, since a personalised answer shows what that shopper looked at and
 * bought (a `session:<productId>` reason) and decides their experiment variants.
 */
export function personalisedShopper(
  req: HttpRequest,
  queryUserId: string | undefined,
  verifier: ShopperVerifier | (() => ShopperVerifier) = stageVerifier,
  now: Date = nowDate(),
): Promise<string | null> {
  const claimed =
    queryUserId === undefined ? [] : [{ userId: queryUserId, in: 'query' as const, path: 'userId' }];
  return claimedShopper(req, claimed, verifier, now);
}
