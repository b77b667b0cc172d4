import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BehaviourEvent } from '../../events/behaviour.ts';
import type { Product } from '../../events/catalog.ts';
import { buildEvidence, neighboursOfAll } from '../../models/related/batch.ts';
import { blendNeighbours, ContentIndex, TAG_CANDIDATES_MAX } from '../../models/related/content.ts';
import { defaultRelatedConfig, type ProductEvidence } from '../../models/related/evidence.ts';
import { byScore, pairSimilarity, scoreNeighbours } from '../../models/related/neighbours.ts';
import { catalogProduct, catalogScene, categorySlot } from '../support/builders.ts';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const MINUTE = 60_000;
const DAY = 86_400_000;
let seq = 0;
const at = (ms: number) => ({
  eventId: `evt-nb-${String(seq++).padStart(8, '0')}`,
  occurredAt: new Date(ms).toISOString(),
  version: 1 as const,
});
const view = (sessionId: string, productId: string, ms: number): BehaviourEvent => ({
  type: 'ProductViewed',
  ...at(ms),
  sessionId,
  productId,
});
const order = (productIds: readonly string[], ms: number): BehaviourEvent => ({
  type: 'OrderPlaced',
  ...at(ms),
  orderId: `o-${seq}`,
  lines: productIds.map((productId) => ({ productId, quantity: 1, paidPrice: 100 })),
});

const config = { ...defaultRelatedConfig, popularityBeta: 0.5, shrinkage: 2 };

