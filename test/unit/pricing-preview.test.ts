import { describe, expect, it } from 'vitest';
import { type PreviewShopper, previewPrice } from '../../models/pricing/preview.ts';
import { NOW, stocked } from '../support/builders.ts';
import { coffee, every300off50, memberPantry, snack, tent } from '../support/pricing-fixtures.ts';

const opts = { now: new Date(NOW), currency: 'CNY', minMarginPercent: 10, locale: 'en' as const };
const gold = (over: Partial<PreviewShopper> = {}): PreviewShopper => ({
  userId: 'u-gold',
  memberTier: 'gold',
  segment: null,
  withheld: new Set(),
  ...over,
});

describe('previewPrice', () => {
  const pantry = [
    { product: stocked(coffee, 10), quantity: 2 },
    { product: stocked(snack, 10), quantity: 2 },
  ];
  const sources = { promotions: [memberPantry], scenes: [], giftProducts: [] };

  it('prices a guest at guest prices, a signed-in shopper with their member tier', () => {
    const guest = previewPrice(pantry, sources, opts);
    expect(guest).toMatchObject({ pricedFor: 'guest', subtotal: 27_600, total: 27_600, savings: 0 });
    const member = previewPrice(pantry, sources, opts, gold());
    expect(member.pricedFor).toBe('shopper');
    // 5% off 27,600 for gold: 1,380.
    expect(member.applied.map((a) => [a.promotionId, a.amount])).toEqual([['promo-member-pantry', 1_380]]);
    expect(member.total).toBe(26_220);
    expect(previewPrice(pantry, sources, opts, gold({ memberTier: 'none' })).total).toBe(27_600);
  });

  it("leaves out what the shopper's promotion experiment arm withholds, as their quote does", () => {
    const withheld = previewPrice(
      pantry,
      sources,
      opts,
      gold({ withheld: new Set(['promo-member-pantry']) }),
    );
    expect(withheld.applied).toEqual([]);
    expect(withheld.total).toBe(27_600);
  });

  it("offers a segment-limited promotion only to the segment, from the server's classification", () => {
    const forPromising = { ...every300off50, segments: ['promising'] };
    const lines = [{ product: stocked(tent, 10), quantity: 1 }];
    const src = { promotions: [forPromising], scenes: [], giftProducts: [] };
    expect(previewPrice(lines, src, opts).applied).toEqual([]);
    expect(previewPrice(lines, src, opts, gold({ segment: 'dormant' })).applied).toEqual([]);
    expect(
      previewPrice(lines, src, opts, gold({ segment: 'promising' })).applied.map((a) => a.amount),
    ).toEqual([5_000]);
  });
});
