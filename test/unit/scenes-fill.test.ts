import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Product, Slot } from '../../events/catalog.ts';
import type { StoredNeighbour } from '../../models/related/answer.ts';
import {
  anchorSlot,
  type EveryoneContext,
  type FillContext,
  type FilledScene,
  fillScene,
  fillSceneForEveryone,
  type PriceStyleVerdict,
  priceStyleOf,
  rankScenes,
  scenesForProduct,
  seasonOf,
} from '../../models/scenes/fill.ts';
import { catalogProduct, catalogScene } from '../support/builders.ts';

const slot = (
  slotId: string,
  en: string,
  zh: string,
  constraint: Slot['constraint'],
  extra: Partial<Slot> = {},
): Slot => ({ slotId, title: { en, 'zh-CN': zh }, constraint, quantity: 1, required: true, ...extra });

const tentSlot = slot('tent', 'Tent', '帐篷', { categories: ['tents'] });
const lampSlot = slot('lamp', 'Lantern', '营地灯', { categories: ['camping-lamps'] });
const stoveSlot = slot('stove', 'Stove', '炉具', { categories: ['camping-stoves'] });
const chairsSlot = slot(
  'chairs',
  'Chairs',
  '露营椅',
  { categories: ['camping-chairs'] },
  {
    quantity: 2,
    required: false,
  },
);
const camping = catalogScene('camping-kit', [tentSlot, lampSlot, stoveSlot, chairsSlot], {
  occasion: 'weekend-camping',
});

const anchor = catalogProduct('lamp-a', 'camping-lamps', { listPrice: 15_000 });
const catalog: Product[] = [
  anchor,
  catalogProduct('lamp-b', 'camping-lamps'),
  catalogProduct('tent-bt', 'tents', { listPrice: 60_000 }),
  catalogProduct('tent-vt', 'tents', { listPrice: 50_000 }),
  catalogProduct('tent-3', 'tents', { listPrice: 40_000 }),
  catalogProduct('tent-4', 'tents', { listPrice: 30_000 }),
  catalogProduct('tent-5', 'tents', { listPrice: 20_000 }),
  catalogProduct('stove-x', 'camping-stoves', { listPrice: 20_000 }),
  catalogProduct('stove-y', 'camping-stoves', { listPrice: 25_000 }),
  // The best-evidenced chair has one in stock: the slot wants two.
  catalogProduct('chair-short', 'camping-chairs', { stock: 1 }),
  catalogProduct('chair-ok', 'camping-chairs', { stock: 4 }),
  catalogProduct('chair-none', 'camping-chairs', { stock: 0 }),
];
const byId = new Map(catalog.map((p) => [p.productId, p]));
const p = (id: string): Product => byId.get(id)!;

const nb = (productId: string, score: number, ...reasons: string[]): StoredNeighbour => ({
  productId,
  score,
  reasons,
});

/** The anchor's list: a bought-together tent (0.4), a viewed-together one (0.5 * 0.6 = 0.3). */
const anchorList = [
  nb('chair-short', 0.9, 'bought_together'),
  nb('tent-vt', 0.5, 'viewed_together'),
  nb('tent-bt', 0.4, 'bought_together'),
  nb('stove-x', 0.2, 'viewed_together'),
];
/** The bought-together tent's own list: a stove shoppers buy with it. */
const tentList = [nb('stove-y', 0.6, 'bought_together')];

const balanced: PriceStyleVerdict = { style: 'balanced', reason: 'not enough history' };
const autumn = new Date('2026-10-01T12:00:00Z');

/** Candidates the way the caller reads them: everything in the slot's categories, stock or not. */
const fromCatalog =
  (products: readonly Product[]) =>
  (s: Slot): Product[] =>
    products.filter((x) => s.constraint.categories?.includes(x.category));

const ctx = (extra: Partial<FillContext> = {}): FillContext => ({
  anchor,
  neighbours: new Map([
    ['lamp-a', anchorList],
    ['tent-bt', tentList],
  ]),
  candidatesFor: fromCatalog(catalog),
  recent: [],
  priceStyle: balanced,
  now: autumn,
  ...extra,
});

const slotOf = (filled: FilledScene, slotId: string) => filled.slots.find((s) => s.slotId === slotId)!;
const pickOf = (filled: FilledScene, slotId: string) => slotOf(filled, slotId).pick?.product.productId;

