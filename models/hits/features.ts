import type { Product } from '../../events/catalog.ts';
import { DAY_MS, type ProductSeries, type SeriesIndex, type SignalCounts, windowCounts } from './signals.ts';

/**
 * Per-product features at an instant t, from the hourly buckets before t (24 h, 7 d and 28 d
 * windows ending at t) and the catalog record. Every feature is a plain number; the vector's order
 * is `FEATURE_NAMES`. Counts go through log1p and ratios are smoothed, so a product with two
 * searches does not look like a rocket, and a product with no history sits at its prior.
 */

/** What the features need from a product: the catalog record's stable fields. */
export type ProductInfo = Pick<Product, 'productId' | 'category' | 'listPrice' | 'stock' | 'launchDate'>;

/** Pseudo-counts and prior strengths; documented in FEATURES. */
export const SMOOTHING = {
  /** Searches, views and reviews per day added to both sides of a growth log-ratio. */
  growthPerDay: 0.5,
  /** Units per day added to both sides of the sales acceleration log-ratio. */
  salesPerDay: 0.1,
  /** Weight (in views) of the category's cart and order rates. */
  rateViews: 30,
  /** Weight (in searches) of the global click-through rate. */
  ctrSearches: 20,
  /** Weight (in reviews) of the global average rating. */
  ratingReviews: 5,
  /** Stock cover is capped here: beyond two months the exact figure does not change a decision. */
  maxCoverDays: 60,
} as const;

export const FEATURES = [
  { name: 'searches_24h', description: 'log(1 + searches listing or clicking the product in the last 24 h)' },
  { name: 'searches_7d', description: 'log(1 + searches in the last 7 days)' },
  {
    name: 'search_growth_24h',
    description:
      'ln((searches in 24 h + 0.5) / (daily mean over the 6 days before + 0.5)): >0 when searches rise today',
  },
  {
    name: 'search_growth_7d',
    description:
      'ln((searches in 7 d + 3.5) / (weekly mean over the 21 days before + 3.5)): the weekly trend',
  },
  { name: 'search_clicks_7d', description: 'log(1 + searches in the last 7 days whose click went to it)' },
  {
    name: 'search_ctr_7d',
    description:
      'clicks / searches over 7 d, shrunk toward the store-wide rate with the weight of 20 searches',
  },
  { name: 'views_24h', description: 'log(1 + product page views in the last 24 h)' },
  { name: 'views_7d', description: 'log(1 + product page views in the last 7 days)' },
  {
    name: 'view_growth_7d',
    description: 'ln((views in 7 d + 3.5) / (weekly mean over the 21 days before + 3.5))',
  },
  {
    name: 'cart_rate_7d',
    description:
      "add-to-carts / views over 7 d, shrunk toward its category's rate with the weight of 30 views",
  },
  {
    name: 'conversion_7d',
    description: "orders / views over 7 d, shrunk toward its category's rate with the weight of 30 views",
  },
  { name: 'sales_24h', description: 'log(1 + units sold in the last 24 h)' },
  { name: 'sales_velocity_7d', description: 'log(1 + units sold per day over the last 7 days)' },
  { name: 'sales_velocity_28d', description: 'log(1 + units sold per day over the last 28 days)' },
  {
    name: 'sales_acceleration',
    description: 'ln((units/day over 7 d + 0.1) / (units/day over the 21 days before + 0.1))',
  },
  { name: 'reviews_7d', description: 'log(1 + reviews posted in the last 7 days)' },
  {
    name: 'review_growth_7d',
    description: 'ln((reviews in 7 d + 3.5) / (weekly mean over the 21 days before + 3.5))',
  },
  {
    name: 'rating_28d',
    description:
      'average rating over 28 d, shrunk toward the store-wide average with the weight of 5 reviews',
  },
  {
    name: 'rating_trend',
    description: 'smoothed average rating of the last 7 days minus that of the 21 days before (both shrunk)',
  },
  { name: 'days_since_launch', description: 'log(1 + days since the launch date), 0 before launch' },
  {
    name: 'stock_cover_days',
    description:
      "days of stock at the 7-day sales rate (at least 1 unit a week), capped at 60; the catalog's stock is today's",
  },
  {
    name: 'price_band',
    description: 'where the list price sits in its category: 0 cheapest to 1 dearest (mid-rank percentile)',
  },
] as const;

