import { describe, expect, it } from 'vitest';
import type { Promotion } from '../../events/catalog.ts';
import { Experiment, type ExperimentExposed, type ExperimentInput } from '../../events/experiments.ts';
import type { RfmProfile } from '../../events/segments.ts';
import { submitExperiment } from '../../models/experiments/admin.ts';
import { variantFor } from '../../models/experiments/assign.ts';
import { planPromotions, triggeredBy } from '../../models/experiments/promotions.ts';
import { createQuote } from '../../models/pricing/quotes.ts';
import { verifyQuote } from '../../models/pricing/sign.ts';
import { DAY_MS } from '../../models/segments/scoring.ts';
import { memoryQuotes, NOW, pricingSources, quoteContext, stocked } from '../support/builders.ts';
import {
  campingBundle,
  coffee,
  every300off50,
  giftMug,
  tent,
  winter30,
} from '../support/pricing-fixtures.ts';

const T = Date.parse(NOW);
const HOUR = 3_600_000;

const experiment = (over: Partial<ExperimentInput> = {}): Experiment =>
  Experiment.parse({
    experimentId: 'xp-threshold',
    title: '¥50 off every ¥300: does it sell?',
    target: { kind: 'promotion', promotionId: every300off50.promotionId },
    variants: [
      { variantId: 'on', weight: 1, promotion: 'apply' },
      { variantId: 'off', weight: 1, promotion: 'withhold' },
    ],
    startAt: new Date(T - HOUR).toISOString(),
    endAt: new Date(T + 7 * 24 * HOUR).toISOString(),
    ...over,
  });

/** The first of u-0, u-1, ... that the experiment puts in the variant. */
const userIn = (e: Experiment, variantId: string, skip = 0): string => {
  let found = 0;
  for (let i = 0; i < 1_000; i++) {
    if (variantFor(e, `u-${i}`).variantId === variantId && found++ === skip) return `u-${i}`;
  }
  throw new Error(`nobody in ${variantId}`);
};

describe('planPromotions', () => {
  const xp = experiment();
  const on = userIn(xp, 'on');
  const off = userIn(xp, 'off');

  it("withholds the promotion from the 'withhold' arm only, and names each shopper's variant", () => {
    expect(planPromotions([xp], { userId: off, segment: null }, T)).toEqual({
      withheld: new Set([every300off50.promotionId]),
      served: [
        {
          experimentId: 'xp-threshold',
          variantId: 'off',
          promotionId: every300off50.promotionId,
          arm: 'withhold',
        },
      ],
    });
    expect(planPromotions([xp], { userId: on, segment: null }, T)).toEqual({
      withheld: new Set(),
      served: [
        {
          experimentId: 'xp-threshold',
          variantId: 'on',
          promotionId: every300off50.promotionId,
          arm: 'apply',
        },
      ],
    });
  });

  it('gives guests, shoppers outside the audience and quotes outside the dates nothing', () => {
    const none = { withheld: new Set(), served: [] };
    expect(planPromotions([xp], { userId: undefined, segment: 'dormant' }, T)).toEqual(none);
    const dormantOnly = experiment({ audience: { segments: ['dormant'] } });
    const offDormant = userIn(dormantOnly, 'off');
    expect(planPromotions([dormantOnly], { userId: offDormant, segment: 'core-loyal' }, T)).toEqual(none);
    expect(planPromotions([dormantOnly], { userId: offDormant, segment: null }, T)).toEqual(none);
    expect(planPromotions([dormantOnly], { userId: offDormant, segment: 'dormant' }, T).withheld).toEqual(
      new Set([every300off50.promotionId]),
    );
    expect(planPromotions([xp], { userId: off, segment: null }, T - 2 * HOUR)).toEqual(none);
    expect(planPromotions([xp], { userId: off, segment: null }, Date.parse(xp.endAt))).toEqual(none);
  });

  it('ignores experiments on other targets', () => {
    const related = experiment({
      experimentId: 'xp-related',
      target: { kind: 'recommendationStrategy', surface: 'related' },
      variants: [
        { variantId: 'A', weight: 1, strategy: 'behavioural' },
        { variantId: 'B', weight: 1, strategy: 'content-first' },
      ],
    });
    expect(planPromotions([related], { userId: off, segment: null }, T).served).toEqual([]);
  });

  it('serves one variant per promotion: several promotions at once, the earliest experiment per promotion', () => {
    const gift = experiment({
      experimentId: 'xp-gift',
      target: { kind: 'promotion', promotionId: giftMug.promotionId },
      variants: [
        { variantId: 'A', weight: 1, promotion: 'withhold' },
        { variantId: 'B', weight: 1, promotion: 'withhold' },
        { variantId: 'C', weight: 1, promotion: 'apply' },
      ],
    });
    const later = experiment({
      experimentId: 'xp-threshold-2',
      startAt: new Date(T - HOUR / 2).toISOString(),
    });
    const plan = planPromotions([later, gift, xp], { userId: off, segment: null }, T);
    expect(plan.served.map((s) => s.experimentId)).toEqual(['xp-gift', 'xp-threshold']);
    expect(plan.served[1]?.variantId).toBe('off');
    const giftArm = variantFor(gift, off).promotion;
    expect(plan.withheld).toEqual(
      new Set([every300off50.promotionId, ...(giftArm === 'withhold' ? [giftMug.promotionId] : [])]),
    );
    // Outside the first one's audience, the later experiment on the same promotion decides.
    const dormantFirst = experiment({ audience: { segments: ['dormant'] } });
    expect(
      planPromotions([later, dormantFirst], { userId: off, segment: null }, T).served.map(
        (s) => s.experimentId,
      ),
    ).toEqual(['xp-threshold-2']);
  });

  it('counts a variant as served only when its promotion was applied or named as missed', () => {
    const plan = planPromotions([xp], { userId: off, segment: null }, T);
    const named = (applied: string[], missed: string[]) => ({
      applied: applied.map((promotionId) => ({ promotionId })),
      missed: missed.map((promotionId) => ({ promotionId })),
    });
    const served = [{ experimentId: 'xp-threshold', variantId: 'off' }];
    expect(triggeredBy(plan, named([every300off50.promotionId], []) as never)).toEqual(served);
    expect(triggeredBy(plan, named([], [every300off50.promotionId]) as never)).toEqual(served);
    expect(triggeredBy(plan, named([giftMug.promotionId], [winter30.promotionId]) as never)).toEqual([]);
  });
});

