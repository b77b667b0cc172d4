import { describe, expect, it } from 'vitest';
import type { BehaviourEvent } from '../../events/behaviour.ts';
import type { Product } from '../../events/catalog.ts';
import { buildEvidence, neighboursOfAll } from '../../models/related/batch.ts';
import { blendNeighbours, ContentIndex } from '../../models/related/content.ts';
import { defaultRelatedConfig, type ProductEvidence } from '../../models/related/evidence.ts';
import { pairSimilarity, scoreNeighbours } from '../../models/related/neighbours.ts';
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
