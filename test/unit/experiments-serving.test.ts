import { describe, expect, it } from 'vitest';
import type { BehaviourEvent } from '../../events/behaviour.ts';
import { Experiment, type ExperimentExposed, type ExperimentInput } from '../../events/experiments.ts';
import { SegmentPolicy } from '../../events/segments.ts';
import { DomainError } from '../../models/errors.ts';
import { submitExperiment } from '../../models/experiments/admin.ts';
import type { ShopperOutcome } from '../../models/experiments/attribution.ts';
import {
  type AttributionEvent,
  countsKey,
  foldBatch,
  stateKey,
  stateKeysOf,
} from '../../models/experiments/recording.ts';
import { planRelated } from '../../models/experiments/related.ts';
import type { RelatedReader, StoredNeighbour } from '../../models/related/answer.ts';
import { relatedForShopper } from '../../models/related/answer.ts';
import { RELATED_STRATEGIES, reasonWeight } from '../../models/related/strategies.ts';
import { DEFAULT_SEGMENT_POLICY } from '../../models/segments/policy.ts';
import { catalogProduct } from '../support/builders.ts';

const NOW = Date.parse('2026-11-23T12:00:00Z');
const HOUR = 3_600_000;
const experiment = (over: Partial<ExperimentInput> = {}): Experiment =>
  Experiment.parse({
    experimentId: 'xp-related',
    title: 'Content-first related products',
    target: { kind: 'recommendationStrategy', surface: 'related' },
    variants: [
      { variantId: 'A', weight: 1, strategy: 'behavioural' },
      { variantId: 'B', weight: 1, strategy: 'content-first' },
    ],
    startAt: '2026-11-23T00:00:00Z',
    endAt: '2026-11-30T00:00:00Z',
    goal: 'addToCart',
    windowHours: 24,
    ...over,
  });

const catalog = new Map(
  [
    catalogProduct('p-anchor', 'tents'),
    catalogProduct('p-1', 'lamps'),
    catalogProduct('p-2', 'tents'),
    catalogProduct('p-3', 'chairs'),
  ].map((p) => [p.productId, p]),
);
const neighbours: StoredNeighbour[] = [
  { productId: 'p-1', score: 1, reasons: ['bought_together'] },
  { productId: 'p-2', score: 0.6, reasons: ['similar_content'] },
  { productId: 'p-3', score: 0.5, reasons: ['same_scene:camp'] },
];
const reader: RelatedReader = {
  async first({ productId }) {
    return { anchor: catalog.get(productId), neighbours };
  },
  async products(ids) {
    return new Map(ids.filter((id) => catalog.has(id)).map((id) => [id, catalog.get(id)!]));
  },
};
const query = { limit: 10, exclude: [] as string[], perCategory: 3 };

function serving(experiments: Experiment[]) {
  const published: ExperimentExposed[] = [];
  let n = 0;
  const ports = {
    reader,
    experiments: async () => experiments,
    standingOf: async () => ({ profile: undefined, segment: null, policy: DEFAULT_SEGMENT_POLICY }),
    exposed: async (events: ExperimentExposed[]) => {
      published.push(...events);
    },
  };
  const get = (userId: string | undefined, productId = 'p-anchor') =>
    relatedForShopper(ports, { productId, userId }, query, 'CNY', {
      now: NOW,
      newEventId: () => `exp-test-${++n}`,
    });
  return { get, published };
}

describe('related strategies', () => {
  describe('reasonWeight', () => {
    it('takes the largest weight among the reasons, matching "kind:detail" by kind, 1 when none is listed', () => {
      const s = RELATED_STRATEGIES['content-first'];
      expect(reasonWeight(s, ['bought_together'])).toBe(1);
      expect(reasonWeight(s, ['same_scene:camp'])).toBe(1.5);
      expect(reasonWeight(s, ['same_scene:camp', 'similar_content'])).toBe(2);
      expect(reasonWeight(RELATED_STRATEGIES.behavioural, ['similar_content'])).toBe(1);
      const off = { ...RELATED_STRATEGIES.behavioural, reasonWeights: { viewed_together: 0 } };
      expect(reasonWeight(off, ['viewed_together'])).toBe(0);
      expect(reasonWeight(off, ['bought_together', 'viewed_together'])).toBe(1);
    });
  });
});

