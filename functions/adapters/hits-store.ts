import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import type { HitRankingUpdated } from '../../events/hits.ts';
import type { ProductInfo } from '../../models/hits/features.ts';
import type { HitArtifact } from '../../models/hits/model.ts';
import type { HitEntry, RankedList } from '../../models/hits/ranking.ts';
import type { CategoryPriors, GlobalPriors, HitStore, ScoreRecord } from '../../models/hits/rerank.ts';
import { documentClient } from '../lib/aws.ts';
import { batchGetAll } from './dynamo/batch-get.ts';
import { batchWriteAll } from './dynamo/batch-write.ts';
import { conditionally } from './dynamo/conflicts.ts';
import { allPages } from './dynamo/paging.ts';
import { publishEvents } from './event-publisher.ts';
import { readSignalSeries } from './signals-store.ts';

export interface HitTables {
  products: string;
  signals: string;
  hitscores: string;
  rankings: string;
}

/** Keys of the rankings table: the ranked lists and the priors they were scored against. */
export const listKey = (scope: string) => `list#${scope}`;
export const priorsKey = (category: string) => `priors#${category}`;
const GLOBAL_PRIORS = 'priors#*';
/**
 * A full re-rank's parts between its steps (models/hits/sharded.ts): `run#<part>`, one item per
 * shard and category, overwritten by the next run (so they do not accumulate), tagged with `runAt`.
 */
const RUN_PART = 'run#';
const runPartKey = (key: string) => `${RUN_PART}${key}`;

const info = (p: Record<string, unknown>): ProductInfo => ({
  productId: p.productId as string,
  category: p.category as string,
  listPrice: p.listPrice as number,
  stock: p.stock as number,
  launchDate: p.launchDate as string,
});

const entryOf = (item: Record<string, unknown>): HitEntry => ({
  productId: item.productId as string,
  category: item.category as string,
  score: item.score as number,
  signals: item.signals as HitEntry['signals'],
  scoredAt: item.scoredAt as string,
});

function listOf(item: Record<string, unknown>): RankedList {
  const { rankingKey: _k, ...list } = item;
  return list as unknown as RankedList;
}

export function dynamoHitStore(
  names: HitTables,
  {
    client = documentClient(),
    publish,
    onPublished = () => {},
  }: {
    client?: DynamoDBDocumentClient;
    /** Instead of EventBridge (tests): the events it resolves for count as published. */
    publish?: (events: readonly HitRankingUpdated[]) => Promise<void>;
    /**
     * How many announcements EventBridge took, after each publish, also when some of them failed
     * (rerank-hits counts HitRankingUpdates with it): every step that publishes counts its own.
     */
    onPublished?: (count: number) => void;
  } = {},
): HitStore {
  return {
    async products(ids) {
      const got = await batchGetAll(
        { [names.products]: ids.map((productId) => ({ productId })) },
        { client },
      );
      return (got[names.products] ?? []).map(info);
    },
    allProducts: () => scanProductInfo(names.products, client),
    productShard: (shard, shards) =>
      scanProductInfo(names.products, client, { segment: shard, segments: shards }),
    async writeRunParts(runAt, parts) {
      await batchWriteAll(
        names.rankings,
        [...parts].map(([key, value]) => ({ rankingKey: runPartKey(key), runAt, value })),
        { client },
      );
    },
    async readRunParts(runAt, keys) {
      const got = await batchGetAll(
        { [names.rankings]: keys.map((key) => ({ rankingKey: runPartKey(key) })) },
        { client, consistent: true },
      );
      return new Map(
        (got[names.rankings] ?? [])
          .filter((i) => i.runAt === runAt)
          .map((i) => [(i.rankingKey as string).slice(RUN_PART.length), i.value]),
      );
    },
    signals: (productIds, fromMs) => readSignalSeries(names.signals, productIds, fromMs, { client }),
    async readPriors(categories) {
      const got = await batchGetAll(
        {
          [names.rankings]: [GLOBAL_PRIORS, ...categories.map(priorsKey)].map((rankingKey) => ({
            rankingKey,
          })),
        },
        { client },
      );
      const out: { global?: GlobalPriors; categories: Map<string, CategoryPriors> } = {
        categories: new Map(),
      };
      for (const item of got[names.rankings] ?? []) {
        const { rankingKey, ...rest } = item;
        if (rankingKey === GLOBAL_PRIORS) out.global = rest as unknown as GlobalPriors;
        else
          out.categories.set((rest as unknown as CategoryPriors).category, rest as unknown as CategoryPriors);
      }
      return out;
    },
    async writePriors(global, categories) {
      await batchWriteAll(
        names.rankings,
        [
          ...categories.map((c) => ({ rankingKey: priorsKey(c.category), ...c })),
          { rankingKey: GLOBAL_PRIORS, ...global },
        ],
        { client },
      );
    },
    async writeScores(records: readonly ScoreRecord[]) {
      await batchWriteAll(
        names.hitscores,
        records.map((r) => ({
          ...r,
          // The sparse index key: only candidates are in byCategory, so a top seller drops out of it.
          ...(r.candidate ? { candidateCategory: r.category } : {}),
        })),
        { client },
      );
    },
    async categoryTop(category, limit) {
      const page = await client.send(
        new QueryCommand({
          TableName: names.hitscores,
          IndexName: 'byCategory',
          KeyConditionExpression: 'candidateCategory = :c',
          ExpressionAttributeValues: { ':c': category },
          ScanIndexForward: false,
          Limit: limit,
        }),
      );
      return (page.Items ?? []).map(entryOf);
    },
    async readLists(scopes) {
      if (scopes.length === 0) return new Map();
      const out = new Map<string, RankedList>();
      // Strongly consistent reads in parallel: the writer must see the revision it replaces.
      await Promise.all(
        scopes.map(async (scope) => {
          const { Item } = await client.send(
            new GetCommand({
              TableName: names.rankings,
              Key: { rankingKey: listKey(scope) },
              ConsistentRead: true,
            }),
          );
          if (Item) out.set(scope, listOf(Item));
        }),
      );
      return out;
    },
    writeList: (list, expectedRevision) =>
      conditionally(
        client.send(
          new PutCommand({
            TableName: names.rankings,
            Item: { rankingKey: listKey(list.scope), ...list },
            ConditionExpression:
              expectedRevision === 0 ? 'attribute_not_exists(rankingKey)' : 'revision = :r',
            ...(expectedRevision === 0 ? {} : { ExpressionAttributeValues: { ':r': expectedRevision } }),
          }),
        ),
      ),
    async publish(events) {
      if (publish) {
        await publish(events);
        onPublished(events.length);
        return;
      }
      const { published, failed } = await publishEvents(events);
      onPublished(published.length);
      // Surfaced, not dropped: the batch fails and is redelivered; a redelivery re-ranks to the
      // same lists (no write, no event), so the failed announcement is the one that must not be lost.
      if (failed.length > 0) throw new Error(`${failed.length} hit-ranking events were not published`);
    },
  };
}

