import { describe, expect, it } from 'vitest';
import type { Product } from '../../events/catalog.ts';
import type { RfmProfile } from '../../events/segments.ts';
import { SceneFillStrategySpec } from '../../events/strategies.ts';
import type { StoredNeighbour } from '../../models/related/answer.ts';
import { type FillContext, fillScene, type PriceStyleVerdict } from '../../models/scenes/fill.ts';
import {
  DEFAULT_SCENE_FILL_STRATEGY,
  fillPriceStyle,
  isSceneFillStrategy,
  SCENE_FILL_STRATEGIES,
  sceneFillStrategyOf,
} from '../../models/scenes/strategies.ts';
import { catalogProduct, catalogScene, categorySlot } from '../support/builders.ts';

const product = (productId: string, category: string, listPrice: number): Product =>
  catalogProduct(productId, category, { listPrice, cost: 1_000 });

const scene = catalogScene(
  'camping-kit',
  [categorySlot('lamp', 'camping-lamps'), categorySlot('tent', 'tents')],
  {
    title: { en: 'Camping', 'zh-CN': '露营' },
  },
);

const anchor = product('lamp-a', 'camping-lamps', 15_000);
/** The dear tent has the best evidence (1); the cheap one 0.7 of it; the mid one none. */
const tents = [
  product('tent-ev', 'tents', 60_000),
  product('tent-mid', 'tents', 45_000),
  product('tent-cheap', 'tents', 30_000),
];
const anchorList: StoredNeighbour[] = [
  { productId: 'tent-ev', score: 1, reasons: ['bought_together'] },
  { productId: 'tent-cheap', score: 0.7, reasons: ['bought_together'] },
];
const value: PriceStyleVerdict = { style: 'value', reason: 'looks at cheap things' };
const premium: PriceStyleVerdict = { style: 'premium', reason: 'looks at dear things' };
const balanced: PriceStyleVerdict = { style: 'balanced', reason: 'not enough history' };

const ctx = (extra: Partial<FillContext> = {}): FillContext => ({
  anchor,
  neighbours: new Map([['lamp-a', anchorList]]),
  candidatesFor: (s) => (s.constraint.categories?.includes('tents') ? tents : [anchor]),
  recent: [],
  priceStyle: balanced,
  now: new Date('2026-10-01T12:00:00Z'),
  ...extra,
});
const tentOf = (c: FillContext) => fillScene(scene, c).slots.find((s) => s.slotId === 'tent')!.pick!;

const profile = (over: Partial<RfmProfile> = {}): RfmProfile => ({
  userId: 'u-1',
  firstOrderAt: 0,
  lastOrderAt: 0,
  orders: 2,
  monetary: 10_000,
  pricedSpend: 10_000,
  // 70% of spend on discounted lines: a deal seeker.
  discountedSpend: 7_000,
  pricedUnits: 4,
  bandMilliSum: 2_000,
  recentOrders: [],
  version: 1,
  ...over,
});