describe('experiments on the related route', () => {
  describe('planRelated', () => {
    it('gives guests, and everyone outside the dates, the default strategy and no variant', () => {
      const e = experiment();
      expect(planRelated([e], { userId: undefined, segment: null }, NOW)).toEqual({
        strategy: RELATED_STRATEGIES.behavioural,
        served: [],
      });
      expect(planRelated([e], { userId: 'u-1', segment: null }, Date.parse(e.endAt)).served).toEqual([]);
    });

    it('lets the experiment that started first shape the answer when two run on the surface', () => {
      const early = experiment({ experimentId: 'xp-early', startAt: '2026-11-22T00:00:00Z' });
      const late = experiment({ experimentId: 'xp-late' });
      for (const order of [
        [early, late],
        [late, early],
      ]) {
        expect(planRelated(order, { userId: 'u-1', segment: null }, NOW).served[0]?.experimentId).toBe(
          'xp-early',
        );
      }
    });
  });

  describe('relatedForShopper', () => {
    it('serves the same user the same variant on every request, and says so in the answer', async () => {
      const { get } = serving([experiment()]);
      for (let u = 0; u < 20; u++) {
        const first = await get(`u-${u}`);
        expect(first.experiments).toHaveLength(1);
        for (let i = 0; i < 5; i++) expect((await get(`u-${u}`)).experiments).toEqual(first.experiments);
      }
    });

    it("applies the variant's strategy: behavioural leads with bought together, content-first with the look-alike", async () => {
      const { get } = serving([experiment()]);
      const seen = new Map<string, string>();
      for (let u = 0; u < 40 && seen.size < 2; u++) {
        const answer = await get(`u-${u}`);
        seen.set(answer.experiments[0]!.variantId, answer.items.map((i) => i.product.productId).join(','));
      }
      expect(seen.get('A')).toBe('p-1,p-2,p-3');
      expect(seen.get('B')).toBe('p-2,p-1,p-3');
    });

    it('assigns only shoppers whose server-side segment is in the audience, reading it for signed-in shoppers only', async () => {
      const asked: string[] = [];
      const standingOf = async (userId: string) => {
        asked.push(userId);
        const segment = userId.startsWith('u-dormant')
          ? 'dormant'
          : userId.startsWith('u-new')
            ? null
            : 'core-loyal';
        return { profile: undefined, segment, policy: DEFAULT_SEGMENT_POLICY };
      };
      const run = (e: Experiment, userId: string) =>
        relatedForShopper(
          { reader, experiments: async () => [e], standingOf, exposed: async () => {} },
          { productId: 'p-anchor', userId },
          query,
          'CNY',
          { now: NOW, newEventId: () => 'exp-test' },
        );
      const winBack = experiment({ audience: { segments: ['dormant', 'at-risk'] } });
      expect((await run(winBack, 'u-dormant-1')).experiments).toHaveLength(1);
      expect((await run(winBack, 'u-loyal-1')).experiments).toEqual([]);
      expect((await run(winBack, 'u-new-1')).experiments).toEqual([]);
      expect(asked).toEqual(['u-dormant-1', 'u-loyal-1', 'u-new-1']);
      expect((await run(experiment(), 'u-loyal-2')).experiments).toHaveLength(1);
      await relatedForShopper(
        { reader, experiments: async () => [winBack], standingOf, exposed: async () => {} },
        { productId: 'p-anchor' },
        query,
        'CNY',
        { now: NOW, newEventId: () => 'exp-test' },
      );
      expect(asked).toEqual(['u-dormant-1', 'u-loyal-1', 'u-new-1', 'u-loyal-2']);
    });

    describe("a segment's own strategy (the segment policy)", () => {
      const policy = SegmentPolicy.parse({
        table: DEFAULT_SEGMENT_POLICY.table,
        treatments: {
          dormant: { related: 'content-first' },
          // Only the anchor's bought-together partners and the visit: look-alikes and scene partners off.
          'core-loyal': {
            related: {
              sessionWeight: 0.6,
              userWeight: 0,
              reasonWeights: { similar_content: 0, same_scene: 0 },
            },
          },
        },
      });
      const run = (experiments: Experiment[], userId: string, segment: string | null) =>
        relatedForShopper(
          {
            reader,
            experiments: async () => experiments,
            standingOf: async () => ({ profile: undefined, segment, policy }),
            exposed: async () => {},
          },
          { productId: 'p-anchor', userId },
          query,
          'CNY',
          { now: NOW, newEventId: () => 'exp-test' },
        );
      const ids = (a: { items: { product: { productId: string } }[] }) =>
        a.items.map((i) => i.product.productId).join(',');

      it('serves the named strategy, or drops the sources weighted 0, outside every experiment', async () => {
        expect(ids(await run([], 'u-1', 'dormant'))).toBe('p-2,p-1,p-3');
        expect(ids(await run([], 'u-2', 'core-loyal'))).toBe('p-1');
        expect(ids(await run([], 'u-3', 'promising'))).toBe('p-1,p-2,p-3');
        expect(ids(await run([], 'u-4', null))).toBe('p-1,p-2,p-3');
      });

      it("lets a running experiment's variant go first for the shoppers it exposes", async () => {
        const e = experiment({
          variants: [
            { variantId: 'A', weight: 1, strategy: 'behavioural' },
            { variantId: 'B', weight: 1, strategy: 'behavioural' },
          ],
        });
        const answer = await run([e], 'u-2', 'core-loyal');
        expect(answer.experiments).toHaveLength(1);
        expect(ids(answer)).toBe('p-1,p-2,p-3');
        const later = await run(
          [experiment({ startAt: '2026-12-01T00:00:00Z', endAt: '2026-12-31T00:00:00Z' })],
          'u-2',
          'core-loyal',
        );
        expect(later.experiments).toEqual([]);
        expect(ids(later)).toBe('p-1');
      });
    });

    it('publishes one exposure per answer that carried a variant, none for guests or a 404', async () => {
      const { get, published } = serving([experiment()]);
      const answer = await get('u-7');
      await get(undefined);
      await expect(get('u-7', 'p-missing')).rejects.toBeInstanceOf(DomainError);
      expect(published).toEqual([
        {
          type: 'ExperimentExposed',
          eventId: 'exp-test-1',
          occurredAt: new Date(NOW).toISOString(),
          version: 1,
          experimentId: 'xp-related',
          variantId: answer.experiments[0]!.variantId,
          userId: 'u-7',
        },
      ]);
    });
  });
});

