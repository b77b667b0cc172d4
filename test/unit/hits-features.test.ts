import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BehaviourEvent } from '../../events/behaviour.ts';
import { buildRows, dailySnapshots, historyFromEvents, timeSplit } from '../../models/hits/dataset.ts';
import {
  FEATURE_NAMES,
  FEATURES,
  featureIndex,
  featureRows,
  type ProductInfo,
  priceBandIn,
  priceBands,
  priceSample,
} from '../../models/hits/features.ts';
import { breakoutLabels, topSellers } from '../../models/hits/label.ts';
import { bucketDeltas, buildSeries, DAY_MS, HOUR_MS } from '../../models/hits/signals.ts';
import { productInfo } from '../support/builders.ts';

const T = Date.parse('2026-11-01T00:00:00Z');
let seq = 0;
const at = (ms: number) => ({
  eventId: `evt-f-${seq++}`,
  occurredAt: new Date(ms).toISOString(),
  version: 1 as const,
});
const search = (productId: string, ms: number): BehaviourEvent => ({
  type: 'SearchPerformed',
  ...at(ms),
  sessionId: 's',
  query: 'q',
  resultProductIds: [productId],
});
const view = (productId: string, ms: number): BehaviourEvent => ({
  type: 'ProductViewed',
  ...at(ms),
  sessionId: 's',
  productId,
});
const cart = (productId: string, ms: number): BehaviourEvent => ({
  type: 'ProductAddedToCart',
  ...at(ms),
  sessionId: 's',
  productId,
  quantity: 1,
});
const order = (productId: string, ms: number, quantity = 1): BehaviourEvent => ({
  type: 'OrderPlaced',
  ...at(ms),
  orderId: `o-${seq}`,
  lines: [{ productId, quantity, paidPrice: 1000 }],
});
const review = (productId: string, ms: number, rating: number): BehaviourEvent => ({
  type: 'ReviewPosted',
  ...at(ms),
  reviewId: `r-${seq}`,
  userId: 'u',
  productId,
  rating,
  text: '',
  verifiedPurchase: false,
});

const product = (productId: string, category = 'tents', listPrice = 10_000): ProductInfo =>
  productInfo(productId, { category, listPrice });

const get = (values: number[], name: (typeof FEATURE_NAMES)[number]) => values[featureIndex[name]]!;
const features = (events: BehaviourEvent[], products: ProductInfo[], t = T) =>
  new Map(featureRows(buildSeries(bucketDeltas(events)), products, t).map((r) => [r.productId, r.values]));