describe('scene fill strategies', () => {
  it('resolves built-ins by name and inline weights as "custom"; an unknown name or nothing is undefined', () => {
    expect(sceneFillStrategyOf('style-led')).toBe(SCENE_FILL_STRATEGIES['style-led']);
    expect(sceneFillStrategyOf('cheapest')).toBeUndefined();
    expect(sceneFillStrategyOf(undefined)).toBeUndefined();
    // An own property only: a name from Object.prototype is not a strategy.
    expect(isSceneFillStrategy('constructor')).toBe(false);
    expect(sceneFillStrategyOf({ priceStyleFrom: 'visit', styleBonus: 1, recentBonus: 0 })).toEqual({
      name: 'custom',
      priceStyleFrom: 'visit',
      styleBonus: 1,
      recentBonus: 0,
    });
    expect(DEFAULT_SCENE_FILL_STRATEGY.name).toBe('evidence-led');
  });

  it('declares only built-ins the contract accepts (a segment policy could write each inline)', () => {
    for (const [name, s] of Object.entries(SCENE_FILL_STRATEGIES)) {
      expect(s.name).toBe(name);
      const { name: _n, ...spec } = s;
      expect(SceneFillStrategySpec.safeParse(spec).success, name).toBe(true);
    }
  });

  describe('in the fill', () => {
    it('keeps the default weights when no strategy is given (the existing behaviour)', () => {
      expect(tentOf(ctx({ priceStyle: value }))).toEqual(
        tentOf(ctx({ priceStyle: value, strategy: SCENE_FILL_STRATEGIES['evidence-led'] })),
      );
    });

    it('style-led picks the cheaper tent for a value shopper where evidence-led keeps the one with evidence', () => {
      // evidence-led: 1 against 0.7 + 0.2; style-led: 1 against 0.7 + 0.5.
      const led = tentOf(ctx({ priceStyle: value }));
      expect(led.product.productId).toBe('tent-ev');
      expect(led.score).toBe(1);
      const styled = tentOf(ctx({ priceStyle: value, strategy: SCENE_FILL_STRATEGIES['style-led'] }));
      expect(styled.product.productId).toBe('tent-cheap');
      expect(styled.score).toBe(1.2);
      expect(styled.reasons).toEqual(['bought_together:lamp-a', 'value_pick']);
    });

    it('evidence-only ignores the price style and the visit', () => {
      const only = SCENE_FILL_STRATEGIES['evidence-only'];
      for (const priceStyle of [value, premium]) {
        const pick = tentOf(ctx({ priceStyle, recent: ['tent-cheap', 'tent-mid'], strategy: only }));
        expect(pick.product.productId).toBe('tent-ev');
        expect(pick.reasons).toEqual(['bought_together:lamp-a']);
      }
      // With the same visit, the default names it and scores it.
      const visited = fillScene(scene, ctx({ recent: ['tent-mid'] })).slots.find((s) => s.slotId === 'tent')!;
      expect(visited.alternatives.find((a) => a.product.productId === 'tent-mid')?.reasons).toContain(
        'in_your_visit',
      );
    });

    it('visit-led lets a tent of the visit beat stronger evidence', () => {
      // evidence-led: 1 against 0.7 + 0.15; visit-led: 1 against 0.7 + 0.4.
      expect(tentOf(ctx({ recent: ['tent-cheap'] })).product.productId).toBe('tent-ev');
      const pick = tentOf(ctx({ recent: ['tent-cheap'], strategy: SCENE_FILL_STRATEGIES['visit-led'] }));
      expect(pick.product.productId).toBe('tent-cheap');
      expect(pick.reasons).toEqual(['bought_together:lamp-a', 'in_your_visit']);
    });
  });

  describe('fillPriceStyle', () => {
    const visit = () => premium;

    it('takes the purchase signal when the shopper has enough priced units, and says so', () => {
      expect(fillPriceStyle(DEFAULT_SCENE_FILL_STRATEGY, profile(), visit)).toEqual({
        style: 'value',
        reason: 'purchases: deal seeker: 70% of spend discounted',
        source: 'purchases',
      });
    });

    it("takes the visit's when purchases say too little, for a guest, or under a visit strategy", () => {
      const fromVisit = { style: 'premium', reason: 'visit: looks at dear things', source: 'visit' };
      expect(fillPriceStyle(DEFAULT_SCENE_FILL_STRATEGY, profile({ pricedUnits: 2 }), visit)).toEqual(
        fromVisit,
      );
      expect(fillPriceStyle(DEFAULT_SCENE_FILL_STRATEGY, undefined, visit)).toEqual(fromVisit);
      expect(fillPriceStyle(SCENE_FILL_STRATEGIES['visit-led'], profile(), visit)).toEqual(fromVisit);
    });

    it('is balanced and reads nothing under a strategy with no price style', () => {
      const style = fillPriceStyle(SCENE_FILL_STRATEGIES['evidence-only'], profile(), () => {
        throw new Error('the visit was read');
      });
      expect(style).toMatchObject({ style: 'balanced', source: 'none' });
    });

    it('decides the pick: purchases make a value shopper of someone whose visit looks premium', () => {
      const styled = SCENE_FILL_STRATEGIES['style-led'];
      const withPurchases = fillPriceStyle(styled, profile(), visit);
      const guest = fillPriceStyle(styled, undefined, visit);
      expect(tentOf(ctx({ priceStyle: withPurchases, strategy: styled })).product.productId).toBe(
        'tent-cheap',
      );
      expect(tentOf(ctx({ priceStyle: guest, strategy: styled })).product.productId).toBe('tent-ev');
    });
  });
});
