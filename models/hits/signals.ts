import type { BehaviourEvent } from '../../events/behaviour.ts';

/**
 * Hourly signal buckets per product: the aggregate the hit model reads. `bucketDeltas` folds a batch
 * of behaviour events into one delta per product and hour, so the writer issues one update per
 * product-hour per batch (a viral product is one update per batch, not one per event). Pure: no
 * clock, no I/O. Dropping duplicate deliveries is the caller's job (the consumers' exactly-once
 * markers); this module counts what it is given.
 */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export const SIGNALS = [
  /** Searches whose results listed the product (impressions), or that clicked it. */
  'searches',
  /** Searches whose click went to the product. */
  'searchClicks',
  'views',
  /** Add-to-cart events (not units). */
  'carts',
  /** Orders with at least one line for the product. */
  'orders',
  /** Units ordered. */
  'units',
  /** Units x paid unit price, in minor units. */
  'revenue',
  'reviews',
  /** Sum of review ratings (1-5): average = ratingSum / reviews. */
  'ratingSum',
] as const;
export type Signal = (typeof SIGNALS)[number];
export type SignalCounts = Record<Signal, number>;

export function emptyCounts(): SignalCounts {
  return {
    searches: 0,
    searchClicks: 0,
    views: 0,
    carts: 0,
    orders: 0,
    units: 0,
    revenue: 0,
    reviews: 0,
    ratingSum: 0,
  };
}

export function addCounts(into: SignalCounts, delta: Readonly<SignalCounts>): SignalCounts {
  for (const s of SIGNALS) into[s] += delta[s];
  return into;
}

/** The start of the UTC hour holding `instant`, e.g. `2026-11-23T10:00:00Z`. */
export function hourIso(instant: string | number): string {
  const ms = typeof instant === 'number' ? instant : Date.parse(instant);
  if (!Number.isFinite(ms)) throw new RangeError(`not an instant: ${String(instant)}`);
  return `${new Date(Math.floor(ms / HOUR_MS) * HOUR_MS).toISOString().slice(0, 13)}:00:00Z`;
}

export type BucketKey = `${string}#${string}`;

export function bucketKey(productId: string, hour: string): BucketKey {
  return `${productId}#${hour}`;
}

export function parseBucketKey(key: string): { productId: string; hour: string } {
  const at = key.lastIndexOf('#');
  if (at <= 0) throw new RangeError(`not a bucket key: ${key}`);
  return { productId: key.slice(0, at), hour: key.slice(at + 1) };
}

/**
 * One delta per product-hour for a batch of events, in first-seen order (deterministic for a given
 * input order; the counts themselves do not depend on the order).
 */
export function bucketDeltas(events: Iterable<BehaviourEvent>): Map<BucketKey, SignalCounts> {
  const out = new Map<BucketKey, SignalCounts>();
  // Events of one batch mostly share a handful of hours: parse each distinct prefix once.
  const hourOf = new Map<string, string>();
  const at = (productId: string, hour: string): SignalCounts => {
    const key = bucketKey(productId, hour);
    let c = out.get(key);
    if (c === undefined) {
      c = emptyCounts();
      out.set(key, c);
    }
    return c;
  };
  for (const e of events) {
    // Canonical instants (`...T10:31:39Z`) share their first 13 characters within an hour; other
    // spellings (offsets, fractions) go through Date.parse.
    const prefix = e.occurredAt.slice(0, 13);
    const canonical = e.occurredAt.length === 20 && e.occurredAt.endsWith('Z');
    let hour = canonical ? hourOf.get(prefix) : undefined;
    if (hour === undefined) {
      hour = hourIso(e.occurredAt);
      if (canonical) hourOf.set(prefix, hour);
    }
    switch (e.type) {
      case 'ProductViewed':
        at(e.productId, hour).views += 1;
        break;
      case 'ProductAddedToCart':
        at(e.productId, hour).carts += 1;
        break;
      case 'OrderPlaced': {
        const seen = new Set<string>();
        for (const line of e.lines) {
          const c = at(line.productId, hour);
          c.units += line.quantity;
          c.revenue += line.quantity * line.paidPrice;
          if (!seen.has(line.productId)) {
            seen.add(line.productId);
            c.orders += 1;
          }
        }
        break;
      }
      case 'SearchPerformed': {
        const listed = new Set(e.resultProductIds);
        if (e.clickedProductId !== undefined) listed.add(e.clickedProductId);
        for (const productId of listed) at(productId, hour).searches += 1;
        if (e.clickedProductId !== undefined) at(e.clickedProductId, hour).searchClicks += 1;
        break;
      }
      case 'ReviewPosted': {
        const c = at(e.productId, hour);
        c.reviews += 1;
        c.ratingSum += e.rating;
        break;
      }
    }
  }
  return out;
}