describe('createQuote with promotion experiments', () => {
  const xp = experiment();
  const catalog = [stocked(tent), stocked(coffee)];
  const run = async (
    userId: string | null,
    {
      items = [{ productId: tent.productId, quantity: 1 }],
      promotions = [every300off50, campingBundle] as Promotion[],
      experiments = [xp],
      profile,
    }: {
      items?: { productId: string; quantity: number }[];
      promotions?: Promotion[];
      experiments?: Experiment[];
      profile?: RfmProfile;
    } = {},
  ) => {
    const exposed: ExperimentExposed[] = [];
    let definitionsRead = 0;
    const sources = pricingSources(promotions, catalog, { profile });
    const quotes = memoryQuotes();
    let n = 0;
    const quote = await createQuote(
      {
        sources,
        quotes,
        experiments: {
          definitions: async () => {
            definitionsRead++;
            return experiments;
          },
          exposed: async (events) => void exposed.push(...events),
          newEventId: () => `exp-${++n}`,
        },
      },
      { items, couponCodes: [] },
      quoteContext(userId),
    );
    return { quote, stored: quotes.stored, exposed, definitionsRead };
  };
  const ids = (xs: { promotionId?: string }[]) => xs.map((x) => x.promotionId);

  it("leaves the promotion out of a 'withhold' shopper's quote, says which variant priced it, signed", async () => {
    const off = userIn(xp, 'off');
    const { quote, stored, exposed } = await run(off);
    expect(ids(quote.applied)).not.toContain(every300off50.promotionId);
    // Absent, not advertised as missed: nothing shopper-facing names the experiment.
    expect(ids(quote.missed)).not.toContain(every300off50.promotionId);
    expect(quote.nextTier).toBeNull();
    expect(quote.total).toBe(tent.listPrice);
    expect(quote.experiments).toEqual([{ experimentId: 'xp-threshold', variantId: 'off' }]);
    expect(verifyQuote(quote, 'k', new Date(NOW))).toEqual({ ok: true });
    expect(verifyQuote({ ...quote, experiments: [] }, 'k', new Date(NOW))).toMatchObject({
      reason: 'tampered',
    });
    expect(stored).toEqual([quote]);
    expect(exposed).toEqual([
      {
        type: 'ExperimentExposed',
        eventId: 'exp-1',
        occurredAt: NOW,
        version: 1,
        experimentId: 'xp-threshold',
        variantId: 'off',
        userId: off,
      },
    ]);
  });

  it("applies it to an 'apply' shopper, exposed the same way", async () => {
    const on = userIn(xp, 'on');
    const { quote, exposed } = await run(on);
    expect(quote.applied).toContainEqual(
      expect.objectContaining({ promotionId: every300off50.promotionId, amount: 5_000 }),
    );
    expect(quote.total).toBe(tent.listPrice - 5_000);
    expect(quote.experiments).toEqual([{ experimentId: 'xp-threshold', variantId: 'on' }]);
    expect(exposed.map((e) => [e.variantId, e.userId])).toEqual([['on', on]]);
  });

  it('exposes both arms when the promotion is only missed (below its spend), and neither when it does not concern the cart', async () => {
    const coffeeOnly = [{ productId: coffee.productId, quantity: 1 }];
    for (const variantId of ['on', 'off']) {
      const { quote, exposed } = await run(userIn(xp, variantId), { items: coffeeOnly });
      expect(quote.experiments).toEqual([{ experimentId: 'xp-threshold', variantId }]);
      expect(exposed).toHaveLength(1);
      expect(ids(quote.missed).includes(every300off50.promotionId)).toBe(variantId === 'on');
    }
    // The camping bundle's scene is not in this cart: no stage names it, so nobody is exposed.
    const bundleXp = experiment({
      experimentId: 'xp-bundle',
      target: { kind: 'promotion', promotionId: campingBundle.promotionId },
    });
    for (const variantId of ['on', 'off']) {
      const { quote, exposed } = await run(userIn(bundleXp, variantId), {
        items: coffeeOnly,
        experiments: [bundleXp],
      });
      expect(quote.experiments).toEqual([]);
      expect(exposed).toEqual([]);
    }
  });

  it('reads no experiment for a guest, and quotes them as before', async () => {
    const { quote, exposed, definitionsRead } = await run(null);
    expect(definitionsRead).toBe(0);
    expect(quote.experiments).toEqual([]);
    expect(exposed).toEqual([]);
    expect(quote.total).toBe(tent.listPrice - 5_000);
  });

  it("takes the audience's segment from the server's profile", async () => {
    const dormantOnly = experiment({ audience: { segments: ['dormant'] } });
    const off = userIn(dormantOnly, 'off');
    const dormant: RfmProfile = {
      userId: off,
      firstOrderAt: T - 400 * DAY_MS,
      lastOrderAt: T - 300 * DAY_MS,
      orders: 1,
      monetary: 20_000,
      pricedSpend: 0,
      discountedSpend: 0,
      pricedUnits: 0,
      bandMilliSum: 0,
      recentOrders: [{ orderId: 'o-1', at: T - 300 * DAY_MS }],
      version: 1,
    };
    const inside = await run(off, { experiments: [dormantOnly], profile: dormant });
    expect(inside.quote.experiments).toEqual([{ experimentId: 'xp-threshold', variantId: 'off' }]);
    expect(inside.quote.total).toBe(tent.listPrice);
    const outside = await run(off, { experiments: [dormantOnly] });
    expect(outside.quote.experiments).toEqual([]);
    expect(outside.quote.total).toBe(tent.listPrice - 5_000);
  });
});