describe('related neighbours', () => {
  describe('scoreNeighbours', () => {
    it('corrects for popularity: a best-seller seen with everything does not top every list', () => {
      const events: BehaviourEvent[] = [];
      let at = T0;
      let s = 0;
      // Five niche pairs (x_i with y_i, 6 visits each); every visit also looks at the best-seller.
      for (let i = 0; i < 5; i++) {
        for (let k = 0; k < 6; k++) {
          const session = `s${s++}`;
          events.push(
            view(session, `x${i}`, at),
            view(session, `y${i}`, at + MINUTE),
            view(session, 'hit', at + 2 * MINUTE),
          );
          at += 2 * 60 * MINUTE;
        }
      }
      // ...and the best-seller is viewed in many more visits on its own.
      for (let k = 0; k < 200; k++) events.push(view(`solo${k}`, 'hit', T0 + k * MINUTE));
      const noDecay = { ...config, halfLifeDays: 1e9 };
      const evidence = buildEvidence(events, noDecay);
      const lists = neighboursOfAll(evidence, at, noDecay);
      for (let i = 0; i < 5; i++) {
        expect(lists.get(`x${i}`)![0]!.productId).toBe(`y${i}`);
        expect(lists.get(`y${i}`)![0]!.productId).toBe(`x${i}`);
      }
      // Without the correction (beta 0) the hit ties with the true partner and wins on its id.
      const raw = neighboursOfAll(evidence, at, { ...noDecay, popularityBeta: 0 });
      expect(raw.get('x0')!.map((n) => n.productId)).toEqual(['hit', 'y0']);
    });

    it('shrinks small counts: one co-view ranks below a well-evidenced pair with a lower ratio', () => {
      expect(pairSimilarity(1, 1, 1, 0.5, 2)).toBeCloseTo(1 / 3, 9);
      expect(pairSimilarity(10, 20, 20, 0.5, 2)).toBeCloseTo(0.5 * (10 / 12), 9);
      const ev: ProductEvidence = {
        productId: 'a',
        at: T0,
        views: 21,
        orders: 0,
        pairs: { once: { bought: 0, viewed: 1 }, often: { bought: 0, viewed: 10 } },
      };
      const totals = new Map([
        ['once', { views: 1, orders: 0 }],
        ['often', { views: 20, orders: 0 }],
      ]);
      const list = scoreNeighbours(ev, (id) => totals.get(id), T0, config);
      expect(list.map((n) => n.productId)).toEqual(['often', 'once']);
      expect(list[0]!.reasons).toEqual(['viewed_together']);
    });

    it('decays evidence to now, so old pairs are shrunk more than fresh ones of the same count', () => {
      const ev: ProductEvidence = {
        productId: 'a',
        at: T0,
        views: 4,
        orders: 4,
        pairs: { b: { bought: 4, viewed: 0 } },
      };
      const totals = () => ({ views: 4, orders: 4, at: T0 });
      const fresh = scoreNeighbours(ev, totals, T0, config)[0]!.score;
      const old = scoreNeighbours(ev, totals, T0 + 60 * DAY, { ...config, halfLifeDays: 30 })[0]!.score;
      expect(fresh).toBeCloseTo(4 / 6, 9);
      expect(old).toBeCloseTo(1 / 3, 9);
    });

    it('names the reasons by their share and breaks ties by product id', () => {
      const ev: ProductEvidence = {
        productId: 'a',
        at: T0,
        views: 4,
        orders: 4,
        pairs: {
          c: { bought: 2, viewed: 2 },
          b: { bought: 2, viewed: 2 },
          v: { bought: 0, viewed: 3 },
        },
      };
      const list = scoreNeighbours(ev, () => ({ views: 4, orders: 4 }), T0, config);
      expect(list.map((n) => n.productId)).toEqual(['b', 'c', 'v']);
      expect(list[0]!.reasons).toEqual(['bought_together', 'viewed_together']);
      expect(list[2]!.reasons).toEqual(['viewed_together']);
    });

    it('keeps at most topK neighbours', () => {
      const events = [
        order(
          Array.from({ length: 30 }, (_, i) => `p${i}`),
          T0,
        ),
      ];
      const lists = neighboursOfAll(buildEvidence(events), T0, { ...defaultRelatedConfig, topK: 7 });
      expect(lists.get('p0')).toHaveLength(7);
    });
  });

  describe('content fallback', () => {
    const product = (
      productId: string,
      category: string,
      tags: string[],
      listPrice: number,
      attributes: Product['attributes'] = {},
    ) => catalogProduct(productId, category, { tags, attributes, listPrice, cost: 1 });
    const text = (en: string) => ({ en, 'zh-CN': en });
    const scene = catalogScene(
      'camping',
      [
        categorySlot('tent', 'tents', { title: text('Tent') }),
        categorySlot('lamp', 'lamps', { title: text('Lamp'), required: false }),
      ],
      {
        title: text('Camping'),
        summary: text('A night out'),
        guide: { en: ['Pitch the tent'], 'zh-CN': ['Pitch the tent'] },
        season: 'summer',
      },
    );
    const products = [
      product('tent-new', 'tents', ['2-person', 'light'], 50_000, { season: '3' }),
      product('tent-a', 'tents', ['2-person', 'light'], 45_000, { season: '3' }),
      product('tent-b', 'tents', ['4-person'], 120_000),
      product('lamp', 'lamps', ['led'], 9_000),
      product('mug', 'kitchen', ['steel'], 3_000),
    ];
    const index = new ContentIndex(products, [scene]);

    it('fills the list of a product with no evidence from content, with reasons', () => {
      const list = blendNeighbours([], index.neighbours('tent-new', 10), 10);
      expect(list.map((n) => n.productId)).toEqual(['tent-a', 'tent-b', 'lamp']);
      expect(list[0]!.reasons).toEqual(['similar_content', 'same_scene:camping']);
      expect(list[2]!.reasons).toEqual(['same_scene:camping']);
      expect(index.neighbours('unknown', 10)).toEqual([]);
    });

    it('keeps well-evidenced behavioural neighbours first and lets content outrank thin evidence', () => {
      const content = index.neighbours('tent-new', 10);
      const behavioural = (lampScore: number) => [
        { productId: 'mug', score: 0.6, reasons: ['bought_together' as const] },
        { productId: 'lamp', score: lampScore, reasons: ['viewed_together' as const] },
      ];
      expect(blendNeighbours(behavioural(0.01), content, 3).map((n) => n.productId)).toEqual([
        'mug',
        'tent-a',
        'tent-b',
      ]);
      const list = blendNeighbours(behavioural(0.1), content, 3);
      expect(list.map((n) => n.productId)).toEqual(['mug', 'tent-a', 'lamp']);
      expect(list[2]!.reasons).toEqual(['viewed_together', 'same_scene:camping']);
    });
  });
});

