import type { Product, Promotion, Scene, Slot } from '../../events/catalog.ts';
import type { Quote } from '../../events/pricing.ts';
import type { ProductInfo } from '../../models/hits/features.ts';
import type { PricingFacts, PricingSources, QuoteContext, QuoteStore } from '../../models/pricing/quotes.ts';
import type { Of } from '../../models/pricing/rules.ts';
import type { PricedProduct } from '../../models/pricing/types.ts';

/**
 * Builders of the test data that many test files need: each takes what a test cares about (ids,
 * prices, stock) and fills the rest with the usual values. Not a test file itself. Amounts in minor
 * units.
 */

/** The instant the pricing tests price at, and the window their promotions run in. */
export const NOW = '2026-11-23T10:00:00.000Z';
export const WINDOW = { validFrom: '2026-11-01T00:00:00Z', validTo: '2026-12-01T00:00:00Z' } as const;

/** A promotion window from a day before `nowMs` to a day after (promotions live at a clock's instant). */
export const windowAround = (nowMs: number) => ({
  validFrom: new Date(nowMs - 86_400_000).toISOString(),
  validTo: new Date(nowMs + 86_400_000).toISOString(),
});

// ------------------------------------------------------------------------------------ products

/**
 * A catalog product as the store holds it: titled by its id, no tags or attributes, ¥100.00 at a
 * cost of ¥50.00, 5 in stock, launched 2026-01-01, durable; `fields` overrides any of it.
 */
export const catalogProduct = (
  productId: string,
  category: string,
  fields: Partial<Product> = {},
): Product => ({
  productId,
  title: productId,
  category,
  tags: [],
  attributes: {},
  listPrice: 10_000,
  cost: 5_000,
  stock: 5,
  launchDate: '2026-01-01',
  consumable: false,
  ...fields,
});

/** A product as the pricing engine reads it, titled by its id. */
export const pricedProduct = (
  productId: string,
  category: string,
  listPrice: number,
  cost: number,
  tags: string[] = [],
): PricedProduct => ({ productId, title: productId, category, tags, listPrice, cost });

/**
 * A product as the storefront experiments list it: titled, branded, tagged outdoor, with an image,
 * ¥129.00 unless said, 1,000 in stock, launched 2026-03-01.
 */
export const listedProduct = (productId: string, category: string, listPrice = 12_900): Product =>
  catalogProduct(productId, category, {
    title: `Product ${productId}`,
    tags: ['outdoor'],
    brand: 'Lumen Trail',
    listPrice,
    cost: 7_000,
    stock: 1_000,
    launchDate: '2026-03-01',
    imageUrl: `https://img.example.com/p/${productId}.jpg`,
  });

/** A priced product as a catalog product with `stock` units (the other catalog fields as catalogProduct's). */
export const stocked = (p: PricedProduct, stock = 5): Product =>
  catalogProduct(p.productId, p.category, { ...p, stock });

/** A product as the hit model reads it: in tents at ¥100.00, 100 in stock, launched 2025-01-01. */
export const productInfo = (productId: string, fields: Partial<ProductInfo> = {}): ProductInfo => ({
  productId,
  category: 'tents',
  listPrice: 10_000,
  stock: 100,
  launchDate: '2025-01-01',
  ...fields,
});

// ------------------------------------------------------------------------------------- scenes

/** A scene slot for one product of a category, titled by its id, required; `fields` overrides. */
export const categorySlot = (slotId: string, category: string, fields: Partial<Slot> = {}): Slot => ({
  slotId,
  title: { en: slotId, 'zh-CN': slotId },
  constraint: { categories: [category] },
  quantity: 1,
  required: true,
  ...fields,
});

/** A scene titled by its id, with a one-line summary and tip, for autumn, active; `fields` overrides. */
export const catalogScene = (sceneId: string, slots: Slot[], fields: Partial<Scene> = {}): Scene => ({
  sceneId,
  title: { en: sceneId, 'zh-CN': sceneId },
  summary: { en: 'A summary.', 'zh-CN': '简介。' },
  guide: { en: ['A tip.'], 'zh-CN': ['提示。'] },
  season: 'autumn',
  slots,
  active: true,
  ...fields,
});

// ---------------------------------------------------------------------------------- promotions

type Kind = Promotion['kind'];
type Header = 'promotionId' | 'kind' | 'title' | 'validFrom' | 'validTo' | 'stackable' | 'priority';
/** A promotion's own fields and its id; the rest of the header is optional. */
export type PromotionFields<K extends Kind> = Pick<Of<K>, 'promotionId'> &
  Partial<Pick<Of<K>, Exclude<Header, 'kind'>>> &
  Omit<Of<K>, Header>;

const ofKind =
  <K extends Kind>(kind: K) =>
  ({ promotionId, ...fields }: PromotionFields<K>): Of<K> =>
    ({
      promotionId,
      kind,
      title: { en: promotionId, 'zh-CN': promotionId },
      ...WINDOW,
      stackable: true,
      priority: 0,
      ...fields,
    }) as Of<K>;

/**
 * Promotions by kind: titled by their id in both languages, running in WINDOW, stackable, priority
 * 0 unless `fields` says otherwise; the kind's own fields are required.
 */
export const promotion = {
  memberPrice: ofKind('memberPrice'),
  groupBuy: ofKind('groupBuy'),
  flashSale: ofKind('flashSale'),
  bundle: ofKind('bundle'),
  threshold: ofKind('threshold'),
  coupon: ofKind('coupon'),
  gift: ofKind('gift'),
};

// -------------------------------------------------------------------------------------- quotes

/** createQuote's context: in English, at NOW, quote q-1 in CNY with a 10% margin floor, 15 minutes, key `k`. */
export const quoteContext = (userId: string | null, over: Partial<QuoteContext> = {}): QuoteContext => ({
  userId,
  locale: 'en',
  now: new Date(NOW),
  quoteId: 'q-1',
  currency: 'CNY',
  minMarginPercent: 10,
  ttlSeconds: 900,
  signingKey: 'k',
  ...over,
});

/** Pricing sources in memory: these promotions and products, no scenes, no group, no counters. */
export const pricingSources = (
  promotions: readonly Promotion[],
  products: readonly Product[],
  facts: Partial<PricingFacts> = {},
): PricingSources => ({
  promotions: async () => [...promotions],
  facts: async () => ({
    products: new Map(products.map((p) => [p.productId, p])),
    scenes: [],
    memberTier: 'none',
    group: undefined,
    counters: new Map(),
    ...facts,
  }),
});

/** A quote store in memory that keeps what it was given, in order. */
export function memoryQuotes(): QuoteStore & { stored: Quote[] } {
  const stored: Quote[] = [];
  const byId = new Map<string, Quote>();
  return {
    stored,
    put: async (q) => {
      stored.push(q);
      byId.set(q.quoteId, q);
    },
    get: async (id) => byId.get(id),
  };
}
