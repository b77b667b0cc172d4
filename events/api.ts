import * as z from 'zod';
import { CommerceEventInput, StorefrontEvent } from './behaviour.ts';
import { Product, Scene, SLOT_CONSTRAINT_RULE, Slot, SlotConstraint, Slug, sceneSlots } from './catalog.ts';
import {
  CalendarDate,
  CurrencyCode,
  Id,
  Instant,
  LocalizedText,
  MAX_PRICE,
  MinorUnitsSum,
  ProductId,
  PromotionId,
  SceneId,
  SessionId,
  UserId,
} from './common.ts';
import { ServedVariant } from './experiments.ts';
import { Quote, Reservation } from './pricing.ts';

/** Every 4xx/5xx body. `issues` names each failing field by its path, e.g. `events.3.productId`. */
export const ErrorResponse = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: 'ErrorResponse' });
export type ErrorResponse = z.infer<typeof ErrorResponse>;

export const Health = z
  .object({
    status: z.literal('ok'),
    service: z.literal('merchandiser'),
    version: z.string(),
    time: z.string(),
  })
  .meta({ id: 'Health' });

/**
 * `POST /v1/events`: a batch of storefront behaviour events (views, carts, searches) from a browser.
 * Orders and reviews are not taken here: they come from the shop's servers (`POST
 * /v1/commerce/events`). An event's `userId` may only be the bearer token's own.
 */
export const MAX_EVENTS_PER_BATCH = 100;
/**
 * The largest `POST /v1/events` body: 100 views or carts take about 25 KB and 100 searches with
 * their result lists about 100 KB; 128 KB bounds what one anonymous call can feed the rules
 * (it was 1 MB when orders and reviews came this way).
 */
export const MAX_EVENTS_BODY_BYTES = 128 * 1024;
/** The largest `POST /v1/commerce/events` body: 100 orders of many lines, or 100 long reviews. */
export const MAX_COMMERCE_BODY_BYTES = 1024 * 1024;
export const PostEventsRequest = z
  .strictObject({ events: z.array(StorefrontEvent).min(1).max(MAX_EVENTS_PER_BATCH) })
  .meta({ id: 'PostEventsRequest' });
export type PostEventsRequest = z.infer<typeof PostEventsRequest>;
export const PostEventsAccepted = z
  .object({ accepted: z.array(z.string()), count: z.int() })
  .meta({ id: 'PostEventsAccepted' });

/** `POST /v1/commerce/events` (IAM): orders and reviews from the shop's own servers. */
export const PostCommerceEventsRequest = z
  .strictObject({ events: z.array(CommerceEventInput).min(1).max(MAX_EVENTS_PER_BATCH) })
  .meta({ id: 'PostCommerceEventsRequest' });
export type PostCommerceEventsRequest = z.infer<typeof PostCommerceEventsRequest>;
export const PostCommerceEventsAccepted = z
  .object({
    accepted: z.array(z.string()),
    count: z.int(),
    /** What the service decided for each review: an order of the product by its author was seen. */
    reviews: z.array(z.object({ reviewId: z.string(), verifiedPurchase: z.boolean() })),
  })
  .meta({ id: 'PostCommerceEventsAccepted' });

/** What shoppers may see of a product: never its cost. */
export const ProductCard = Product.omit({ cost: true })
  .extend({ currency: CurrencyCode, inStock: z.boolean() })
  .meta({ id: 'ProductCard' });
export type ProductCard = z.infer<typeof ProductCard>;

export const ListProductsQuery = z.strictObject({
  category: Slug.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  /** Opaque: the `nextCursor` of the previous page, as it was. */
  cursor: z.string().max(1024).describe('The `nextCursor` of the previous page, as it was').optional(),
});
export const ProductPage = z
  .object({ items: z.array(ProductCard), nextCursor: z.string().nullable() })
  .meta({ id: 'ProductPage' });
export type ProductPage = z.infer<typeof ProductPage>;

export const ProductPath = z.object({ productId: ProductId });

export const SceneList = z.object({ items: z.array(Scene) }).meta({ id: 'SceneList' });

/**
 * A `userId` on the personalised read routes: optional, and only ever the bearer token's own (the
 * shopper comes from the token; another id is a 403, one without a token a 401).
 */
const TokenUserId = UserId.optional().describe(
  "Optional: only the bearer token's own user id (the shopper comes from the token; another id is a 403, one without a token a 401)",
);