describe('ContentIndex.neighbours without scoring the catalog', () => {
  /**
   * Every product sharing the category, a scene or a tag scored (one that shares none of them is
   * no candidate): what the neighbours must be while the tag pools are under the bound.
   */
  const everyProduct = (
    index: ContentIndex,
    products: readonly Product[],
    id: string,
    k: number,
    inScene: (p: Product) => boolean,
  ) => {
    const a = products.find((p) => p.productId === id)!;
    return products
      .filter(
        (p) =>
          p.productId !== id &&
          (p.category === a.category || (inScene(a) && inScene(p)) || p.tags.some((t) => a.tags.includes(t))),
      )
      .map((p) => ({ productId: p.productId, ...index.similarity(id, p.productId) }))
      .filter((n) => n.score > 0)
      .sort(byScore)
      .slice(0, k);
  };

  // Few tags and colours, so that products of other categories often match one as well as a scene's
  // far-priced member does (the case where the tags must be looked at though the pool is large).
  const product = fc.record({
    category: fc.constantFrom('tents', 'lamps', 'stoves', 'mugs', 'kites'),
    tags: fc.uniqueArray(fc.constantFrom('gift', 'camping', 'steel'), { maxLength: 2 }),
    colour: fc.constantFrom('red', 'red', 'blue', undefined),
    price: fc.constantFrom(100, 1_000, 100_000),
  });

  it('are the k best of every product, for any catalog, scene and k', () => {
    fc.assert(
      fc.property(
        fc.array(product, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 20 }),
        fc.boolean(),
        (specs, k, withScene) => {
          const products = specs.map((p, i) =>
            catalogProduct(`p-${String(i).padStart(3, '0')}`, p.category, {
              tags: p.tags,
              attributes: p.colour ? { colour: p.colour } : {},
              listPrice: p.price,
            }),
          );
          const scenes = withScene
            ? [catalogScene('night-camp', [categorySlot('tent', 'tents'), categorySlot('lamp', 'lamps')])]
            : [];
          const index = new ContentIndex(products, scenes);
          const inScene = (p: Product) => withScene && ['tents', 'lamps'].includes(p.category);
          for (const p of products)
            expect(index.neighbours(p.productId, k)).toEqual(
              everyProduct(index, products, p.productId, k, inScene),
            );
        },
      ),
      { numRuns: 300 },
    );
  });

  it("looks at the tags when the category's and scene's products are as many as k but score lower", () => {
    // The scene's lamps share nothing but the scene with the tent, and cost 100 times as much:
    // 0.25 each. The mug shares the tent's tags and colour: 0.3, above them.
    const tent = { tags: ['camping', 'gift'], attributes: { colour: 'green' }, listPrice: 1_000 };
    const products = [
      catalogProduct('tent-a', 'tents', tent),
      catalogProduct('tent-b', 'tents', tent),
      catalogProduct('lamp-a', 'lamps', { listPrice: 100_000 }),
      catalogProduct('lamp-b', 'lamps', { listPrice: 100_000 }),
      catalogProduct('mug-a', 'mugs', tent),
    ];
    const index = new ContentIndex(products, [
      catalogScene('night-camp', [categorySlot('tent', 'tents'), categorySlot('lamp', 'lamps')]),
    ]);
    expect(index.neighbours('tent-a', 3).map((n) => [n.productId, Number(n.score.toFixed(4))])).toEqual([
      ['tent-b', 1],
      ['mug-a', 0.3],
      ['lamp-a', 0.25],
    ]);
  });

  it('looks among at most TAG_CANDIDATES_MAX products that share only a tag, the rarest tags first', () => {
    // One product alone in its category, a tag shared by 6,000 products of another category, and a
    // rarer tag shared by one of them: that one is found first and leads.
    const products = [
      catalogProduct('a-lonely', 'kites', { tags: ['gift', 'rare'] }),
      ...Array.from({ length: 6_000 }, (_, i) =>
        catalogProduct(`b-${String(i).padStart(5, '0')}`, 'mugs', {
          tags: i === 5_999 ? ['gift', 'rare'] : ['gift'],
        }),
      ),
    ];
    const index = new ContentIndex(products, []);
    const similar = { score: 0.2 * 0.5, reasons: ['similar_content'] };
    const found = index.neighbours('a-lonely', 10_000);
    expect(found).toHaveLength(TAG_CANDIDATES_MAX);
    expect(found[0]).toEqual({ productId: 'b-05999', score: 0.2, reasons: ['similar_content'] });
    expect(found[1]).toEqual({ productId: 'b-00000', ...similar });
  });
});
