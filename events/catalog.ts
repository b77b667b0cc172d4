import * as z from 'zod';
import {
  CalendarDate,
  Id,
  Instant,
  LocalizedText,
  MemberTier,
  MinorUnits,
  ProductId,
  PromotionId,
  Quantity,
  SceneId,
  UserId,
} from './common.ts';
import { eventSchema } from './envelope.ts';
import { SegmentName } from './segments.ts';

/** Category and tag names are slugs: they appear in keys, filters and URLs. */
export const Slug = z
  .string()
  .min(1)
  .max(48)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and "-"');

/**
 * A product's category: a slug, but not `global`, which names the all-categories hit list (its
 * rankings key would be the category list's too).
 */
export const CategorySlug = z
  .string()
  .min(1)
  .max(48)
  .regex(
    /^(?!global$)[a-z0-9][a-z0-9-]*$/,
    'must be lower-case letters, digits and "-", and not "global" (the all-categories hit list)',
  );

export const Product = z
  .object({
    productId: ProductId,
    title: z.string().min(1).max(200),
    category: CategorySlug,
    tags: z.array(Slug).max(30).default([]),
    attributes: z
      .record(z.string().min(1).max(40), z.union([z.string().max(200), z.number(), z.boolean()]))
      .default({}),
    brand: z.string().max(80).optional(),
    /** List price in minor units of the catalog currency. */
    listPrice: MinorUnits,
    /** Unit cost in minor units: the margin floor is computed from it; never shown to shoppers. */
    cost: MinorUnits,
    stock: z.int().min(0).max(10_000_000),
    launchDate: CalendarDate,
    imageUrl: z.url().max(500).optional(),
    /** Consumables may be recommended again after a purchase; durable goods may not. */
    consumable: z.boolean().default(false),
  })
  .meta({ id: 'Product' });
export type Product = z.infer<typeof Product>;

export const Season = z.enum(['spring', 'summer', 'autumn', 'winter', 'all-year']);
export type Season = z.infer<typeof Season>;

/** A slot constraint names categories or tags (or both), as JSON Schema says it. */
export const SLOT_CONSTRAINT_RULE = { anyOf: [{ required: ['categories'] }, { required: ['tags'] }] };
export const SlotConstraint = z
  .object({
    categories: z.array(Slug).min(1).max(10).optional(),
    tags: z.array(Slug).min(1).max(10).optional(),
  })
  .refine((c) => c.categories !== undefined || c.tags !== undefined, {
    message: 'a slot needs a category or a tag constraint',
  })
  // The same rule in the exported JSON Schema.
  .meta(SLOT_CONSTRAINT_RULE);

export const Slot = z.object({
  /** The role the slot plays in the scene, e.g. "tent", "lamp". */
  slotId: Id,
  title: LocalizedText,
  constraint: SlotConstraint,
  quantity: Quantity.max(20),
  required: z.boolean(),
});
export type Slot = z.infer<typeof Slot>;

/**
 * A scene's slots: 1 to 12, each slotId once. A repeated id is named where it repeats
 * (`slots.3.slotId`), so whoever wrote the scene sees which slot to rename.
 */
export const sceneSlots = <S extends z.ZodType<{ slotId: string }>>(slot: S) =>
  z
    .array(slot)
    .min(1)
    .max(12)
    .superRefine((slots, ctx) => {
      const seen = new Set<string>();
      slots.forEach((s, i) => {
        if (seen.has(s.slotId)) {
          ctx.addIssue({
            code: 'custom',
            path: [i, 'slotId'],
            message: `slot ids must be unique within a scene ("${s.slotId}" repeats)`,
          });
        }
        seen.add(s.slotId);
      });
    });

export const Scene = z
  .object({
    sceneId: SceneId,
    title: LocalizedText,
    summary: LocalizedText,
    /** The guide: short steps or tips, in both languages, in the order they are shown. */
    guide: z.object({
      en: z.array(z.string().min(1).max(500)).min(1).max(12),
      'zh-CN': z.array(z.string().min(1).max(500)).min(1).max(12),
    }),
    season: Season,
    occasion: z.string().max(60).optional(),
    slots: sceneSlots(Slot),
    active: z.boolean().default(true),
  })
  .meta({ id: 'Scene' });
export type Scene = z.infer<typeof Scene>;

const promotionBase = {
  promotionId: PromotionId,
  title: LocalizedText,
  validFrom: Instant,
  validTo: Instant,
  /** Whether this promotion may combine with others of a later stage (see the pricing docs). */
  stackable: z.boolean().default(true),
  /** Higher wins when two exclusive promotions tie for the customer. */
  priority: z.int().min(0).max(1000).default(0),
  /**
   * The shopper segments the offer is for (e.g. a win-back coupon for `dormant`); left out, it is
   * for everyone. The segment is the server's (models/segments, from the shopper's order history),
   * never the request's; a shopper with no order has none, so a segment offer is not for them.
   */
  segments: z.array(SegmentName).min(1).max(10).optional(),
};

