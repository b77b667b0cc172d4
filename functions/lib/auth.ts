import { createHmac, timingSafeEqual } from 'node:crypto';
import { UserId } from '../../events/common.ts';
import { nowDate } from './clock.ts';
import { HttpError, type HttpRequest } from './http.ts';
import { logger } from './logger.ts';

/**
 * Who the shopper is. On AWS an HTTP API JWT authorizer may verify the token and pass its claims in
 * `requestContext.authorizer.jwt.claims`; when they are there they are trusted as they are. Otherwise
 * (the local gateway, or a route left public so that guests can use it) the `Authorization: Bearer`
 * token is verified here: HS256 only, signature in constant time, then `exp` and `nbf`. No token is a
 * guest; a token that fails any check is a 401, never a silent guest.
 */

export interface Shopper {
  /** null for a guest. */
  userId: string | null;
}

export type JwtClaims = Record<string, unknown>;

export class InvalidTokenError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'InvalidTokenError';
  }
}

/** Tolerance for clocks a little apart. */
const LEEWAY_SECONDS = 30;

const b64json = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Makes an HS256 token (tests, the bench and local tools; the service only verifies). */
export function signJwtHs256(claims: JwtClaims, secret: string): string {
  const head = `${b64json({ alg: 'HS256', typ: 'JWT' })}.${b64json(claims)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

function decodePart(part: string, what: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error();
    return value as Record<string, unknown>;
  } catch {
    throw new InvalidTokenError(`the token's ${what} is not a JSON object`);
  }
}

/** Verifies an HS256 JWT and returns its claims; throws InvalidTokenError saying why not. */
export function verifyJwtHs256(token: string, secret: string, now: Date = nowDate()): JwtClaims {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) {
    throw new InvalidTokenError('not a compact JWT');
  }
  const [head, body, sig] = parts as [string, string, string];
  const header = decodePart(head, 'header');
  // Only HS256: never `none`, never an algorithm the token picks for itself.
  if (header.alg !== 'HS256') throw new InvalidTokenError('only HS256 tokens are accepted');
  const expected = createHmac('sha256', secret).update(`${head}.${body}`).digest();
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new InvalidTokenError('bad signature');
  }
  const claims = decodePart(body, 'payload');
  const nowS = Math.floor(now.getTime() / 1000);
  if (claims.exp !== undefined && !(typeof claims.exp === 'number' && nowS < claims.exp + LEEWAY_SECONDS)) {
    throw new InvalidTokenError('expired');
  }
  if (claims.nbf !== undefined && !(typeof claims.nbf === 'number' && nowS + LEEWAY_SECONDS >= claims.nbf)) {
    throw new InvalidTokenError('not valid yet');
  }
  return claims;
}

const unauthorized = (message: string) =>
  new HttpError(401, 'Unauthorized', message, [{ in: 'header', path: 'authorization', message }]);

function userIdOf(claims: JwtClaims): string {
  const sub = UserId.safeParse(claims.sub);
  if (!sub.success) throw unauthorized('the token has no valid `sub` (user id)');
  return sub.data;
}

/** The shopper of a request: authorizer claims, else a verified bearer token, else a guest. */
export function shopperOf(req: HttpRequest, secret: string, now: Date = nowDate()): Shopper {
  if (req.claims) return { userId: userIdOf(req.claims) };
  const header = req.headers.authorization ?? req.headers.Authorization;
  if (header === undefined || header.trim() === '') return { userId: null };
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw unauthorized('the Authorization header must be `Bearer <token>`');
  try {
    return { userId: userIdOf(verifyJwtHs256(match[1]!, secret, now)) };
  } catch (error) {
    if (error instanceof InvalidTokenError) throw unauthorized(`invalid token: ${error.message}`);
    throw error;
  }
}

/** As shopperOf, for routes that need a signed-in shopper: a guest is a 401. */
export function signedInShopper(req: HttpRequest, secret: string, now: Date = nowDate()): string {
  const { userId } = shopperOf(req, secret, now);
  if (userId === null) throw unauthorized('sign in first: this route needs a bearer token');
  return userId;
}

/** Response headers of an answer made for one shopper: no shared cache may keep or serve it. */
export const personalHeaders = (userId: string | null | undefined): Record<string, string> =>
  userId ? { 'cache-control': 'private, no-store' } : {};

/**
 * The shopper a read route personalises for (related products, scene guides): the bearer token's,
 * never an id the query merely names, since a personalised answer shows what that shopper looked
 * at and bought (a `session:<productId>` reason) and decides their experiment variants. A query
 * `userId` is accepted only as the token's own (storefronts that always sent it keep working once
 * they send the token too): without a token it is a 401, with another shopper's token a 403.
 * A token that fails its checks (expired, after a key rotation) with no `userId` in the query is
 * served as a guest and logged: recommendations are personalisation, and a storefront holding a
 * stale token should still show them (pricing, where the token decides the price, answers 401).
 */
export function personalisedShopper(
  req: HttpRequest,
  queryUserId: string | undefined,
  /** Read only when there is a token to check: a guest's request never needs the key. */
  secret: string | (() => string),
  now: Date = nowDate(),
): string | null {
  let userId: string | null;
  try {
    const anonymous = !req.claims && !(req.headers.authorization ?? req.headers.Authorization)?.trim();
    userId = anonymous ? null : shopperOf(req, typeof secret === 'string' ? secret : secret(), now).userId;
  } catch (error) {
    if (queryUserId !== undefined || !(error instanceof HttpError) || error.statusCode !== 401) throw error;
    logger.warn('bearer token refused; served as a guest', { reason: error.message });
    return null;
  }
  if (queryUserId === undefined) return userId;
  if (userId === null) {
    const message =
      'personalising for a user needs their bearer token (Authorization: Bearer <token>); a user id alone is not proof';
    throw new HttpError(401, 'Unauthorized', message, [{ in: 'query', path: 'userId', message }]);
  }
  if (userId !== queryUserId) {
    const message = "not the signed-in shopper: send the token's own user id, or none";
    throw new HttpError(403, 'Forbidden', message, [{ in: 'query', path: 'userId', message }]);
  }
  return userId;
}