describe('hits/features', () => {
  it('documents every feature once, in vector order', () => {
    expect(FEATURES.map((f) => f.name)).toEqual(FEATURE_NAMES);
    expect(new Set(FEATURE_NAMES).size).toBe(FEATURE_NAMES.length);
    for (const f of FEATURES) expect(f.description.length).toBeGreaterThan(10);
  });

  it('returns a fixed-length finite vector, also for a product with no events', () => {
    const rows = featureRows(new Map(), [product('p-1')], T);
    expect(rows[0]!.values).toHaveLength(FEATURE_NAMES.length);
    for (const v of rows[0]!.values) expect(Number.isFinite(v)).toBe(true);
  });

  describe('search growth', () => {
    // p-up: 1 search a day for three weeks, then 6 a day; p-down: the reverse; p-flat: 2 a day.
    const events: BehaviourEvent[] = [];
    for (let d = 1; d <= 28; d++) {
      const ms = T - d * DAY_MS + HOUR_MS;
      const recent = d <= 7;
      for (let k = 0; k < (recent ? 6 : 1); k++) events.push(search('p-up', ms + k));
      for (let k = 0; k < (recent ? 1 : 6); k++) events.push(search('p-down', ms + k));
      for (let k = 0; k < 2; k++) events.push(search('p-flat', ms + k));
    }
    const f = features(events, [product('p-up'), product('p-down'), product('p-flat')]);

    it('is positive when searches rise, negative when they fall, near zero when flat', () => {
      expect(get(f.get('p-up')!, 'search_growth_7d')).toBeGreaterThan(1);
      expect(get(f.get('p-down')!, 'search_growth_7d')).toBeLessThan(-1);
      expect(Math.abs(get(f.get('p-flat')!, 'search_growth_7d'))).toBeLessThan(1e-9);
      expect(get(f.get('p-up')!, 'searches_7d')).toBeCloseTo(Math.log1p(42));
    });

    it('is damped for tiny counts: one search after none is not a rocket', () => {
      const g = features([search('p-new', T - HOUR_MS)], [product('p-new')]);
      expect(get(g.get('p-new')!, 'search_growth_24h')).toBeCloseTo(Math.log(1.5 / 0.5));
      expect(get(g.get('p-new')!, 'search_growth_7d')).toBeCloseTo(Math.log(4.5 / 3.5));
    });
  });

  describe('smoothed rates', () => {
    // The category converts views to carts at 10% (p-big: 200 views, 20 carts); p-small has one view and one cart.
    const events: BehaviourEvent[] = [];
    for (let k = 0; k < 200; k++) events.push(view('p-big', T - DAY_MS + k));
    for (let k = 0; k < 20; k++) events.push(cart('p-big', T - DAY_MS + k));
    events.push(view('p-small', T - DAY_MS), cart('p-small', T - DAY_MS));
    const f = features(events, [product('p-big'), product('p-small')]);

    it('keeps a well-measured rate close to its raw value', () => {
      expect(get(f.get('p-big')!, 'cart_rate_7d')).toBeCloseTo(0.1, 1);
    });

    it("pulls a rate from a handful of views toward the category's rate", () => {
      const small = get(f.get('p-small')!, 'cart_rate_7d');
      expect(small).toBeLessThan(0.25);
      expect(small).toBeGreaterThan(0.1);
    });

    it('pulls an average rating from one review toward the store-wide average', () => {
      const g = features(
        [
          ...Array.from({ length: 40 }, (_, k) => review('p-a', T - DAY_MS + k, 4)),
          review('p-b', T - DAY_MS, 1),
        ],
        [product('p-a'), product('p-b')],
      );
      expect(get(g.get('p-a')!, 'rating_28d')).toBeCloseTo(3.95, 1);
      expect(get(g.get('p-b')!, 'rating_28d')).toBeGreaterThan(3);
    });
  });

  it('reads sales velocity, acceleration and stock cover from orders', () => {
    const events = [order('p-1', T - 2 * DAY_MS, 7), order('p-1', T - HOUR_MS, 7)];
    const f = features(events, [{ ...product('p-1'), stock: 40 }]).get('p-1')!;
    expect(get(f, 'sales_velocity_7d')).toBeCloseTo(Math.log1p(2));
    expect(get(f, 'sales_24h')).toBeCloseTo(Math.log1p(7));
    expect(get(f, 'sales_acceleration')).toBeGreaterThan(2);
    expect(get(f, 'stock_cover_days')).toBeCloseTo(20);
  });

  it('places prices within their category', () => {
    const bands = priceBands([
      product('a', 'c', 100),
      product('b', 'c', 200),
      product('c', 'c', 300),
      product('d', 'x'),
    ]);
    expect([bands.get('a'), bands.get('b'), bands.get('c'), bands.get('d')]).toEqual([0, 0.5, 1, 0.5]);
  });
});