/** The read path: one list, one eventually consistent GetItem. */
export async function readHitList(
  rankings: string,
  scope: string,
  client: DynamoDBDocumentClient = documentClient(),
): Promise<RankedList | undefined> {
  const { Item } = await client.send(
    new GetCommand({ TableName: rankings, Key: { rankingKey: listKey(scope) } }),
  );
  return Item ? listOf(Item) : undefined;
}

/**
 * The fields the hit features need, for the whole catalog or one segment of a parallel Scan (a
 * shard of the full re-rank: DynamoDB splits the table's key hash range into `segments`), paged.
 */
export async function scanProductInfo(
  table: string,
  client: DynamoDBDocumentClient = documentClient(),
  shard?: { segment: number; segments: number },
): Promise<ProductInfo[]> {
  const items = await allPages((start) =>
    client.send(
      new ScanCommand({
        TableName: table,
        ProjectionExpression: 'productId, category, listPrice, stock, launchDate',
        ExclusiveStartKey: start,
        ...(shard ? { Segment: shard.segment, TotalSegments: shard.segments } : {}),
      }),
    ),
  );
  return items.map(info);
}

// ------------------------------------------------------------------ model artifacts

export const HIT_MODEL_ID = 'hits';

/** Stores a trained artifact (a few KB of JSON) as one item; versions sort by their timestamp names. */
export async function putHitModel(
  table: string,
  artifact: HitArtifact,
  client: DynamoDBDocumentClient = documentClient(),
): Promise<void> {
  await client.send(
    new PutCommand({
      TableName: table,
      Item: {
        modelId: HIT_MODEL_ID,
        version: artifact.manifest.version,
        createdAt: artifact.manifest.createdAt,
        artifact: JSON.stringify(artifact),
      },
    }),
  );
}

export async function latestHitModel(
  table: string,
  client: DynamoDBDocumentClient = documentClient(),
): Promise<HitArtifact | undefined> {
  const page = await client.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'modelId = :m',
      ExpressionAttributeValues: { ':m': HIT_MODEL_ID },
      ScanIndexForward: false,
      Limit: 1,
    }),
  );
  const item = page.Items?.[0];
  return item ? (JSON.parse(item.artifact as string) as HitArtifact) : undefined;
}
