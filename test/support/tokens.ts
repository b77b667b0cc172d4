import { signJwtHs256 } from '../../functions/lib/auth.ts';
import { LOCAL_DEV_JWT_SECRET } from '../../infra/local/runtime.ts';
import { TEST_NOW } from './clock.ts';

/**
 * A shopper's bearer token for the local runtime (its development key), issued at the tests'
 * clock (TEST_NOW) and valid for a day of it: the runtime checks `exp` against that clock, and a
 * test may move the clock past a quote's expiry.
 */
export const shopperToken = (userId: string, extra: Record<string, unknown> = {}): string => {
  const iat = Math.floor(TEST_NOW.getTime() / 1000);
  return signJwtHs256({ sub: userId, iat, exp: iat + 86_400, ...extra }, LOCAL_DEV_JWT_SECRET);
};

/** The Authorization header a storefront sends for a signed-in shopper. */
export const bearerFor = (userId: string): { authorization: string } => ({
  authorization: `Bearer ${shopperToken(userId)}`,
});