export type FeatureName = (typeof FEATURES)[number]['name'];
export const FEATURE_NAMES: readonly FeatureName[] = FEATURES.map((f) => f.name);
export const featureIndex = Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, i])) as Record<
  FeatureName,
  number
>;

export interface FeatureRow {
  productId: string;
  category: string;
  /** The instant the features describe (ms since epoch). */
  t: number;
  values: number[];
}

export interface Windows {
  d1: SignalCounts;
  d7: SignalCounts;
  d28: SignalCounts;
}

/** Within-category price percentile of every product (mid-rank, so ties share a value). */
export function priceBands(products: readonly ProductInfo[]): Map<string, number> {
  const byCategory = new Map<string, ProductInfo[]>();
  for (const p of products) {
    const list = byCategory.get(p.category) ?? [];
    list.push(p);
    byCategory.set(p.category, list);
  }
  const out = new Map<string, number>();
  for (const list of byCategory.values()) {
    const prices = list.map((p) => p.listPrice).sort((a, b) => a - b);
    for (const p of list) {
      let below = 0;
      let equal = 0;
      for (const x of prices) {
        if (x < p.listPrice) below++;
        else if (x === p.listPrice) equal++;
      }
      out.set(p.productId, list.length <= 1 ? 0.5 : (below + (equal - 1) / 2) / (list.length - 1));
    }
  }
  return out;
}

const ln = Math.log;
const growth = (recent: number, recentDays: number, before: number, beforeDays: number, perDay: number) =>
  ln((recent + perDay * recentDays) / ((before * recentDays) / beforeDays + perDay * recentDays));
const shrink = (hits: number, trials: number, prior: number, weight: number) =>
  (hits + weight * prior) / (trials + weight);

/** A product's signal totals over the three feature windows ending at t. */
export function productWindows(series: ProductSeries | undefined, t: number): Windows {
  return {
    d1: windowCounts(series, t - DAY_MS, t),
    d7: windowCounts(series, t - 7 * DAY_MS, t),
    d28: windowCounts(series, t - 28 * DAY_MS, t),
  };
}

/**
 * The smoothing priors the rates shrink toward: store-wide click-through and rating, and each
 * category's cart and order rates. They move slowly, so the live re-ranking reads them as stored by
 * the last full re-rank instead of re-reading every product of a category for each batch.
 */
export interface Priors {
  cart: number;
  order: number;
  ctr: number;
  rating: number;
  categories: Record<string, { cart: number; order: number }>;
}

/**
 * What the priors are made of: sums over launched products, which add up across any split of the
 * catalog (the full re-rank's shards, models/hits/sharded.ts).
 */
export interface PriorSums {
  total: {
    views: number;
    carts: number;
    orders: number;
    searches: number;
    clicks: number;
    reviews: number;
    ratingSum: number;
  };
  categories: Record<string, { views: number; carts: number; orders: number }>;
}

export function priorSums(
  products: readonly ProductInfo[],
  windows: readonly Pick<Windows, 'd7' | 'd28'>[],
): PriorSums {
  const total = { views: 0, carts: 0, orders: 0, searches: 0, clicks: 0, reviews: 0, ratingSum: 0 };
  const categories: PriorSums['categories'] = {};
  products.forEach((p, i) => {
    const w = windows[i]!;
    total.views += w.d7.views;
    total.carts += w.d7.carts;
    total.orders += w.d7.orders;
    total.searches += w.d7.searches;
    total.clicks += w.d7.searchClicks;
    total.reviews += w.d28.reviews;
    total.ratingSum += w.d28.ratingSum;
    categories[p.category] ??= { views: 0, carts: 0, orders: 0 };
    const c = categories[p.category]!;
    c.views += w.d7.views;
    c.carts += w.d7.carts;
    c.orders += w.d7.orders;
  });
  return { total, categories };
}

/** Two parts' sums as one (counts: exact in any order). */
export function addPriorSums(a: PriorSums, b: PriorSums): PriorSums {
  const total = { ...a.total };
  for (const k of Object.keys(total) as (keyof PriorSums['total'])[]) total[k] += b.total[k];
  const categories: PriorSums['categories'] = structuredClone(a.categories);
  for (const [category, c] of Object.entries(b.categories)) {
    categories[category] ??= { views: 0, carts: 0, orders: 0 };
    const t = categories[category]!;
    t.views += c.views;
    t.carts += c.carts;
    t.orders += c.orders;
  }
  return { total, categories };
}

