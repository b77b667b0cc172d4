import { describe, expect, it } from 'vitest';
import type { Product } from '../../events/catalog.ts';
import { Experiment, type ExperimentExposed, type ExperimentInput } from '../../events/experiments.ts';
import { type RfmProfile, SegmentPolicy } from '../../events/segments.ts';
import { DomainError } from '../../models/errors.ts';
import { submitExperiment } from '../../models/experiments/admin.ts';
import { variantFor } from '../../models/experiments/assign.ts';
import { planSceneFill } from '../../models/experiments/scenes.ts';
import type { StoredNeighbour } from '../../models/related/answer.ts';
import {
  type SceneReader,
  type SceneServingPorts,
  sceneForShopper,
  scenesForShopper,
} from '../../models/scenes/answer.ts';
import { SCENE_FILL_STRATEGIES } from '../../models/scenes/strategies.ts';
import { DEFAULT_SEGMENT_POLICY } from '../../models/segments/policy.ts';
import { catalogProduct, catalogScene, categorySlot } from '../support/builders.ts';

const NOW = Date.parse('2026-11-23T12:00:00Z');
const experiment = (over: Partial<ExperimentInput> = {}): Experiment =>
  Experiment.parse({
    experimentId: 'xp-scenes',
    title: 'Style-led scene fills',
    target: { kind: 'sceneFillStrategy' },
    variants: [
      { variantId: 'A', weight: 1, strategy: 'evidence-led' },
      { variantId: 'B', weight: 1, strategy: 'style-led' },
    ],
    startAt: '2026-11-23T00:00:00Z',
    endAt: '2026-11-30T00:00:00Z',
    goal: 'addToCart',
    ...over,
  });
const shopper = (userId: string | undefined, segment: string | null = null) => ({ userId, segment });
/** The first of u-0, u-1, ... that the experiment puts in the variant. */
const userIn = (e: Experiment, variantId: string, prefix = 'u-'): string => {
  for (let i = 0; ; i++) if (variantFor(e, `${prefix}${i}`).variantId === variantId) return `${prefix}${i}`;
};

describe('planSceneFill', () => {
  it("serves a running experiment's variant and names it", () => {
    const e = experiment();
    for (const [variantId, strategy] of [
      ['A', 'evidence-led'],
      ['B', 'style-led'],
    ] as const) {
      expect(planSceneFill([e], shopper(userIn(e, variantId)), NOW)).toEqual({
        strategy: SCENE_FILL_STRATEGIES[strategy],
        served: [{ experimentId: 'xp-scenes', variantId }],
      });
    }
  });

  it("puts the experiment's variant before the segment's strategy, and that before the default", () => {
    const e = experiment();
    const b = userIn(e, 'B');
    expect(planSceneFill([e], shopper(b, 'dormant'), NOW, 'visit-led').strategy.name).toBe('style-led');
    // Outside the dates the segment's strategy serves, by name or written inline; else the default.
    const after = Date.parse(e.endAt);
    expect(planSceneFill([e], shopper(b, 'dormant'), after, 'visit-led')).toEqual({
      strategy: SCENE_FILL_STRATEGIES['visit-led'],
      served: [],
    });
    const inline = { priceStyleFrom: 'none', styleBonus: 0, recentBonus: 1 } as const;
    expect(planSceneFill([e], shopper(b), after, inline).strategy).toEqual({ name: 'custom', ...inline });
    expect(planSceneFill([e], shopper(b), after).strategy.name).toBe('evidence-led');
    // A name the code does not know is not a strategy: the default, never a guess.
    expect(planSceneFill([], shopper(b), NOW, 'cheapest').strategy.name).toBe('evidence-led');
  });

  it('assigns nobody outside the dates, no guest, and only shoppers of a named audience', () => {
    const e = experiment({ audience: { segments: ['dormant'] } });
    const b = userIn(e, 'B');
    expect(planSceneFill([e], shopper(b, 'dormant'), NOW).served).toHaveLength(1);
    expect(planSceneFill([e], shopper(b, 'core-loyal'), NOW, 'visit-led')).toEqual({
      strategy: SCENE_FILL_STRATEGIES['visit-led'],
      served: [],
    });
    expect(planSceneFill([e], shopper(b, null), NOW).served).toEqual([]);
    expect(planSceneFill([e], shopper(undefined, 'dormant'), NOW).served).toEqual([]);
    expect(planSceneFill([e], shopper(b, 'dormant'), Date.parse(e.startAt) - 1).served).toEqual([]);
    expect(planSceneFill([e], shopper(b, 'dormant'), Date.parse(e.endAt)).served).toEqual([]);
  });

  it('lets the first started scene experiment lead, and ignores experiments on other surfaces', () => {
    const early = experiment({ experimentId: 'xp-early', startAt: '2026-11-22T00:00:00Z' });
    const late = experiment({ experimentId: 'xp-late' });
    for (const order of [
      [early, late],
      [late, early],
    ]) {
      expect(planSceneFill(order, shopper('u-1'), NOW).served.map((s) => s.experimentId)).toEqual([
        'xp-early',
      ]);
    }
    const related = experiment({
      experimentId: 'xp-related',
      startAt: '2026-11-21T00:00:00Z',
      target: { kind: 'recommendationStrategy', surface: 'related' },
      variants: [
        { variantId: 'A', weight: 1, strategy: 'behavioural' },
        { variantId: 'B', weight: 1, strategy: 'content-first' },
      ],
    });
    expect(planSceneFill([related, late], shopper('u-1'), NOW).served[0]?.experimentId).toBe('xp-late');
    expect(planSceneFill([related], shopper('u-1'), NOW)).toEqual({
      strategy: SCENE_FILL_STRATEGIES['evidence-led'],
      served: [],
    });
  });

  it('serves and exposes nobody with a variant naming an unknown strategy (an older definition)', () => {
    const e = experiment({
      variants: [
        { variantId: 'A', weight: 1, strategy: 'gone' },
        { variantId: 'B', weight: 1, strategy: 'gone-too' },
      ],
    });
    expect(planSceneFill([e], shopper('u-1'), NOW, 'visit-led')).toEqual({
      strategy: SCENE_FILL_STRATEGIES['visit-led'],
      served: [],
    });
  });
});

