import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BehaviourEvent } from '../../events/behaviour.ts';
import { Experiment, type ExperimentInput, ExperimentResultsResponse } from '../../events/experiments.ts';
import {
  assignmentFor,
  assignmentsFor,
  bucketOf,
  controlOf,
  statusOf,
  variantFor,
} from '../../models/experiments/assign.ts';
import {
  attribute,
  type Conversion,
  conversionOf,
  countsOf,
  type Exposure,
  recordConversion,
  recordExposure,
  type ShopperOutcome,
} from '../../models/experiments/attribution.ts';
import { experimentResults, formatP } from '../../models/experiments/results.ts';
import {
  chiSquareGoodnessOfFit,
  chiSquareIndependence,
  chiSquareSf,
  fisherExact,
  normalCdf,
  normalSf,
  twoProportionZTest,
  wilsonInterval,
  Z_95,
} from '../../models/experiments/stats.ts';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-07-01T00:00:00.000Z');

const definition = (extra: Partial<ExperimentInput> = {}): Experiment =>
  Experiment.parse({
    experimentId: 'related-evidence-vs-content',
    title: 'Related products: evidence first or content first',
    target: { kind: 'recommendationStrategy', surface: 'related' },
    variants: [
      { variantId: 'A', weight: 50, strategy: 'evidence-first' },
      { variantId: 'B', weight: 50, strategy: 'content-first' },
    ],
    startAt: '2026-07-01T00:00:00.000Z',
    endAt: '2026-07-29T00:00:00.000Z',
    ...extra,
  } satisfies ExperimentInput);

/** 100,000 fixed user ids: the "seed" of the simulated shoppers. */
const USERS = Array.from({ length: 100_000 }, (_, i) => `user-${String(i).padStart(6, '0')}`);

