import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { BehaviourEvent } from '../../events/behaviour.ts';
import type { Product } from '../../events/catalog.ts';
import type { RelatedReader, StoredNeighbour } from '../../models/related/answer.ts';
import type { PopularLists } from '../../models/related/popular.ts';
import {
  applyToShopper,
  emptyVisit,
  sessionKey,
  userKey,
  type VisitRecord,
  visitKeysOf,
} from '../../models/related/visit.ts';
import { documentClient } from '../lib/aws.ts';
import { batchGetAll } from './dynamo/batch-get.ts';
import { batchWriteAll } from './dynamo/batch-write.ts';
import { conditionally, untilNoConflict } from './dynamo/conflicts.ts';
import { withoutMeta } from './dynamo/items.ts';

/** The `related` table holds two parts per product: the list the request path reads, and the evidence. */
export const NEIGHBOURS_PART = 'neighbours';
export const EVIDENCE_PART = 'evidence';
/**
 * The shop's popular lists (models/related/popular.ts), one item beside the products' parts: the
 * rebuild writes it, the related request reads it in its first round trip.
 */
export const POPULAR_KEY = { productId: 'popular#shop', part: 'popular' } as const;
/** A product's content neighbours (with each one's category) and its own category, precomputed daily. */
export const CONTENT_PART = 'content';
/** A product's decayed totals (views, orders, as of `at`) and category, precomputed daily: what partners read. */
export const TOTALS_PART = 'totals';

export interface NeighbourList {
  productId: string;
  neighbours: StoredNeighbour[];
  updatedAt: string;
}

/**
 * The related request's two round trips: one BatchGetItem over three tables (anchor product, its
 * neighbour list, the shop's popular lists, the session's and user's records), then one for the
 * candidates' facts.
 */
export function dynamoRelatedReader(
  names: { products: string; related: string; visits: string },
  { client = documentClient(), onCall }: { client?: DynamoDBDocumentClient; onCall?: () => void } = {},
): RelatedReader {
  return {
    async first({ productId, sessionId, userId }) {
      const shopperKeys = [
        ...(sessionId ? [{ visitKey: sessionKey(sessionId) }] : []),
        ...(userId ? [{ visitKey: userKey(userId) }] : []),
      ];
      const out = await batchGetAll(
        {
          [names.products]: [{ productId }],
          [names.related]: [{ productId, part: NEIGHBOURS_PART }, { ...POPULAR_KEY }],
          ...(shopperKeys.length ? { [names.visits]: shopperKeys } : {}),
        },
        { client, ...(onCall ? { onCall } : {}) },
      );
      const visits = (out[names.visits] ?? []) as unknown as VisitRecord[];
      const anchor = out[names.products]?.[0];
      const related = out[names.related] ?? [];
      const popular = related.find((i) => i.productId === POPULAR_KEY.productId);
      return {
        anchor: anchor ? withoutMeta<Product>(anchor) : undefined,
        neighbours: (related.find((i) => i.productId === productId)?.neighbours ?? []) as StoredNeighbour[],
        popular: popular ? (popular.lists as PopularLists) : undefined,
        session: sessionId ? visits.find((s) => s.visitKey === sessionKey(sessionId)) : undefined,
        user: userId ? visits.find((s) => s.visitKey === userKey(userId)) : undefined,
      };
    },
    async products(productIds) {
      if (productIds.length === 0) return new Map();
      const out = await batchGetAll(
        { [names.products]: productIds.map((productId) => ({ productId })) },
        { client, ...(onCall ? { onCall } : {}) },
      );
      return new Map(
        (out[names.products] ?? []).map((i) => [i.productId as string, withoutMeta<Product>(i)]),
      );
    },
  };
}

export async function writePopularLists(
  table: string,
  lists: PopularLists,
  client: DynamoDBDocumentClient = documentClient(),
): Promise<void> {
  await client.send(new PutCommand({ TableName: table, Item: { ...POPULAR_KEY, lists } }));
}