describe('submitExperiment with a scene fill target', () => {
  const ports = () => {
    const puts: Experiment[] = [];
    return {
      puts,
      get: async () => undefined,
      put: async (x: Experiment) => {
        puts.push(x);
        return 'created' as const;
      },
    };
  };
  const opts = { now: NOW, segmentsServed: true };

  it('stores variants naming scene fill strategies', async () => {
    const p = ports();
    expect(
      await submitExperiment(p, { experimentId: 'xp-scenes', experiment: experiment() }, opts),
    ).toMatchObject({ outcome: 'created' });
    expect(p.puts).toHaveLength(1);
  });

  it('refuses an unknown strategy, or a related one, naming the variant, and stores nothing', async () => {
    const p = ports();
    const result = await submitExperiment(
      p,
      {
        experimentId: 'xp-scenes',
        experiment: experiment({
          variants: [
            { variantId: 'A', weight: 1, strategy: 'evidence-led' },
            { variantId: 'B', weight: 1, strategy: 'content-first' },
            { variantId: 'C', weight: 1, strategy: 'cheapest' },
          ],
        }),
      },
      opts,
    );
    expect(result).toMatchObject({
      outcome: 'invalid',
      issues: [
        { field: 'variants.1.strategy', message: expect.stringContaining('evidence-led, style-led') },
        { field: 'variants.2.strategy' },
      ],
    });
    expect(p.puts).toEqual([]);
  });
});

// A tiny shop for the serving tests: a lamp anchor; a dear tent with the best evidence and a
// cheap one with less. A value shopper under style-led gets the cheap tent.
const item = (productId: string, category: string, listPrice: number): Product =>
  catalogProduct(productId, category, { listPrice, cost: 1_000 });
const products = [
  item('lamp-a', 'camping-lamps', 15_000),
  item('tent-ev', 'tents', 60_000),
  item('tent-cheap', 'tents', 30_000),
  // In no scene: its answer is empty.
  item('mug', 'mugs', 3_000),
];
const byId = new Map(products.map((p) => [p.productId, p]));
const lists = new Map<string, StoredNeighbour[]>([
  [
    'lamp-a',
    [
      { productId: 'tent-ev', score: 1, reasons: ['bought_together'] },
      { productId: 'tent-cheap', score: 0.7, reasons: ['bought_together'] },
    ],
  ],
]);
const scene = catalogScene(
  'camping-kit',
  ['camping-lamps', 'tents'].map((c) => categorySlot(c, c)),
  { title: { en: 'Camping', 'zh-CN': '露营' } },
);
/** A deal seeker: 70% of spend on discounted lines, four priced units. */
const dealSeeker = (userId: string): RfmProfile => ({
  userId,
  firstOrderAt: 0,
  lastOrderAt: 0,
  orders: 2,
  monetary: 10_000,
  pricedSpend: 10_000,
  discountedSpend: 7_000,
  pricedUnits: 4,
  bandMilliSum: 2_000,
  recentOrders: [],
  version: 1,
});