/** A product id's pattern (events/common.ts Id), as a fragment. */
const ID_FRAGMENT = '[A-Za-z0-9][A-Za-z0-9._:-]{0,63}';
const EXCLUDE_LIST = new RegExp(`^\\s*(?:${ID_FRAGMENT}\\s*)?(?:,\\s*(?:${ID_FRAGMENT}\\s*)?)*$`);

/** `GET /v1/products/{productId}/related`. */
export const RelatedQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(50).default(10),
  sessionId: SessionId.optional(),
  userId: TokenUserId,
  /** Comma-separated product ids the storefront already shows. */
  exclude: z
    .string()
    .max(2_000)
    // Comma-separated product ids, blanks around each and empty items allowed (at most 100 ids).
    .regex(EXCLUDE_LIST, 'must be product ids separated by commas')
    .describe('Comma-separated product ids the storefront already shows (at most 100)')
    .optional()
    .transform((s, ctx) => {
      const ids = (s ?? '')
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
      for (const id of ids) {
        if (!ProductId.safeParse(id).success) {
          ctx.addIssue({ code: 'custom', message: `"${id.slice(0, 40)}" is not a product id` });
          return z.NEVER;
        }
      }
      if (ids.length > 100) {
        ctx.addIssue({ code: 'custom', message: 'at most 100 ids' });
        return z.NEVER;
      }
      return ids;
    }),
  category: Slug.optional(),
  /** In minor units, a whole number. */
  maxPrice: z.coerce.number().int().min(0).max(MAX_PRICE).optional(),
  /** At most this many items of one category, unless a category is asked for (default 3). */
  perCategory: z.coerce.number().int().min(1).max(50).default(3),
});
export type RelatedQuery = z.infer<typeof RelatedQuery>;

export const RelatedReason = z
  .string()
  .describe(
    'bought_together, viewed_together, same_scene:<sceneId>, similar_content, session:<productId>, or for a fallback popular_in_category:<category> or popular',
  );

export const RelatedResponse = z
  .object({
    productId: ProductId,
    items: z.array(z.object({ product: ProductCard, score: z.number(), reasons: z.array(RelatedReason) })),
    /** The experiment variants that shaped this answer (empty for guests and outside every experiment). */
    experiments: z.array(ServedVariant),
  })
  .meta({ id: 'RelatedResponse' });
export type RelatedResponse = z.infer<typeof RelatedResponse>;

/** `GET /v1/quotes/{quoteId}`, `POST /v1/quotes/{quoteId}/redeem`. */
export const QuotePath = z.object({ quoteId: Id });

/** A stored quote and whether it still holds: `reason` says why not. */
export const QuoteStatus = Quote.extend({
  valid: z.boolean(),
  reason: z.enum(['tampered', 'expired']).optional(),
}).meta({ id: 'QuoteStatus' });
export type QuoteStatus = z.infer<typeof QuoteStatus>;

/** What a redemption answered; a retry with the same Idempotency-Key answers it again, as it was. */
export const Redemption = z
  .object({
    quoteId: Id,
    userId: UserId,
    status: z.literal('redeemed'),
    redeemedAt: Instant,
    currency: CurrencyCode,
    total: MinorUnitsSum,
    reservations: z.array(Reservation),
  })
  .meta({ id: 'Redemption' });
export type Redemption = z.infer<typeof Redemption>;

/** `POST /v1/groups`. */
export const OpenGroupRequest = z.strictObject({ promotionId: PromotionId }).meta({ id: 'OpenGroupRequest' });
export const GroupPath = z.object({ groupId: Id });

/** A group as shoppers see it: the count, never who the other members are. */
export const Group = z
  .object({
    groupId: Id,
    promotionId: PromotionId,
    productId: ProductId,
    size: z.int().min(2),
    members: z.int().min(0),
    status: z.enum(['open', 'completed', 'expired']),
    expiresAt: Instant,
    /** Whether the caller is a member. */
    member: z.boolean(),
    /** On a join: false when the caller was already a member (the join is idempotent). */
    joined: z.boolean().optional(),
  })
  .meta({ id: 'Group' });
export type Group = z.infer<typeof Group>;

/** `GET /v1/hits`. */
export const HitsQuery = z.strictObject({
  /** A category slug; the global ranking without it. */
  category: Slug.optional(),
  limit: z.coerce.number().int().min(1).max(50).default(20),
  /** Add the signals behind each item, in words (Accept-Language: en or zh-CN) and as figures. */
  explain: z
    .enum(['true', 'false', '1', '0'], { message: 'must be true, false, 1 or 0' })
    .optional()
    .transform((v) => v === 'true' || v === '1'),
});
export type HitsQuery = z.infer<typeof HitsQuery>;

