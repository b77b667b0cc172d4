import { MAX_COMMERCE_BODY_BYTES, PostCommerceEventsRequest } from '../events/api.ts';
import { dedupeByEventId, inUtc } from '../models/batching.ts';
import { decideVerifiedPurchases, purchaseKeysOf } from '../models/commerce/reviews.ts';
import { purchasedAmong, purchaseKey } from './adapters/purchases-store.ts';
import { tableName } from './lib/config.ts';
import { httpApi, jsonBody, parseAt } from './lib/http.ts';
import { publishBatch } from './lib/intake.ts';

const purchases = tableName('purchases');

/**
 * POST /v1/commerce/events: orders and reviews from the shop's own servers (IAM on AWS; locally a
 * SigV4 signature with the local keys). All or nothing at validation, like `POST /v1/events`. Each
 * review's `verifiedPurchase` is the service's: an order of the product by its author was seen
 * (recorded by orders-to-profiles, or earlier in this batch). Published under the commerce source,
 * the only one the rules take orders and reviews from.
 */
export const handler = httpApi({
  'POST /v1/commerce/events': async (req) => {
    const { events } = parseAt('body', PostCommerceEventsRequest, jsonBody(req, MAX_COMMERCE_BODY_BYTES));
    const unique = inUtc(dedupeByEventId(events));
    const bought = await purchasedAmong(purchases, purchaseKeysOf(unique));
    const decided = decideVerifiedPurchases(unique, (userId, productId) =>
      bought.has(purchaseKey(userId, productId)),
    );
    const accepted = await publishBatch(decided);
    const reviews = decided.flatMap((e) =>
      e.type === 'ReviewPosted' ? [{ reviewId: e.reviewId, verifiedPurchase: e.verifiedPurchase }] : [],
    );
    return { status: 202, body: { accepted, count: accepted.length, reviews } };
  },
});