function serving(
  experiments: Experiment[],
  {
    barrier = false,
    segment = () => 'dormant',
    policy = DEFAULT_SEGMENT_POLICY,
  }: { barrier?: boolean; segment?: (userId: string) => string | null; policy?: SegmentPolicy } = {},
) {
  const calls = { experiments: 0, profiles: [] as string[] };
  const published: ExperimentExposed[] = [];
  let profileAsked: () => void = () => {};
  const profileRead = new Promise<void>((resolve) => {
    profileAsked = resolve;
  });
  const reader: SceneReader = {
    async first({ productId, userId }) {
      // With the barrier, round trip 1 waits until the profile has been asked for: it completes
      // only if the profile is read beside it, not after it.
      if (barrier && userId !== undefined) await profileRead;
      return { anchor: byId.get(productId), neighbours: lists.get(productId) ?? [] };
    },
    visits: async () => [],
    scenes: async () => [scene],
    promotions: async () => [],
    categoryProducts: async (cs) => products.filter((p) => cs.includes(p.category)),
    allProducts: async () => products,
    neighbourLists: async (ids) =>
      new Map(ids.flatMap((id) => (lists.has(id) ? [[id, lists.get(id)!]] : []))),
    products: async (ids) => new Map(ids.flatMap((id) => (byId.has(id) ? [[id, byId.get(id)!]] : []))),
  };
  const ports: SceneServingPorts = {
    reader,
    experiments: async () => {
      calls.experiments++;
      return experiments;
    },
    standingOf: async (userId) => {
      calls.profiles.push(userId);
      profileAsked();
      return { profile: dealSeeker(userId), segment: segment(userId), policy };
    },
    exposed: async (events) => {
      published.push(...events);
    },
  };
  let n = 0;
  const clock = () => ({ now: NOW, newEventId: () => `exp-test-${++n}` });
  const opts = { now: new Date(NOW), currency: 'CNY', minMarginPercent: 0, locale: 'en' as const };
  return {
    calls,
    published,
    product: (userId: string | undefined, productId = 'lamp-a') =>
      scenesForShopper(ports, { productId, userId, limit: 3 }, opts, clock()),
    scene: (userId: string | undefined, productId?: string, sceneId = 'camping-kit') =>
      sceneForShopper(ports, { sceneId, productId, userId }, opts, clock()),
  };
}
const tentPick = (s: { slots: { slotId: string; pick: { product: { productId: string } } | null }[] }) =>
  s.slots.find((x) => x.slotId === 'tents')?.pick?.product.productId;