describe('recording exposures and conversions', () => {
  const e = experiment();
  const byId = new Map([[e.experimentId, e]]);
  const at = (h: number) => new Date(NOW + h * HOUR).toISOString();
  const exposed = (
    userId: string,
    variantId: string,
    h: number,
    eventId = `x-${userId}-${h}`,
  ): AttributionEvent => ({
    type: 'ExperimentExposed',
    eventId,
    occurredAt: at(h),
    version: 1,
    experimentId: e.experimentId,
    variantId,
    userId,
  });
  const cart = (userId: string, h: number): AttributionEvent => ({
    type: 'ProductAddedToCart',
    eventId: `c-${userId}-${h}`,
    occurredAt: at(h),
    version: 1,
    sessionId: 's-1',
    userId,
    productId: 'p-1',
    quantity: 1,
  });
  const view = (userId: string, h: number, referrer?: string): AttributionEvent =>
    ({
      type: 'ProductViewed',
      eventId: `v-${userId}-${h}-${referrer}`,
      occurredAt: at(h),
      version: 1,
      sessionId: 's-1',
      userId,
      productId: 'p-1',
      ...(referrer ? { referrer } : {}),
    }) as BehaviourEvent as AttributionEvent;
  const order = (userId: string, h: number, orderId: string, paid: number): AttributionEvent => ({
    type: 'OrderPlaced',
    eventId: `o-${orderId}-${h}`,
    occurredAt: at(h),
    version: 1,
    userId,
    orderId,
    lines: [{ productId: 'p-1', quantity: 2, paidPrice: paid }],
  });

  it('counts a first exposure and a cart in the window, in time order whatever the batch order', () => {
    const { states, deltas, effective } = foldBatch(
      byId,
      [cart('u-1', 2), exposed('u-1', 'B', 1)],
      new Map(),
    );
    expect(deltas).toEqual([
      { experimentId: e.experimentId, variantId: 'B', exposures: 1, conversions: 1, revenue: 0 },
    ]);
    expect(states.get(stateKey(e.experimentId, 'u-1'))).toMatchObject({ variantId: 'B', converted: true });
    expect(effective.sort()).toEqual(['c-u-1-2', 'x-u-1-1']);
  });

  it('changes nothing for a second cart, a cart before the exposure or after the window, or a guest', () => {
    const first = foldBatch(byId, [exposed('u-1', 'A', 1), cart('u-1', 2)], new Map());
    const again = foldBatch(byId, [cart('u-1', 3)], first.states);
    expect(again).toEqual({ states: new Map(), deltas: [], effective: [] });
    const early = foldBatch(byId, [cart('u-2', 0), exposed('u-2', 'A', 1), cart('u-2', 1 + 25)], new Map());
    expect(early.deltas).toEqual([
      { experimentId: e.experimentId, variantId: 'A', exposures: 1, conversions: 0, revenue: 0 },
    ]);
    expect(early.effective).toEqual(['x-u-2-1']);
  });

  it('adds each new order once to revenue; a view counts as a click only from the tested surface', () => {
    const clicks = experiment({ goal: 'click' });
    const byIdClicks = new Map([[clicks.experimentId, clicks]]);
    const stored = new Map<string, ShopperOutcome>();
    const base = foldBatch(byIdClicks, [exposed('u-3', 'B', 1)], stored).states;
    expect(stateKeysOf(byIdClicks, view('u-3', 2, 'search'))).toEqual([]);
    expect(foldBatch(byIdClicks, [view('u-3', 2, 'search')], base).deltas).toEqual([]);
    expect(foldBatch(byIdClicks, [view('u-3', 2, 'related')], base).deltas).toEqual([
      { experimentId: clicks.experimentId, variantId: 'B', exposures: 0, conversions: 1, revenue: 0 },
    ]);
    const orders = foldBatch(
      byIdClicks,
      [order('u-3', 3, 'o-1', 1_000), order('u-3', 4, 'o-1', 1_000), order('u-3', 5, 'o-2', 500)],
      base,
    );
    expect(orders.deltas).toEqual([
      { experimentId: clicks.experimentId, variantId: 'B', exposures: 0, conversions: 0, revenue: 3_000 },
    ]);
    expect(countsKey('xp', 'B')).toBe('xp#variant#B');
  });

  it('ignores an exposure of an experiment that is not defined', () => {
    const stray = { ...exposed('u-4', 'A', 1), experimentId: 'xp-gone' } as AttributionEvent;
    expect(foldBatch(byId, [stray], new Map()).effective).toEqual([]);
    expect(stateKeysOf(byId, stray)).toEqual([]);
  });
});

