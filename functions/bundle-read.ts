import { ProductPath } from '../events/api.ts';
import { type BundlePorts, bundleForShopper } from '../models/bundles/answer.ts';
import { readBundle } from './adapters/bundle-store.ts';
import { cachedScenes, productsByIds } from './adapters/catalog-store.ts';
import { cachedExperiments } from './adapters/experiment-store.ts';
import { cachedPromotions } from './adapters/pricing-store.ts';
import { shopperStanding } from './adapters/standing-store.ts';
import { personalHeaders, personalisedShopper } from './lib/auth.ts';
import { nowDate } from './lib/clock.ts';
import { env, minMarginPercent, tableName } from './lib/config.ts';
import { httpApi, parseAt } from './lib/http.ts';
import { localeOf } from './lib/locale.ts';

const bundles = tableName('bundles');
const ports: BundlePorts = {
  bundle: (productId) => readBundle(bundles, productId),
  promotions: cachedPromotions(tableName('promotions')),
  scenes: cachedScenes(tableName('scenes')),
  products: productsByIds(tableName('products')),
  experiments: cachedExperiments(tableName('experiments')),
  standingOf: shopperStanding({ memberTier: true }),
};

export const handler = httpApi({
  'GET /v1/products/{productId}/bundle': async (req) => {
    const { productId } = parseAt('path', ProductPath, req.pathParameters);
    // The bundle's price is the token's shopper's (a stale token: a guest's); the route names nobody.
    const userId = await personalisedShopper(req, undefined);
    const body = await bundleForShopper(
      ports,
      { productId, userId },
      {
        now: nowDate(),
        currency: env().CATALOG_CURRENCY,
        minMarginPercent: minMarginPercent(),
        locale: localeOf(req.headers['accept-language']),
      },
    );
    // Only a priced bundle is the shopper's own; "no bundle" is the same answer for everyone.
    return { status: 200, body, ...(body.bundle ? { headers: personalHeaders(userId) } : {}) };
  },
});
