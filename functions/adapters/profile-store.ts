import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { RfmCutPoints, RfmProfile, SegmentPolicy } from '../../events/segments.ts';
import {
  applyOrders,
  type OrderFact,
  type PricedProduct,
  type PriceLookup,
} from '../../models/segments/profile.ts';
import { documentClient } from '../lib/aws.ts';
import { nowDate } from '../lib/clock.ts';
import { sleep } from '../lib/timers.ts';
import { batchGetAll } from './dynamo/batch-get.ts';
import { batchWriteAll } from './dynamo/batch-write.ts';
import { conditionally, untilNoConflict } from './dynamo/conflicts.ts';
import { priorsKey } from './hits-store.ts';
import {
  CUTS_KEY,
  cutsOfItem,
  POLICY_KEY,
  policyOfItem,
  profileOfItem,
  segmentFactsOf,
  segmentKeys,
} from './profile-items.ts';

export { CUTS_KEY, cutsOfItem, profileOfItem };

export interface ProfileTables {
  rfmProfiles: string;
  /** The order's products: list price and category. */
  products: string;
  /** The hit priors (`priors#<category>`): each category's list prices, for the price band. */
  rankings: string;
}

/** A shopper's profile, the cut points and the segment policy, in one BatchGetItem. */
export async function readProfile(
  table: string,
  userId: string,
  { client = documentClient() }: { client?: DynamoDBDocumentClient } = {},
): Promise<ReturnType<typeof segmentFactsOf>> {
  const out = await batchGetAll({ [table]: segmentKeys(userId) }, { client });
  return segmentFactsOf(out[table], userId);
}

/** The stored segment policy and when it was written; undefined when none is stored. */
export async function readPolicy(
  table: string,
  { client = documentClient() }: { client?: DynamoDBDocumentClient } = {},
): Promise<{ policy: SegmentPolicy | undefined; updatedAt: string | undefined }> {
  const out = await client.send(new GetCommand({ TableName: table, Key: { userId: POLICY_KEY } }));
  return {
    policy: policyOfItem(out.Item),
    updatedAt: typeof out.Item?.updatedAt === 'string' ? out.Item.updatedAt : undefined,
  };
}

/** Stores the segment policy (one item, replaced whole); says whether one was there. */
export async function putPolicy(
  table: string,
  policy: SegmentPolicy,
  { client = documentClient(), now = nowDate() }: { client?: DynamoDBDocumentClient; now?: Date } = {},
): Promise<'created' | 'replaced'> {
  const out = await client.send(
    new PutCommand({
      TableName: table,
      Item: { userId: POLICY_KEY, policy, updatedAt: now.toISOString() },
      ReturnValues: 'ALL_OLD',
    }),
  );
  return out.Attributes ? 'replaced' : 'created';
}

/**
 * What an update reads of the catalog: the orders' products (one BatchGetItem) and their categories'
 * sorted list prices from the hit priors (a second one). A category without priors yet (before the
 * first full re-rank) has no price list, and its band is the neutral middle (`priceBandIn`).
 */
export async function loadPriceLookup(
  names: Pick<ProfileTables, 'products' | 'rankings'>,
  productIds: readonly string[],
  client: DynamoDBDocumentClient,
): Promise<PriceLookup> {
  const products = new Map<string, PricedProduct>();
  if (productIds.length > 0) {
    const got = await batchGetAll(
      { [names.products]: [...new Set(productIds)].map((productId) => ({ productId })) },
      { client },
    );
    for (const p of got[names.products] ?? []) {
      products.set(p.productId as string, {
        listPrice: p.listPrice as number,
        category: p.category as string,
      });
    }
  }
  const categories = [...new Set([...products.values()].map((p) => p.category))];
  const prices = new Map<string, number[]>();
  if (categories.length > 0) {
    const got = await batchGetAll(
      { [names.rankings]: categories.map((c) => ({ rankingKey: priorsKey(c) })) },
      { client },
    );
    for (const item of got[names.rankings] ?? []) {
      prices.set(item.category as string, (item.prices as number[] | undefined) ?? []);
    }
  }
  return {
    productOf: (id) => products.get(id),
    categoryPrices: (category) => prices.get(category) ?? [],
  };
}

export interface ProfileUpdateReport {
  users: number;
  written: number;
  applied: number;
  duplicates: number;
  unverifiable: number;
  conflicts: number;
}