describe('hits/label', () => {
  const products = ['p-1', 'p-2', 'p-3', 'p-4', 'p-5'].map((id) => product(id));
  it('ranks top sellers per category with a floor on units', () => {
    const events = [
      order('p-1', T, 5),
      order('p-2', T, 4),
      order('p-3', T, 3),
      order('p-4', T, 3),
      order('p-5', T, 2),
    ];
    const series = buildSeries(bucketDeltas(events));
    expect([...topSellers(series, products, T, T + DAY_MS, { topK: 3, minUnits: 3 })].sort()).toEqual([
      'p-1',
      'p-2',
      'p-3',
      'p-4', // tied with p-3 for third place
    ]);
  });

  it('labels a breakout only for a product that was not already a top seller', () => {
    const events = [
      order('p-1', T - 3 * DAY_MS, 5), // p-1 was top before t
      order('p-1', T + DAY_MS, 5),
      order('p-2', T + DAY_MS, 4), // p-2 rises after t
    ];
    const labels = breakoutLabels(buildSeries(bucketDeltas(events)), products, T);
    expect([...labels.incumbents]).toEqual(['p-1']);
    expect([...labels.breakouts]).toEqual(['p-2']);
  });
});

describe('hits/dataset', () => {
  const products = ['p-1', 'p-2', 'p-3'].map((id) => product(id));
  const start = T - 30 * DAY_MS;
  const end = T + 12 * DAY_MS;

  const arbEvent = fc
    .tuple(
      fc.constantFrom('p-1', 'p-2', 'p-3'),
      fc.integer({ min: start, max: end - 1 }),
      fc.constantFrom('view', 'cart', 'order', 'search', 'review'),
      fc.integer({ min: 1, max: 5 }),
    )
    .map(([p, ms, kind, n]): BehaviourEvent => {
      if (kind === 'view') return view(p, ms);
      if (kind === 'cart') return cart(p, ms);
      if (kind === 'order') return order(p, ms, n);
      if (kind === 'search') return search(p, ms);
      return review(p, ms, n);
    });

  it('property: features at a snapshot never depend on events at or after it', () => {
    fc.assert(
      fc.property(fc.array(arbEvent, { maxLength: 120 }), fc.integer({ min: 0, max: 9 }), (events, k) => {
        const t = T + k * DAY_MS;
        const all = historyFromEvents(products, events);
        const past = historyFromEvents(
          products,
          events.filter((e) => Date.parse(e.occurredAt) < t),
        );
        const withFuture = buildRows(all, [t]).map((r) => [r.productId, r.values]);
        const withoutFuture = featureRows(past.series, products, t).map((r) => [r.productId, r.values]);
        // Rows are the candidates (not incumbents), and incumbents too are decided from the past only.
        const pastRows = buildRows(past, [t]).map((r) => [r.productId, r.values]);
        expect(withFuture).toEqual(pastRows);
        for (const [id, values] of withFuture) {
          expect(values).toEqual(withoutFuture.find(([pid]) => pid === id)![1]);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('lays daily snapshots with 28 days behind and the horizon ahead', () => {
    const snaps = dailySnapshots(start, end);
    expect(snaps[0]).toBe(start + 28 * DAY_MS);
    expect(snaps.at(-1)).toBe(end - 7 * DAY_MS);
  });

  it('splits in time so that no training label window reaches the validation period', () => {
    // A row on every day: days 4 to 9 are before the validation start, but their 7-day label
    // windows end after it, so they are in neither set.
    const rows = Array.from({ length: 13 }, (_, d) => ({ t: T + d * DAY_MS }));
    const validationFrom = T + 10 * DAY_MS;
    const { train, validation } = timeSplit(rows, validationFrom, 7);
    expect(train.map((r) => (r.t - T) / DAY_MS)).toEqual([0, 1, 2, 3]);
    expect(validation.map((r) => (r.t - T) / DAY_MS)).toEqual([10, 11, 12]);
    for (const r of train) expect(r.t + 7 * DAY_MS).toBeLessThanOrEqual(validationFrom);
  });

  it('gives a product no row at a snapshot where it already was a top seller over the lookback', () => {
    // p-1 sells 5 units three days before T: a top seller of its category over the 28 days before T.
    const history = historyFromEvents(products, [order('p-1', T - 3 * DAY_MS, 5)]);
    const before = T - 5 * DAY_MS;
    const rows = buildRows(history, [before, T]);
    const at = (t: number) => rows.filter((r) => r.t === t).map((r) => [r.productId, r.label]);
    // Before its sales p-1 is a candidate, and the one that breaks out.
    expect(at(before)).toEqual([
      ['p-1', 1],
      ['p-2', 0],
      ['p-3', 0],
    ]);
    // Once it is a top seller it is no candidate any more.
    expect(at(T)).toEqual([
      ['p-2', 0],
      ['p-3', 0],
    ]);
  });
});

describe('buildRows keep (what the retraining never makes)', () => {
  it('gives exactly the rows that building all and filtering after gives, and makes only those', () => {
    const products = ['p-1', 'p-2', 'p-3'].map((id) => product(id));
    const history = historyFromEvents(products, [
      order('p-1', T - 3 * DAY_MS, 5),
      order('p-2', T + 2 * DAY_MS, 4),
      order('p-3', T + 9 * DAY_MS, 2),
    ]);
    const snapshots = Array.from({ length: 12 }, (_, d) => T - 6 * DAY_MS + d * DAY_MS);
    const keep = (productId: string, t: number, label: 0 | 1) =>
      label > 0 || (productId.charCodeAt(2) + t / DAY_MS) % 3 === 0;
    const asked: string[] = [];
    const kept = buildRows(history, snapshots, {
      keep: (productId, t, label) => {
        asked.push(`${productId}@${t}`);
        return keep(productId, t, label);
      },
    });
    const all = buildRows(history, snapshots);
    expect(kept).toEqual(all.filter((r) => keep(r.productId, r.t, r.label)));
    // Asked once per candidate row, so nothing else was made and dropped.
    expect(asked).toEqual(all.map((r) => `${r.productId}@${r.t}`));
    expect(kept.length).toBeLessThan(all.length);
    expect(kept.some((r) => r.label === 1)).toBe(true);
  });

  it("takes labels the caller computed already (the retraining's validation days) instead of computing them again", () => {
    const history = historyFromEvents(
      ['p-1', 'p-2', 'p-3'].map((id) => product(id)),
      [order('p-1', T - 3 * DAY_MS, 5), order('p-2', T + 2 * DAY_MS, 4), order('p-3', T + 9 * DAY_MS, 2)],
    );
    const t = T + DAY_MS;
    const own = buildRows(history, [t]);
    const computed = breakoutLabels(history.series, history.products, t);
    expect(buildRows(history, [t], { labelsAt: () => computed })).toEqual(own);
    // What it is given is what it uses: no breakout, no incumbent, every launched product a row.
    const none = { incumbents: new Set<string>(), breakouts: new Set<string>() };
    const given = buildRows(history, [t], { labelsAt: (at) => (at === t ? none : undefined) });
    expect(given.every((r) => r.label === 0)).toBe(true);
    expect(given.map((r) => r.productId)).toEqual(['p-1', 'p-2', 'p-3']);
    expect(own.map((r) => [r.productId, r.label])).toEqual([
      ['p-2', 1],
      ['p-3', 0],
    ]);
  });
});

describe('priceSample (the priors keep a category bounded)', () => {
  it('keeps every price of a category up to 51 products, so the price band is exact', () => {
    const prices = Array.from({ length: 51 }, (_, i) => 1_000 + i * 37).sort((a, b) => a - b);
    expect(priceSample(prices)).toEqual(prices);
    for (const p of [1_000, 1_925, 2_850])
      expect(priceBandIn(priceSample(prices), p)).toBe(priceBandIn(prices, p));
  });

  it('keeps 51 order statistics of a larger category, min and max included, and the band within two percentiles', () => {
    const prices = Array.from({ length: 70_000 }, (_, i) => 500 + ((i * 7919) % 100_000)).sort(
      (a, b) => a - b,
    );
    const sample = priceSample(prices);
    expect(sample).toHaveLength(51);
    expect([sample[0], sample.at(-1)]).toEqual([prices[0], prices.at(-1)]);
    for (const p of [600, 25_000, 50_000, 75_000, 99_000]) {
      expect(Math.abs(priceBandIn(sample, p) - priceBandIn(prices, p))).toBeLessThan(0.021);
    }
  });
});
