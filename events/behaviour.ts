import * as z from 'zod';
import { MinorUnits, ProductId, Quantity, SessionId, UserId } from './common.ts';
import { eventObject, eventSchema } from './envelope.ts';

/**
 * What a shopper did on the storefront (views, carts, searches: `StorefrontEvent`, from browsers
 * through the public route) and the commerce facts about them (orders, reviews: `CommerceEvent`,
 * only from the shop's own servers). Storefront events carry the visit's session; a signed-in
 * shopper's also their user id, which the service takes from the verified bearer token only.
 */
const who = { sessionId: SessionId, userId: UserId.optional() };

export const ProductViewed = eventSchema('ProductViewed', {
  ...who,
  productId: ProductId,
  /** Where the view came from, e.g. "search", "related", "scene"; free text for analytics. */
  referrer: z.string().max(64).optional(),
});

export const ProductAddedToCart = eventSchema('ProductAddedToCart', {
  ...who,
  productId: ProductId,
  quantity: Quantity,
});

export const OrderLine = z.object({
  productId: ProductId,
  quantity: Quantity,
  /** Unit price actually paid, in minor units, after every discount. */
  paidPrice: MinorUnits,
});
export type OrderLine = z.infer<typeof OrderLine>;

/**
 * The most an order may total, in minor units (10 billion in a currency with cents). Every line
 * total and the order's total are then exact integers, and so is any sum a consumer keeps of them
 * (a shopper's monetary value, a product's hourly revenue) until it adds up some 9,000 orders at
 * this cap: without it, 500 lines of 10,000 units at the largest price overflow 2^53, the store
 * refuses the write and the consumer's batch fails with its neighbours.
 */
export const MAX_ORDER_TOTAL = 1_000_000_000_000;

export const OrderPlaced = eventObject('OrderPlaced', {
  sessionId: SessionId.optional(),
  userId: UserId.optional(),
  orderId: z.string().min(1).max(64),
  lines: z
    .array(OrderLine)
    .min(1)
    .max(500)
    .describe(`The sum of quantity × paidPrice over the lines is at most ${MAX_ORDER_TOTAL}`),
  /** The quote this order redeemed, when it came through a priced bundle or cart. */
  quoteId: z.string().max(64).optional(),
})
  .superRefine((order, ctx) => {
    let total = 0;
    for (const [i, line] of order.lines.entries()) {
      total += line.quantity * line.paidPrice;
      if (total > MAX_ORDER_TOTAL) {
        ctx.addIssue({
          code: 'custom',
          path: ['lines', i],
          message: `the order's total (quantity × paidPrice over its lines) passes ${MAX_ORDER_TOTAL} here`,
        });
        return;
      }
    }
  })
  .meta({ id: 'OrderPlaced' });

export const SearchPerformed = eventSchema('SearchPerformed', {
  ...who,
  /** Trimmed; blanks alone are not a query. */
  query: z.string().max(200).regex(/\S/, 'must not be blank').trim(),
  resultProductIds: z.array(ProductId).max(100),
  clickedProductId: ProductId.optional(),
});

export const ReviewPosted = eventSchema('ReviewPosted', {
  reviewId: z.string().min(1).max(64),
  userId: UserId,
  productId: ProductId,
  rating: z.int().min(1).max(5),
  text: z.string().max(5_000),
  /** Decided by the service: the author has an order of the product it has seen (never the sender's say). */
  verifiedPurchase: z.boolean(),
});

/**
 * A review as the shop's servers send it: `verifiedPurchase`, when sent, is replaced by what the
 * service decides from the orders it has seen.
 */
export const ReviewSubmitted = ReviewPosted.extend({
  verifiedPurchase: z
    .boolean()
    .optional()
    .describe(
      'Ignored: the service decides it from the orders it has seen (the answer says what it decided)',
    ),
}).meta({ id: 'ReviewSubmitted' });

/** What browsers send through the public route: behaviour only. */
export const StorefrontEvent = z.discriminatedUnion('type', [
  ProductViewed,
  ProductAddedToCart,
  SearchPerformed,
]);
export type StorefrontEvent = z.infer<typeof StorefrontEvent>;
/** What only the shop's own servers send (the IAM route, or PutEvents with the commerce source). */
export const CommerceEvent = z.discriminatedUnion('type', [OrderPlaced, ReviewPosted]);
export type CommerceEvent = z.infer<typeof CommerceEvent>;
/** Commerce events as the IAM route takes them (a review's verifiedPurchase is the service's). */
export const CommerceEventInput = z.discriminatedUnion('type', [OrderPlaced, ReviewSubmitted]);

/** Everything the consumers and the lake read: both kinds, each from its own source. */
export const BehaviourEvent = z.discriminatedUnion('type', [
  ProductViewed,
  ProductAddedToCart,
  OrderPlaced,
  SearchPerformed,
  ReviewPosted,
]);
export type BehaviourEvent = z.infer<typeof BehaviourEvent>;
export type ProductViewed = z.infer<typeof ProductViewed>;
export type ProductAddedToCart = z.infer<typeof ProductAddedToCart>;
export type OrderPlaced = z.infer<typeof OrderPlaced>;
export type SearchPerformed = z.infer<typeof SearchPerformed>;
export type ReviewPosted = z.infer<typeof ReviewPosted>;
export const behaviourEventTypes = BehaviourEvent.options.map((o) => o.shape.type.value);
export const storefrontEventTypes = StorefrontEvent.options.map((o) => o.shape.type.value);
export const commerceEventTypes = CommerceEvent.options.map((o) => o.shape.type.value);
