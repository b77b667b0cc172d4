import { localShopperToken } from '../../infra/local/runtime.ts';
import { TEST_NOW } from './clock.ts';

/**
 * A shopper's bearer token for the local runtime (its development key, issuer and audience),
 * issued at the tests' clock (TEST_NOW) and valid for a day of it, the longest the runtime accepts:
 * it checks `exp` against that clock, and a test may move the clock past a quote's expiry. `extra`
 * overrides any claim, or removes it (`undefined`).
 */
export const shopperToken = (userId: string, extra: Record<string, unknown> = {}): string =>
  localShopperToken(userId, { nowMs: TEST_NOW.getTime(), extra });

/** The Authorization header a storefront sends for a signed-in shopper. */
export const bearerFor = (userId: string): { authorization: string } => ({
  authorization: `Bearer ${shopperToken(userId)}`,
});
