import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Product, Scene } from '../../events/catalog.ts';
import type { CatalogReader, PageKey } from '../../models/catalog.ts';
import { documentClient } from '../lib/aws.ts';
import { batchGetAll } from './dynamo/batch-get.ts';
import { conditionally } from './dynamo/conflicts.ts';
import { withoutMeta } from './dynamo/items.ts';
import { allPages } from './dynamo/paging.ts';

export function dynamoCatalogReader(
  names: { products: string; scenes: string },
  client: DynamoDBDocumentClient = documentClient(),
): CatalogReader {
  return {
    async getProduct(productId) {
      const out = await client.send(new GetCommand({ TableName: names.products, Key: { productId } }));
      return out.Item ? withoutMeta<Product>(out.Item) : undefined;
    },
    async pageProducts({ category, limit, after }) {
      const out =
        category === undefined
          ? await client.send(
              new ScanCommand({ TableName: names.products, Limit: limit, ExclusiveStartKey: after }),
            )
          : await client.send(
              new QueryCommand({
                TableName: names.products,
                IndexName: 'byCategory',
                KeyConditionExpression: 'category = :c',
                ExpressionAttributeValues: { ':c': category },
                Limit: limit,
                ExclusiveStartKey: after,
              }),
            );
      const items = (out.Items ?? []).map((i) => withoutMeta<Product>(i));
      const last = out.LastEvaluatedKey as PageKey | undefined;
      return last ? { items, last } : { items };
    },
    async listScenes() {
      const items = await allPages((start) =>
        client.send(new ScanCommand({ TableName: names.scenes, ExclusiveStartKey: start })),
      );
      return items.map((i) => withoutMeta<Scene>(i)).sort((a, b) => a.sceneId.localeCompare(b.sceneId));
    },
  };
}

/**
 * Upserts an entity unless the stored copy is as new or newer: events arrive out of order and
 * twice, and the latest `occurredAt` must win either way. Returns false when the write was stale.
 */
export async function putIfNewer(
  table: string,
  keyName: string,
  item: Record<string, unknown>,
  updatedAt: string,
  client: DynamoDBDocumentClient = documentClient(),
): Promise<boolean> {
  return conditionally(
    client.send(
      new PutCommand({
        TableName: table,
        Item: { ...item, updatedAt: new Date(updatedAt).toISOString() },
        ConditionExpression: 'attribute_not_exists(#k) OR #u < :u',
        ExpressionAttributeNames: { '#k': keyName, '#u': 'updatedAt' },
        ExpressionAttributeValues: { ':u': new Date(updatedAt).toISOString() },
      }),
    ),
  );
}

/** Products by id in one round trip (BatchGetItem, 100 keys a call, unprocessed keys retried). */
export function productsByIds(table: string, client: DynamoDBDocumentClient = documentClient()) {
  return async (ids: readonly string[]): Promise<Map<string, Product>> => {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map();
    const got = await batchGetAll({ [table]: unique.map((productId) => ({ productId })) }, { client });
    return new Map((got[table] ?? []).map((i) => [i.productId as string, withoutMeta<Product>(i)]));
  };
}

/**
 * Every scene (tens of items), cached per container for `cacheSeconds`: scene definitions change
 * rarely and every scene and bundle answer needs them.
 */
export function cachedScenes(
  table: string,
  { client = documentClient(), cacheSeconds = 60, clock = Date.now } = {},
): () => Promise<Scene[]> {
  const reader = dynamoCatalogReader({ products: '', scenes: table }, client);
  let cached: { at: number; value: Promise<Scene[]> } | undefined;
  return () => {
    const now = clock();
    if (cached === undefined || now - cached.at >= cacheSeconds * 1000) {
      const value = reader.listScenes();
      cached = { at: now, value };
      // A failed scan is not cached: the next call tries again.
      value.catch(() => {
        if (cached?.value === value) cached = undefined;
      });
    }
    return cached.value;
  };
}

/**
 * Which of these categories at least one product is in: one keys-only Query of the byCategory
 * index per distinct category, Limit 1, all in parallel (a scene has at most 120 slot categories).
 */
export function categoriesWithProducts(table: string, client: DynamoDBDocumentClient = documentClient()) {
  return async (categories: readonly string[]): Promise<Set<string>> => {
    const found = await Promise.all(
      [...new Set(categories)].map(async (category) => {
        const out = await client.send(
          new QueryCommand({
            TableName: table,
            IndexName: 'byCategory',
            KeyConditionExpression: 'category = :c',
            ExpressionAttributeValues: { ':c': category },
            ProjectionExpression: 'productId',
            Limit: 1,
          }),
        );
        return (out.Items?.length ?? 0) > 0 ? category : undefined;
      }),
    );
    return new Set(found.filter((c): c is string => c !== undefined));
  };
}
