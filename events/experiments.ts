import * as z from 'zod';
import { Id, Instant, MinorUnitsSum, PromotionId, UserId } from './common.ts';
import { eventSchema } from './envelope.ts';
import { SegmentName } from './segments.ts';
import { StrategyName } from './strategies.ts';

/**
 * A/B experiments: the definition a merchandiser writes, what a response says served it, the
 * exposure and conversion records attribution reads, and the results answer
 * (`GET /v1/experiments/{id}/results`). The domain code is in `models/experiments/`.
 */

export const ExperimentId = Id.meta({ description: 'Experiment identifier' });
export const VariantId = Id.meta({ description: 'Variant identifier within an experiment, e.g. A, B' });
export { StrategyName } from './strategies.ts';

/** What a conversion is for an experiment's rate. */
export const ConversionGoal = z.enum(['click', 'addToCart', 'order']);
export type ConversionGoal = z.infer<typeof ConversionGoal>;

/** Sum of a definition's weights at most: keeps the bucket arithmetic exact (see assign.ts). */
export const MAX_TOTAL_WEIGHT = 1_000_000;

export const Variant = z.strictObject({
  variantId: VariantId,
  /**
   * Traffic share as an integer weight: the variant gets weight / (sum of weights) of the
   * audience. 50/50, 1/1/1 (exact thirds, which decimals summing to 1 cannot say) and 90/10 all work.
   */
  weight: z.int().min(1).max(MAX_TOTAL_WEIGHT),
  /** For strategy targets: the strategy this variant serves. */
  strategy: StrategyName.optional(),
  /** For a promotion target: whether this variant's shoppers get the promotion. */
  promotion: z.enum(['apply', 'withhold']).optional(),
  description: z.string().max(300).optional(),
});
export type Variant = z.infer<typeof Variant>;

export const ExperimentTarget = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('recommendationStrategy'),
    /** Related products: the recommendation surface experiments can compare strategies on. */
    surface: z.enum(['related']).default('related'),
  }),
  z.strictObject({ kind: z.literal('sceneFillStrategy') }),
  z.strictObject({ kind: z.literal('promotion'), promotionId: PromotionId }),
]);
export type ExperimentTarget = z.infer<typeof ExperimentTarget>;

/** Everyone, or only shoppers whose server-side segment is one of these. */
export const Audience = z.union([
  z.literal('all'),
  z.strictObject({ segments: z.array(SegmentName).min(1).max(20) }),
]);
export type Audience = z.infer<typeof Audience>;

export const Experiment = z
  .strictObject({
    experimentId: ExperimentId,
    title: z.string().min(1).max(200),
    hypothesis: z.string().max(1_000).optional(),
    target: ExperimentTarget,
    variants: z.array(Variant).min(2).max(10),
    /** The baseline every other variant is compared with; the first variant when left out. */
    control: VariantId.optional(),
    audience: Audience.default('all'),
    startAt: Instant,
    endAt: Instant,
    goal: ConversionGoal.default('order'),
    /** A conversion counts when it follows an exposure of the same shopper within this many hours. */
    windowHours: z.int().min(1).max(720).default(72),
  })
  .superRefine((e, ctx) => {
    if (Date.parse(e.startAt) >= Date.parse(e.endAt)) {
      ctx.addIssue({ code: 'custom', path: ['endAt'], message: 'must be after startAt' });
    }
    const seen = new Set<string>();
    e.variants.forEach((v, i) => {
      if (seen.has(v.variantId)) {
        ctx.addIssue({
          code: 'custom',
          path: ['variants', i, 'variantId'],
          message: `variant ids must be unique ("${v.variantId}" repeats)`,
        });
      }
      seen.add(v.variantId);
      const strategyTarget = e.target.kind !== 'promotion';
      if (strategyTarget && v.strategy === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['variants', i, 'strategy'],
          message: 'a strategy target needs one',
        });
      }
      if (!strategyTarget && v.promotion === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['variants', i, 'promotion'],
          message: 'a promotion target needs "apply" or "withhold"',
        });
      }
    });
    if (e.control !== undefined && !seen.has(e.control)) {
      ctx.addIssue({
        code: 'custom',
        path: ['control'],
        message: `"${e.control}" is not one of the variants`,
      });
    }
    const total = e.variants.reduce((s, v) => s + v.weight, 0);
    if (total > MAX_TOTAL_WEIGHT) {
      ctx.addIssue({
        code: 'custom',
        path: ['variants'],
        message: `weights must add up to at most ${MAX_TOTAL_WEIGHT}`,
      });
    }
  })
  .meta({
    id: 'Experiment',
    // The per-variant rule of the superRefine above, as JSON Schema says it.
    if: { properties: { target: { properties: { kind: { const: 'promotion' } } } } },
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else keywords.
    then: { properties: { variants: { items: { properties: { promotion: {} }, required: ['promotion'] } } } },
    else: { properties: { variants: { items: { properties: { strategy: {} }, required: ['strategy'] } } } },
    examples: [
      {
        experimentId: 'exp-related-content-first',
        title: 'Content-first related products',
        hypothesis: 'Similar products convert better than co-views on the product page',
        target: { kind: 'recommendationStrategy', surface: 'related' },
        variants: [
          { variantId: 'A', weight: 50, strategy: 'behavioural' },
          { variantId: 'B', weight: 50, strategy: 'content-first' },
        ],
        control: 'A',
        audience: 'all',
        startAt: '2026-12-01T00:00:00Z',
        endAt: '2026-12-31T00:00:00Z',
        goal: 'addToCart',
        windowHours: 72,
      },
    ],
  });
