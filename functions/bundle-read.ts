import { type BundleResponse, ProductPath } from '../events/api.ts';
import { toProductCard } from '../models/catalog.ts';
import { DomainError } from '../models/errors.ts';
import { type PreviewShopper, previewPrice, previewShopperOf } from '../models/pricing/preview.ts';
import { readBundle } from './adapters/bundle-store.ts';
import { cachedScenes, productsByIds } from './adapters/catalog-store.ts';
import { cachedExperiments } from './adapters/experiment-store.ts';
import { cachedPromotions } from './adapters/pricing-store.ts';
import { shopperStanding } from './adapters/standing-store.ts';
import { personalHeaders, personalisedShopper } from './lib/auth.ts';
import { nowDate } from './lib/clock.ts';
import { authSecret, env, minMarginPercent, tableName } from './lib/config.ts';
import { httpApi, parseAt } from './lib/http.ts';
import { localeOf } from './lib/locale.ts';

const promotions = cachedPromotions(tableName('promotions'));
const scenes = cachedScenes(tableName('scenes'));
const products = productsByIds(tableName('products'));
const experiments = cachedExperiments(tableName('experiments'));
const standingOf = shopperStanding({ memberTier: true });

/** A signed-in shopper's previews: member tier, segment and experiment arms, read beside the bundle. */
async function previewShopper(userId: string | null, now: number): Promise<PreviewShopper | undefined> {
  if (userId === null) return undefined;
  const [standing, running] = await Promise.all([standingOf(userId), experiments()]);
  return previewShopperOf(userId, standing, running, now);
}

export const handler = httpApi({
  'GET /v1/products/{productId}/bundle': async (req) => {
    const { productId } = parseAt('path', ProductPath, req.pathParameters);
    // The bundle's price is the token's shopper's (a stale token: a guest's); the route names nobody.
    const userId = personalisedShopper(req, undefined, authSecret);
    const locale = localeOf(req.headers['accept-language']);
    const currency = env().CATALOG_CURRENCY;
    const now = nowDate();
    const [{ bundle, minedAt }, promos, sceneList, shopper] = await Promise.all([
      readBundle(tableName('bundles'), productId),
      promotions(),
      scenes(),
      previewShopper(userId, now.getTime()),
    ]);
    const giftIds = promos.flatMap((p) => (p.kind === 'gift' ? [p.giftProductId] : []));
    const facts = await products([productId, ...(bundle?.items ?? []), ...giftIds]);
    if (!facts.has(productId))
      throw new DomainError('not_found', `no product ${productId}`, 'path.productId');
    const none = (note: string): BundleResponse => ({ productId, bundle: null, note, minedAt });
    if (bundle === undefined) {
      return { status: 200, body: none('no product is bought together with this one often enough yet') };
    }
    const items = bundle.items.map((id) => facts.get(id));
    if (items.some((p) => p === undefined || p.stock < 1)) {
      return { status: 200, body: none('an item of its bundle is out of stock') };
    }
    const lines = items.map((product) => ({ product: product!, quantity: 1 }));
    const { rule } = bundle;
    const times = rule.lift >= 10 ? Math.round(rule.lift) : Math.round(rule.lift * 10) / 10;
    const body: BundleResponse = {
      productId,
      bundle: {
        items: lines.map((l) => toProductCard(l.product, currency)),
        evidence: { orders: rule.count, support: rule.support, confidence: rule.confidence, lift: rule.lift },
        reason:
          locale === 'zh-CN'
            ? `${rule.count} 笔订单同时购买了这些商品，是随机搭配的 ${times} 倍`
            : `bought together in ${rule.count} orders, ${times}x as often as by chance`,
        price: previewPrice(
          lines,
          {
            promotions: promos,
            scenes: sceneList,
            giftProducts: giftIds.flatMap((id) => (facts.has(id) ? [facts.get(id)!] : [])),
          },
          { now, currency, minMarginPercent: minMarginPercent(), locale },
          shopper,
        ),
      },
      minedAt,
    };
    return { status: 200, body, headers: personalHeaders(userId) };
  },
});
