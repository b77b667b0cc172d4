import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OrderPlaced } from '../../events/behaviour.ts';
import { Promotion } from '../../events/catalog.ts';
import { QuoteRequest } from '../../events/pricing.ts';
import type { RfmProfile } from '../../events/segments.ts';
import { DomainError } from '../../models/errors.ts';
import { priceQuote } from '../../models/pricing/engine.ts';
import { createQuote } from '../../models/pricing/quotes.ts';
import type { QuoteInput } from '../../models/pricing/types.ts';
import { catalogPriceLookup, profilesOfHistory } from '../../models/segments/catalog-prices.ts';
import { userProfile } from '../../models/segments/lookup.ts';
import { applyOrders, orderFactOf } from '../../models/segments/profile.ts';
import { classify } from '../../models/segments/rules.ts';
import { computeCutPoints, DAY_MS } from '../../models/segments/scoring.ts';
import { memoryQuotes, NOW, pricingSources, promotion, quoteContext, stocked } from '../support/builders.ts';
import { baseInput, giftMug, mug, tent, winter30 } from '../support/pricing-fixtures.ts';

const winBack = promotion.coupon({
  promotionId: 'promo-win-back-40',
  title: { en: 'Welcome back: ¥40 off', 'zh-CN': '欢迎回来：满149减40' },
  priority: 8,
  segments: ['dormant'],
  code: 'WELCOME-BACK',
  discount: { type: 'amountOff', amount: 4_000 },
  minSpend: 14_900,
  perUserLimit: 1,
  totalBudgetUses: 2_000,
});
const giftForPromising: Promotion = {
  ...giftMug,
  promotionId: 'promo-gift-promising',
  segments: ['promising'],
};

const quote = (segment: string | null | undefined, over: Partial<QuoteInput> = {}) =>
  priceQuote(
    baseInput({
      lines: [{ product: tent, quantity: 1 }],
      promotions: [winBack, giftForPromising],
      couponCodes: ['WELCOME-BACK'],
      shopper: { userId: 'u-1', memberTier: 'none', segment },
      ...over,
    }),
  );