describe('submitExperiment', () => {
  const store = (stored?: Experiment) => {
    const puts: Experiment[] = [];
    return {
      puts,
      ports: {
        get: async () => stored,
        put: async (x: Experiment): Promise<'created' | 'replaced'> => {
          puts.push(x);
          return stored ? 'replaced' : 'created';
        },
      },
    };
  };
  const opts = { now: NOW, segmentsServed: false };

  it('stores a servable definition, and refuses an unknown strategy or a segment audience without storing', async () => {
    const ok = store();
    expect(
      await submitExperiment(ok.ports, { experimentId: 'xp-related', experiment: experiment() }, opts),
    ).toMatchObject({
      outcome: 'created',
    });
    const bad = store();
    const result = await submitExperiment(
      bad.ports,
      {
        experimentId: 'xp-related',
        experiment: experiment({
          variants: [
            { variantId: 'A', weight: 1, strategy: 'behavioural' },
            { variantId: 'B', weight: 1, strategy: 'nope' },
          ],
          audience: { segments: ['dormant'] },
        }),
      },
      opts,
    );
    expect(result).toMatchObject({
      outcome: 'invalid',
      issues: [{ field: 'variants.1.strategy' }, { field: 'audience' }],
    });
    expect(bad.puts).toEqual([]);
  });

  it('lets a started experiment change its title and end, but not who sees what', async () => {
    const started = store(experiment());
    expect(
      await submitExperiment(
        started.ports,
        {
          experimentId: 'xp-related',
          experiment: experiment({ title: 'Renamed', endAt: '2026-11-25T00:00:00Z' }),
        },
        opts,
      ),
    ).toMatchObject({ outcome: 'replaced' });
    await expect(
      submitExperiment(
        started.ports,
        {
          experimentId: 'xp-related',
          experiment: experiment({
            variants: [
              { variantId: 'A', weight: 9, strategy: 'behavioural' },
              { variantId: 'B', weight: 1, strategy: 'content-first' },
            ],
          }),
        },
        opts,
      ),
    ).rejects.toMatchObject({ kind: 'conflict', field: 'body.variants' });
    expect(started.puts).toHaveLength(1);
  });
});