describe('scene routes serving scene fill experiments', () => {
  it("fills each arm with its variant's strategy on both routes, and says which served it", async () => {
    const e = experiment();
    const s = serving([e]);
    const a = userIn(e, 'A');
    const b = userIn(e, 'B');
    const fromA = await s.product(a);
    const fromB = await s.product(b);
    expect(fromA.experiments).toEqual([{ experimentId: 'xp-scenes', variantId: 'A' }]);
    expect(fromB.experiments).toEqual([{ experimentId: 'xp-scenes', variantId: 'B' }]);
    // Both are deal seekers by their purchases; only style-led lets that beat the evidence.
    expect(fromA.priceStyle).toMatchObject({ style: 'value', source: 'purchases' });
    expect(tentPick(fromA.scenes[0]!)).toBe('tent-ev');
    expect(tentPick(fromB.scenes[0]!)).toBe('tent-cheap');
    const sceneB = await s.scene(b, 'lamp-a');
    expect(sceneB.experiments).toEqual(fromB.experiments);
    expect(tentPick(sceneB.scene)).toBe('tent-cheap');
    expect((await s.scene(b)).experiments).toEqual(fromB.experiments);
    expect(s.published.map((x) => [x.userId, x.variantId])).toEqual([
      [a, 'A'],
      [b, 'B'],
      [b, 'B'],
      [b, 'B'],
    ]);
    expect(s.published[0]).toEqual({
      type: 'ExperimentExposed',
      eventId: 'exp-test-1',
      occurredAt: new Date(NOW).toISOString(),
      version: 1,
      experimentId: 'xp-scenes',
      variantId: 'A',
      userId: a,
    });
  });

  it('reads no experiment and no profile for a guest, and exposes nobody', async () => {
    const s = serving([experiment()]);
    const guest = await s.product(undefined);
    expect(guest.experiments).toEqual([]);
    expect(guest.priceStyle.source).toBe('visit');
    expect((await s.scene(undefined)).experiments).toEqual([]);
    expect(s.calls).toEqual({ experiments: 0, profiles: [] });
    expect(s.published).toEqual([]);
  });

  it('exposes nobody when the answer is a 404 or fills no scene', async () => {
    const s = serving([experiment()]);
    const empty = await s.product('u-1', 'mug');
    expect(empty).toMatchObject({ scenes: [], experiments: [] });
    await expect(s.product('u-1', 'p-missing')).rejects.toBeInstanceOf(DomainError);
    await expect(s.scene('u-1', 'p-missing')).rejects.toMatchObject({ field: 'query.productId' });
    await expect(s.scene('u-1', undefined, 'no-such-scene')).rejects.toMatchObject({ field: 'path.sceneId' });
    expect(s.published).toEqual([]);
  });

  it('reads the profile, segment and policy beside round trip 1, once per signed-in request', async () => {
    const s = serving([experiment()], { barrier: true });
    // Would never settle if the profile were read after the anchor.
    await expect(
      Promise.race([
        s.product('u-1'),
        new Promise((_, reject) => setTimeout(() => reject(new Error('sequential')), 2_000)),
      ]),
    ).resolves.toMatchObject({ productId: 'lamp-a' });
    expect(s.calls.profiles).toEqual(['u-1']);

    const dormant = experiment({ audience: { segments: ['dormant'] } });
    const t = serving([dormant]);
    expect((await t.product(userIn(dormant, 'B'))).experiments).toEqual([
      { experimentId: 'xp-scenes', variantId: 'B' },
    ]);
    const u = serving([dormant], { segment: () => 'core-loyal' });
    expect((await u.product(userIn(dormant, 'B'))).experiments).toEqual([]);
  });

  it("serves a segment's own scene fill strategy outside experiments; a running variant goes first", async () => {
    const policy = SegmentPolicy.parse({
      table: DEFAULT_SEGMENT_POLICY.table,
      treatments: {
        dormant: { sceneFill: 'style-led' },
        'core-loyal': { sceneFill: { priceStyleFrom: 'none', styleBonus: 0, recentBonus: 0 } },
      },
    });
    const bySegment = (userId: string) => (userId.startsWith('d-') ? 'dormant' : 'core-loyal');
    const s = serving([], { segment: bySegment, policy });
    const dormant = await s.product('d-1');
    expect(dormant.experiments).toEqual([]);
    expect(tentPick(dormant.scenes[0]!)).toBe('tent-cheap');
    const loyal = await s.product('c-1');
    expect(tentPick(loyal.scenes[0]!)).toBe('tent-ev');
    expect(loyal.priceStyle).toMatchObject({ style: 'balanced', source: 'none' });
    // The same dormant shopper in an evidence-led arm sees the arm's fill, not the segment's.
    const e = experiment();
    const d = userIn(e, 'A', 'd-');
    const inArm = await serving([e], { segment: bySegment, policy }).product(d);
    expect(inArm.experiments).toEqual([{ experimentId: 'xp-scenes', variantId: 'A' }]);
    expect(tentPick(inArm.scenes[0]!)).toBe('tent-ev');
  });

  it('styles by the visit, or not at all, when the strategy says so', async () => {
    const e = experiment({
      variants: [
        { variantId: 'A', weight: 1, strategy: 'visit-led' },
        { variantId: 'B', weight: 1, strategy: 'evidence-only' },
      ],
    });
    const s = serving([e]);
    const onlyEvidence = await s.product(userIn(e, 'B'));
    expect(onlyEvidence.priceStyle).toMatchObject({ style: 'balanced', source: 'none' });
    expect((await s.product(userIn(e, 'A'))).priceStyle.source).toBe('visit');
    // Without an experiment, the default styles by purchases.
    expect((await serving([]).product('u-1')).priceStyle.source).toBe('purchases');
  });
});