describe('segment targeting (models/pricing/engine)', () => {
  describe('a coupon for dormant shoppers', () => {
    it('applies to a dormant shopper and says it is theirs because of their order history', () => {
      const q = quote('dormant');
      const applied = q.applied.find((a) => a.promotionId === 'promo-win-back-40');
      expect(applied).toMatchObject({ amount: 4_000, code: 'WELCOME-BACK' });
      expect(applied?.explanation).toBe(
        'Coupon WELCOME-BACK, you save ¥40 (for welcome-back shoppers, going by your order history)',
      );
      expect(q.total).toBe(tent.listPrice - 4_000);
      expect(q.reservations).toEqual([{ promotionId: 'promo-win-back-40', kind: 'coupon', quantity: 1 }]);
    });

    it.each([['core-loyal'], ['promising'], [null], [undefined]])(
      'is refused to a %s shopper with the reason segmentOnly, in words',
      (segment) => {
        const q = quote(segment as string | null | undefined);
        expect(q.applied.map((a) => a.promotionId)).not.toContain('promo-win-back-40');
        expect(q.missed).toContainEqual({
          promotionId: 'promo-win-back-40',
          kind: 'coupon',
          code: 'WELCOME-BACK',
          reason: 'segmentOnly',
          explanation: 'Only for welcome-back shoppers (going by order history): not this account',
        });
        expect(q.total).toBe(tent.listPrice);
        expect(q.reservations).toEqual([]);
      },
    );

    it('asks a guest to sign in first (a guest has no segment)', () => {
      const q = quote(null, { shopper: { userId: null, memberTier: 'none' } });
      expect(q.missed.find((m) => m.promotionId === 'promo-win-back-40')?.reason).toBe('signInRequired');
    });

    it('explains in Chinese', () => {
      expect(quote('dormant', { locale: 'zh-CN' }).applied[0]?.explanation).toContain(
        '久未光顾顾客专享，依据您的购买记录',
      );
      expect(
        quote('new', { locale: 'zh-CN' }).missed.find((m) => m.reason === 'segmentOnly')?.explanation,
      ).toBe('仅限久未光顾顾客（依据购买记录），您的账户暂不适用');
    });

    it("gives each shopper their own offer when one code names a segment's and everyone's", () => {
      const general = {
        ...(winter30 as Extract<Promotion, { kind: 'coupon' }>),
        promotionId: 'promo-welcome-all',
        code: 'WELCOME-BACK',
      };
      const promotions = [winBack, general];
      expect(quote('dormant', { promotions }).applied.map((a) => a.promotionId)).toEqual([
        'promo-win-back-40',
      ]);
      const other = quote('core-loyal', { promotions });
      expect(other.applied.map((a) => a.promotionId)).toEqual(['promo-welcome-all']);
      expect(other.missed).toEqual([]);
    });
  });

  describe('a gift for promising shoppers', () => {
    const big = { lines: [{ product: tent, quantity: 1 }], couponCodes: [] };
    it('is added for a promising shopper over the spend', () => {
      const q = quote('promising', big);
      expect(q.lines.find((l) => l.kind === 'gift')).toMatchObject({
        productId: mug.productId,
        unitPrice: 0,
      });
      expect(q.applied.find((a) => a.promotionId === 'promo-gift-promising')?.explanation).toContain(
        '(for promising shoppers, going by your order history)',
      );
    });

    it('is neither given nor advertised to anyone else', () => {
      for (const segment of ['dormant', 'core-loyal', null]) {
        const q = quote(segment, big);
        expect(q.lines.some((l) => l.kind === 'gift')).toBe(false);
        expect(q.missed.map((m) => m.promotionId)).not.toContain('promo-gift-promising');
      }
    });
  });

  it('leaves offers without segments to everyone, as before', () => {
    const q = quote(null, { promotions: [winter30], couponCodes: ['WINTER-30'] });
    expect(q.applied.map((a) => a.promotionId)).toEqual(['promo-coupon-winter-30']);
  });
});

describe('createQuote (models/quoting)', () => {
  const now = new Date(NOW);
  const profile = (lastOrderDaysAgo: number, orders = 1): RfmProfile => ({
    userId: 'u-1',
    firstOrderAt: now.getTime() - 400 * DAY_MS,
    lastOrderAt: now.getTime() - lastOrderDaysAgo * DAY_MS,
    orders,
    monetary: 20_000,
    pricedSpend: 0,
    discountedSpend: 0,
    pricedUnits: 0,
    bandMilliSum: 0,
    recentOrders: [{ orderId: 'o-1', at: now.getTime() - lastOrderDaysAgo * DAY_MS }],
    version: 1,
  });
  const run = async (p: RfmProfile | undefined, userId: string | null = 'u-1') => {
    // No cut points stored yet: the fixed fallback (last order over 180 days ago scores R = 1).
    const sources = pricingSources([winBack], [stocked(tent)], { profile: p, cuts: undefined });
    return createQuote(
      { sources, quotes: memoryQuotes() },
      QuoteRequest.parse({
        items: [{ productId: tent.productId, quantity: 1 }],
        couponCodes: ['welcome-back'],
      }),
      quoteContext(userId, { now, ttlSeconds: 600 }),
    );
  };

  it("takes the segment from the server's profile: a shopper gone 200 days is dormant", async () => {
    const q = await run(profile(200));
    expect(q.applied.map((a) => a.promotionId)).toEqual(['promo-win-back-40']);
  });

  it('refuses the dormant coupon to a recent shopper and to one with no order', async () => {
    expect((await run(profile(3))).missed.map((m) => m.reason)).toEqual(['segmentOnly']);
    expect((await run(undefined)).missed.map((m) => m.reason)).toEqual(['segmentOnly']);
  });

  it('has no field through which a request could claim a segment', () => {
    const body = { items: [{ productId: 'p-tent', quantity: 1 }] };
    expect(QuoteRequest.safeParse({ ...body, segment: 'dormant' }).success).toBe(false);
    expect(QuoteRequest.safeParse({ ...body, shopper: { segment: 'dormant' } }).success).toBe(false);
  });
});