export async function readNeighbourLists(
  table: string,
  productIds: readonly string[],
  client: DynamoDBDocumentClient = documentClient(),
): Promise<Map<string, StoredNeighbour[]>> {
  if (productIds.length === 0) return new Map();
  const out = await batchGetAll(
    { [table]: productIds.map((productId) => ({ productId, part: NEIGHBOURS_PART })) },
    { client },
  );
  return new Map((out[table] ?? []).map((i) => [i.productId as string, i.neighbours as StoredNeighbour[]]));
}

export async function writeNeighbourLists(
  table: string,
  lists: readonly NeighbourList[],
  options: { client?: DynamoDBDocumentClient; signal?: AbortSignal } = {},
): Promise<number> {
  return batchWriteAll(
    table,
    lists.map((l) => ({ ...l, part: NEIGHBOURS_PART })),
    {
      client: options.client ?? documentClient(),
      concurrency: 4,
      ...(options.signal ? { signal: options.signal } : {}),
    },
  );
}

const MAX_CONFLICT_RETRIES = 16;

/**
 * Folds views, carts and orders into the session and user records they concern, so the very next
 * related request adapts to them. Read, apply (pure), write if the version is unchanged; a
 * concurrent writer makes it read again, so no update is lost and a redelivered event counts once.
 */
export async function updateShopperRecords(
  names: { visits: string; related: string; products: string },
  events: readonly BehaviourEvent[],
  client: DynamoDBDocumentClient = documentClient(),
): Promise<number> {
  let keys = visitKeysOf(events);
  let written = 0;
  if (keys.length === 0) return written;
  const attempt = async (): Promise<number | 'conflict'> => {
    const stored = await batchGetAll({ [names.visits]: keys.map((visitKey) => ({ visitKey })) }, { client });
    const records = new Map(
      (stored[names.visits] ?? []).map((r) => [r.visitKey as string, r as unknown as VisitRecord]),
    );
    const touched = new Set<string>();
    const ordered = new Set<string>();
    for (const e of events) {
      if (e.type === 'ProductViewed' || e.type === 'ProductAddedToCart') touched.add(e.productId);
      if (e.type === 'OrderPlaced') for (const l of e.lines) ordered.add(l.productId);
    }
    for (const r of records.values()) for (const i of r.recent) touched.add(i.productId);
    const more = await batchGetAll(
      {
        [names.related]: [...touched].map((productId) => ({ productId, part: NEIGHBOURS_PART })),
        ...(ordered.size ? { [names.products]: [...ordered].map((productId) => ({ productId })) } : {}),
      },
      { client },
    );
    const lists = new Map(
      (more[names.related] ?? []).map((i) => [i.productId as string, i.neighbours as StoredNeighbour[]]),
    );
    const consumable = new Map(
      (more[names.products] ?? []).map((p) => [p.productId as string, Boolean(p.consumable)]),
    );

    const conflicts: string[] = [];
    await Promise.all(
      keys.map(async (key) => {
        const before = records.get(key) ?? emptyVisit(key);
        const after = applyToShopper(
          before,
          events,
          (id) => lists.get(id) ?? [],
          (id) => consumable.get(id) ?? false,
        );
        if (after === before) return;
        const put = client.send(
          new PutCommand({
            TableName: names.visits,
            Item: after,
            ConditionExpression: 'attribute_not_exists(visitKey) OR version = :v',
            ExpressionAttributeValues: { ':v': before.version },
          }),
        );
        if (await conditionally(put)) written++;
        else conflicts.push(key);
      }),
    );
    keys = conflicts;
    return keys.length > 0 ? 'conflict' : written;
  };
  return untilNoConflict(attempt, () => `shopper records (${keys.join(', ')})`, {
    maxRetries: MAX_CONFLICT_RETRIES,
  });
}