export const HitSignalsFigures = z
  .object({
    searches24h: z.number(),
    searchesDailyBefore: z.number(),
    searches7d: z.number(),
    searchesWeeklyBefore: z.number(),
    views7d: z.number(),
    viewsWeeklyBefore: z.number(),
    carts7d: z.number(),
    orders7d: z.number(),
    units7d: z.number(),
    unitsWeeklyBefore: z.number(),
    reviews7d: z.number(),
    reviews28d: z.number(),
    rating28d: z.number().nullable(),
    ratingBefore: z.number().nullable(),
    stock: z.number(),
    daysSinceLaunch: z.number(),
  })
  .meta({ id: 'HitSignals' });

export const HitsResponse = z
  .object({
    /** `global` or the category asked for. */
    scope: z.string(),
    /** Moves when the order or membership of the list changes; 0 before the first ranking. */
    rankingVersion: z.int().min(0),
    modelVersion: z.string().nullable(),
    updatedAt: Instant.nullable(),
    items: z.array(
      z.object({
        productId: ProductId,
        category: Slug,
        rank: z.int().min(1),
        /** Rank before the list's last reordering; null when it was not in the list. */
        previousRank: z.int().min(1).nullable(),
        /** previousRank - rank: positive when it moved up; null when new to the list. */
        rankChange: z.int().nullable(),
        hitScore: z.number().min(0).max(1),
        /**
         * One of the shelf's last places that go each day to the best candidates not shown the day
         * before (fresh picks): it may rank above items with a higher hitScore.
         */
        freshPick: z.boolean(),
        scoredAt: Instant,
        explanation: z.array(z.string()).optional(),
        signals: HitSignalsFigures.optional(),
      }),
    ),
  })
  .meta({ id: 'HitsResponse' });
export type HitsResponse = z.infer<typeof HitsResponse>;

/** `GET /v1/hits/{productId}/signals`: how many days back, today (UTC, so far) included. */
export const HitSignalsQuery = z.strictObject({
  days: z.coerce.number().int().min(1).max(28).default(14),
});
export type HitSignalsQuery = z.infer<typeof HitSignalsQuery>;

/** The counts a dashboard charts per day (revenue and rating sums stay out of the public answer). */
export const DailySignals = z
  .object({
    /** The UTC day, e.g. `2026-11-23`. */
    day: CalendarDate,
    searches: z.number().min(0),
    searchClicks: z.number().min(0),
    views: z.number().min(0),
    carts: z.number().min(0),
    orders: z.number().min(0),
    units: z.number().min(0),
    reviews: z.number().min(0),
  })
  .meta({ id: 'DailySignals' });
export type DailySignals = z.infer<typeof DailySignals>;

export const HitSignalSeries = z
  .object({
    productId: ProductId,
    /** Oldest first, one entry per day, zeros included; the last is today so far. */
    days: z.array(DailySignals),
  })
  .meta({ id: 'HitSignalSeries' });
export type HitSignalSeries = z.infer<typeof HitSignalSeries>;

/**
 * What a bundle or a filled scene is shown with: the engine's price (not a quote) for a guest, or,
 * with a shopper's bearer token, for that shopper (member tier, segment).
 */
export const PricePreview = z
  .object({
    currency: CurrencyCode,
    subtotal: MinorUnitsSum,
    total: MinorUnitsSum,
    savings: MinorUnitsSum,
    applied: z.array(
      z.object({
        promotionId: z.string(),
        title: z.string(),
        amount: MinorUnitsSum,
        explanation: z.string(),
      }),
    ),
    missed: z.array(
      z.object({ promotionId: z.string().optional(), reason: z.string(), explanation: z.string() }),
    ),
    /**
     * `guest`, or `shopper` (priced with the token's member tier and segment). Coupons and group
     * prices are never previewed: POST /v1/quotes with these lines.
     */
    pricedFor: z.enum(['guest', 'shopper']),
  })
  .meta({ id: 'PricePreview' });

