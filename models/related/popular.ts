import type { Product } from '../../events/catalog.ts';
import { decayFactor } from './evidence.ts';

/**
 * The last links of the related answer's fallback chain (evidence, scene partners, content, then
 * these): the category's and the shop's popular in-stock products, precomputed by the rebuild into
 * one compact item that the request reads in its first round trip, so a list thinned by the
 * business filters (stock, exclusions, a price cap, already-bought durables) is still filled
 * without a third one. Amazon Personalize fills a filtered list the same way, and says so in the
 * item's reason; so does this (`popular_in_category:<category>`, `popular`). Pure.
 */

/** One stored row: compact, because the item is read on every related request. */
export type PopularRow = readonly [
  productId: string,
  category: string,
  listPrice: number,
  popularity: number,
];
/** A row of a category's own list (the category is its key). */
export type CategoryRow = readonly [productId: string, listPrice: number, popularity: number];

export interface PopularLists {
  /** When the rebuild computed them (ISO 8601). */
  builtAt: string;
  /** The shop's most popular in-stock products, best first. */
  shop: PopularRow[];
  /** Per category, its most popular in-stock products, best first. */
  categories: Record<string, CategoryRow[]>;
  /**
   * A price ladder for price caps: the in-stock products by price, cut into bands that double in
   * size from the cheapest ([0, 20), [20, 40), [40, 80), ...), each band's most popular. Whatever
   * the cap, every band wholly below it is eligible, so a cap that leaves n products in the catalog
   * leaves at least min(n, 20) rows here, and the widest eligible band's popular ones among them.
   */
  ladder: PopularRow[];
  /**
   * The shop's popularity blend (`RelatedConfig.popularityBlend`, chosen on the shop's validation
   * split), written with the lists because the answer applies it to them; absent: 0.
   */
  popularityBlend?: number;
}

export interface PopularLimits {
  shop: number;
  perCategory: number;
  minPerCategory: number;
  categoryRows: number;
  ladderBand: number;
}

export const POPULAR_LIMITS: PopularLimits = {
  shop: 50,
  /** Rows per category: this many, fewer when there are many categories (the item stays small). */
  perCategory: 10,
  minPerCategory: 3,
  /** All categories together at most about this many rows. */
  categoryRows: 500,
  /** Rows per ladder band, and the first band's size. */
  ladderBand: 20,
};

/**
 * Popularity from a product's decayed evidence totals, decayed on to `now`: orders, and views at a
 * tenth (a shop sees many more views than orders, and what sells is what a fallback should show).
 */
export function popularityOf(
  totals: { views: number; orders: number; at?: number | undefined } | undefined,
  now: number,
  halfLifeDays: number,
): number {
  if (!totals) return 0;
  const f = totals.at === undefined ? 1 : decayFactor(totals.at, now, halfLifeDays);
  return (totals.orders + totals.views / 10) * f;
}

const byPopularity = (a: PopularRow, b: PopularRow) =>
  b[3] - a[3] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
const round = (x: number) => Math.round(x * 1e4) / 1e4;

/** The popular lists of a catalog: in-stock products only; popularity 0 still ranks (by id) below the rest. */
export function buildPopular(
  products: readonly Pick<Product, 'productId' | 'category' | 'listPrice' | 'stock'>[],
  popularity: (productId: string) => number,
  builtAt: string,
  { limits = POPULAR_LIMITS, popularityBlend = 0 }: { limits?: PopularLimits; popularityBlend?: number } = {},
): PopularLists {
  const rows: PopularRow[] = products
    .filter((p) => p.stock > 0)
    .map((p) => [p.productId, p.category, p.listPrice, round(Math.max(0, popularity(p.productId)))] as const);
  const sorted = [...rows].sort(byPopularity);
  const byCategory = new Map<string, PopularRow[]>();
  for (const r of sorted) {
    const list = byCategory.get(r[1]);
    if (list) list.push(r);
    else byCategory.set(r[1], [r]);
  }
  const per = Math.max(
    limits.minPerCategory,
    Math.min(limits.perCategory, Math.floor(limits.categoryRows / Math.max(1, byCategory.size))),
  );
  const categories: Record<string, CategoryRow[]> = {};
  for (const c of [...byCategory.keys()].sort())
    categories[c] = byCategory
      .get(c)!
      .slice(0, per)
      .map(([id, , price, pop]) => [id, price, pop] as const);

  const byPrice = [...rows].sort((a, b) => a[2] - b[2] || (a[0] < b[0] ? -1 : 1));
  const ladder: PopularRow[] = [];
  for (let from = 0, size = limits.ladderBand; from < byPrice.length; from += size, size = from) {
    ladder.push(
      ...byPrice
        .slice(from, from + size)
        .sort(byPopularity)
        .slice(0, limits.ladderBand),
    );
  }
  return { builtAt, shop: sorted.slice(0, limits.shop), categories, ladder, popularityBlend };
}

