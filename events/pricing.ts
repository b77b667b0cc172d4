import * as z from 'zod';
import {
  CurrencyCode,
  Id,
  Instant,
  Locale,
  MinorUnits,
  MinorUnitsSum,
  ProductId,
  PromotionId,
  UserId,
} from './common.ts';
import { ServedVariant } from './experiments.ts';

/**
 * `POST /v1/quotes` and the quote it answers. Who the shopper is (and so the member tier, coupon
 * uses and group membership) comes from the verified token and the server's records, never from
 * this body. Money is in integer minor units of `currency` (see models/pricing/money.ts).
 */
export const MAX_QUOTE_ITEMS = 50;
export const MAX_COUPON_CODES = 5;

/** As the shopper typed it: case and surrounding blanks do not matter (`" winter-30 "` is WINTER-30). */
export const CouponCode = z
  .string()
  .regex(/^\s*[A-Za-z0-9-]{3,32}\s*$/, 'must be 3-32 letters, digits or "-"')
  .transform((code) => code.trim().toUpperCase());

export const QuoteRequest = z
  .strictObject({
    items: z
      .array(z.strictObject({ productId: ProductId, quantity: z.int().min(1).max(999) }))
      .min(1)
      .max(MAX_QUOTE_ITEMS)
      .refine((items) => new Set(items.map((i) => i.productId)).size === items.length, {
        message: 'list each product once, with its quantity',
      }),
    couponCodes: z.array(CouponCode).max(MAX_COUPON_CODES).default([]),
    /** A group-buy group the shopper has joined (`POST /v1/groups/{groupId}/members`). */
    groupId: Id.optional(),
  })
  .meta({ id: 'QuoteRequest' });
export type QuoteRequest = z.infer<typeof QuoteRequest>;

export const PromotionKind = z.enum([
  'bundle',
  'threshold',
  'memberPrice',
  'groupBuy',
  'coupon',
  'flashSale',
  'gift',
]);
export type PromotionKind = z.infer<typeof PromotionKind>;

/** The stage a promotion is applied in: item prices, then bundles, thresholds, coupons; gifts last. */
export const PricingStage = z.enum(['item', 'bundle', 'threshold', 'coupon', 'gift']);
export type PricingStage = z.infer<typeof PricingStage>;

export const QuoteLine = z.object({
  /** `<productId>`, `<productId>#flash` for the units at a flash-sale price, `<productId>#gift`. */
  lineId: z.string(),
  productId: ProductId,
  title: z.string(),
  kind: z.enum(['item', 'flash', 'gift']),
  /** Unit list price. */
  listPrice: MinorUnits,
  /** Unit price after the item-level offer (member, group or flash price); 0 for a gift. */
  unitPrice: MinorUnits,
  quantity: z.int().min(1),
  /** Bundle and order-level discounts allocated to this line (largest remainder). */
  discount: MinorUnitsSum,
  /** unitPrice * quantity - discount. The lines sum exactly to `total`. */
  lineTotal: MinorUnitsSum,
  promotionIds: z.array(PromotionId),
});
export type QuoteLine = z.infer<typeof QuoteLine>;

export const AppliedPromotion = z.object({
  promotionId: PromotionId,
  kind: PromotionKind,
  stage: PricingStage,
  title: z.string(),
  /** What this promotion saves on this quote (0 for a gift: see `giftValue`). */
  amount: MinorUnitsSum,
  explanation: z.string(),
  productIds: z.array(ProductId),
  code: z.string().optional(),
});
export type AppliedPromotion = z.infer<typeof AppliedPromotion>;

export const MissReason = z.enum([
  'unknownCode',
  'notStarted',
  'expired',
  'signInRequired',
  'membersOnly',
  'perUserLimitReached',
  'budgetExhausted',
  'belowMinSpend',
  'soldOut',
  'groupNotJoined',
  'groupOpen',
  'groupExpired',
  'notInCart',
  'incompleteBundle',
  'notStackable',
  'betterOfferApplied',
  'marginFloor',
  'giftUnavailable',
  /** Limited to shopper segments (the server's, from the order history) this shopper is not in. */
  'segmentOnly',
]);
export type MissReason = z.infer<typeof MissReason>;