/** Percentages are whole percent: pricing stays in integer arithmetic. */
const Percent = z.int().min(1).max(99);

const Discount = z.discriminatedUnion('type', [
  z.object({ type: z.literal('percentOff'), percent: Percent }),
  z.object({ type: z.literal('amountOff'), amount: MinorUnits.min(1) }),
  z.object({ type: z.literal('fixedPrice'), price: MinorUnits }),
]);

export const BundlePromotion = z.object({
  ...promotionBase,
  kind: z.literal('bundle'),
  /** Either an explicit set of products or a scene's required slots. */
  productIds: z.array(ProductId).min(2).max(20).optional(),
  sceneId: SceneId.optional(),
  discount: Discount,
});

export const ThresholdPromotion = z.object({
  ...promotionBase,
  kind: z.literal('threshold'),
  rule: z.discriminatedUnion('mode', [
    z.object({
      mode: z.literal('tiers'),
      tiers: z
        .array(z.object({ minSpend: MinorUnits.min(1), off: MinorUnits.min(1) }))
        .min(1)
        .max(10),
    }),
    z.object({
      mode: z.literal('repeat'),
      every: MinorUnits.min(1),
      off: MinorUnits.min(1),
      maxOff: MinorUnits.min(1).optional(),
    }),
  ]),
  categories: z.array(z.string().min(1)).max(20).optional(),
});

export const MemberPricePromotion = z.object({
  ...promotionBase,
  kind: z.literal('memberPrice'),
  productIds: z.array(ProductId).max(1000).optional(),
  categories: z.array(z.string().min(1)).max(20).optional(),
  tiers: z
    .array(z.object({ tier: MemberTier.exclude(['none']), percentOff: Percent }))
    .min(1)
    .max(3),
});

export const GroupBuyPromotion = z.object({
  ...promotionBase,
  kind: z.literal('groupBuy'),
  productId: ProductId,
  groupSize: z.int().min(2).max(100),
  groupPrice: MinorUnits,
  /** How long an open group waits for members before it expires. */
  groupTtlHours: z.int().min(1).max(168),
});

export const CouponPromotion = z.object({
  ...promotionBase,
  kind: z.literal('coupon'),
  code: z.string().regex(/^[A-Z0-9-]{3,32}$/, 'must be 3-32 upper-case letters, digits or "-"'),
  discount: z.discriminatedUnion('type', [
    z.object({ type: z.literal('amountOff'), amount: MinorUnits.min(1) }),
    z.object({ type: z.literal('percentOff'), percent: Percent, maxOff: MinorUnits.min(1).optional() }),
  ]),
  minSpend: MinorUnits.default(0),
  perUserLimit: z.int().min(1).max(100).default(1),
  totalBudgetUses: z.int().min(1).max(10_000_000),
});

export const FlashSalePromotion = z.object({
  ...promotionBase,
  kind: z.literal('flashSale'),
  productId: ProductId,
  price: MinorUnits,
  perUserCap: z.int().min(1).max(100),
  stockCap: z.int().min(1).max(1_000_000),
});

export const GiftPromotion = z.object({
  ...promotionBase,
  kind: z.literal('gift'),
  minSpend: MinorUnits.min(1),
  giftProductId: ProductId,
  quantity: Quantity.max(10).default(1),
});

export const Promotion = z
  .discriminatedUnion('kind', [
    BundlePromotion,
    ThresholdPromotion,
    MemberPricePromotion,
    GroupBuyPromotion,
    CouponPromotion,
    FlashSalePromotion,
    GiftPromotion,
  ])
  .superRefine((p, ctx) => {
    if (Date.parse(p.validFrom) >= Date.parse(p.validTo)) {
      ctx.addIssue({ code: 'custom', path: ['validTo'], message: 'must be after validFrom' });
    }
    if (p.kind === 'bundle' && (p.productIds === undefined) === (p.sceneId === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['productIds'],
        message: 'give exactly one of productIds or sceneId',
      });
    }
  })
  .meta({ id: 'Promotion' });
export type Promotion = z.infer<typeof Promotion>;

export const Customer = z
  .object({
    userId: UserId,
    memberTier: MemberTier,
    memberSince: CalendarDate.optional(),
    /** Region code for regional offers; not personal data beyond what pricing needs. */
    region: z.string().max(16).optional(),
  })
  .meta({ id: 'Customer' });
export type Customer = z.infer<typeof Customer>;

export const ProductUpserted = eventSchema('ProductUpserted', { product: Product });
export const SceneUpserted = eventSchema('SceneUpserted', { scene: Scene });
export const PromotionUpserted = eventSchema('PromotionUpserted', { promotion: Promotion });
export const CustomerUpserted = eventSchema('CustomerUpserted', { customer: Customer });

export const CatalogEvent = z.discriminatedUnion('type', [
  ProductUpserted,
  SceneUpserted,
  PromotionUpserted,
  CustomerUpserted,
]);
export type CatalogEvent = z.infer<typeof CatalogEvent>;
export const catalogEventTypes = CatalogEvent.options.map((o) => o.shape.type.value);