export function priorsOfSums({ total, categories: perCategory }: PriorSums): Priors {
  const cart = shrink(total.carts, total.views, 0.1, 100);
  const order = shrink(total.orders, total.views, 0.03, 100);
  const categories: Priors['categories'] = {};
  for (const [category, c] of Object.entries(perCategory)) {
    categories[category] = {
      cart: shrink(c.carts, c.views, cart, SMOOTHING.rateViews),
      order: shrink(c.orders, c.views, order, SMOOTHING.rateViews),
    };
  }
  return {
    cart,
    order,
    ctr: shrink(total.clicks, total.searches, 0.1, 100),
    rating: shrink(total.ratingSum, total.reviews, 4, 10),
    categories,
  };
}

export function computePriors(
  products: readonly ProductInfo[],
  windows: readonly Pick<Windows, 'd7' | 'd28'>[],
): Priors {
  return priorsOfSums(priorSums(products, windows));
}

/** One product's feature vector (in `FEATURE_NAMES` order) from its windows and the priors. */
export function featureVector(
  p: ProductInfo,
  { d1, d7, d28 }: Windows,
  priors: Priors,
  band: number,
  t: number,
): number[] {
  const S = SMOOTHING;
  // A category the priors have not seen yet (a new one) shrinks toward the store-wide rates.
  const cat = priors.categories[p.category] ?? { cart: priors.cart, order: priors.order };
  const velocity7 = d7.units / 7;
  const launchMs = Date.parse(`${p.launchDate}T00:00:00Z`);
  const days = Math.max(0, (t - launchMs) / DAY_MS);
  const rating7 = shrink(d7.ratingSum, d7.reviews, priors.rating, S.ratingReviews);
  const ratingBefore = shrink(
    d28.ratingSum - d7.ratingSum,
    d28.reviews - d7.reviews,
    priors.rating,
    S.ratingReviews,
  );
  const values: Record<FeatureName, number> = {
    searches_24h: Math.log1p(d1.searches),
    searches_7d: Math.log1p(d7.searches),
    search_growth_24h: growth(d1.searches, 1, d7.searches - d1.searches, 6, S.growthPerDay),
    search_growth_7d: growth(d7.searches, 7, d28.searches - d7.searches, 21, S.growthPerDay),
    search_clicks_7d: Math.log1p(d7.searchClicks),
    search_ctr_7d: shrink(d7.searchClicks, d7.searches, priors.ctr, S.ctrSearches),
    views_24h: Math.log1p(d1.views),
    views_7d: Math.log1p(d7.views),
    view_growth_7d: growth(d7.views, 7, d28.views - d7.views, 21, S.growthPerDay),
    cart_rate_7d: shrink(d7.carts, d7.views, cat.cart, S.rateViews),
    conversion_7d: shrink(d7.orders, d7.views, cat.order, S.rateViews),
    sales_24h: Math.log1p(d1.units),
    sales_velocity_7d: Math.log1p(velocity7),
    sales_velocity_28d: Math.log1p(d28.units / 28),
    sales_acceleration: growth(d7.units, 7, d28.units - d7.units, 21, S.salesPerDay),
    reviews_7d: Math.log1p(d7.reviews),
    review_growth_7d: growth(d7.reviews, 7, d28.reviews - d7.reviews, 21, S.growthPerDay),
    rating_28d: shrink(d28.ratingSum, d28.reviews, priors.rating, S.ratingReviews),
    rating_trend: rating7 - ratingBefore,
    days_since_launch: Math.log1p(days),
    stock_cover_days: Math.min(S.maxCoverDays, p.stock / Math.max(velocity7, 1 / 7)),
    price_band: band,
  };
  return FEATURE_NAMES.map((n) => values[n]);
}

/**
 * Features of `products` at instant t. Category and store-wide priors come from the same products'
 * windows, so score the whole catalog (or at least whole categories) in one call.
 */