export const MissedPromotion = z.object({
  promotionId: PromotionId.optional(),
  code: z.string().optional(),
  kind: PromotionKind.optional(),
  reason: MissReason,
  explanation: z.string(),
  /** For belowMinSpend: the spend needed, the spend counted, and the difference. */
  needed: MinorUnits.optional(),
  have: MinorUnitsSum.optional(),
  shortfall: MinorUnitsSum.optional(),
});
export type MissedPromotion = z.infer<typeof MissedPromotion>;

export const NextTier = z.object({
  promotionId: PromotionId,
  /** Spend this much more on eligible items... */
  add: MinorUnitsSum,
  /** ...to save this much more. */
  extraSaving: MinorUnitsSum,
  explanation: z.string(),
});
export type NextTier = z.infer<typeof NextTier>;

export const MarginCap = z.object({
  promotionId: PromotionId,
  productIds: z.array(ProductId),
  /** The discount the promotion asked for, what the margin floor allowed, and the difference. */
  requested: MinorUnitsSum,
  granted: MinorUnitsSum,
  capped: MinorUnitsSum,
  explanation: z.string(),
});
export type MarginCap = z.infer<typeof MarginCap>;

export const GroupQuote = z.object({
  groupId: Id,
  promotionId: PromotionId,
  productId: ProductId,
  status: z.enum(['open', 'completed', 'expired']),
  members: z.int().min(0),
  size: z.int().min(2),
  unitPriceNow: MinorUnits,
  unitPriceWhenComplete: MinorUnits,
  totalNow: MinorUnitsSum,
  totalWhenComplete: MinorUnitsSum,
});
export type GroupQuote = z.infer<typeof GroupQuote>;

/** What redemption must consume, atomically and once: coupon uses and budget, flash-sale stock. */
export const Reservation = z.object({
  promotionId: PromotionId,
  kind: z.enum(['coupon', 'flashSale']),
  quantity: z.int().min(1),
});
export type Reservation = z.infer<typeof Reservation>;

export const QuoteBody = z.object({
  currency: CurrencyCode,
  locale: Locale,
  /** null for a guest. */
  userId: UserId.nullable(),
  pricedAt: Instant,
  lines: z.array(QuoteLine),
  applied: z.array(AppliedPromotion),
  missed: z.array(MissedPromotion),
  nextTier: NextTier.nullable(),
  marginCaps: z.array(MarginCap),
  group: GroupQuote.nullable(),
  reservations: z.array(Reservation),
  /** Sum of list price * quantity of the items (gifts excluded). */
  subtotal: MinorUnitsSum,
  /** Saved by item-level prices, and by bundle and order-level discounts. */
  itemDiscount: MinorUnitsSum,
  orderDiscount: MinorUnitsSum,
  total: MinorUnitsSum,
  /** subtotal - total; never more than the subtotal. */
  savings: MinorUnitsSum,
  /** List value of the gift lines (not counted in savings). */
  giftValue: MinorUnitsSum,
});
export type QuoteBody = z.infer<typeof QuoteBody>;

export const Quote = QuoteBody.extend({
  /**
   * The promotion experiments whose variant priced this quote (one per promotion at most; empty
   * for a guest, outside every experiment, or when no experiment's promotion concerned the cart).
   * Signed with the rest, so checkout can trust which variant it attributes the order to.
   */
  experiments: z.array(ServedVariant),
  quoteId: Id,
  issuedAt: Instant,
  expiresAt: Instant,
  /** `v1.<base64url HMAC-SHA256>` over the canonical JSON of every other field. */
  signature: z.string().regex(/^v2\.[A-Za-z0-9-]{1,32}\.[A-Za-z0-9_-]{43}$/),
}).meta({ id: 'Quote' });
export type Quote = z.infer<typeof Quote>;