describe('Promotion.segments (events/catalog)', () => {
  it('takes a list of segment names and refuses anything else', () => {
    expect(Promotion.parse(winBack)).toMatchObject({ segments: ['dormant'] });
    expect(Promotion.safeParse({ ...winBack, segments: [] }).success).toBe(false);
    expect(Promotion.safeParse({ ...winBack, segments: ['Dormant!'] }).success).toBe(false);
    const { segments: _s, ...old } = winBack;
    expect(Promotion.parse(old)).not.toHaveProperty('segments');
  });
});

describe('the profile consumer against the producer fixture', () => {
  it("turns the storefront's OrderPlaced fixture into one counted order", () => {
    const raw = JSON.parse(
      readFileSync(join(import.meta.dirname, '../fixtures/events/OrderPlaced.json'), 'utf8'),
    );
    const fact = orderFactOf(OrderPlaced.parse(raw))!;
    const prices = catalogPriceLookup([
      { productId: 'p-00001', listPrice: 12_900, category: 'tents' },
      { productId: 'p-00002', listPrice: 4_900, category: 'tents' },
    ]);
    const once = applyOrders(undefined, fact.userId, [fact], prices);
    expect(once.profile).toMatchObject({ orders: 1, monetary: 12_900 + 2 * 4_550, discountedSpend: 9_100 });
    expect(applyOrders(once.profile, fact.userId, [fact], prices).duplicates).toEqual([fact.orderId]);
  });
});

describe('profilesOfHistory (models/segments/catalog-prices)', () => {
  it('builds the profiles of signed-in orders only, with cut points as of now', () => {
    const order = (orderId: string, userId: string | undefined, occurredAt: string) =>
      OrderPlaced.parse({
        type: 'OrderPlaced',
        eventId: `evt-${orderId}-${userId ?? 'guest'}`,
        occurredAt,
        version: 1,
        sessionId: 's-1',
        ...(userId ? { userId } : {}),
        orderId,
        lines: [{ productId: 'p-1', quantity: 1, paidPrice: 1_000 }],
      });
    const { profiles, cuts } = profilesOfHistory(
      [
        order('o-1', 'u-a', NOW),
        order('o-1', 'u-a', NOW),
        order('o-2', undefined, NOW),
        order('o-3', 'u-b', NOW),
      ],
      [{ productId: 'p-1', listPrice: 1_000, category: 'c' }],
      now(),
    );
    expect(profiles.map((p) => [p.userId, p.orders])).toEqual([
      ['u-a', 1],
      ['u-b', 1],
    ]);
    expect(cuts).toMatchObject({ method: 'fallback', population: 2 });
    expect(classify(profiles[0], cuts)?.segment.segment).toBe('new');
  });
  const now = () => Date.parse(NOW) + DAY_MS;
});

describe('userProfile (models/segments/lookup)', () => {
  const cuts = computeCutPoints([], Date.parse(NOW));
  it('is a 404 for an id the shop has never seen', async () => {
    const reader = { read: async () => ({ profile: undefined, cuts, customer: false }) };
    await expect(userProfile(reader, 'u-nobody', Date.parse(NOW))).rejects.toMatchObject(
      new DomainError('not_found', 'no shopper u-nobody', 'path.userId'),
    );
  });
  it('answers a known customer with no order yet with hasOrders false', async () => {
    const reader = { read: async () => ({ profile: undefined, cuts: undefined, customer: true }) };
    const body = await userProfile(reader, 'u-new', Date.parse(NOW));
    expect(body).toMatchObject({ userId: 'u-new', hasOrders: false, scores: null, segment: null });
    expect(body.distribution.method).toBe('fallback');
  });
});