export function featureRows(
  series: SeriesIndex,
  products: readonly ProductInfo[],
  t: number,
  bands: ReadonlyMap<string, number> = priceBands(products),
): FeatureRow[] {
  const windows = products.map((p) => productWindows(series.get(p.productId), t));
  const priors = computePriors(products, windows);
  return products.map((p, i) => ({
    productId: p.productId,
    category: p.category,
    t,
    values: featureVector(p, windows[i]!, priors, bands.get(p.productId) ?? 0.5, t),
  }));
}

/**
 * `priceBands`' mid-rank percentile from a category's sorted list prices (as stored with the
 * priors). A price missing from the list (it changed since) counts as one more product.
 */
/**
 * At most this many prices describe a category in the stored priors (a larger category, by its
 * quantiles). 51 rather than 101: a price band within two percentiles is as useful to the model and
 * the profiles as one within one, and the live profile update reads this list for every category
 * an order touches (at 101 it read two thirds more at 100k products than at 2,400).
 */
export const PRICE_POINTS = 51;

/**
 * A category's sorted list prices as the priors store them: all of them up to PRICE_POINTS, else the
 * PRICE_POINTS evenly spaced order statistics (every second percentile, min and max included). The
 * priors item then stays the same size whatever the category's size (it passed DynamoDB's 400 KB
 * near 70k products), and `priceBandIn` over it is exact up to PRICE_POINTS products and within
 * about one percentile above (half the spacing).
 */
export function priceSample(sortedPrices: readonly number[], points = PRICE_POINTS): number[] {
  const n = sortedPrices.length;
  if (n <= points) return [...sortedPrices];
  return Array.from({ length: points }, (_, k) => sortedPrices[Math.round((k * (n - 1)) / (points - 1))]!);
}

export function priceBandIn(sortedPrices: readonly number[], price: number): number {
  let below = 0;
  let equal = 0;
  for (const x of sortedPrices) {
    if (x < price) below++;
    else if (x === price) equal++;
  }
  const n = equal === 0 ? sortedPrices.length + 1 : sortedPrices.length;
  const eq = Math.max(1, equal);
  return n <= 1 ? 0.5 : (below + (eq - 1) / 2) / (n - 1);
}

/**
 * The raw figures behind a product's features, kept with its hit score so that an explanation
 * quotes counts a merchandiser can check ("searches up 340% in 24 h"), not z-scores.
 */
export interface HitSignals {
  searches24h: number;
  /** Daily mean over the 6 days before the last 24 h. */
  searchesDailyBefore: number;
  searches7d: number;
  /** Weekly mean over the 21 days before the last 7. */
  searchesWeeklyBefore: number;
  views7d: number;
  viewsWeeklyBefore: number;
  carts7d: number;
  orders7d: number;
  units7d: number;
  unitsWeeklyBefore: number;
  reviews7d: number;
  reviews28d: number;
  /** Plain average rating over 28 days; null without reviews. */
  rating28d: number | null;
  /** Plain average over the 21 days before the last 7; null without reviews then. */
  ratingBefore: number | null;
  stock: number;
  daysSinceLaunch: number;
}

export function hitSignals(p: ProductInfo, { d1, d7, d28 }: Windows, t: number): HitSignals {
  const round = (x: number) => Math.round(x * 100) / 100;
  const reviewsBefore = d28.reviews - d7.reviews;
  return {
    searches24h: d1.searches,
    searchesDailyBefore: round((d7.searches - d1.searches) / 6),
    searches7d: d7.searches,
    searchesWeeklyBefore: round((d28.searches - d7.searches) / 3),
    views7d: d7.views,
    viewsWeeklyBefore: round((d28.views - d7.views) / 3),
    carts7d: d7.carts,
    orders7d: d7.orders,
    units7d: d7.units,
    unitsWeeklyBefore: round((d28.units - d7.units) / 3),
    reviews7d: d7.reviews,
    reviews28d: d28.reviews,
    rating28d: d28.reviews > 0 ? round(d28.ratingSum / d28.reviews) : null,
    ratingBefore: reviewsBefore > 0 ? round((d28.ratingSum - d7.ratingSum) / reviewsBefore) : null,
    stock: p.stock,
    daysSinceLaunch: Math.max(0, Math.floor((t - Date.parse(`${p.launchDate}T00:00:00Z`)) / DAY_MS)),
  };
}
