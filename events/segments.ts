import * as z from 'zod';
import { Instant, MinorUnitsSum, UserId } from './common.ts';
import { RelatedStrategySpec, SceneFillStrategySpec, StrategyName } from './strategies.ts';

/**
 * Shopper segments from RFM (recency, frequency, monetary value): the editable rule table, the
 * scoring settings, the stored per-user profile and cut points, and the admin profile answer
 * (`GET /v1/users/{userId}/profile`). The domain code is in `models/segments/`.
 */

/** A segment's name: a slug, because promotions and experiments name segments in their audience. */
export const SegmentName = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[a-z][a-z0-9-]*$/, 'must be lower-case letters, digits and "-", starting with a letter')
  .meta({ description: 'Shopper segment, e.g. core-loyal, promising, new, at-risk, dormant' });
export type SegmentName = z.infer<typeof SegmentName>;

/** An RFM score: 1 (lowest fifth of the shop's shoppers) to 5 (highest fifth). */
export const RfmScore = z.int().min(1).max(5);

/** Inclusive bounds on one score; either end may be left out (1 and 5). */
export const ScoreRange = z
  .strictObject({ min: RfmScore.default(1), max: RfmScore.default(5) })
  .refine((r) => r.min <= r.max, { message: 'min must not exceed max', path: ['max'] });
export type ScoreRange = z.infer<typeof ScoreRange>;

/** Inclusive bounds on a raw count (distinct orders). */
export const CountRange = z
  .strictObject({ min: z.int().min(0).optional(), max: z.int().min(0).optional() })
  .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, {
    message: 'min must not exceed max',
    path: ['max'],
  });

/**
 * One row of the segment table: a shopper is in `segment` when every condition given holds
 * (a condition left out always holds). Rows are tried in order; the first match wins.
 */
export const SegmentRule = z.strictObject({
  segment: SegmentName,
  /** Plain words for merchandisers: who these shoppers are and what they get. */
  description: z.string().min(1).max(300),
  r: ScoreRange.optional(),
  f: ScoreRange.optional(),
  m: ScoreRange.optional(),
  /** Raw distinct-order count, for rules quintiles cannot say ("exactly one order"). */
  orders: CountRange.optional(),
});
export type SegmentRule = z.infer<typeof SegmentRule>;

export const SegmentTable = z
  .strictObject({
    rules: z.array(SegmentRule).min(1).max(30),
    /** The segment of a shopper no rule matches. */
    fallback: z.strictObject({ segment: SegmentName, description: z.string().min(1).max(300) }),
  })
  .meta({ id: 'SegmentTable' });
export type SegmentTable = z.infer<typeof SegmentTable>;
/** The table as written (defaults not yet applied), e.g. a merchandiser's JSON. */
export type SegmentTableInput = z.input<typeof SegmentTable>;

/**
 * How one segment is served: a related-products strategy and a scene fill strategy, each a
 * built-in's name or weights of its own. Left out: the default. A running experiment on the same
 * surface takes precedence for the shoppers it exposes (its variants are what is being measured).
 */
export const SegmentTreatment = z.strictObject({
  related: z.union([StrategyName, RelatedStrategySpec]).optional(),
  sceneFill: z.union([StrategyName, SceneFillStrategySpec]).optional(),
});
export type SegmentTreatment = z.infer<typeof SegmentTreatment>;

/**
 * The merchandiser's segment policy (`PUT /v1/admin/segments`): the rule table and each segment's
 * treatment. Stored as one item; the built-in default serves until one is stored.
 */
export const SegmentPolicy = z
  .strictObject({
    table: SegmentTable,
    treatments: z.record(SegmentName, SegmentTreatment).default({}),
  })
  .superRefine((policy, ctx) => {
    const named = new Set([...policy.table.rules.map((r) => r.segment), policy.table.fallback.segment]);
    for (const segment of Object.keys(policy.treatments)) {
      if (!named.has(segment)) {
        ctx.addIssue({
          code: 'custom',
          path: ['treatments', segment],
          message: `"${segment}" is not a segment of the table (${[...named].join(', ')})`,
        });
      }
    }
  })
  .meta({ id: 'SegmentPolicy' });
export type SegmentPolicy = z.infer<typeof SegmentPolicy>;
export type SegmentPolicyInput = z.input<typeof SegmentPolicy>;

/** `GET /v1/admin/segments`: the policy that serves, and whether it is the stored one or the built-in. */
export const SegmentPolicyResponse = z
  .object({
    policy: SegmentPolicy,
    /** False: nothing is stored yet and the built-in default serves. */
    stored: z.boolean(),
    updatedAt: Instant.nullable(),
  })
  .meta({ id: 'SegmentPolicyResponse' });
export type SegmentPolicyResponse = z.infer<typeof SegmentPolicyResponse>;

/** `PUT /v1/admin/segments`: the policy as stored, defaults filled in. */
export const SegmentPolicyStored = z
  .object({ status: z.enum(['created', 'replaced']), policy: SegmentPolicy })
  .meta({ id: 'SegmentPolicyStored' });
export type SegmentPolicyStored = z.infer<typeof SegmentPolicyStored>;

