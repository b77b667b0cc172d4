import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { MinedBundles } from '../../models/bundles/mine.ts';
import type { Bundle, Rule } from '../../models/bundles/mining.ts';
import { documentClient } from '../lib/aws.ts';
import { batchGetAll } from './dynamo/batch-get.ts';
import { batchWriteAll } from './dynamo/batch-write.ts';

/** The bookkeeping item: when the bundles were last mined, and orders seen since. */
const MINING = '#mining';

export interface StoredBundle {
  productId: string;
  items: string[];
  rule: Rule;
  minedAt: string;
}

/**
 * Writes every product's bundle, then the mining record. A product that lost its bundle keeps an
 * item from an older run; readers ignore items older than the mining record, so no scan is needed
 * to delete them.
 */
export async function writeBundles(
  table: string,
  mined: MinedBundles,
  minedAt: string,
  client: DynamoDBDocumentClient = documentClient(),
): Promise<void> {
  await batchWriteAll(
    table,
    [...mined.bundles].map(([productId, b]: [string, Bundle]) => ({
      productId,
      items: b.items,
      rule: b.rule,
      minedAt,
    })),
    { client },
  );
  await client.send(
    new UpdateCommand({
      TableName: table,
      Key: { productId: MINING },
      UpdateExpression: 'SET minedAt = :m, baskets = :b, #rules = :r, bundles = :n',
      // RULES is one of DynamoDB's reserved words.
      ExpressionAttributeNames: { '#rules': 'rules' },
      ExpressionAttributeValues: {
        ':m': minedAt,
        ':b': mined.baskets,
        ':r': mined.rules,
        ':n': mined.bundles.size,
      },
    }),
  );
}

/** A product's bundle from the latest mining, or undefined; one BatchGetItem. */
export async function readBundle(
  table: string,
  productId: string,
  client: DynamoDBDocumentClient = documentClient(),
): Promise<{ bundle: StoredBundle | undefined; minedAt: string | null }> {
  const got = await batchGetAll({ [table]: [{ productId }, { productId: MINING }] }, { client });
  const items = got[table] ?? [];
  const mining = items.find((i) => i.productId === MINING);
  const item = items.find((i) => i.productId === productId) as StoredBundle | undefined;
  const minedAt = (mining?.minedAt as string | undefined) ?? null;
  const current = item !== undefined && minedAt !== null && item.minedAt >= minedAt ? item : undefined;
  return { bundle: current, minedAt };
}