export type Experiment = z.infer<typeof Experiment>;
export type ExperimentInput = z.input<typeof Experiment>;

/** What a recommendation or quote response carries for each experiment that shaped it. */
export const ServedVariant = z
  .object({ experimentId: ExperimentId, variantId: VariantId })
  .meta({ id: 'ServedVariant' });
export type ServedVariant = z.infer<typeof ServedVariant>;

/**
 * A shopper was served a variant: published by the serving function (related-read, scenes-read,
 * pricing) when its response carries a variant, consumed by record-experiments, which keeps each shopper's
 * standing.
 */
export const ExperimentExposed = eventSchema('ExperimentExposed', {
  experimentId: ExperimentId,
  variantId: VariantId,
  userId: UserId,
});
export type ExperimentExposed = z.infer<typeof ExperimentExposed>;

export const ExperimentPath = z.object({ experimentId: ExperimentId });

/** `PUT /v1/admin/experiments/{experimentId}`: the definition as stored, defaults filled in. */
export const ExperimentStored = z
  .object({ status: z.enum(['created', 'replaced']), experiment: Experiment })
  .meta({ id: 'ExperimentStored' });
export type ExperimentStored = z.infer<typeof ExperimentStored>;

const Comparison = z.object({
  /** Which test: Fisher's exact test when any expected cell of the 2x2 table is below 5. */
  test: z.enum(['two-proportion z-test', "Fisher's exact test"]),
  /** The z statistic (z-test only; null for Fisher). */
  z: z.number().nullable(),
  pValue: z.number().min(0).max(1),
  /** Conversion rate minus the control's. */
  absoluteLift: z.number(),
  /** (rate - control rate) / control rate; null when the control converted nobody. */
  relativeLift: z.number().nullable(),
  significant: z.boolean(),
  verdict: z.string(),
});

export const VariantResult = z.object({
  variantId: VariantId,
  control: z.boolean(),
  declaredShare: z.number().min(0).max(1),
  observedShare: z.number().min(0).max(1).nullable(),
  exposures: z.int().min(0),
  conversions: z.int().min(0),
  conversionRate: z.number().min(0).max(1).nullable(),
  /** Wilson score interval at 95%. */
  interval95: z.object({ low: z.number().min(0).max(1), high: z.number().min(0).max(1) }),
  revenue: MinorUnitsSum,
  /** Revenue in minor units per exposed shopper. */
  revenuePerExposure: z.number().min(0).nullable(),
  /** Against the control; null for the control itself and when either has no exposures. */
  comparison: Comparison.nullable(),
});
export type VariantResult = z.infer<typeof VariantResult>;

export const ExperimentResultsResponse = z
  .object({
    experimentId: ExperimentId,
    title: z.string(),
    status: z.enum(['scheduled', 'running', 'ended']),
    asOf: Instant,
    goal: ConversionGoal,
    windowHours: z.int(),
    control: VariantId,
    variants: z.array(VariantResult),
    /** Chi-square goodness of fit of the exposures against the declared shares; p < 0.001 flags it. */
    sampleRatio: z.object({
      chiSquare: z.number().min(0),
      df: z.int().min(1),
      pValue: z.number().min(0).max(1),
      mismatch: z.boolean(),
    }),
    /** In words: which variant is ahead and whether it is significant yet. */
    verdict: z.string(),
  })
  .meta({ id: 'ExperimentResults' });
export type ExperimentResultsResponse = z.infer<typeof ExperimentResultsResponse>;
