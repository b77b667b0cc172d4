import { signJwtHs256 } from '../../functions/lib/auth.ts';
import { LOCAL_DEV_JWT_SECRET } from '../../infra/local/runtime.ts';

/** A shopper's bearer token for the local runtime (its development key), valid for an hour. */
export const shopperToken = (userId: string, extra: Record<string, unknown> = {}): string =>
  signJwtHs256({ sub: userId, exp: Math.floor(Date.now() / 1000) + 3600, ...extra }, LOCAL_DEV_JWT_SECRET);

/** The Authorization header a storefront sends for a signed-in shopper. */
export const bearerFor = (userId: string): { authorization: string } => ({
  authorization: `Bearer ${shopperToken(userId)}`,
});