describe('scenes/fill', () => {
  describe('anchorSlot and scenesForProduct', () => {
    it('places the anchor in the first slot its category fits', () => {
      expect(anchorSlot(camping, anchor)?.slotId).toBe('lamp');
      expect(anchorSlot(camping, catalogProduct('x', 'kettles'))).toBeUndefined();
    });

    it('reads a category-and-tag constraint as pricing does: one of the categories with all the tags', () => {
      // The seeded hot-pot scene: the soup base carries the tag but is no pot; a plain pot lacks the tag.
      const hotPot = catalogScene('hot-pot', [
        slot('pot', 'Hot pot', '火锅锅', { categories: ['cookware'], tags: ['hot-pot'] }),
      ]);
      expect(anchorSlot(hotPot, catalogProduct('pot', 'cookware', { tags: ['hot-pot'] }))?.slotId).toBe(
        'pot',
      );
      expect(anchorSlot(hotPot, catalogProduct('soup', 'condiments', { tags: ['hot-pot'] }))).toBeUndefined();
      expect(anchorSlot(hotPot, catalogProduct('wok', 'cookware'))).toBeUndefined();
      // The fill reads it the same way: the soup base and the plain wok are never the hot pot.
      const pot = catalogProduct('pot', 'cookware', { tags: ['hot-pot'] });
      const others = [
        catalogProduct('soup', 'condiments', { tags: ['hot-pot'] }),
        catalogProduct('wok', 'cookware'),
      ];
      const potCtx = (offer: Product[]) =>
        ctx({ anchor: catalogProduct('chopsticks', 'tableware'), candidatesFor: () => offer });
      expect(pickOf(fillScene(hotPot, potCtx([...others, pot])), 'pot')).toBe('pot');
      expect(pickOf(fillScene(hotPot, potCtx(others)), 'pot')).toBeUndefined();
      const byTag = catalogScene('tagged', [slot('any', 'Any', '任意', { tags: ['yoga'] })]);
      expect(anchorSlot(byTag, catalogProduct('mat', 'fitness', { tags: ['yoga', 'mat'] }))?.slotId).toBe(
        'any',
      );
    });

    it('lists the active scenes the anchor fits, in the order given', () => {
      const office = catalogScene('home-office', [slot('desk', 'Desk', '书桌', { categories: ['desks'] })]);
      const inactive = { ...camping, sceneId: 'old-camping', active: false };
      const night = catalogScene('night-walk', [
        slot('light', 'Light', '灯', { categories: ['camping-lamps'] }),
      ]);
      const found = scenesForProduct([office, camping, inactive, night], anchor).map((s) => s.sceneId);
      expect(found).toEqual(['camping-kit', 'night-walk']);
    });
  });

  describe('fillScene', () => {
    it('puts the anchor in its slot with the reason "anchor"', () => {
      const filled = fillScene(camping, ctx());
      const lamp = slotOf(filled, 'lamp');
      expect(lamp.isAnchor).toBe(true);
      expect(lamp.pick?.product.productId).toBe('lamp-a');
      expect(lamp.pick?.reasons).toEqual(['anchor']);
      expect(lamp.alternatives).toEqual([]);
      expect(filled.slots.filter((s) => s.isAnchor)).toHaveLength(1);
      expect(filled.slots.map((s) => s.slotId)).toEqual(['tent', 'lamp', 'stove', 'chairs']);
    });

    it("picks the anchor's bought-together partner over a viewed-together one", () => {
      const tent = slotOf(fillScene(camping, ctx()), 'tent');
      expect(tent.pick?.product.productId).toBe('tent-bt');
      expect(tent.pick?.reasons).toEqual(['bought_together:lamp-a']);
      expect(tent.pick?.score).toBe(1);
      expect(tent.alternatives[0]?.product.productId).toBe('tent-vt');
      expect(tent.alternatives[0]?.reasons).toEqual(['viewed_together:lamp-a']);
    });

    it('weighs the strongest reason of a neighbour that has several', () => {
      const list = [
        nb('tent-vt', 0.5, 'similar_content', 'viewed_together'),
        nb('tent-bt', 0.35, 'bought_together'),
      ];
      const filled = fillScene(camping, ctx({ neighbours: new Map([['lamp-a', list]]) }));
      // 0.35 bought (0.35) beats 0.5 viewed (0.3); with similar_content as the strongest it would be 0.15.
      expect(pickOf(filled, 'tent')).toBe('tent-bt');
      expect(slotOf(filled, 'tent').alternatives[0]?.reasons).toEqual(['viewed_together:lamp-a']);
    });

    it('prefers for the second pick what goes with the first pick as well', () => {
      const filled = fillScene(camping, ctx());
      expect(pickOf(filled, 'stove')).toBe('stove-y');
      const stove = slotOf(filled, 'stove').pick!;
      expect(stove.reasons).toEqual(['bought_together:tent-bt']);
      // Without the tent's list the only evidence is the anchor's weak viewed-together stove.
      const alone = fillScene(camping, ctx({ neighbours: new Map([['lamp-a', anchorList]]) }));
      expect(pickOf(alone, 'stove')).toBe('stove-x');
    });

    it('reads a pair from either product’s list, counting it once', () => {
      // Only the stove's list knows the pair: the evidence still links it to the tent.
      const neighbours = new Map([
        ['lamp-a', anchorList],
        ['stove-y', [nb('tent-bt', 0.6, 'bought_together')]],
      ]);
      expect(pickOf(fillScene(camping, ctx({ neighbours })), 'stove')).toBe('stove-y');
    });

    it('fills the slot with the strongest evidence first, whatever the declared order', () => {
      // The stove is declared first; filled first, it would only have the anchor's weak evidence.
      const stoveFirst = catalogScene('camping-kit', [stoveSlot, tentSlot, lampSlot]);
      const filled = fillScene(stoveFirst, ctx());
      expect(pickOf(filled, 'tent')).toBe('tent-bt');
      expect(pickOf(filled, 'stove')).toBe('stove-y');
      expect(filled.slots.map((s) => s.slotId)).toEqual(['stove', 'tent', 'lamp']);
    });

    it('uses each product at most once in a scene', () => {
      const shelter = slot(
        'shelter',
        'Shelter',
        '遮蔽',
        { categories: ['tents', 'tarps'] },
        { required: false },
      );
      const filled = fillScene(catalogScene('camping-kit', [tentSlot, lampSlot, shelter]), ctx());
      expect(pickOf(filled, 'tent')).toBe('tent-bt');
      // The next best for the shelter is the viewed-together tent, not the tent already picked.
      expect(pickOf(filled, 'shelter')).toBe('tent-vt');
      // The tent's alternatives leave out what the shelter took after it.
      const tentAlternatives = slotOf(filled, 'tent').alternatives.map((a) => a.product.productId);
      expect(tentAlternatives).not.toContain('tent-vt');
      expect(tentAlternatives).not.toContain('tent-bt');
      // The anchor is never offered again, even where it fits.
      const lights = slot(
        'spare',
        'Spare light',
        '备用灯',
        { categories: ['camping-lamps'] },
        { required: false },
      );
      const twice = fillScene(catalogScene('camping-kit', [lampSlot, lights]), ctx());
      expect(pickOf(twice, 'spare')).toBe('lamp-b');
    });

    it('never picks a product short of stock for the slot quantity, however strong its evidence', () => {
      const chairs = slotOf(fillScene(camping, ctx()), 'chairs');
      expect(chairs.pick?.product.productId).toBe('chair-ok');
      expect(chairs.pick?.reasons).toEqual(['fits_slot']);
      expect(chairs.alternatives).toEqual([]);
    });

    it('checks the candidates it is given: a wrong category or no stock is dropped', () => {
      const careless = () => [p('tent-bt'), catalogProduct('stove-gone', 'camping-stoves', { stock: 0 })];
      const filled = fillScene(camping, ctx({ candidatesFor: careless }));
      expect(pickOf(filled, 'stove')).toBeUndefined();
      expect(pickOf(filled, 'tent')).toBe('tent-bt');
    });

    it('says plainly, in both languages, which required slot has nothing in stock', () => {
      const noStoves = catalog.filter((x) => x.category !== 'camping-stoves');
      const filled = fillScene(camping, ctx({ candidatesFor: fromCatalog(noStoves) }));
      expect(slotOf(filled, 'stove').pick).toBeNull();
      expect(filled.complete).toBe(false);
      expect(filled.incomplete).toEqual({
        en: 'No stove in stock for this scene',
        'zh-CN': '此场景的炉具暂时缺货',
      });
      // Required: 2 of 3 filled; the optional chairs count half: (2 + 0.5) / 3.5.
      expect(filled.completeness).toBeCloseTo(2.5 / 3.5, 4);

      const onlyLamps = catalog.filter((x) => x.category === 'camping-lamps');
      const bare = fillScene(camping, ctx({ candidatesFor: fromCatalog(onlyLamps) }));
      expect(bare.incomplete?.en).toBe('No tent or stove in stock for this scene');
      expect(bare.incomplete?.['zh-CN']).toBe('此场景的帐篷、炉具暂时缺货');
    });

    it('is complete with every required slot in stock, and then says nothing is missing', () => {
      const filled = fillScene(camping, ctx());
      expect(filled.complete).toBe(true);
      expect(filled.incomplete).toBeUndefined();
      expect(filled.completeness).toBe(1);
    });

    it('counts an anchor short of stock as not filled in stock', () => {
      const soldOut = { ...anchor, stock: 0 };
      const filled = fillScene(camping, ctx({ anchor: soldOut }));
      expect(slotOf(filled, 'lamp').pick?.product.productId).toBe('lamp-a');
      expect(filled.complete).toBe(false);
      expect(filled.incomplete?.en).toBe('No lantern in stock for this scene');
    });

    it("lets the shopper's price style decide between candidates with no other evidence, and says so", () => {
      const chairs = [
        catalogProduct('chair-2-cheap', 'camping-chairs', { listPrice: 5_000 }),
        catalogProduct('chair-3-mid', 'camping-chairs', { listPrice: 8_000 }),
        catalogProduct('chair-1-dear', 'camping-chairs', { listPrice: 20_000 }),
      ];
      const products = [...catalog.filter((x) => x.category !== 'camping-chairs'), ...chairs];
      const chairsFor = (style: PriceStyleVerdict['style']) =>
        slotOf(
          fillScene(
            camping,
            ctx({ candidatesFor: fromCatalog(products), priceStyle: { style, reason: '' } }),
          ),
          'chairs',
        );
      const value = chairsFor('value');
      expect(value.pick?.product.productId).toBe('chair-2-cheap');
      expect(value.pick?.reasons).toEqual(['value_pick', 'fits_slot']);
      // Half the bonus (0.1) is still named; nothing is not.
      expect(value.alternatives.map((a) => [a.product.productId, a.reasons])).toEqual([
        ['chair-3-mid', ['value_pick', 'fits_slot']],
        ['chair-1-dear', ['fits_slot']],
      ]);
      const premium = chairsFor('premium');
      expect(premium.pick?.product.productId).toBe('chair-1-dear');
      expect(premium.pick?.reasons).toEqual(['premium_pick', 'fits_slot']);
      // Balanced: no evidence and no style, so the productId decides, and no style is claimed.
      const plain = chairsFor('balanced');
      expect(plain.pick?.product.productId).toBe('chair-1-dear');
      expect(plain.pick?.reasons).toEqual(['fits_slot']);
    });

    it('does not let the price style override clear evidence, nor claim it did', () => {
      // The bought-together tent is the dearest: a value shopper still gets it (1 > 0 + 0.2).
      const tent = slotOf(fillScene(camping, ctx({ priceStyle: { style: 'value', reason: '' } })), 'tent')
        .pick!;
      expect(tent.product.productId).toBe('tent-bt');
      expect(tent.reasons).toEqual(['bought_together:lamp-a']);
    });

    it('raises a product the shopper already looked at during the visit', () => {
      const tentSlotOnly = catalogScene('camping-kit', [tentSlot, lampSlot]);
      const neighbours = new Map([
        ['lamp-a', [nb('tent-bt', 0.4, 'bought_together'), nb('tent-vt', 0.6, 'viewed_together')]],
      ]);
      // 0.36 / 0.4 = 0.9, + 0.15 = 1.05 beats 1.
      const filled = fillScene(tentSlotOnly, ctx({ neighbours, recent: ['tent-vt', 'x'] }));
      expect(pickOf(filled, 'tent')).toBe('tent-vt');
      expect(slotOf(filled, 'tent').pick?.reasons).toEqual(['viewed_together:lamp-a', 'in_your_visit']);
    });

    it('offers at most three alternatives by default, best first, none used elsewhere', () => {
      const filled = fillScene(camping, ctx());
      const tent = slotOf(filled, 'tent');
      expect(tent.alternatives.map((a) => a.product.productId)).toEqual(['tent-vt', 'tent-3', 'tent-4']);
      const scores = tent.alternatives.map((a) => a.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      expect(scores[0]).toBeLessThanOrEqual(tent.pick!.score);
      expect(slotOf(fillScene(camping, ctx(), { alternatives: 1 }), 'tent').alternatives).toHaveLength(1);
      expect(slotOf(fillScene(camping, ctx(), { alternatives: 0 }), 'tent').alternatives).toEqual([]);
    });

    it('scores fit, season and completeness into one score', () => {
      const filled = fillScene(camping, ctx());
      expect(filled).toMatchObject({
        sceneId: 'camping-kit',
        occasion: 'weekend-camping',
        fit: 1,
        seasonMatch: 1,
        completeness: 1,
        score: 1,
        priceStyle: 'balanced',
      });
      const spring = fillScene(camping, ctx({ now: new Date('2026-04-10T00:00:00Z') }));
      expect(spring.seasonMatch).toBe(0.2);
      expect(spring.score).toBeCloseTo(0.45 + 0.25 * 0.2 + 0.3, 4);
      const allYear = fillScene({ ...camping, season: 'all-year' }, ctx());
      expect(allYear.seasonMatch).toBe(0.6);
    });

    it('fits 0.7 for an anchor only an optional slot takes, 1 when its neighbours share the scene', () => {
      const optionalLamp = catalogScene('night', [tentSlot, { ...lampSlot, required: false }]);
      expect(fillScene(optionalLamp, ctx()).fit).toBe(0.7);
      const shared = new Map([['lamp-a', [nb('tent-3', 0.1, 'same_scene:night')]]]);
      const filled = fillScene(optionalLamp, ctx({ neighbours: shared }));
      expect(filled.fit).toBe(1);
      expect(slotOf(filled, 'tent').pick?.reasons).toEqual(['same_scene:night']);
    });

    it("ignores another scene's same_scene reason as evidence", () => {
      const other = new Map([['lamp-a', [nb('tent-vt', 0.9, 'same_scene:beach-day')]]]);
      const tent = slotOf(fillScene(camping, ctx({ neighbours: other })), 'tent').pick!;
      // No evidence for any tent: the productId decides.
      expect(tent.product.productId).toBe('tent-3');
      expect(tent.reasons).toEqual(['fits_slot']);
    });

    it('with anchorInScene false, places no anchor but lets its neighbours guide the picks', () => {
      const filled = fillScene(camping, ctx(), { anchorInScene: false });
      expect(filled.slots.some((s) => s.isAnchor)).toBe(false);
      expect(pickOf(filled, 'lamp')).toBe('lamp-b');
      expect(pickOf(filled, 'tent')).toBe('tent-bt');
    });
  });

  describe('fillSceneForEveryone', () => {
    const everyone = (extra: Partial<EveryoneContext> = {}): EveryoneContext => {
      const { anchor: _anchor, ...rest } = ctx();
      return { ...rest, ...extra };
    };

    it('fills every slot without an anchor, picking by evidence between picks', () => {
      const filled = fillSceneForEveryone(camping, everyone());
      expect(filled.slots.some((s) => s.isAnchor)).toBe(false);
      expect(filled.fit).toBe(1);
      // No fill yet: the tent with the most evidence overall leads, and the stove goes with it.
      expect(pickOf(filled, 'tent')).toBe('tent-bt');
      expect(pickOf(filled, 'stove')).toBe('stove-y');
      expect(slotOf(filled, 'stove').pick?.reasons).toEqual(['bought_together:tent-bt']);
      expect(pickOf(filled, 'lamp')).toBe('lamp-a');
    });

    it('lets the price style choose the first pick', () => {
      const filled = fillSceneForEveryone(camping, everyone({ priceStyle: { style: 'value', reason: '' } }));
      expect(pickOf(filled, 'tent')).toBe('tent-5');
      expect(slotOf(filled, 'tent').pick?.reasons).toEqual(['value_pick', 'fits_slot']);
    });
  });

  describe('seasonOf', () => {
    it.each([
      ['2026-02-28T23:59:59Z', 'winter'],
      ['2026-03-01T00:00:00Z', 'spring'],
      ['2026-05-31T23:59:59Z', 'spring'],
      ['2026-06-01T00:00:00Z', 'summer'],
      ['2026-08-31T23:59:59Z', 'summer'],
      ['2026-09-01T00:00:00Z', 'autumn'],
      ['2026-11-30T23:59:59Z', 'autumn'],
      ['2026-12-01T00:00:00Z', 'winter'],
      ['2027-01-01T00:00:00Z', 'winter'],
      // Still February in UTC, though March in Beijing.
      ['2026-03-01T07:00:00+08:00', 'winter'],
    ])('%s is %s', (at, season) => {
      expect(seasonOf(new Date(at))).toBe(season);
    });
  });

  describe('rankScenes', () => {
    it('orders by score, then by sceneId', () => {
      const base = fillScene(camping, ctx());
      const s = (sceneId: string, score: number): FilledScene => ({ ...base, sceneId, score });
      const ranked = rankScenes([s('b', 0.5), s('c', 0.9), s('a', 0.5), s('d', 0.1)]);
      expect(ranked.map((x) => x.sceneId)).toEqual(['c', 'a', 'b', 'd']);
    });
  });

  describe('priceStyleOf', () => {
    const medians = new Map([
      ['tents', 100_000],
      ['mugs', 1_000],
    ]);
    const seen = (...prices: number[]) =>
      prices.map((price, i) => catalogProduct(`t-${i}`, 'tents', { listPrice: price }));

    it('needs three products to say anything', () => {
      expect(priceStyleOf(seen(10_000, 10_000), medians)).toEqual({
        style: 'balanced',
        reason: 'not enough history',
      });
      // A product seen twice counts once; one with no known median does not count.
      const twice = [
        ...seen(10_000, 10_000),
        seen(10_000)[0]!,
        catalogProduct('z', 'unknown', { listPrice: 1 }),
      ];
      expect(priceStyleOf(twice, medians).reason).toBe('not enough history');
    });

    it('is value at a median ratio of 0.85 or less, premium at 1.2 or more', () => {
      expect(priceStyleOf(seen(85_000, 85_000, 85_000), medians).style).toBe('value');
      expect(priceStyleOf(seen(85_001, 85_001, 85_001), medians).style).toBe('balanced');
      expect(priceStyleOf(seen(120_000, 120_000, 120_000), medians).style).toBe('premium');
      expect(priceStyleOf(seen(119_999, 119_999, 119_999), medians).style).toBe('balanced');
      // An even count takes the mean of the middle two, exactly: (0.8 + 0.9) / 2 is 0.85.
      expect(priceStyleOf(seen(10_000, 80_000, 90_000, 500_000), medians).style).toBe('value');
    });

    it("compares each product with its own category's median, and takes the median ratio", () => {
      const mixed = [
        catalogProduct('tent', 'tents', { listPrice: 77_000 }),
        catalogProduct('mug', 'mugs', { listPrice: 770 }),
        // One outlier does not move a median.
        catalogProduct('tent-lux', 'tents', { listPrice: 900_000 }),
      ];
      expect(priceStyleOf(mixed, medians)).toEqual({
        style: 'value',
        reason: "looks at products 23% below their category's median price",
      });
      expect(priceStyleOf(seen(150_000, 130_000, 140_000, 10), medians)).toEqual({
        style: 'premium',
        reason: "looks at products 35% above their category's median price",
      });
      expect(priceStyleOf(seen(100_000, 95_000, 100_000), medians).reason).toBe(
        "looks at products near their category's median price (at it)",
      );
    });
  });

  describe('properties', () => {
    /** The oracle, written out here rather than taken from the module under test. */
    const fillable = (x: Product, s: Slot) =>
      (s.constraint.categories?.includes(x.category) ?? true) &&
      (s.constraint.tags?.every((t) => x.tags.includes(t)) ?? true) &&
      x.stock >= s.quantity;
    const categories = ['a', 'b', 'c'];
    const tags = ['x', 'y'];
    const arbConstraint: fc.Arbitrary<Slot['constraint']> = fc.oneof(
      fc.record({ categories: fc.subarray(categories, { minLength: 1 }) }),
      fc.record({ tags: fc.subarray(tags, { minLength: 1 }) }),
      fc.record({
        categories: fc.subarray(categories, { minLength: 1 }),
        tags: fc.subarray(tags, { minLength: 1 }),
      }),
    );
    const arbProducts = fc
      .array(
        fc.record({
          category: fc.constantFrom(...categories),
          tags: fc.subarray(tags),
          stock: fc.integer({ min: 0, max: 3 }),
          listPrice: fc.integer({ min: 0, max: 5 }).map((n) => n * 1_000),
        }),
        { minLength: 1, maxLength: 14 },
      )
      .map((rs) => rs.map((r, i) => catalogProduct(`p${i}`, r.category, r)));
    const arbCase = arbProducts.chain((products) => {
      const index = fc.integer({ min: 0, max: products.length - 1 });
      return fc.record({
        products: fc.constant(products),
        slots: fc.array(
          fc.record({
            constraint: arbConstraint,
            quantity: fc.integer({ min: 1, max: 2 }),
            required: fc.boolean(),
          }),
          { minLength: 1, maxLength: 5 },
        ),
        anchor: index,
        links: fc.array(
          fc.record({
            from: index,
            to: index,
            score: fc.double({ min: 0, max: 1, noNaN: true }),
            reasons: fc.subarray(['bought_together', 'viewed_together', 'similar_content', 'same_scene:s']),
          }),
          { maxLength: 30 },
        ),
        recent: fc.subarray(products.map((x) => x.productId)),
        style: fc.constantFrom<PriceStyleVerdict['style']>('value', 'premium', 'balanced'),
        alternatives: fc.integer({ min: 0, max: 4 }),
        everyone: fc.boolean(),
      });
    });

    it('every pick fits its slot, is in stock and unique; alternatives never hold a pick', () => {
      fc.assert(
        fc.property(arbCase, (c) => {
          const products = c.products;
          const sc = catalogScene(
            's',
            c.slots.map((s, i) => slot(`slot${i}`, `Slot ${i}`, `槽${i}`, s.constraint, s)),
          );
          const neighbours = new Map<string, StoredNeighbour[]>();
          for (const l of c.links) {
            const list = neighbours.get(`p${l.from}`) ?? [];
            list.push(nb(`p${l.to}`, l.score, ...l.reasons));
            neighbours.set(`p${l.from}`, list);
          }
          const a = products[c.anchor]!;
          const context: FillContext = {
            anchor: a,
            neighbours,
            // Everything, unfiltered: the fill must do its own checks.
            candidatesFor: () => products,
            recent: c.recent,
            priceStyle: { style: c.style, reason: '' },
            now: autumn,
          };
          const opts = { alternatives: c.alternatives };
          const filled = c.everyone ? fillSceneForEveryone(sc, context) : fillScene(sc, context, opts);
          const again = c.everyone ? fillSceneForEveryone(sc, context) : fillScene(sc, context, opts);
          expect(again).toEqual(filled);

          const limit = c.everyone ? 3 : c.alternatives;
          // For everyone the anchor is just another product.
          const anchorId = c.everyone ? undefined : a.productId;
          const picked = filled.slots.flatMap((s) => (s.pick ? [s.pick.product.productId] : []));
          expect(new Set(picked).size).toBe(picked.length);
          for (const [i, s] of filled.slots.entries()) {
            const declared = sc.slots[i]!;
            if (s.isAnchor) {
              expect(c.everyone).toBe(false);
              expect(s.pick?.product.productId).toBe(a.productId);
              expect(anchorSlot(sc, a)?.slotId).toBe(s.slotId);
            } else if (s.pick) {
              expect(fillable(s.pick.product, declared)).toBe(true);
              expect(s.pick.reasons.length).toBeGreaterThan(0);
            } else {
              // Empty only when nothing unused in stock fits.
              const usable = products.filter(
                (x) => fillable(x, declared) && !picked.includes(x.productId) && x.productId !== anchorId,
              );
              expect(usable).toEqual([]);
            }
            expect(s.alternatives.length).toBeLessThanOrEqual(limit);
            const scores = s.alternatives.map((x) => x.score);
            expect(scores).toEqual([...scores].sort((x, y) => y - x));
            for (const alt of s.alternatives) {
              expect(picked).not.toContain(alt.product.productId);
              expect(alt.product.productId).not.toBe(anchorId);
              expect(fillable(alt.product, declared)).toBe(true);
            }
          }
          if (!c.everyone && anchorSlot(sc, a))
            expect(filled.slots.filter((s) => s.isAnchor)).toHaveLength(1);
          for (const v of [filled.fit, filled.seasonMatch, filled.completeness, filled.score]) {
            expect(v).toBeGreaterThanOrEqual(0);
            expect(v).toBeLessThanOrEqual(1);
          }
          expect(filled.complete).toBe(filled.incomplete === undefined);
        }),
        { numRuns: 300 },
      );
    });
  });
});
