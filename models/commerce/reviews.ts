import type { CommerceEvent, OrderPlaced, ReviewPosted } from '../../events/behaviour.ts';

/**
 * A review is a verified purchase when the service has seen an order of the product by the review's
 * author: a purchase the orders-to-profiles consumer recorded, or an order earlier in the same
 * batch. What the sender says about it is never taken. Pure: the caller looks the purchases up.
 */

/** The (author, product) pairs whose purchase decides the batch's reviews. */
export const purchaseKeysOf = (
  events: readonly { type: string }[],
): { userId: string; productId: string }[] => {
  const seen = new Map<string, { userId: string; productId: string }>();
  for (const e of events) {
    if (e.type !== 'ReviewPosted') continue;
    const { userId, productId } = e as ReviewPosted;
    seen.set(`${userId}\u0000${productId}`, { userId, productId });
  }
  return [...seen.values()];
};

export type ReviewInput = Omit<ReviewPosted, 'verifiedPurchase'> & { verifiedPurchase?: boolean | undefined };
export type CommerceInput = OrderPlaced | ReviewInput;

/**
 * The events as they are published: each review's `verifiedPurchase` decided from `purchased`
 * (the recorded purchases) and the signed-in orders that come before it in the batch.
 */
export function decideVerifiedPurchases(
  events: readonly CommerceInput[],
  purchased: (userId: string, productId: string) => boolean,
): CommerceEvent[] {
  const inBatch = new Set<string>();
  return events.map((e) => {
    if (e.type === 'OrderPlaced') {
      if (e.userId !== undefined) for (const l of e.lines) inBatch.add(`${e.userId}\u0000${l.productId}`);
      return e;
    }
    const verifiedPurchase =
      inBatch.has(`${e.userId}\u0000${e.productId}`) || purchased(e.userId, e.productId);
    return { ...e, verifiedPurchase };
  });
}