export interface Fallback {
  productId: string;
  category: string;
  popularity: number;
  reason: string;
}

/**
 * Fallback candidates for one answer, in chain order: the category's popular products
 * (`popular_in_category:<category>`), then the shop's, then the price ladder's (`popular`). Rows
 * the answer cannot use are dropped before its facts are read (the price as stored, the caller's
 * exclusions, products already candidates, another category when the caller asked for one), so
 * the keys it spends on them are likely to fill; the fresh facts decide in the end.
 */
export function popularFallbacks(
  lists: PopularLists | undefined,
  opts: {
    /** The category whose popular products come first (the query's, else the anchor's). */
    category: string;
    /** Only this category (the query's `category`). */
    only?: string | undefined;
    maxPrice?: number | undefined;
    skip: ReadonlySet<string>;
    budget: number;
    /** Whether the answer's strategy uses a fallback reason at all. */
    use?: (reason: string) => boolean;
  },
): Fallback[] {
  if (!lists || opts.budget <= 0) return [];
  const use = opts.use ?? (() => true);
  const out: Fallback[] = [];
  const taken = new Set<string>();
  const offer = (rows: readonly PopularRow[], reason: string) => {
    if (!use(reason)) return;
    for (const [productId, category, listPrice, popularity] of rows) {
      if (out.length >= opts.budget) return;
      if (taken.has(productId) || opts.skip.has(productId)) continue;
      if (opts.only !== undefined && category !== opts.only) continue;
      if (opts.maxPrice !== undefined && listPrice > opts.maxPrice) continue;
      taken.add(productId);
      out.push({ productId, category, popularity, reason });
    }
  };
  const own = (lists.categories[opts.category] ?? []).map(
    ([id, price, pop]) => [id, opts.category, price, pop] as const,
  );
  offer(own, `popular_in_category:${opts.category}`);
  offer(lists.shop, 'popular');
  offer([...lists.ladder].sort(byPopularity), 'popular');
  return out;
}

/**
 * The popularity blend (`PopularLists.popularityBlend`): the anchor category's and the shop's
 * popular products as candidates scored `blend * top * popularity / the shop's best popularity`,
 * `top` being the anchor's best neighbour score, each with its fallback reason. Unlike the
 * fallbacks, these compete with the neighbours for the list's first places: in a shop whose
 * shoppers come back for staples (baskets), the next item is often one of them.
 */
export function popularBlend(
  lists: PopularLists | undefined,
  category: string,
  top: number,
): { productId: string; score: number; reason: string }[] {
  const blend = lists?.popularityBlend ?? 0;
  if (!lists || !(blend > 0) || !(top > 0)) return [];
  const best = Math.max(1e-12, ...lists.shop.map((r) => r[3]));
  const out = new Map<string, { productId: string; score: number; reason: string }>();
  for (const [productId, , popularity] of lists.categories[category] ?? [])
    out.set(productId, {
      productId,
      score: (blend * top * popularity) / best,
      reason: `popular_in_category:${category}`,
    });
  for (const [productId, , , popularity] of lists.shop)
    if (!out.has(productId))
      out.set(productId, { productId, score: (blend * top * popularity) / best, reason: 'popular' });
  return [...out.values()].filter((c) => c.score > 0);
}
