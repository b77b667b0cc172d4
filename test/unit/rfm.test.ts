import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OrderPlaced } from '../../events/behaviour.ts';
import {
  type RfmProfile,
  RfmSettings,
  SegmentTable,
  type SegmentTableInput,
  UserProfileResponse,
} from '../../events/segments.ts';
import { profileAnswer } from '../../models/segments/answer.ts';
import {
  applyOrders,
  type OrderFact,
  orderFactOf,
  type PriceLookup,
  priceSignals,
  profilesFromOrders,
  purchasePriceStyle,
  RECENT_ORDERS_MAX,
} from '../../models/segments/profile.ts';
import { classify, DEFAULT_SEGMENT_TABLE, matchSegment, segmentAllows } from '../../models/segments/rules.ts';
import {
  computeCutPoints,
  DAY_MS,
  quintileCuts,
  scoreAgainst,
  scoreProfile,
} from '../../models/segments/scoring.ts';

const NOW = Date.parse('2026-06-30T00:00:00.000Z');
const daysAgo = (d: number) => NOW - d * DAY_MS;

/** No catalog: every line counts to monetary, none to the price signals. */
const noPrices: PriceLookup = { productOf: () => undefined, categoryPrices: () => [] };

const order = (userId: string, orderId: string, at: number, paid: number, productId = 'p-1'): OrderFact => ({
  orderId,
  userId,
  at,
  lines: [{ productId, quantity: 1, paidPrice: paid }],
});

/** Applies deliveries one batch at a time, as the consumer would (read, apply, write). */
function fold(userId: string, batches: readonly (readonly OrderFact[])[], prices = noPrices) {
  let profile: RfmProfile | undefined;
  for (const b of batches) profile = applyOrders(profile, userId, b, prices).profile;
  return profile!;
}

/**
 * The hand-worked shop: 10 shoppers (minPopulation lowered to 10 so quintiles apply).
 *
 * | user | last order (days ago) | orders | monetary (fen) |
 * |------|-----|----|---------|
 * | u01  |   2 | 12 | 480,000 |
 * | u02  |   5 |  8 | 260,000 |
 * | u03  |   9 |  1 |  15,000 |
 * | u04  |  20 |  3 |  90,000 |
 * | u05  |  35 |  2 |  30,000 |
 * | u06  |  60 |  6 | 300,000 |
 * | u07  |  95 |  5 | 150,000 |
 * | u08  | 150 |  1 |   8,000 |
 * | u09  | 240 |  2 |  20,000 |
 * | u10  | 400 |  1 |   5,000 |
 *
 * Each shopper's orders are equal (monetary / orders each), 10 days apart, the last one `days` ago.
 */
const SHOP = [
  { userId: 'u01', days: 2, orders: 12, monetary: 480_000 },
  { userId: 'u02', days: 5, orders: 8, monetary: 260_000 },
  { userId: 'u03', days: 9, orders: 1, monetary: 15_000 },
  { userId: 'u04', days: 20, orders: 3, monetary: 90_000 },
  { userId: 'u05', days: 35, orders: 2, monetary: 30_000 },
  { userId: 'u06', days: 60, orders: 6, monetary: 300_000 },
  { userId: 'u07', days: 95, orders: 5, monetary: 150_000 },
  { userId: 'u08', days: 150, orders: 1, monetary: 8_000 },
  { userId: 'u09', days: 240, orders: 2, monetary: 20_000 },
  { userId: 'u10', days: 400, orders: 1, monetary: 5_000 },
] as const;

const ordersOf = (s: (typeof SHOP)[number]): OrderFact[] =>
  Array.from({ length: s.orders }, (_, i) =>
    order(
      s.userId,
      `${s.userId}-o${i + 1}`,
      daysAgo(s.days + 10 * (s.orders - 1 - i)),
      s.monetary / s.orders,
    ),
  );