/** Four cut points, smallest first; a value above k of them scores k + 1. */
const cuts = (value: z.ZodType<number>) =>
  z
    .tuple([value, value, value, value])
    .refine((c) => c.every((x, i) => i === 0 || c[i - 1]! <= x), { message: 'must be in ascending order' });

/** How scores are computed when the shop has too few shoppers for quantiles to mean anything. */
export const RfmSettings = z.strictObject({
  /**
   * Below this many profiles, the fixed cut points below are used instead of quintiles: with 20
   * profiles each fifth holds 4 shoppers, and one order more moves a shopper across a whole fifth.
   */
  minPopulation: z.int().min(5).max(10_000_000).default(20),
  fallbackCuts: z
    .strictObject({
      /** Days since the last order, longest first: an order less than 14 days ago scores 5. */
      recencyDays: z
        .tuple([z.int().min(1), z.int().min(1), z.int().min(1), z.int().min(1)])
        .refine((c) => c.every((x, i) => i === 0 || c[i - 1]! > x), {
          message: 'must be in descending order (longest first)',
        }),
      /** Distinct orders: more than 5 orders scores 5. */
      orders: cuts(z.int().min(0)),
      /** Spend in minor units: more than 2,000 yuan (200,000 fen) scores 5. */
      monetary: cuts(MinorUnitsSum),
    })
    .default({
      recencyDays: [180, 90, 30, 14],
      orders: [1, 2, 3, 5],
      monetary: [10_000, 30_000, 80_000, 200_000],
    }),
});
export type RfmSettings = z.infer<typeof RfmSettings>;

/**
 * The shop's current distribution, recomputed on a schedule from every profile and stored as one
 * item. Recency cut points are instants (epoch ms of a last order): a shopper who orders after the
 * last recomputation is compared with the same instants, so nobody's score drifts between runs.
 */
export const RfmCutPoints = z
  .object({
    computedAt: Instant,
    /** Profiles the cut points were computed from. */
    population: z.int().min(0),
    method: z.enum(['quintiles', 'fallback']),
    recency: cuts(z.number().int()),
    frequency: cuts(z.int().min(0)),
    monetary: cuts(z.int().min(0)),
  })
  .meta({ id: 'RfmCutPoints' });
export type RfmCutPoints = z.infer<typeof RfmCutPoints>;

/**
 * A shopper's running RFM totals as stored (one item per user). `recentOrders` is what makes an
 * update idempotent: the newest order ids (with their time), so a redelivered or re-sent order is
 * recognised by its business key, the order id, whatever its event id.
 */
export const RfmProfile = z
  .object({
    userId: UserId,
    /** Epoch ms of the first and the last order. */
    firstOrderAt: z.number().int(),
    lastOrderAt: z.number().int(),
    /** Distinct orders. */
    orders: z.int().min(1),
    /** Total paid, in minor units (sum of unit price paid times quantity). */
    monetary: z.int().min(0),
    /** Paid on lines whose product and list price were known when the order was applied. */
    pricedSpend: z.int().min(0),
    /** Of that, paid on lines below the product's list price. */
    discountedSpend: z.int().min(0),
    /** Units on priced lines, and the sum of their category price bands in thousandths. */
    pricedUnits: z.int().min(0),
    bandMilliSum: z.int().min(0),
    recentOrders: z.array(z.object({ orderId: z.string().min(1).max(64), at: z.number().int() })),
    version: z.int().min(0),
  })
  .meta({ id: 'RfmProfile' });
export type RfmProfile = z.infer<typeof RfmProfile>;

export const UserProfilePath = z.object({ userId: UserId });

const PriceStyleName = z.enum(['value', 'balanced', 'premium']);

/** `GET /v1/users/{userId}/profile` (admin): scores, segment and signals. */
export const UserProfileResponse = z
  .object({
    userId: UserId,
    asOf: Instant,
    /** False for a signed-in shopper with no order yet: then scores and segment are null. */
    hasOrders: z.boolean(),
    rfm: z.object({
      firstOrderAt: Instant.nullable(),
      lastOrderAt: Instant.nullable(),
      daysSinceLastOrder: z.int().min(0).nullable(),
      orders: z.int().min(0),
      monetary: MinorUnitsSum,
    }),
    scores: z.object({ r: RfmScore, f: RfmScore, m: RfmScore }).nullable(),
    segment: z
      .object({
        name: SegmentName,
        description: z.string(),
        /** Index of the matching rule in the table, or null for the fallback. */
        rule: z.int().min(0).nullable(),
        /** How the segment policy serves this segment (empty: the defaults). */
        treatment: SegmentTreatment,
      })
      .nullable(),
    signals: z.object({
      /** Share of spend (on known products) paid on discounted lines, 0-1; null without priced lines. */
      discountShare: z.number().min(0).max(1).nullable(),
      /** Mean within-category price percentile of the units bought, 0-1 (0.5 = median). */
      averagePriceBand: z.number().min(0).max(1).nullable(),
      pricedUnits: z.int().min(0),
      priceStyle: z.object({ style: PriceStyleName, reason: z.string() }),
    }),
    /** What the scores were measured against. */
    distribution: z.object({
      method: z.enum(['quintiles', 'fallback']),
      population: z.int().min(0),
      computedAt: Instant,
    }),
  })
  .meta({ id: 'UserProfile' });
export type UserProfileResponse = z.infer<typeof UserProfileResponse>;
