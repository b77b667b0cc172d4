import { describe, expect, it } from 'vitest';
import type { BehaviourEvent } from '../../events/behaviour.ts';
import {
  bucketDeltas,
  bucketKey,
  buildSeries,
  emptyCounts,
  HOUR_MS,
  hourIso,
  parseBucketKey,
  windowCounts,
} from '../../models/hits/signals.ts';

const T0 = Date.parse('2026-11-01T10:00:00Z');
let seq = 0;
const base = (at: number) => ({
  eventId: `evt-hits-${seq++}`,
  occurredAt: new Date(at).toISOString().replace('.000Z', 'Z'),
  version: 1 as const,
});

const view = (productId: string, at: number): BehaviourEvent => ({
  type: 'ProductViewed',
  ...base(at),
  sessionId: 's-1',
  productId,
});
const cart = (productId: string, at: number): BehaviourEvent => ({
  type: 'ProductAddedToCart',
  ...base(at),
  sessionId: 's-1',
  productId,
  quantity: 2,
});
const order = (at: number, lines: [string, number, number][]): BehaviourEvent => ({
  type: 'OrderPlaced',
  ...base(at),
  orderId: `o-${seq}`,
  lines: lines.map(([productId, quantity, paidPrice]) => ({ productId, quantity, paidPrice })),
});
const search = (at: number, results: string[], clicked?: string): BehaviourEvent => ({
  type: 'SearchPerformed',
  ...base(at),
  sessionId: 's-1',
  query: 'tent',
  resultProductIds: results,
  ...(clicked === undefined ? {} : { clickedProductId: clicked }),
});
const review = (productId: string, at: number, rating: number): BehaviourEvent => ({
  type: 'ReviewPosted',
  ...base(at),
  reviewId: `r-${seq}`,
  userId: 'u-1',
  productId,
  rating,
  text: 'ok',
  verifiedPurchase: true,
});

describe('hits/signals', () => {
  describe('hourIso', () => {
    it('floors an instant to its UTC hour, whatever its offset', () => {
      expect(hourIso('2026-11-01T10:59:59Z')).toBe('2026-11-01T10:00:00Z');
      expect(hourIso('2026-11-01T18:30:00+08:00')).toBe('2026-11-01T10:00:00Z');
      expect(hourIso('2026-11-01T10:00:00.500Z')).toBe('2026-11-01T10:00:00Z');
    });
  });

  describe('bucketKey', () => {
    it('round-trips through parseBucketKey', () => {
      expect(parseBucketKey(bucketKey('p-1', '2026-11-01T10:00:00Z'))).toEqual({
        productId: 'p-1',
        hour: '2026-11-01T10:00:00Z',
      });
    });
  });

  describe('bucketDeltas', () => {
    it('returns exactly one delta per product and hour however many events touch it', () => {
      const events = [
        view('p-1', T0 + 1_000),
        view('p-1', T0 + 2_000),
        cart('p-1', T0 + 3_000),
        view('p-1', T0 + HOUR_MS + 1_000),
        view('p-2', T0 + 5_000),
        order(T0 + 6_000, [['p-1', 2, 1_000]]),
      ];
      const deltas = bucketDeltas(events);
      expect([...deltas.keys()].sort()).toEqual([
        'p-1#2026-11-01T10:00:00Z',
        'p-1#2026-11-01T11:00:00Z',
        'p-2#2026-11-01T10:00:00Z',
      ]);
      expect(deltas.get('p-1#2026-11-01T10:00:00Z')).toEqual({
        ...emptyCounts(),
        views: 2,
        carts: 1,
        orders: 1,
        units: 2,
        revenue: 2_000,
      });
    });

    it('counts a search for every listed product and for a clicked one outside the list', () => {
      const deltas = bucketDeltas([search(T0, ['p-1', 'p-2', 'p-1'], 'p-3'), search(T0 + 1, ['p-1'], 'p-1')]);
      expect(deltas.get('p-1#2026-11-01T10:00:00Z')).toMatchObject({ searches: 2, searchClicks: 1 });
      expect(deltas.get('p-2#2026-11-01T10:00:00Z')).toMatchObject({ searches: 1, searchClicks: 0 });
      expect(deltas.get('p-3#2026-11-01T10:00:00Z')).toMatchObject({ searches: 1, searchClicks: 1 });
    });

    it('counts an order once per product, units and revenue per line', () => {
      const deltas = bucketDeltas([
        order(T0, [
          ['p-1', 1, 500],
          ['p-1', 2, 450],
          ['p-2', 1, 100],
        ]),
      ]);
      expect(deltas.get('p-1#2026-11-01T10:00:00Z')).toMatchObject({ orders: 1, units: 3, revenue: 1_400 });
      expect(deltas.get('p-2#2026-11-01T10:00:00Z')).toMatchObject({ orders: 1, units: 1, revenue: 100 });
    });

    it('sums ratings so that an average can be taken later', () => {
      const deltas = bucketDeltas([review('p-1', T0, 5), review('p-1', T0 + 10, 3)]);
      expect(deltas.get('p-1#2026-11-01T10:00:00Z')).toMatchObject({ reviews: 2, ratingSum: 8 });
    });

    it('does not depend on the order of the batch', () => {
      const events = [view('p-1', T0), search(T0 + 1, ['p-1', 'p-2']), order(T0 + 2, [['p-2', 1, 9]])];
      const sorted = (m: Map<string, unknown>) => [...m].sort(([a], [b]) => a.localeCompare(b));
      expect(sorted(bucketDeltas([...events].reverse()))).toEqual(sorted(bucketDeltas(events)));
    });
  });

  describe('windowCounts', () => {
    it('sums the buckets whose hour starts in [from, to)', () => {
      const events = [view('p-1', T0), view('p-1', T0 + HOUR_MS), view('p-1', T0 + 2 * HOUR_MS)];
      const series = buildSeries(bucketDeltas(events)).get('p-1');
      expect(windowCounts(series, T0, T0 + 2 * HOUR_MS).views).toBe(2);
      expect(windowCounts(series, T0 + HOUR_MS, T0 + 10 * HOUR_MS).views).toBe(2);
      expect(windowCounts(series, T0 - HOUR_MS, T0).views).toBe(0);
      expect(windowCounts(undefined, T0, T0 + HOUR_MS)).toEqual(emptyCounts());
    });

    it('merges deltas of several batches for the same product-hour', () => {
      const a = bucketDeltas([view('p-1', T0)]);
      const b = bucketDeltas([view('p-1', T0 + 60_000)]);
      const series = buildSeries([...a, ...b]).get('p-1');
      expect(series?.hours.length).toBe(1);
      expect(windowCounts(series, T0, T0 + HOUR_MS).views).toBe(2);
    });
  });
});