describe('models/segments', () => {
  describe('applyOrders', () => {
    it('counts distinct orders, the last order time and the spend', () => {
      const p = fold('u01', [[order('u01', 'a', daysAgo(30), 1_000), order('u01', 'b', daysAgo(3), 2_500)]]);
      expect(p).toMatchObject({
        orders: 2,
        monetary: 3_500,
        firstOrderAt: daysAgo(30),
        lastOrderAt: daysAgo(3),
        version: 1,
      });
      expect(p.recentOrders.map((o) => o.orderId)).toEqual(['b', 'a']);
    });

    it('counts a duplicated order once, in one batch or across batches, whatever its event id', () => {
      const a = order('u1', 'order-1', daysAgo(5), 4_000);
      const b = order('u1', 'order-2', daysAgo(1), 6_000);
      const first = applyOrders(undefined, 'u1', [a, a, b], noPrices);
      expect(first.applied).toEqual(['order-2', 'order-1']);
      expect(first.duplicates).toEqual(['order-1']);
      const again = applyOrders(first.profile, 'u1', [b, a], noPrices);
      expect(again.applied).toEqual([]);
      expect(again.duplicates).toEqual(['order-2', 'order-1']);
      // Nothing new: the stored profile is returned as it is, so the consumer writes nothing.
      expect(again.profile).toBe(first.profile);
      expect(again.profile).toMatchObject({ orders: 2, monetary: 10_000 });

      // The same order re-sent as a new event (new event id, same order id) is still one order.
      const event = (eventId: string): OrderPlaced => ({
        type: 'OrderPlaced',
        eventId,
        occurredAt: new Date(daysAgo(1)).toISOString(),
        version: 1,
        userId: 'u1',
        orderId: 'order-2',
        lines: [{ productId: 'p-1', quantity: 2, paidPrice: 3_000 }],
      });
      const resent = applyOrders(first.profile, 'u1', [orderFactOf(event('evt-00000002'))!], noPrices);
      expect(resent.duplicates).toEqual(['order-2']);
      expect(orderFactOf({ ...event('evt-00000003'), userId: undefined })).toBeUndefined();
    });

    it('ignores other users orders', () => {
      const r = applyOrders(undefined, 'u1', [order('u2', 'x', daysAgo(1), 100)], noPrices);
      expect(r.applied).toEqual([]);
      expect(r.profile.orders).toBe(0);
    });

    it('gives the same totals however deliveries are repeated, reordered and batched (property)', () => {
      const orderArb = fc.record({
        orderId: fc.constantFrom(...Array.from({ length: 12 }, (_, i) => `o${i}`)),
        day: fc.integer({ min: 0, max: 365 }),
        paid: fc.integer({ min: 0, max: 1_000_000 }),
      });
      fc.assert(
        fc.property(
          fc.array(orderArb, { minLength: 1, maxLength: 40 }),
          fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 40 }),
          (deliveries, cuts) => {
            // One order id always carries the same content (a redelivery is the same order).
            const content = new Map<string, OrderFact>();
            for (const d of deliveries) {
              if (!content.has(d.orderId))
                content.set(d.orderId, order('u', d.orderId, daysAgo(d.day), d.paid));
            }
            const stream = deliveries.map((d) => content.get(d.orderId)!);
            const batches: OrderFact[][] = [];
            let i = 0;
            for (const size of cuts) {
              if (i >= stream.length) break;
              batches.push(stream.slice(i, i + size));
              i += size;
            }
            if (i < stream.length) batches.push(stream.slice(i));
            const p = fold('u', batches);
            const distinct = [...content.values()];
            expect(p.orders).toBe(distinct.length);
            expect(p.monetary).toBe(distinct.reduce((s, o) => s + o.lines[0]!.paidPrice, 0));
            expect(p.lastOrderAt).toBe(Math.max(...distinct.map((o) => o.at)));
            expect(p.firstOrderAt).toBe(Math.min(...distinct.map((o) => o.at)));
            const rebuilt = profilesFromOrders(stream, noPrices).get('u')!;
            expect({ ...p, version: 0 }).toEqual({ ...rebuilt, version: 0 });
          },
        ),
        { seed: 11, numRuns: 200 },
      );
    });

    it(`remembers the newest ${RECENT_ORDERS_MAX} orders; an older unseen order is skipped, not counted twice`, () => {
      const many = Array.from({ length: RECENT_ORDERS_MAX + 5 }, (_, i) =>
        order('u1', `o${String(i).padStart(3, '0')}`, daysAgo(300 - i), 100),
      );
      const first = applyOrders(undefined, 'u1', many, noPrices);
      expect(first.profile.orders).toBe(RECENT_ORDERS_MAX + 5);
      expect(first.profile.recentOrders).toHaveLength(RECENT_ORDERS_MAX);
      // o000..o004 fell off the list: a redelivery of one of them cannot be checked, so it is skipped.
      const late = applyOrders(
        first.profile,
        'u1',
        [many[0]!, order('u1', 'new', daysAgo(0), 700)],
        noPrices,
      );
      expect(late.unverifiable).toEqual(['o000']);
      expect(late.applied).toEqual(['new']);
      expect(late.profile.orders).toBe(RECENT_ORDERS_MAX + 6);
      expect(late.profile.monetary).toBe((RECENT_ORDERS_MAX + 5) * 100 + 700);
    });
  });

  describe('priceSignals', () => {
    it('computes the discount share and the average price band by hand', () => {
      // Tents list at 100, 200, 300, 400, 500 yuan. priceBandIn (mid-rank percentile):
      // t1 = 0/4 = 0, t3 = 2/4 = 0.5, t5 = 4/4 = 1.
      const tents = [10_000, 20_000, 30_000, 40_000, 50_000];
      const catalog = new Map([
        ['t1', { listPrice: 10_000, category: 'tents' }],
        ['t3', { listPrice: 30_000, category: 'tents' }],
        ['t5', { listPrice: 50_000, category: 'tents' }],
      ]);
      const prices: PriceLookup = { productOf: (id) => catalog.get(id), categoryPrices: () => tents };
      const orders: OrderFact[] = [
        {
          orderId: 'o1',
          userId: 'u',
          at: daysAgo(10),
          lines: [
            { productId: 't5', quantity: 1, paidPrice: 45_000 }, // discounted (list 50,000)
            { productId: 't1', quantity: 2, paidPrice: 10_000 }, // full price
          ],
        },
        {
          orderId: 'o2',
          userId: 'u',
          at: daysAgo(2),
          lines: [
            { productId: 't3', quantity: 1, paidPrice: 30_000 }, // full price
            { productId: 'gift-card', quantity: 1, paidPrice: 5_000 }, // unknown: monetary only
          ],
        },
      ];
      const p = fold('u', [orders], prices);
      // monetary = 45,000 + 2 x 10,000 + 30,000 + 5,000 = 100,000
      // priced spend = 95,000, of which discounted 45,000: share = 45,000 / 95,000 = 0.473684...
      // units on priced lines = 1 + 2 + 1 = 4; bands in thousandths 1000 + 2 x 0 + 500 = 1500:
      // average band = 1500 / 4 / 1000 = 0.375
      expect(p).toMatchObject({ monetary: 100_000, pricedSpend: 95_000, discountedSpend: 45_000 });
      expect(p).toMatchObject({ pricedUnits: 4, bandMilliSum: 1_500 });
      const s = priceSignals(p);
      expect(s.discountShare).toBeCloseTo(0.473684, 6);
      expect(s.averagePriceBand).toBe(0.375);
      expect(purchasePriceStyle(p)).toEqual({
        style: 'balanced',
        reason: "buys near their categories' median price (price band 0.38), 47% of spend discounted",
      });
      expect(purchasePriceStyle({ ...p, discountedSpend: 60_000 }).style).toBe('value');
      expect(purchasePriceStyle({ ...p, bandMilliSum: 3_200 }).style).toBe('premium');
      expect(purchasePriceStyle({ ...p, bandMilliSum: 1_000 }).style).toBe('value');
      expect(purchasePriceStyle({ ...p, pricedUnits: 2 })).toEqual({
        style: 'balanced',
        reason: 'not enough purchase history',
      });
    });
  });

  describe('computeCutPoints and scoreProfile', () => {
    const settings = RfmSettings.parse({ minPopulation: 10 });
    const profiles = SHOP.map((s) => {
      // Every shopper's last order is delivered twice, in a later batch: counted once.
      const own = ordersOf(s);
      return fold(s.userId, [own, [own.at(-1)!]]);
    });
    const cuts = computeCutPoints(profiles, NOW, settings);

    it('rebuilds the hand-worked totals from order events, duplicates counted once', () => {
      expect(profiles.map((p) => [p.userId, p.orders, p.monetary, (NOW - p.lastOrderAt) / DAY_MS])).toEqual(
        SHOP.map((s) => [s.userId, s.orders, s.monetary, s.days]),
      );
    });

    it('takes nearest-rank quintiles: the values at sorted ranks ceil(k x 10 / 5) = 2, 4, 6, 8', () => {
      // Last orders, oldest first (days ago): 400, 240, 150, 95, 60, 35, 20, 9, 5, 2
      //   -> ranks 2, 4, 6, 8 are 240, 95, 35 and 9 days ago.
      // Orders ascending: 1, 1, 1, 2, 2, 3, 5, 6, 8, 12 -> 1, 2, 3, 6.
      // Monetary ascending: 5k, 8k, 15k, 20k, 30k, 90k, 150k, 260k, 300k, 480k -> 8k, 20k, 90k, 260k.
      expect(cuts).toEqual({
        computedAt: '2026-06-30T00:00:00.000Z',
        population: 10,
        method: 'quintiles',
        recency: [daysAgo(240), daysAgo(95), daysAgo(35), daysAgo(9)],
        frequency: [1, 2, 3, 6],
        monetary: [8_000, 20_000, 90_000, 260_000],
      });
    });

    it('scores and segments the hand-worked shop', () => {
      // Score = 1 + number of cut points strictly below the value.
      // R (an order less than 240 / 95 / 35 / 9 days ago passes a cut): 2 d -> 5, 5 d -> 5,
      //   9 d -> 4 (not < 9), 20 d -> 4, 35 d -> 3, 60 d -> 3, 95 d -> 2, 150 d -> 2, 240 d -> 1, 400 d -> 1.
      // F (cuts 1, 2, 3, 6): 12 -> 5, 8 -> 5, 1 -> 1, 3 -> 3, 2 -> 2, 6 -> 4 (not > 6), 5 -> 4, 1 -> 1, 2 -> 2, 1 -> 1.
      // M (cuts 8k, 20k, 90k, 260k): 480k -> 5, 260k -> 4, 15k -> 2, 90k -> 3, 30k -> 3, 300k -> 5,
      //   150k -> 4, 8k -> 1, 20k -> 2, 5k -> 1.
      // Segments, first matching row of the default table:
      //   u01 5-5-5, u02 5-5-4, u06 3-4-5: R >= 3, F >= 4, M >= 4        -> core-loyal
      //   u03 4-1-2 with one order: R >= 4, orders <= 1                   -> new
      //   u04 4-3-3, u05 3-2-3: R >= 3, not core, more than one order     -> promising
      //   u07 2-4-4: R <= 2, F >= 3                                       -> at-risk
      //   u08 2-1-1: R = 2, F < 3                                         -> about-to-sleep
      //   u09 1-2-2, u10 1-1-1: R = 1, F < 3                              -> dormant
      const got = profiles.map((p) => {
        const s = scoreProfile(p, cuts);
        return [p.userId, `${s.r}-${s.f}-${s.m}`, matchSegment(s, p.orders).segment];
      });
      expect(got).toEqual([
        ['u01', '5-5-5', 'core-loyal'],
        ['u02', '5-5-4', 'core-loyal'],
        ['u03', '4-1-2', 'new'],
        ['u04', '4-3-3', 'promising'],
        ['u05', '3-2-3', 'promising'],
        ['u06', '3-4-5', 'core-loyal'],
        ['u07', '2-4-4', 'at-risk'],
        ['u08', '2-1-1', 'about-to-sleep'],
        ['u09', '1-2-2', 'dormant'],
        ['u10', '1-1-1', 'dormant'],
      ]);
    });

    it('scores a shopper who orders after the cut points were computed as most recent', () => {
      const u10 = profiles.find((p) => p.userId === 'u10')!;
      const back = applyOrders(u10, 'u10', [order('u10', 'u10-back', NOW + DAY_MS, 9_000)], noPrices).profile;
      expect(classify(back, cuts)).toEqual({
        scores: { r: 5, f: 2, m: 2 },
        segment: expect.objectContaining({ segment: 'promising', rule: 2 }),
      });
    });

    it('uses the fixed cut points below the minimum population, with recency in days before now', () => {
      // Default minPopulation 20 > 10 profiles: fallback. Recency days 180, 90, 30, 14 -> an order
      // 2 d ago passes all four (R 5); 20 d ago passes 180, 90, 30 (R 4); 400 d ago none (R 1).
      // Orders 1, 2, 3, 5: 12 -> 5, 3 -> 3, 1 -> 1. Monetary 10k, 30k, 80k, 200k: 480k -> 5,
      // 90k -> 4, 5k -> 1.
      const fallback = computeCutPoints(profiles, NOW);
      expect(fallback).toMatchObject({
        method: 'fallback',
        population: 10,
        recency: [daysAgo(180), daysAgo(90), daysAgo(30), daysAgo(14)],
        frequency: [1, 2, 3, 5],
        monetary: [10_000, 30_000, 80_000, 200_000],
      });
      const byId = new Map(profiles.map((p) => [p.userId, p]));
      expect(scoreProfile(byId.get('u01')!, fallback)).toEqual({ r: 5, f: 5, m: 5 });
      expect(scoreProfile(byId.get('u04')!, fallback)).toEqual({ r: 4, f: 3, m: 4 });
      expect(scoreProfile(byId.get('u10')!, fallback)).toEqual({ r: 1, f: 1, m: 1 });
      expect(computeCutPoints([], NOW).method).toBe('fallback');
    });
  });

  describe('quintileCuts and scoreAgainst', () => {
    it('gives tied values one score, the lowest their ranks span', () => {
      // 6 of 10 shoppers have one order: cuts at ranks 2, 4, 6, 8 = 1, 1, 1, 2.
      // One order -> 1 (above no cut); two -> 4 (above the three 1s); three -> 5.
      const orders = [1, 1, 1, 1, 1, 1, 2, 2, 3, 3];
      const cuts = quintileCuts(orders);
      expect(cuts).toEqual([1, 1, 1, 2]);
      expect([1, 2, 3].map((v) => scoreAgainst(v, cuts))).toEqual([1, 4, 5]);
      // Everyone equal: everyone scores 1 (nobody is above anybody).
      expect(scoreAgainst(7, quintileCuts([7, 7, 7, 7, 7]))).toBe(1);
      expect(scoreAgainst(7, quintileCuts([7]))).toBe(1);
    });

    it('is monotone, puts the smallest value at 1 and splits distinct values into fifths (property)', () => {
      fc.assert(
        fc.property(
          fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 300 }),
          (xs) => {
            const sorted = Float64Array.from(xs).sort();
            const cuts = quintileCuts(sorted);
            const scores = [...sorted].map((v) => scoreAgainst(v, cuts));
            for (let i = 1; i < scores.length; i++) expect(scores[i]!).toBeGreaterThanOrEqual(scores[i - 1]!);
            expect(scores[0]).toBe(1);
            if (new Set(xs).size === xs.length) {
              const n = xs.length;
              for (let s = 1; s <= 5; s++) {
                const count = scores.filter((x) => x === s).length;
                expect(count).toBeGreaterThanOrEqual(Math.floor(n / 5));
                expect(count).toBeLessThanOrEqual(Math.ceil(n / 5));
              }
            }
          },
        ),
        { seed: 11, numRuns: 300 },
      );
    });
  });

  describe('matchSegment', () => {
    it('matches a row for every score combination with the default table (fallback never needed)', () => {
      for (const orders of [1, 2, 5]) {
        for (let r = 1; r <= 5; r++) {
          for (let f = 1; f <= 5; f++) {
            for (let m = 1; m <= 5; m++) expect(matchSegment({ r, f, m }, orders).rule).not.toBeNull();
          }
        }
      }
    });

    it('takes the first matching row of an edited table, else the fallback', () => {
      const table = SegmentTable.parse({
        rules: [
          { segment: 'whales', description: 'Top spenders.', m: { min: 5 } },
          { segment: 'vip', description: 'Also top spenders, but second.', m: { min: 4 } },
        ],
        fallback: { segment: 'everyone-else', description: 'The rest.' },
      } satisfies SegmentTableInput);
      expect(matchSegment({ r: 1, f: 1, m: 5 }, 1, table)).toEqual({
        segment: 'whales',
        description: 'Top spenders.',
        rule: 0,
      });
      expect(matchSegment({ r: 1, f: 1, m: 4 }, 1, table).segment).toBe('vip');
      expect(matchSegment({ r: 5, f: 5, m: 3 }, 9, table)).toEqual({
        segment: 'everyone-else',
        description: 'The rest.',
        rule: null,
      });
    });

    it('rejects a malformed table, naming the field', () => {
      const bad = SegmentTable.safeParse({
        rules: [
          { segment: 'Core Loyal', description: 'x' },
          { segment: 'ok', description: 'x', r: { min: 4, max: 2 } },
          { segment: 'ok2', description: 'x', f: { min: 6 } },
        ],
        fallback: { segment: 'others', description: 'x' },
      });
      expect(bad.success).toBe(false);
      const paths = bad.error!.issues.map((i) => i.path.join('.'));
      // f.min 6 is out of range, and above the default max 5 as well.
      expect(paths).toEqual(['rules.0.segment', 'rules.1.r.max', 'rules.2.f.min', 'rules.2.f.max']);
    });
  });

  describe('segmentAllows', () => {
    it('limits a targeted offer to its segments; an untargeted one is for everyone', () => {
      expect(segmentAllows(['dormant'], 'dormant')).toBe(true);
      expect(segmentAllows(['dormant'], 'core-loyal')).toBe(false);
      expect(segmentAllows(['dormant'], null)).toBe(false);
      expect(segmentAllows(undefined, null)).toBe(true);
      expect(segmentAllows([], 'core-loyal')).toBe(true);
    });
  });

  describe('profileAnswer', () => {
    const cuts = computeCutPoints(
      SHOP.map((s) => fold(s.userId, [ordersOf(s)])),
      NOW,
      RfmSettings.parse({ minPopulation: 10 }),
    );

    it('answers scores, segment and signals, valid against the response schema', () => {
      const s = SHOP[6]; // u07
      const body = profileAnswer({
        userId: s.userId,
        profile: fold(s.userId, [ordersOf(s)]),
        cuts,
        now: NOW,
      });
      expect(UserProfileResponse.parse(body)).toEqual(body);
      expect(body).toMatchObject({
        userId: 'u07',
        asOf: '2026-06-30T00:00:00.000Z',
        hasOrders: true,
        rfm: {
          daysSinceLastOrder: 95,
          orders: 5,
          monetary: 150_000,
          lastOrderAt: '2026-03-27T00:00:00.000Z',
        },
        scores: { r: 2, f: 4, m: 4 },
        segment: { name: 'at-risk', rule: 3 },
        signals: { discountShare: null, averagePriceBand: null, pricedUnits: 0 },
        distribution: { method: 'quintiles', population: 10, computedAt: '2026-06-30T00:00:00.000Z' },
      });
    });

    it('answers a signed-in shopper without orders with null scores and segment', () => {
      const body = profileAnswer({ userId: 'nobody', profile: undefined, cuts, now: NOW });
      expect(UserProfileResponse.parse(body)).toEqual(body);
      expect(body).toMatchObject({ hasOrders: false, scores: null, segment: null, rfm: { orders: 0 } });
      expect(classify(undefined, cuts, DEFAULT_SEGMENT_TABLE)).toBeNull();
    });
  });
});