/** Rounds of re-reading after a concurrent writer changed a profile first. */
const MAX_CONFLICT_RETRIES = 12;

/**
 * Adds a batch of orders to their shoppers' profiles, each order id once. Per shopper: read the
 * profile, `applyOrders`, Put it back only if its `version` is still the one read (or it is still
 * absent); a shopper whose profile changed in between (a concurrent batch) is read again and
 * retried, so concurrent orders lose nothing and a redelivered order is a duplicate, not a second
 * order. Retries read with ConsistentRead, so they see the write that beat them.
 */
export async function updateProfiles(
  names: ProfileTables,
  orders: readonly OrderFact[],
  {
    client = documentClient(),
    wait = sleep,
  }: { client?: DynamoDBDocumentClient; wait?: (ms: number) => Promise<void> } = {},
): Promise<ProfileUpdateReport> {
  const byUser = new Map<string, OrderFact[]>();
  for (const o of orders) byUser.set(o.userId, [...(byUser.get(o.userId) ?? []), o]);
  const report: ProfileUpdateReport = {
    users: byUser.size,
    written: 0,
    applied: 0,
    duplicates: 0,
    unverifiable: 0,
    conflicts: 0,
  };
  if (byUser.size === 0) return report;
  const prices = await loadPriceLookup(
    names,
    orders.flatMap((o) => o.lines.map((l) => l.productId)),
    client,
  );
  let users = [...byUser.keys()];
  const attempt = async (n: number): Promise<ProfileUpdateReport | 'conflict'> => {
    let stored: Map<string, RfmProfile>;
    if (n === 0) {
      const got = await batchGetAll({ [names.rfmProfiles]: users.map((userId) => ({ userId })) }, { client });
      stored = new Map((got[names.rfmProfiles] ?? []).map((i) => [i.userId as string, profileOfItem(i)]));
    } else {
      const got = await Promise.all(
        users.map((userId) =>
          client.send(
            new GetCommand({ TableName: names.rfmProfiles, Key: { userId }, ConsistentRead: true }),
          ),
        ),
      );
      stored = new Map(
        got.flatMap((g) => (g.Item ? [[g.Item.userId as string, profileOfItem(g.Item)]] : [])),
      );
    }
    const conflicts: string[] = [];
    await Promise.all(
      users.map(async (userId) => {
        const before = stored.get(userId);
        const result = applyOrders(before, userId, byUser.get(userId) ?? [], prices);
        if (result.applied.length === 0) {
          report.duplicates += result.duplicates.length;
          report.unverifiable += result.unverifiable.length;
          return;
        }
        const put = client.send(
          new PutCommand({
            TableName: names.rfmProfiles,
            Item: { ...result.profile, updatedAt: nowDate().toISOString() },
            ConditionExpression: 'attribute_not_exists(userId) OR version = :v',
            ExpressionAttributeValues: { ':v': before?.version ?? 0 },
          }),
        );
        if (await conditionally(put)) {
          report.written++;
          report.applied += result.applied.length;
          report.duplicates += result.duplicates.length;
          report.unverifiable += result.unverifiable.length;
        } else {
          report.conflicts++;
          conflicts.push(userId);
        }
      }),
    );
    users = conflicts;
    return users.length > 0 ? 'conflict' : report;
  };
  return untilNoConflict(attempt, () => `profiles (${users.join(', ')})`, {
    maxRetries: MAX_CONFLICT_RETRIES,
    wait,
  });
}

export async function writeCutPoints(
  table: string,
  cuts: RfmCutPoints,
  { client = documentClient() }: { client?: DynamoDBDocumentClient } = {},
): Promise<void> {
  await client.send(new PutCommand({ TableName: table, Item: { userId: CUTS_KEY, ...cuts } }));
}

/** Stores profiles rebuilt from history (the demo load) and their cut points. */
export async function importProfiles(
  table: string,
  profiles: Iterable<RfmProfile>,
  cuts: RfmCutPoints,
  {
    client = documentClient(),
    updatedAt,
    signal,
  }: { client?: DynamoDBDocumentClient; updatedAt: string; signal?: AbortSignal },
): Promise<number> {
  const items = [...profiles].map((p) => ({ ...p, updatedAt }));
  const written = await batchWriteAll(table, items, {
    client,
    concurrency: 4,
    ...(signal ? { signal } : {}),
  });
  await writeCutPoints(table, cuts, { client });
  return written;
}