/** `GET /v1/products/{productId}/bundle`. */
export const BundleResponse = z
  .object({
    productId: ProductId,
    /** null when no rule holds this product yet, or an item of its bundle is out of stock. */
    bundle: z
      .object({
        items: z.array(ProductCard),
        /** The association rule the bundle stands on: orders holding it all, and how much more often than by chance. */
        evidence: z.object({
          orders: z.int().min(1),
          support: z.number(),
          confidence: z.number(),
          lift: z.number(),
        }),
        reason: z.string(),
        price: PricePreview,
      })
      .nullable(),
    /** Why there is no bundle, when there is none. */
    note: z.string().optional(),
    minedAt: Instant.nullable(),
  })
  .meta({ id: 'BundleResponse' });
export type BundleResponse = z.infer<typeof BundleResponse>;

const PickView = z.object({
  product: ProductCard,
  score: z.number(),
  /** anchor, bought_together:<id>, viewed_together:<id>, same_scene:<sceneId>, similar_content:<id>, in_your_visit, value_pick, premium_pick, fits_slot. */
  reasons: z.array(z.string()),
});

export const PriceStyleView = z
  .object({
    style: z.enum(['value', 'premium', 'balanced']),
    /** Starts with the source, e.g. "purchases: deal seeker: 62% of spend discounted". */
    reason: z.string(),
    /**
     * What decided it: the signed-in shopper's purchases (enough priced units), what the visit
     * looked at, or nothing (the scene fill strategy uses no price style).
     */
    source: z.enum(['purchases', 'visit', 'none']),
  })
  .meta({ id: 'PriceStyle' });

export const FilledSceneView = Scene.pick({
  sceneId: true,
  title: true,
  summary: true,
  guide: true,
  season: true,
  occasion: true,
})
  .extend({
    slots: z.array(
      z.object({
        slotId: z.string(),
        title: Scene.shape.title,
        quantity: z.int().min(1),
        required: z.boolean(),
        isAnchor: z.boolean(),
        /** null when no product in stock fits the slot. */
        pick: PickView.nullable(),
        /** Up to three next-best products for the slot. */
        alternatives: z.array(PickView).max(3),
      }),
    ),
    complete: z.boolean(),
    /** Which required slots have nothing in stock, in both languages. */
    incomplete: Scene.shape.title.optional(),
    fit: z.number(),
    seasonMatch: z.number(),
    completeness: z.number(),
    score: z.number(),
    priceStyle: PriceStyleView.shape.style,
    price: PricePreview.nullable(),
  })
  .meta({ id: 'FilledScene' });

/** `GET /v1/products/{productId}/scenes`. */
export const ProductScenesQuery = z.strictObject({
  sessionId: SessionId.optional(),
  userId: TokenUserId,
  limit: z.coerce.number().int().min(1).max(10).default(3),
});
export const ProductScenesResponse = z
  .object({
    productId: ProductId,
    priceStyle: PriceStyleView,
    scenes: z.array(FilledSceneView),
    /** The scene fill experiment variant that chose the strategy, if any (empty for guests). */
    experiments: z.array(ServedVariant),
  })
  .meta({ id: 'ProductScenes' });

/** `GET /v1/scenes/{sceneId}`. */
export const ScenePath = z.object({ sceneId: SceneId });
export const SceneQuery = z.strictObject({
  productId: ProductId.optional(),
  sessionId: SessionId.optional(),
  userId: TokenUserId,
});
export const SceneResponse = z
  .object({
    priceStyle: PriceStyleView,
    scene: FilledSceneView,
    /** The scene fill experiment variant that chose the strategy, if any (empty for guests). */
    experiments: z.array(ServedVariant),
  })
  .meta({ id: 'SceneForShopper' });

/**
 * `PUT /v1/admin/scenes/{sceneId}`: a scene definition, strict at every level (an unknown or
 * misspelt field is a 400 naming it, not silently dropped as the event schema would).
 */
const StrictText = LocalizedText.strict();
export const PutSceneRequest = Scene.extend({
  title: StrictText,
  summary: StrictText,
  guide: Scene.shape.guide.strict(),
  slots: sceneSlots(
    Slot.extend({
      title: StrictText,
      constraint: SlotConstraint.strict().meta(SLOT_CONSTRAINT_RULE),
    }).strict(),
  ),
})
  .strict()
  .meta({ id: 'PutSceneRequest' });
export type PutSceneRequest = z.infer<typeof PutSceneRequest>;

/** The scene is on the bus as `SceneUpserted`; `catalog-write` stores it moments later. */
export const SceneAccepted = z
  .object({ sceneId: SceneId, eventId: z.string(), status: z.literal('accepted') })
  .meta({ id: 'SceneAccepted' });
export type SceneAccepted = z.infer<typeof SceneAccepted>;