/**
 * One product's hourly buckets in time order, with running totals so that any window sum is two
 * binary searches. `cum[s][i]` is the total of signal s over the first i buckets.
 */
export interface ProductSeries {
  hours: Float64Array;
  cum: Record<Signal, Float64Array>;
}

export type SeriesIndex = ReadonlyMap<string, ProductSeries>;

/** Indexes stored buckets (e.g. the deltas of many batches, or rows read back from the table). */
export function buildSeries(
  buckets: Iterable<readonly [string, Readonly<SignalCounts>]>,
): Map<string, ProductSeries> {
  const perProduct = new Map<string, Map<number, SignalCounts>>();
  for (const [key, counts] of buckets) {
    const { productId, hour } = parseBucketKey(key);
    const ms = Date.parse(hour);
    let hours = perProduct.get(productId);
    if (hours === undefined) {
      hours = new Map();
      perProduct.set(productId, hours);
    }
    const c = hours.get(ms);
    if (c === undefined) hours.set(ms, addCounts(emptyCounts(), counts));
    else addCounts(c, counts);
  }
  const out = new Map<string, ProductSeries>();
  for (const [productId, hours] of perProduct) {
    const sorted = [...hours.keys()].sort((a, b) => a - b);
    const cum = Object.fromEntries(SIGNALS.map((s) => [s, new Float64Array(sorted.length + 1)])) as Record<
      Signal,
      Float64Array
    >;
    sorted.forEach((ms, i) => {
      const c = hours.get(ms)!;
      for (const s of SIGNALS) cum[s][i + 1] = cum[s][i]! + c[s];
    });
    out.set(productId, { hours: Float64Array.from(sorted), cum });
  }
  return out;
}

/** Index of the first bucket whose hour start is >= ms. */
function lowerBound(hours: Float64Array, ms: number): number {
  let lo = 0;
  let hi = hours.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (hours[mid]! < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Totals over the buckets whose hour starts in [fromMs, toMs). With an hour-aligned `toMs` this is
 * exactly the events before `toMs`; with a `toMs` inside an hour it includes that whole (current)
 * hour, which in live scoring holds only events that have already happened.
 */
export function windowCounts(series: ProductSeries | undefined, fromMs: number, toMs: number): SignalCounts {
  const out = emptyCounts();
  if (series === undefined || toMs <= fromMs) return out;
  const a = lowerBound(series.hours, fromMs);
  const b = lowerBound(series.hours, toMs);
  if (b <= a) return out;
  for (const s of SIGNALS) out[s] = series.cum[s][b]! - series.cum[s][a]!;
  return out;
}

/** The products whose buckets a batch adds to, in first-seen order. */
export function touchedProducts(events: Iterable<BehaviourEvent>): string[] {
  const out = new Set<string>();
  for (const e of events) {
    switch (e.type) {
      case 'OrderPlaced':
        for (const line of e.lines) out.add(line.productId);
        break;
      case 'SearchPerformed':
        for (const id of e.resultProductIds) out.add(id);
        if (e.clickedProductId !== undefined) out.add(e.clickedProductId);
        break;
      default:
        out.add(e.productId);
    }
  }
  return [...out];
}
