import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { OrderFact } from '../../models/segments/profile.ts';
import { documentClient } from '../lib/aws.ts';
import { batchGetAll } from './dynamo/batch-get.ts';
import { batchWriteAll } from './dynamo/batch-write.ts';

/**
 * The `purchases` table: one item per signed-in shopper and product they have bought, as the shop's
 * orders said (orders-to-profiles writes it), read to decide whether a review is a verified
 * purchase. An order seen again writes the same item again (with the order id and time of that
 * write): what matters is that the item exists.
 */

export async function recordPurchases(
  table: string,
  orders: readonly OrderFact[],
  client: DynamoDBDocumentClient = documentClient(),
): Promise<number> {
  const first = new Map<string, { userId: string; productId: string; orderId: string; at: number }>();
  for (const o of orders) {
    for (const l of o.lines) {
      const key = `${o.userId}\u0000${l.productId}`;
      const had = first.get(key);
      if (!had || o.at < had.at)
        first.set(key, { userId: o.userId, productId: l.productId, orderId: o.orderId, at: o.at });
    }
  }
  return batchWriteAll(table, [...first.values()], { client });
}

/** Which of these (user, product) pairs were bought. */
export async function purchasedAmong(
  table: string,
  keys: readonly { userId: string; productId: string }[],
  client: DynamoDBDocumentClient = documentClient(),
): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const found = await batchGetAll(
    { [table]: keys.map(({ userId, productId }) => ({ userId, productId })) },
    { client },
  );
  return new Set((found[table] ?? []).map((i) => `${i.userId as string}\u0000${i.productId as string}`));
}

export const purchaseKey = (userId: string, productId: string): string => `${userId}\u0000${productId}`;
