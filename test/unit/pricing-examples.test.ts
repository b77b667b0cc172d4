import { describe, expect, it } from 'vitest';
import type { Promotion } from '../../events/catalog.ts';
import { Quote, QuoteBody, QuoteRequest } from '../../events/pricing.ts';
import { priceQuote } from '../../models/pricing/engine.ts';
import { type Of, thresholdOff } from '../../models/pricing/rules.ts';
import { signQuote, verifyQuote } from '../../models/pricing/sign.ts';
import { NOW, pricedProduct, WINDOW } from '../support/builders.ts';
import {
  baseInput,
  campingBundle,
  coffee,
  every300off50,
  flashHotPot,
  giftMug,
  groupBuySnack,
  lamp,
  memberPantry,
  snack,
  stove,
  tent,
  tiers300off50,
  winter30,
} from '../support/pricing-fixtures.ts';

// The worked examples of models/pricing/EXAMPLES.md: keep the two in step.

const lineOf = (q: QuoteBody, lineId: string) => q.lines.find((l) => l.lineId === lineId)!;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('pricing engine', () => {
  describe('priceQuote: worked examples', () => {
    it('(a) prices a camping scene bundle for a gold member with "every ¥300 off ¥50" and a coupon', () => {
      const q = priceQuote(
        baseInput({
          lines: [
            { product: tent, quantity: 1 },
            { product: lamp, quantity: 1 },
            { product: stove, quantity: 1 },
            { product: coffee, quantity: 1 },
          ],
          promotions: [campingBundle, every300off50, memberPantry, winter30, giftMug],
          shopper: { userId: 'u-gold', memberTier: 'gold' },
          couponCodes: ['winter-30'],
        }),
      );
      expect(QuoteBody.parse(q)).toEqual(q);
      // coffee 89.00 -> gold 5% -> 84.55; kit 927.00 -> 10% -> 92.70 off; spend 918.85 -> 3 x 50 off;
      // coupon 30 off on 768.85; 1016.00 - 277.15 = 738.85.
      expect(q.applied.map((a) => [a.promotionId, a.amount])).toEqual([
        ['promo-member-pantry', 445],
        ['promo-camping-kit-10', 9_270],
        ['promo-every-300-off-50', 15_000],
        ['promo-coupon-winter-30', 3_000],
        ['promo-gift-mug-499', 0],
      ]);
      expect(q).toMatchObject({ subtotal: 101_600, total: 73_885, savings: 27_715, giftValue: 3_900 });
      expect(lineOf(q, 'p-coffee')).toMatchObject({ listPrice: 8_900, unitPrice: 8_455, discount: 1_656 });
      expect(lineOf(q, 'p-tent')).toMatchObject({ unitPrice: 59_900, discount: 16_551, lineTotal: 43_349 });
      expect(lineOf(q, 'p-mug#gift')).toMatchObject({ kind: 'gift', unitPrice: 0, lineTotal: 0 });
      expect(sum(q.lines.map((l) => l.lineTotal))).toBe(q.total);
      expect(q.nextTier).toEqual({
        promotionId: 'promo-every-300-off-50',
        add: 28_115,
        extraSaving: 5_000,
        explanation: 'Add ¥281.15 to save ¥50 more',
      });
      expect(q.applied[2]!.explanation).toBe(
        '¥50 off every ¥300 (up to ¥300): you have ¥918.85, you save ¥150',
      );
      expect(q.reservations).toEqual([
        { promotionId: 'promo-coupon-winter-30', kind: 'coupon', quantity: 1 },
      ]);
    });

    it('(a) with tiers: says in both languages what is missing and what the next tier gives', () => {
      const input = baseInput({
        lines: [
          { product: lamp, quantity: 1 },
          { product: coffee, quantity: 1 },
          { product: snack, quantity: 4 },
        ],
        promotions: [tiers300off50, winter30],
        couponCodes: ['WINTER-30'],
      });
      // 129 + 89 + 4 x 49 = 414: the ¥300 tier is reached, ¥500 is ¥86 away.
      const en = priceQuote(input);
      expect(en.applied.map((a) => [a.promotionId, a.amount])).toEqual([
        ['promo-tiers-300-50', 5_000],
        ['promo-coupon-winter-30', 3_000],
      ]);
      expect(en.nextTier).toMatchObject({
        add: 8_600,
        extraSaving: 5_000,
        explanation: 'Add ¥86 to save ¥50 more',
      });
      const zh = priceQuote({ ...input, locale: 'zh-CN' });
      expect(zh.nextTier?.explanation).toBe('再买¥86，可再省¥50');
      expect(zh.applied[0]!.explanation).toBe('满¥300减¥50：已购¥414，省¥50');

      const small = priceQuote({
        ...input,
        lines: [
          { product: lamp, quantity: 1 },
          { product: coffee, quantity: 1 },
        ],
      });
      // 129 + 89 = 218 is under 300; the coupon (min 199) still applies.
      const miss = small.missed.find((m) => m.promotionId === 'promo-tiers-300-50')!;
      expect(miss).toMatchObject({ reason: 'belowMinSpend', needed: 30_000, have: 21_800, shortfall: 8_200 });
      expect(miss.explanation).toBe('Needs ¥300, you have ¥218');
      const smallZh = priceQuote({
        ...input,
        locale: 'zh-CN',
        lines: [
          { product: lamp, quantity: 1 },
          { product: coffee, quantity: 1 },
        ],
      });
      expect(smallZh.missed.find((m) => m.promotionId === 'promo-tiers-300-50')!.explanation).toBe(
        '满¥300可用，当前¥218，还差¥82',
      );
    });

    it('(b) group buy: an open group pays list price now and shows the price once the group completes', () => {
      const input = baseInput({
        lines: [{ product: snack, quantity: 2 }],
        promotions: [groupBuySnack],
        shopper: {
          userId: 'u-1',
          memberTier: 'none',
          group: { groupId: 'g-1', promotionId: 'promo-group-buy-3', members: 2, size: 3, status: 'open' },
        },
      });
      const open = priceQuote(input);
      expect(open.total).toBe(9_800);
      expect(open.group).toEqual({
        groupId: 'g-1',
        promotionId: 'promo-group-buy-3',
        productId: 'p-snack',
        status: 'open',
        members: 2,
        size: 3,
        unitPriceNow: 4_900,
        unitPriceWhenComplete: 3_900,
        totalNow: 9_800,
        totalWhenComplete: 7_800,
      });
      expect(open.missed).toEqual([
        expect.objectContaining({ reason: 'groupOpen', explanation: 'Group 2/3: ¥39 each once 1 more join' }),
      ]);

      const done = priceQuote({
        ...input,
        shopper: { ...input.shopper, group: { ...input.shopper.group!, members: 3, status: 'completed' } },
      });
      expect(done.total).toBe(7_800);
      expect(done.group).toMatchObject({ status: 'completed', totalNow: 7_800, totalWhenComplete: 7_800 });
      expect(done.applied[0]).toMatchObject({
        promotionId: 'promo-group-buy-3',
        amount: 2_000,
        explanation: 'Group price ¥39 instead of ¥49 (group of 3), you save ¥20',
      });

      const noGroup = priceQuote({ ...input, shopper: { userId: 'u-1', memberTier: 'none' } });
      expect(noGroup.missed[0]).toMatchObject({
        reason: 'groupNotJoined',
        explanation: 'Team up: ¥39 each in a group of 3',
      });
    });

    it('(c) flash sale at its cap: only the remaining units get the flash price, the rest list price', () => {
      const hotPot = pricedProduct('p-hot-pot', 'electric-cookers', 19_900, 9_000, ['hot-pot']);
      const input = baseInput({
        lines: [{ product: hotPot, quantity: 3 }],
        promotions: [{ ...flashHotPot, perUserCap: 2 } as Promotion],
        shopper: { userId: 'u-1', memberTier: 'none', flashSold: { 'promo-flash-hot-pot': 199 } },
      });
      const q = priceQuote(input);
      expect(q.lines.map((l) => [l.lineId, l.quantity, l.unitPrice, l.lineTotal])).toEqual([
        ['p-hot-pot', 2, 19_900, 39_800],
        ['p-hot-pot#flash', 1, 13_900, 13_900],
      ]);
      expect(q.reservations).toEqual([
        { promotionId: 'promo-flash-hot-pot', kind: 'flashSale', quantity: 1 },
      ]);

      const soldOut = priceQuote({
        ...input,
        shopper: { ...input.shopper, flashSold: { 'promo-flash-hot-pot': 200 } },
      });
      expect(soldOut.total).toBe(59_700);
      expect(soldOut.missed[0]).toMatchObject({ reason: 'soldOut' });

      const boughtBefore = priceQuote({
        ...input,
        shopper: {
          ...input.shopper,
          flashSold: { 'promo-flash-hot-pot': 10 },
          flashBought: { 'promo-flash-hot-pot': 1 },
        },
      });
      expect(boughtBefore.lines.find((l) => l.kind === 'flash')?.quantity).toBe(1);

      const guest = priceQuote({ ...input, shopper: { userId: null, memberTier: 'none' } });
      expect(guest.missed[0]).toMatchObject({ reason: 'signInRequired' });
    });

    it('(c) an exclusive flash sale is given up when the threshold it blocks saves more', () => {
      const hotPot = pricedProduct('p-hot-pot', 'electric-cookers', 19_900, 9_000);
      const lines = [
        { product: hotPot, quantity: 1 },
        { product: lamp, quantity: 1 },
      ];
      // Flash at 139: 139 + 129 = 268, and the threshold cannot count the exclusive flash line.
      const keep = priceQuote(baseInput({ lines, promotions: [flashHotPot, every300off50] }));
      expect(keep.total).toBe(26_800);
      expect(keep.missed.find((m) => m.promotionId === 'promo-every-300-off-50')).toMatchObject({
        reason: 'belowMinSpend',
      });
      // Flash at 179: 179 + 129 = 308 > 328 - 50 = 278, so the flash price is left out.
      const dear = { ...flashHotPot, price: 17_900 } as Promotion;
      const drop = priceQuote(baseInput({ lines, promotions: [dear, every300off50] }));
      expect(drop.total).toBe(27_800);
      expect(drop.missed.find((m) => m.promotionId === 'promo-flash-hot-pot')).toMatchObject({
        reason: 'notStackable',
        explanation: 'A better combination of offers was applied',
      });
    });

    it('(d) JPY has no decimals: percentages round down to the yen', () => {
      const tea = pricedProduct('p-tea', 'coffee', 1_999, 500);
      const q = priceQuote(
        baseInput({
          currency: 'JPY',
          lines: [{ product: tea, quantity: 3 }],
          promotions: [
            { ...memberPantry, tiers: [{ tier: 'gold', percentOff: 10 }] } as Promotion,
            {
              ...tiers300off50,
              rule: { mode: 'tiers', tiers: [{ minSpend: 5_000, off: 500 }] },
            } as Promotion,
          ],
          shopper: { userId: 'u-1', memberTier: 'gold' },
        }),
      );
      // 10% of 1999 is 199.9: the discount rounds down to 199, the price to 1800.
      expect(q.lines[0]).toMatchObject({ unitPrice: 1_800, discount: 500, lineTotal: 4_900 });
      expect(q.total).toBe(4_900);
      expect(q.applied[1]!.explanation).toBe('¥500 off ¥5,000: you have ¥5,400, you save ¥500');
    });

    it('(e) caps a discount at the margin floor and says which promotion, by how much', () => {
      // cost 90.00, minimum margin 10%: the floor is 99.00, so a ¥30 coupon can give only ¥1.
      const thin = pricedProduct('p-thin', 'snacks', 10_000, 9_000);
      const coupon = { ...winter30, minSpend: 0 } as Promotion;
      const q = priceQuote(
        baseInput({
          lines: [{ product: thin, quantity: 1 }],
          promotions: [coupon],
          couponCodes: ['WINTER-30'],
        }),
      );
      expect(q.total).toBe(9_900);
      expect(q.marginCaps).toEqual([
        {
          promotionId: 'promo-coupon-winter-30',
          productIds: ['p-thin'],
          requested: 3_000,
          granted: 100,
          capped: 2_900,
          explanation: 'Capped by the minimum margin: ¥29 of this offer could not be given',
        },
      ]);
      // With a second line that has room, the discount moves there instead: nothing is capped.
      const roomy = priceQuote(
        baseInput({
          lines: [
            { product: thin, quantity: 1 },
            { product: lamp, quantity: 1 },
          ],
          promotions: [coupon],
          couponCodes: ['WINTER-30'],
        }),
      );
      expect(roomy.marginCaps).toEqual([]);
      expect(lineOf(roomy, 'p-thin').lineTotal).toBeGreaterThanOrEqual(9_900);
      expect(roomy.total).toBe(10_000 + 12_900 - 3_000);
      // An item price below the floor is raised to it.
      const member = priceQuote(
        baseInput({
          lines: [{ product: thin, quantity: 2 }],
          promotions: [{ ...memberPantry, tiers: [{ tier: 'gold', percentOff: 20 }] } as Promotion],
          shopper: { userId: 'u-1', memberTier: 'gold' },
        }),
      );
      expect(member.lines[0]!.unitPrice).toBe(9_900);
      expect(member.marginCaps[0]).toMatchObject({ requested: 4_000, granted: 200, capped: 3_800 });
    });

    it('(f) a signed quote verifies; a tampered one and an expired one do not', () => {
      const body = priceQuote(
        baseInput({ lines: [{ product: tent, quantity: 1 }], promotions: [every300off50] }),
      );
      const key = 'test-key-not-secret';
      const quote = signQuote(body, { quoteId: 'q-1', issuedAt: NOW, ttlSeconds: 900, key });
      expect(Quote.parse(quote)).toEqual(quote);
      expect(quote.expiresAt).toBe('2026-11-23T10:15:00.000Z');
      expect(verifyQuote(quote, key, '2026-11-23T10:05:00Z')).toEqual({ ok: true });
      expect(verifyQuote(quote, key, '2026-11-23T10:15:00Z')).toEqual({ ok: false, reason: 'expired' });
      const cheaper = { ...quote, total: quote.total - 1 };
      expect(verifyQuote(cheaper, key, '2026-11-23T10:05:00Z')).toEqual({ ok: false, reason: 'tampered' });
      const lines = quote.lines.map((l) => ({ ...l, lineTotal: l.lineTotal - 100 }));
      expect(verifyQuote({ ...quote, lines }, key, '2026-11-23T10:05:00Z')).toMatchObject({
        reason: 'tampered',
      });
      const later = { ...quote, expiresAt: '2027-01-01T00:00:00.000Z' };
      expect(verifyQuote(later, key, '2026-11-23T10:20:00Z')).toMatchObject({ reason: 'tampered' });
      expect(verifyQuote(quote, 'another-key', '2026-11-23T10:05:00Z')).toMatchObject({ reason: 'tampered' });
      // Key order does not matter: the signature is over canonical JSON.
      const reordered = Object.fromEntries(Object.entries(quote).reverse()) as typeof quote;
      expect(verifyQuote(reordered, key, '2026-11-23T10:05:00Z')).toEqual({ ok: true });
    });
  });

  describe('priceQuote: spend thresholds', () => {
    // ¥100 chairs, so that a cart lands on a threshold exactly.
    const chair = pricedProduct('p-chair', 'camping-chairs', 10_000, 4_000);
    const chairs = (quantity: number) => [{ product: chair, quantity }];
    const offs = (q: QuoteBody) => q.applied.map((a) => [a.promotionId, a.amount]);

    it('a cart at exactly ¥300 gets the ¥300 tier', () => {
      const q = priceQuote(baseInput({ lines: chairs(3), promotions: [tiers300off50] }));
      expect(offs(q)).toEqual([['promo-tiers-300-50', 5_000]]);
      expect(q.total).toBe(25_000);
      expect(q.missed).toEqual([]);
      expect(q.nextTier).toMatchObject({
        promotionId: 'promo-tiers-300-50',
        add: 20_000,
        extraSaving: 5_000,
      });
      // The rule alone says the same at the boundary.
      const rule = (tiers300off50 as Of<'threshold'>).rule;
      expect(thresholdOff(rule, 30_000).off).toBe(5_000);
      expect(thresholdOff(rule, 29_999).off).toBe(0);
    });

    it("a cart over both tiers gets the higher tier's ¥100, not the ¥50 of the lower", () => {
      const q = priceQuote(baseInput({ lines: chairs(6), promotions: [tiers300off50] }));
      expect(offs(q)).toEqual([['promo-tiers-300-50', 10_000]]);
      expect(q.total).toBe(50_000);
      expect(q.nextTier).toBeNull();
      // Exactly at the higher tier, too.
      const atFive = priceQuote(baseInput({ lines: chairs(5), promotions: [tiers300off50] }));
      expect(offs(atFive)).toEqual([['promo-tiers-300-50', 10_000]]);
    });

    it('a cart of ¥2,400 under "every ¥300 off ¥50, up to ¥300" gets ¥300 off, not ¥400', () => {
      const q = priceQuote(baseInput({ lines: chairs(24), promotions: [every300off50] }));
      expect(offs(q)).toEqual([['promo-every-300-off-50', 30_000]]);
      expect(q.total).toBe(210_000);
      // The cap, not the margin floor, holds it back; and no bigger cart saves more.
      expect(q.marginCaps).toEqual([]);
      expect(q.nextTier).toBeNull();
    });
  });

  describe('priceQuote: coupons and promotion windows', () => {
    const lines = [{ product: tent, quantity: 1 }];
    it('explains why an entered coupon does not apply', () => {
      const reasonFor = (over: Parameters<typeof baseInput>[0]) =>
        priceQuote(baseInput({ lines, promotions: [winter30], couponCodes: ['WINTER-30'], ...over }))
          .missed[0]?.reason;
      expect(reasonFor({ shopper: { userId: null, memberTier: 'none' } })).toBe('signInRequired');
      expect(
        reasonFor({
          shopper: { userId: 'u-1', memberTier: 'none', couponUses: { 'promo-coupon-winter-30': 1 } },
        }),
      ).toBe('perUserLimitReached');
      expect(
        reasonFor({
          shopper: { userId: 'u-1', memberTier: 'none', couponBudgetUsed: { 'promo-coupon-winter-30': 50 } },
        }),
      ).toBe('budgetExhausted');
      expect(reasonFor({ now: '2026-12-01T00:00:00Z' })).toBe('expired');
      expect(reasonFor({ now: '2026-10-31T23:59:59Z' })).toBe('notStarted');
      expect(reasonFor({ lines: [{ product: coffee, quantity: 1 }] })).toBe('belowMinSpend');
      expect(reasonFor({ couponCodes: ['SPRING-10'] })).toBe('unknownCode');
      expect(reasonFor({})).toBeUndefined();
    });

    it('lets an exclusive coupon stand alone and picks the better of two', () => {
      const pct: Promotion = {
        ...winter30,
        promotionId: 'promo-coupon-pct',
        code: 'TEN-PCT',
        stackable: false,
        discount: { type: 'percentOff', percent: 10, maxOff: 10_000 },
      } as Promotion;
      const q = priceQuote(
        baseInput({ lines, promotions: [winter30, pct], couponCodes: ['WINTER-30', 'TEN-PCT'] }),
      );
      // 10% of 599 = 59.90 beats 30; the exclusive coupon leaves no room for the other.
      expect(q.applied.map((a) => a.promotionId)).toEqual(['promo-coupon-pct']);
      expect(q.total).toBe(59_900 - 5_990);
      expect(q.missed).toEqual([
        expect.objectContaining({ promotionId: 'promo-coupon-winter-30', reason: 'notStackable' }),
      ]);
    });

    it('ignores a promotion outside its window', () => {
      const old = {
        ...every300off50,
        validTo: WINDOW.validFrom,
        validFrom: '2026-10-01T00:00:00Z',
      } as Promotion;
      expect(priceQuote(baseInput({ lines, promotions: [old] })).total).toBe(59_900);
    });
  });

  describe('QuoteRequest', () => {
    it('upper-cases coupon codes and refuses a product listed twice', () => {
      expect(
        QuoteRequest.parse({ items: [{ productId: 'p-1', quantity: 2 }], couponCodes: [' winter-30 '] }),
      ).toEqual({
        items: [{ productId: 'p-1', quantity: 2 }],
        couponCodes: ['WINTER-30'],
      });
      const twice = QuoteRequest.safeParse({
        items: [
          { productId: 'p-1', quantity: 1 },
          { productId: 'p-1', quantity: 1 },
        ],
      });
      expect(twice.success).toBe(false);
    });
  });
});
