import { describe, expect, it } from 'vitest';
import type { OrderPlaced } from '../../events/behaviour.ts';
import {
  type CommerceInput,
  decideVerifiedPurchases,
  purchaseKeysOf,
} from '../../models/commerce/reviews.ts';

const base = { occurredAt: '2026-11-23T10:00:00Z', version: 1 as const };
const review = (userId: string, productId: string, verifiedPurchase?: boolean): CommerceInput => ({
  ...base,
  type: 'ReviewPosted',
  eventId: `evt-r-${userId}-${productId}`,
  reviewId: `r-${userId}-${productId}`,
  userId,
  productId,
  rating: 5,
  text: 'great',
  ...(verifiedPurchase === undefined ? {} : { verifiedPurchase }),
});
const order = (userId: string | undefined, productId: string): OrderPlaced => ({
  ...base,
  type: 'OrderPlaced',
  eventId: `evt-o-${userId}-${productId}`,
  orderId: `o-${userId}-${productId}`,
  ...(userId ? { userId } : {}),
  lines: [{ productId, quantity: 1, paidPrice: 100 }],
});

describe('decideVerifiedPurchases', () => {
  it("is the service's verdict, never the sender's: a recorded purchase or an earlier order in the batch", () => {
    const bought = new Set(['u-1 p-1']);
    const decided = decideVerifiedPurchases(
      [
        review('u-1', 'p-1', false),
        review('u-2', 'p-1', true),
        order('u-2', 'p-2'),
        review('u-2', 'p-2'),
        order(undefined, 'p-3'),
        review('u-3', 'p-3', true),
      ],
      (u, p) => bought.has(`${u} ${p}`),
    );
    const verdicts = decided.flatMap((e) =>
      e.type === 'ReviewPosted' ? [[e.userId, e.productId, e.verifiedPurchase]] : [],
    );
    expect(verdicts).toEqual([
      ['u-1', 'p-1', true],
      ['u-2', 'p-1', false],
      ['u-2', 'p-2', true],
      // A guest's order proves nothing about anyone.
      ['u-3', 'p-3', false],
    ]);
  });

  it('looks up each (author, product) pair of the reviews once', () => {
    expect(purchaseKeysOf([review('u-1', 'p-1'), review('u-1', 'p-1'), order('u-1', 'p-2')])).toEqual([
      { userId: 'u-1', productId: 'p-1' },
    ]);
  });
});