describe('submitExperiment for a promotion target', () => {
  const promotions = new Map<string, Promotion>([every300off50, winter30].map((p) => [p.promotionId, p]));
  const store = () => {
    const puts: Experiment[] = [];
    return {
      puts,
      ports: {
        get: async () => undefined,
        put: async (x: Experiment): Promise<'created'> => {
          puts.push(x);
          return 'created';
        },
        promotion: async (id: string) => promotions.get(id),
      },
    };
  };
  const opts = { now: T, segmentsServed: true };
  const submit = (s: ReturnType<typeof store>, e: Experiment) =>
    submitExperiment(s.ports, { experimentId: e.experimentId, experiment: e }, opts);

  it('stores an experiment with an apply and a withhold arm on a promotion that exists', async () => {
    const s = store();
    expect(await submit(s, experiment({ audience: { segments: ['dormant'] } }))).toMatchObject({
      outcome: 'created',
    });
    expect(s.puts).toHaveLength(1);
  });

  it('refuses every arm alike, an unknown promotion, or a coupon, naming the field and storing nothing', async () => {
    const s = store();
    const cases: [Experiment, string[]][] = [
      [
        experiment({
          variants: [
            { variantId: 'A', weight: 1, promotion: 'withhold' },
            { variantId: 'B', weight: 1, promotion: 'withhold' },
          ],
        }),
        ['variants'],
      ],
      [
        experiment({
          variants: [
            { variantId: 'A', weight: 1, promotion: 'apply' },
            { variantId: 'B', weight: 3, promotion: 'apply' },
          ],
        }),
        ['variants'],
      ],
      [experiment({ target: { kind: 'promotion', promotionId: 'promo-nope' } }), ['target.promotionId']],
      [
        experiment({ target: { kind: 'promotion', promotionId: winter30.promotionId } }),
        ['target.promotionId'],
      ],
    ];
    for (const [e, fields] of cases) {
      const result = await submit(s, e);
      expect(result.outcome).toBe('invalid');
      expect(result.outcome === 'invalid' && result.issues.map((i) => i.field)).toEqual(fields);
    }
    expect(s.puts).toEqual([]);
  });
});