describe('models/experiments', () => {
  describe('Experiment (schema)', () => {
    it('fills the defaults: audience all, goal order, 72 h window, first variant as control', () => {
      const e = definition();
      expect(e).toMatchObject({ audience: 'all', goal: 'order', windowHours: 72 });
      expect(controlOf(e)).toBe('A');
      expect(controlOf(definition({ control: 'B' }))).toBe('B');
    });

    it('rejects a broken definition, naming each field', () => {
      const r = Experiment.safeParse({
        experimentId: 'win-back',
        title: 'Win-back coupon',
        target: { kind: 'promotion', promotionId: 'WINBACK-10' },
        variants: [
          { variantId: 'A', weight: 1, promotion: 'withhold' },
          { variantId: 'A', weight: 1 },
        ],
        control: 'C',
        audience: { segments: ['dormant'] },
        startAt: '2026-07-02T00:00:00Z',
        endAt: '2026-07-01T00:00:00Z',
      });
      expect(r.success).toBe(false);
      expect(r.error!.issues.map((i) => i.path.join('.'))).toEqual([
        'endAt',
        'variants.1.variantId',
        'variants.1.promotion',
        'control',
      ]);
    });
  });

  describe('variantFor', () => {
    it('puts the same user in the same variant every time (property)', () => {
      const e = definition();
      fc.assert(
        fc.property(fc.string({ minLength: 1, maxLength: 64 }), (userId) => {
          const first = variantFor(e, userId).variantId;
          expect(variantFor(e, userId).variantId).toBe(first);
          // A fresh copy of the definition (another container, another request) agrees.
          expect(variantFor(structuredClone(e), userId).variantId).toBe(first);
        }),
        { seed: 11, numRuns: 500 },
      );
    });

    it('splits 100,000 users within 1% of the declared shares (50/50 and 10/30/60)', () => {
      const halves = definition();
      const uneven = definition({
        experimentId: 'scene-fill-3way',
        target: { kind: 'sceneFillStrategy' },
        variants: [
          { variantId: 'A', weight: 1, strategy: 'cheapest' },
          { variantId: 'B', weight: 3, strategy: 'balanced' },
          { variantId: 'C', weight: 6, strategy: 'premium' },
        ],
      });
      for (const [e, shares] of [
        [halves, { A: 0.5, B: 0.5 }],
        [uneven, { A: 0.1, B: 0.3, C: 0.6 }],
      ] as const) {
        const counts = new Map<string, number>();
        for (const u of USERS) {
          const v = variantFor(e, u).variantId;
          counts.set(v, (counts.get(v) ?? 0) + 1);
        }
        for (const [v, share] of Object.entries(shares)) {
          expect(Math.abs((counts.get(v) ?? 0) / USERS.length - share)).toBeLessThan(0.01);
        }
      }
    }, 30_000);

    it('assigns independently across experiments (chi-square test of independence, p > 0.01)', () => {
      const a = definition({ experimentId: 'exp-a' });
      const b = definition({ experimentId: 'exp-b' });
      const c = definition({
        experimentId: 'exp-c',
        variants: [
          { variantId: 'X', weight: 1, strategy: 's1' },
          { variantId: 'Y', weight: 1, strategy: 's2' },
          { variantId: 'Z', weight: 1, strategy: 's3' },
        ],
      });
      const index = (e: Experiment, u: string) =>
        e.variants.findIndex((v) => v.variantId === variantFor(e, u).variantId);
      const ab = [
        [0, 0],
        [0, 0],
      ];
      const ac = [
        [0, 0, 0],
        [0, 0, 0],
      ];
      for (const u of USERS) {
        const i = index(a, u);
        ab[i]![index(b, u)]! += 1;
        ac[i]![index(c, u)]! += 1;
      }
      const two = chiSquareIndependence(ab);
      const three = chiSquareIndependence(ac);
      expect(two.df).toBe(1);
      expect(three.df).toBe(2);
      expect(two.pValue).toBeGreaterThan(0.01);
      expect(three.pValue).toBeGreaterThan(0.01);
    }, 30_000);

    it('assigns 100,000 users well under a second', () => {
      // The best of three runs: the function's own cost, not the other test files sharing 2 cores.
      const e = definition();
      const runs = [0, 1, 2].map(() => {
        const started = performance.now();
        let b = 0;
        for (const u of USERS) if (variantFor(e, u).variantId === 'B') b++;
        expect(b).toBeGreaterThan(0);
        return performance.now() - started;
      });
      expect(Math.min(...runs)).toBeLessThan(1_000);
    });

    it('reads the first 32 bits of SHA-256("<experimentId>/<userId>")', () => {
      // printf 'exp/u-42' | sha256sum -> 6c3a792b...: 0x6c3a792b = 1815771435.
      expect(bucketOf('exp', 'u-42')).toBe(1_815_771_435);
    });
  });

  describe('assignmentFor', () => {
    const e = definition({ audience: { segments: ['dormant', 'at-risk'] } });
    const now = T0 + HOUR;

    it('serves a variant to a signed-in shopper of the audience while the experiment runs', () => {
      const a = assignmentFor(e, { userId: 'user-000001', segment: 'dormant' }, now);
      expect(a).toMatchObject({
        experimentId: e.experimentId,
        variantId: variantFor(e, 'user-000001').variantId,
      });
    });

    it('serves nothing outside the dates, to guests, or outside the audience', () => {
      const shopper = { userId: 'user-000001', segment: 'dormant' };
      expect(assignmentFor(e, shopper, T0 - 1)).toBeNull();
      expect(assignmentFor(e, shopper, Date.parse(e.endAt))).toBeNull();
      expect(assignmentFor(e, { userId: undefined, segment: 'dormant' }, now)).toBeNull();
      expect(assignmentFor(e, { ...shopper, segment: 'core-loyal' }, now)).toBeNull();
      expect(assignmentFor(e, { ...shopper, segment: null }, now)).toBeNull();
      expect([T0 - 1, T0, Date.parse(e.endAt)].map((t) => statusOf(e, t))).toEqual([
        'scheduled',
        'running',
        'ended',
      ]);
    });

    it('lists the running experiments that target a surface', () => {
      const promo = definition({
        experimentId: 'gift',
        target: { kind: 'promotion', promotionId: 'GIFT-1' },
        variants: [
          { variantId: 'off', weight: 1, promotion: 'withhold' },
          { variantId: 'on', weight: 1, promotion: 'apply' },
        ],
      });
      const related = (x: Experiment) => x.target.kind === 'recommendationStrategy';
      const served = assignmentsFor([definition(), promo], related, { userId: 'u1', segment: null }, now);
      expect(served.map((s) => s.experimentId)).toEqual(['related-evidence-vs-content']);
    });
  });

  describe('stats', () => {
    it('matches published values of the normal and chi-square distributions', () => {
      // scipy.stats: norm.cdf(1.959963984540054) = 0.975, norm.sf(3) = 0.0013498980316300933,
      // norm.sf(8) = 6.22096057427174e-16; chi2.sf(3.841458820694124, 1) = 0.05 (the 5% critical
      // value of every chi-square table), chi2.sf(5.991464547107979, 2) = 0.05,
      // chi2.sf(20, 7) = 0.005569683072945574, chi2.sf(0.5, 3) = 0.9188914116546758.
      expect(normalCdf(Z_95)).toBeCloseTo(0.975, 12);
      expect(normalSf(3)).toBeCloseTo(0.0013498980316300933, 14);
      expect(normalSf(8) / 6.22096057427174e-16).toBeCloseTo(1, 9);
      expect(normalSf(-1.5)).toBeCloseTo(1 - 0.06680720126885807, 12);
      expect(chiSquareSf(3.841458820694124, 1)).toBeCloseTo(0.05, 12);
      expect(chiSquareSf(5.991464547107979, 2)).toBeCloseTo(0.05, 12);
      expect(chiSquareSf(20, 7)).toBeCloseTo(0.005569683072945574, 12);
      expect(chiSquareSf(0.5, 3)).toBeCloseTo(0.9188914116546758, 12);
    });

    it('computes the two-proportion z-test and Wilson intervals by hand (A 100/1000, B 130/1040)', () => {
      // pooled p = 230 / 2040 = 0.1127451
      // se = sqrt(0.1127451 x 0.8872549 x (1/1000 + 1/1040)) = sqrt(0.1000336 x 0.001961538) = 0.01400785
      // z = (0.125 - 0.100) / 0.01400785 = 1.784714; p = 2 (1 - Phi(1.784714)) = 0.074308
      // (R: prop.test(c(130, 100), c(1040, 1000), correct = FALSE) gives X-squared = 3.1852 = z^2, p = 0.07431)
      const t = twoProportionZTest(100, 1000, 130, 1040);
      expect(t.z).toBeCloseTo(1.784714, 4);
      expect(t.pValue).toBeCloseTo(0.074308, 4);
      // Wilson, z = 1.959964, z^2 = 3.841459, A: p = 0.1, n = 1000
      // centre = (0.1 + 3.841459 / 2000) / (1 + 3.841459 / 1000) = 0.1019207 / 1.0038415 = 0.1015306
      // half = 1.959964 / 1.0038415 x sqrt(0.1 x 0.9 / 1000 + 3.841459 / 4,000,000)
      //      = 1.9524635 x sqrt(0.00009096036) = 1.9524635 x 0.00953731 = 0.0186213
      // -> [0.0829094, 0.1201520]; B (130 / 1040) likewise -> [0.1062699, 0.1464902]
      const a = wilsonInterval(100, 1000);
      const b = wilsonInterval(130, 1040);
      expect(a.low).toBeCloseTo(0.0829094, 4);
      expect(a.high).toBeCloseTo(0.120152, 4);
      expect(b.low).toBeCloseTo(0.1062699, 4);
      expect(b.high).toBeCloseTo(0.1464902, 4);
      // Edges (scipy-free: Wilson at 0 / n is [0, z^2 / (n + z^2)] = [0, 3.841459 / 13.841459]).
      expect(wilsonInterval(0, 10).low).toBe(0);
      expect(wilsonInterval(0, 10).high).toBeCloseTo(0.2775328, 6);
      expect(wilsonInterval(0, 0)).toEqual({ low: 0, high: 1 });
      expect(twoProportionZTest(0, 10, 0, 10)).toEqual({ z: 0, pValue: 1 });
    });

    it("computes Fisher's exact test: the tea-tasting table and a hand-worked one", () => {
      // Fisher's lady tasting tea, [[3, 1], [1, 3]] (R's fisher.test example): margins 4, 4, 4, 4,
      // P(a) = C(4, a) C(4, 4 - a) / C(8, 4) = 1, 16, 36, 16, 1 (/ 70) for a = 0..4; the tables no
      // likelier than a = 3 are 0, 1, 3, 4: p = 34 / 70 = 0.485714 (R: p-value = 0.4857).
      expect(fisherExact(3, 1, 1, 3)).toBeCloseTo(34 / 70, 10);
      // [[1, 19], [7, 13]]: rows 20, 20, converted 8, n 40; P(x) = C(20, x) C(20, 8 - x) / C(40, 8),
      // symmetric about 4. P(0) = 125,970 / 76,904,685; P(1) = 20 x 77,520 / 76,904,685.
      // p = 2 (125,970 + 1,550,400) / 76,904,685 = 3,352,740 / 76,904,685 = 0.0435960
      // (scipy.stats.fisher_exact gives 0.04359604359604359).
      expect(fisherExact(1, 19, 7, 13)).toBeCloseTo(0.0435960436, 9);
      expect(fisherExact(2, 998, 10, 990)).toBeCloseTo(0.03801124749285139, 9);
    });

    it('computes chi-square goodness of fit and independence by hand', () => {
      // 1000 vs 1040 against 50/50: expected 1020 each; chi2 = 2 x 20^2 / 1020 = 0.7843137;
      // df 1; p = 0.375825 (scipy.stats.chisquare).
      const even = chiSquareGoodnessOfFit([1000, 1040], [50, 50]);
      expect(even.chiSquare).toBeCloseTo(0.7843137, 6);
      expect(even.pValue).toBeCloseTo(0.3758251, 6);
      // 310 / 350 / 340 against thirds: expected 333.33; chi2 = (23.33^2 + 16.67^2 + 6.67^2) / 333.33
      // = 866.67 / 333.33 = 2.6; with df 2 the survival function is exp(-x / 2) = exp(-1.3) = 0.2725318.
      const thirds = chiSquareGoodnessOfFit([310, 350, 340], [1, 1, 1]);
      expect(thirds.chiSquare).toBeCloseTo(2.6, 10);
      expect(thirds.df).toBe(2);
      expect(thirds.pValue).toBeCloseTo(Math.exp(-1.3), 10);
      // [[10, 20], [30, 40]]: expected [[12, 18], [28, 42]];
      // chi2 = 4/12 + 4/18 + 4/28 + 4/42 = 0.7936508; p = 0.3729985 (scipy chi2_contingency, no correction).
      const t = chiSquareIndependence([
        [10, 20],
        [30, 40],
      ]);
      expect(t.chiSquare).toBeCloseTo(0.7936508, 6);
      expect(t.pValue).toBeCloseTo(0.3729985, 6);
    });

    it('formats p-values as people read them', () => {
      expect([0.0743, 0.00042, 0.0496, 0.5].map(formatP)).toEqual([
        'p = 0.074',
        'p < 0.001',
        'p = 0.0496',
        'p = 0.500',
      ]);
    });
  });

  describe('experimentResults', () => {
    const e = definition();
    const during = T0 + 24 * HOUR;

    it('reports the hand-worked example: not significant yet, no sample ratio mismatch', () => {
      const r = experimentResults(
        e,
        [
          { variantId: 'A', exposures: 1000, conversions: 100, revenue: 1_500_000 },
          { variantId: 'B', exposures: 1040, conversions: 130, revenue: 1_820_000 },
        ],
        during,
      );
      expect(ExperimentResultsResponse.parse(r)).toEqual(r);
      const [a, b] = r.variants;
      expect(a).toMatchObject({
        control: true,
        conversionRate: 0.1,
        revenuePerExposure: 1500,
        comparison: null,
      });
      expect(b).toMatchObject({ control: false, conversionRate: 0.125, revenuePerExposure: 1750 });
      expect(b!.observedShare).toBeCloseTo(1040 / 2040, 10);
      expect(b!.comparison).toMatchObject({ test: 'two-proportion z-test', significant: false });
      expect(b!.comparison!.z).toBeCloseTo(1.784714, 4);
      expect(b!.comparison!.pValue).toBeCloseTo(0.074308, 4);
      expect(b!.comparison!.absoluteLift).toBeCloseTo(0.025, 10);
      expect(b!.comparison!.relativeLift).toBeCloseTo(0.25, 10);
      expect(r.sampleRatio.chiSquare).toBeCloseTo(0.7843137, 6);
      expect(r.sampleRatio).toMatchObject({ df: 1, mismatch: false });
      expect(r.verdict).toBe('B is ahead of A by +25.0% (p = 0.074, z-test): not significant yet.');
    });

    it("uses Fisher's exact test for small counts and says so", () => {
      // Expected converted cells: 20 x 8 / 40 = 4 < 5, so Fisher: p = 0.0435960 (worked above).
      const r = experimentResults(
        e,
        [
          { variantId: 'A', exposures: 20, conversions: 1, revenue: 0 },
          { variantId: 'B', exposures: 20, conversions: 7, revenue: 0 },
        ],
        during,
      );
      expect(r.variants[1]!.comparison).toMatchObject({
        test: "Fisher's exact test",
        z: null,
        significant: true,
      });
      expect(r.variants[1]!.comparison!.pValue).toBeCloseTo(0.043596, 6);
      expect(r.verdict).toBe(
        "B is ahead of A by +600.0% (p = 0.044, Fisher's exact test): significant at 95%.",
      );
    });

    it('flags a sample ratio mismatch at p < 0.001 and leads with it', () => {
      // 1000 vs 1200 against 50/50: chi2 = 2 x 100^2 / 1100 = 18.1818, p = 2.0e-5.
      const r = experimentResults(
        e,
        [
          { variantId: 'A', exposures: 1000, conversions: 150, revenue: 0 },
          { variantId: 'B', exposures: 1200, conversions: 150, revenue: 0 },
        ],
        Date.parse(e.endAt),
      );
      expect(r.sampleRatio.chiSquare).toBeCloseTo(18.181818, 5);
      expect(r.sampleRatio.pValue).toBeCloseTo(2.007865612426481e-5, 9);
      expect(r.sampleRatio.mismatch).toBe(true);
      expect(r.status).toBe('ended');
      expect(r.verdict).toMatch(
        /^Sample ratio mismatch \(p < 0\.001\): exposures split A 45\.5%, B 54\.5% against 50\.0%, 50\.0% declared; .* B is behind A by -16\.7% \(p = 0\.\d{3}, z-test\): (not significant|significant at 95%)\.$/,
      );
    });

    it('says when there is nothing to compare yet', () => {
      expect(experimentResults(e, [], during).verdict).toBe('No exposures yet.');
      const onlyB = experimentResults(
        e,
        [{ variantId: 'B', exposures: 5, conversions: 1, revenue: 0 }],
        during,
      );
      expect(onlyB.verdict).toBe('No exposures of the control (A) yet.');
      expect(onlyB.variants[0]).toMatchObject({ conversionRate: null, interval95: { low: 0, high: 1 } });
      const zeroControl = experimentResults(
        e,
        [
          { variantId: 'A', exposures: 400, conversions: 0, revenue: 0 },
          { variantId: 'B', exposures: 400, conversions: 20, revenue: 0 },
        ],
        during,
      );
      expect(zeroControl.verdict).toMatch(
        /^B is ahead of A by \+5\.0 points \(A converted nobody\) \(p < 0\.001, /,
      );
    });
  });

  describe('attribute', () => {
    const e = definition({ windowHours: 72 });
    const exp = (userId: string, variantId: string, h: number, experimentId = e.experimentId): Exposure => ({
      experimentId,
      variantId,
      userId,
      at: T0 + h * HOUR,
    });
    const conv = (
      userId: string,
      kind: Conversion['kind'],
      h: number,
      revenue = 0,
      orderId?: string,
    ): Conversion => ({
      userId,
      kind,
      at: T0 + h * HOUR,
      revenue,
      ...(orderId ? { orderId } : {}),
    });
    const exposures = [
      exp('u1', 'A', 0),
      exp('u2', 'B', 0),
      exp('u2', 'B', 96),
      exp('u3', 'B', 10),
      exp('u4', 'A', 0),
      exp('u4', 'B', 1), // assignment changed under u4: stays in A, counted as a crossover
      exp('u5', 'A', 0, 'another-experiment'),
    ];
    const conversions = [
      conv('u1', 'order', 1, 5_000, 'o1'), // A: in the window
      conv('u1', 'order', 2, 5_000, 'o1'), // the same order again: once
      conv('u1', 'order', 100, 9_000, 'o2'), // 100 h after u1's only exposure: outside 72 h
      conv('u2', 'click', 1), // not the goal (order)
      conv('u2', 'order', 120, 7_000, 'o3'), // 24 h after u2's second exposure: counts
      conv('u3', 'order', 5, 4_000, 'o4'), // before u3's first exposure: not the variant's doing
      conv('u4', 'addToCart', 2),
      conv('u5', 'order', 1, 3_000, 'o5'), // exposed to another experiment only
    ];

    it('attributes each conversion to the first exposure variant, within the window, once per shopper', () => {
      // A: u1 (converted, 5,000), u4 (not converted) -> 2 exposures, 1 conversion, 5,000
      // B: u2 (converted, 7,000), u3 (order before exposure) -> 2 exposures, 1 conversion, 7,000
      const r = attribute(e, exposures, conversions);
      expect(r.counts).toEqual([
        { variantId: 'A', exposures: 2, conversions: 1, revenue: 5_000 },
        { variantId: 'B', exposures: 2, conversions: 1, revenue: 7_000 },
      ]);
      expect(r.crossovers).toBe(1);
      expect(r.outcomes.has('u5')).toBe(false);
    });

    it('counts a click goal once per shopper, and revenue from orders whatever the goal', () => {
      const clicks = definition({ goal: 'click' });
      const extra = [
        ...conversions,
        conv('u2', 'click', 2),
        conv('u3', 'click', 11),
        conv('u3', 'click', 12),
      ];
      expect(attribute(clicks, exposures, extra).counts).toEqual([
        { variantId: 'A', exposures: 2, conversions: 0, revenue: 5_000 },
        { variantId: 'B', exposures: 2, conversions: 2, revenue: 7_000 },
      ]);
    });

    it('gives the same counts incrementally (events in arrival order) and whatever the input order', () => {
      const timeline = [
        ...exposures.filter((x) => x.experimentId === e.experimentId).map((x) => ({ at: x.at, x })),
        ...conversions.map((c) => ({ at: c.at, c })),
      ].sort((p, q) => p.at - q.at);
      const states = new Map<string, ShopperOutcome>();
      for (const step of timeline) {
        if ('x' in step) states.set(step.x.userId, recordExposure(states.get(step.x.userId), step.x));
        else {
          const next = recordConversion(states.get(step.c.userId), step.c, e);
          if (next) states.set(step.c.userId, next);
        }
      }
      const expected = attribute(e, exposures, conversions).counts;
      expect(countsOf(e, states.values()).counts).toEqual(expected);
      expect(attribute(e, [...exposures].reverse(), [...conversions].reverse()).counts).toEqual(expected);
    });

    it('reads conversions from behaviour events', () => {
      const base = { eventId: 'evt-00000001', occurredAt: '2026-07-01T01:00:00.000Z', version: 1 as const };
      const order: BehaviourEvent = {
        ...base,
        type: 'OrderPlaced',
        userId: 'u1',
        orderId: 'o9',
        lines: [
          { productId: 'p1', quantity: 2, paidPrice: 1_500 },
          { productId: 'p2', quantity: 1, paidPrice: 700 },
        ],
      };
      expect(conversionOf(order)).toEqual({
        userId: 'u1',
        kind: 'order',
        at: T0 + HOUR,
        revenue: 3_700,
        orderId: 'o9',
      });
      expect(
        conversionOf({ ...base, type: 'ProductViewed', sessionId: 's1', userId: 'u1', productId: 'p1' }),
      ).toMatchObject({ kind: 'click', revenue: 0 });
      expect(
        conversionOf({ ...base, type: 'ProductViewed', sessionId: 's1', productId: 'p1' }),
      ).toBeUndefined();
    });
  });
});
