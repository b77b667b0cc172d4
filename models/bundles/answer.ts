import type { BundleResponse } from '../../events/api.ts';
import type { Product, Promotion, Scene } from '../../events/catalog.ts';
import type { Locale } from '../../events/common.ts';
import type { Experiment } from '../../events/experiments.ts';
import { toProductCard } from '../catalog.ts';
import { DomainError } from '../errors.ts';
import {
  type PreviewShopper,
  type PreviewSources,
  previewPrice,
  previewShopperOf,
} from '../pricing/preview.ts';
import type { ShopperStanding } from '../segments/policy.ts';
import type { Bundle, Rule } from './mining.ts';

/** What the bundle answer reads; the adapters cache promotions, scenes and experiments per container. */
export interface BundlePorts {
  /** The product's bundle from the latest mining (undefined: none), and when that mining ran. */
  bundle(productId: string): Promise<{ bundle: Bundle | undefined; minedAt: string | null }>;
  promotions(): Promise<readonly Promotion[]>;
  scenes(): Promise<readonly Scene[]>;
  /** Products by id, in one round trip; unknown ids are absent. */
  products(productIds: readonly string[]): Promise<ReadonlyMap<string, Product>>;
  experiments(): Promise<readonly Experiment[]>;
  /** A signed-in shopper's member tier and segment. Must not throw: the adapter answers defaults. */
  standingOf(userId: string): Promise<ShopperStanding>;
}

export interface BundleAnswerOptions {
  now: Date;
  currency: string;
  minMarginPercent: number;
  locale: Locale;
}

/** What one bundle answer is made from, as read. */
export interface BundleFacts {
  bundle: Bundle | undefined;
  minedAt: string | null;
  /** The product, its bundle's items and the gift products, by id (unknown ids absent). */
  products: ReadonlyMap<string, Product>;
  pricing: PreviewSources;
  /** Who the price is for; undefined for a guest. */
  shopper: PreviewShopper | undefined;
}

/** "N× as often as by chance": whole from 10 on, one decimal below. */
const liftTimes = (lift: number): number => (lift >= 10 ? Math.round(lift) : Math.round(lift * 10) / 10);

/** Why these items go together, in the shopper's language. */
export function bundleReason(rule: Pick<Rule, 'count' | 'lift'>, locale: Locale): string {
  const times = liftTimes(rule.lift);
  return locale === 'zh-CN'
    ? `${rule.count} 笔订单同时购买了这些商品，是随机搭配的 ${times} 倍`
    : `bought together in ${rule.count} orders, ${times}x as often as by chance`;
}

/**
 * `GET /v1/products/{productId}/bundle` from what was read: the bundle with its evidence, reason
 * and preview price, or no bundle and a note when none is mined or an item is out of stock.
 * A product that does not exist is a 404.
 */
export function bundleAnswer(
  productId: string,
  facts: BundleFacts,
  opts: BundleAnswerOptions,
): BundleResponse {
  const { bundle, minedAt, products } = facts;
  if (!products.has(productId))
    throw new DomainError('not_found', `no product ${productId}`, 'path.productId');
  const none = (note: string): BundleResponse => ({ productId, bundle: null, note, minedAt });
  if (bundle === undefined) return none('no product is bought together with this one often enough yet');
  const items = bundle.items.map((id) => products.get(id));
  if (items.some((p) => p === undefined || p.stock < 1)) return none('an item of its bundle is out of stock');
  const lines = items.map((product) => ({ product: product!, quantity: 1 }));
  const { rule } = bundle;
  return {
    productId,
    bundle: {
      items: lines.map((l) => toProductCard(l.product, opts.currency)),
      evidence: { orders: rule.count, support: rule.support, confidence: rule.confidence, lift: rule.lift },
      reason: bundleReason(rule, opts.locale),
      price: previewPrice(lines, facts.pricing, opts, facts.shopper),
    },
    minedAt,
  };
}

/**
 * The bundle answer for a guest (`userId` null) or a signed-in shopper, whose preview price is
 * theirs (member tier, segment, promotion experiment arms). Round trips: the bundle, the cached
 * promotions and scenes and the shopper's standing side by side, then the products in one.
 */
export async function bundleForShopper(
  ports: BundlePorts,
  { productId, userId }: { productId: string; userId: string | null },
  opts: BundleAnswerOptions,
): Promise<BundleResponse> {
  const [{ bundle, minedAt }, promotions, scenes, shopper] = await Promise.all([
    ports.bundle(productId),
    ports.promotions(),
    ports.scenes(),
    previewShopper(ports, userId, opts.now.getTime()),
  ]);
  const giftIds = promotions.flatMap((p) => (p.kind === 'gift' ? [p.giftProductId] : []));
  const products = await ports.products([productId, ...(bundle?.items ?? []), ...giftIds]);
  const giftProducts = giftIds.flatMap((id) => (products.has(id) ? [products.get(id)!] : []));
  return bundleAnswer(
    productId,
    { bundle, minedAt, products, pricing: { promotions, scenes, giftProducts }, shopper },
    opts,
  );
}

/** A signed-in shopper's previews: member tier, segment and experiment arms, read beside the bundle. */
async function previewShopper(
  ports: BundlePorts,
  userId: string | null,
  now: number,
): Promise<PreviewShopper | undefined> {
  if (userId === null) return undefined;
  const [standing, running] = await Promise.all([ports.standingOf(userId), ports.experiments()]);
  return previewShopperOf(userId, standing, running, now);
}
