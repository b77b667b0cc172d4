import { type DynamoDBDocumentClient, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Product } from '../../events/catalog.ts';
import { sessionKey, userKey, type VisitRecord } from '../../models/related/visit.ts';
import type { SceneReader } from '../../models/scenes/answer.ts';
import { documentClient } from '../lib/aws.ts';
import { cachedScenes, productsByIds } from './catalog-store.ts';
import { batchGetAll } from './dynamo/batch-get.ts';
import { withoutMeta } from './dynamo/items.ts';
import { allPages } from './dynamo/paging.ts';
import { cachedPromotions } from './pricing-store.ts';
import { dynamoRelatedReader, readNeighbourLists } from './related-store.ts';

export interface SceneTables {
  products: string;
  related: string;
  visits: string;
  scenes: string;
  promotions: string;
}

/**
 * A value per key, loaded on first use and kept `ttlMs`: slot candidates are whole categories,
 * read once a few minutes per container instead of on every request. Stock is checked again at
 * quote time; a scene shown with a product that sold out a minute ago is priced without it.
 */
function ttlCache<T>(ttlMs: number, load: (key: string) => Promise<T>, clock = Date.now) {
  const entries = new Map<string, { at: number; value: Promise<T> }>();
  return (key: string): Promise<T> => {
    const now = clock();
    const hit = entries.get(key);
    if (hit && now - hit.at < ttlMs) return hit.value;
    const value = load(key);
    entries.set(key, { at: now, value });
    value.catch(() => {
      if (entries.get(key)?.value === value) entries.delete(key);
    });
    return value;
  };
}

export function dynamoSceneReader(
  names: SceneTables,
  {
    client = documentClient(),
    cacheSeconds = 120,
  }: { client?: DynamoDBDocumentClient; cacheSeconds?: number } = {},
): SceneReader {
  const related = dynamoRelatedReader(names, { client });
  const scenes = cachedScenes(names.scenes, { client, cacheSeconds: 60 });
  const promotions = cachedPromotions(names.promotions, { client, cacheSeconds: 60 });
  const byIds = productsByIds(names.products, client);
  const category = ttlCache(cacheSeconds * 1000, async (c: string) =>
    (
      await allPages((start) =>
        client.send(
          new QueryCommand({
            TableName: names.products,
            IndexName: 'byCategory',
            KeyConditionExpression: 'category = :c',
            ExpressionAttributeValues: { ':c': c },
            ExclusiveStartKey: start,
          }),
        ),
      )
    ).map((i) => withoutMeta<Product>(i)),
  );
  const everything = ttlCache(cacheSeconds * 1000, async () =>
    (
      await allPages((start) =>
        client.send(new ScanCommand({ TableName: names.products, ExclusiveStartKey: start })),
      )
    ).map((i) => withoutMeta<Product>(i)),
  );
  return {
    first: (input) => related.first(input),
    async visits({ sessionId, userId }) {
      const keys = [
        ...(sessionId ? [{ visitKey: sessionKey(sessionId) }] : []),
        ...(userId ? [{ visitKey: userKey(userId) }] : []),
      ];
      if (keys.length === 0) return [];
      const got = await batchGetAll({ [names.visits]: keys }, { client });
      return (got[names.visits] ?? []) as unknown as VisitRecord[];
    },
    scenes,
    promotions,
    async categoryProducts(categories) {
      return (await Promise.all(categories.map((c) => category(c)))).flat();
    },
    allProducts: () => everything('*'),
    neighbourLists: (ids) => readNeighbourLists(names.related, ids, client),
    products: byIds,
  };
}
