import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Redemption } from '../../events/api.ts';
import type { Product, Promotion, Scene } from '../../events/catalog.ts';
import type { MemberTier } from '../../events/common.ts';
import type { Quote } from '../../events/pricing.ts';
import { backoffDelayMs } from '../../models/batching.ts';
import { CodedError } from '../../models/errors.ts';
import {
  type CappedReservation,
  ExhaustedError,
  idempotencyKey,
  perUserKey,
  redeemedKey,
  shardKey,
  shardOrder,
  shardSlice,
} from '../../models/pricing/counters.ts';
import type { GroupStore, StoredGroup } from '../../models/pricing/groups.ts';
import type { PricingFacts, PricingSources, QuoteStore } from '../../models/pricing/quotes.ts';
import type { RedemptionPlan, RedemptionStore } from '../../models/pricing/redemption.ts';
import { documentClient } from '../lib/aws.ts';
import { sleep } from '../lib/timers.ts';
import { batchGetAll } from './dynamo/batch-get.ts';
import { conditionally } from './dynamo/conflicts.ts';
import { withoutMeta } from './dynamo/items.ts';
import { allPages } from './dynamo/paging.ts';
import { segmentSettingsCache } from './profile-items.ts';

const DAY_S = 86_400;
const epochS = (iso: string) => Math.floor(Date.parse(iso) / 1000);

// ---------------------------------------------------------------------------------------------
// What a quote is priced from

export interface PricingTables {
  products: string;
  promotions: string;
  scenes: string;
  customers: string;
  groups: string;
  redemptions: string;
  /** RFM profiles and the cut points (models/segments), for segment-limited promotions. */
  rfmProfiles: string;
}

/** The whole promotion set, scanned at most once per `cacheSeconds` per container. */
export function cachedPromotions(
  table: string,
  { client = documentClient(), cacheSeconds = 60, clock = Date.now } = {},
): () => Promise<Promotion[]> {
  let cached: { at: number; value: Promise<Promotion[]> } | undefined;
  return () => {
    const now = clock();
    if (!cached || now - cached.at >= cacheSeconds * 1000) {
      const value = allPages((start) =>
        client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start })),
      ).then((items) => items.map((i) => withoutMeta<Promotion>(i)));
      // A failed scan is not cached: the next request tries again.
      value.catch(() => {
        if (cached?.value === value) cached = undefined;
      });
      cached = { at: now, value };
    }
    return cached.value;
  };
}

/** Promotions by id, read fresh (redemption caps, opening a group). */
export function promotionsById(table: string, client: DynamoDBDocumentClient = documentClient()) {
  return async (ids: string[]): Promise<Promotion[]> => {
    const out = await batchGetAll({ [table]: ids.map((promotionId) => ({ promotionId })) }, { client });
    return (out[table] ?? []).map((i) => withoutMeta<Promotion>(i));
  };
}

export function dynamoPricingSources(
  names: PricingTables,
  {
    client = documentClient(),
    promotions = cachedPromotions(names.promotions, { client }),
    segmentSettings = segmentSettingsCache(),
  }: {
    client?: DynamoDBDocumentClient;
    promotions?: () => Promise<Promotion[]>;
    segmentSettings?: ReturnType<typeof segmentSettingsCache>;
  } = {},
): PricingSources {
  return {
    promotions,
    async facts({ productIds, sceneIds, userId, groupId, counterKeys }): Promise<PricingFacts> {
      const segmentRead = userId !== null ? segmentSettings.keysFor(userId) : undefined;
      const out = await batchGetAll(
        {
          [names.products]: productIds.map((productId) => ({ productId })),
          ...(sceneIds.length ? { [names.scenes]: sceneIds.map((sceneId) => ({ sceneId })) } : {}),
          ...(userId !== null ? { [names.customers]: [{ userId }] } : {}),
          ...(segmentRead ? { [names.rfmProfiles]: segmentRead.keys } : {}),
          ...(groupId !== undefined ? { [names.groups]: [{ groupId }] } : {}),
          ...(counterKeys.length
            ? { [names.redemptions]: counterKeys.map((redemptionKey) => ({ redemptionKey })) }
            : {}),
        },
        { client },
      );
      const customer = out[names.customers]?.[0];
      const group = out[names.groups]?.[0];
      const segmentFacts =
        userId !== null && segmentRead
          ? segmentSettings.factsOf(out[names.rfmProfiles], userId, segmentRead.readAt)
          : undefined;
      return {
        products: new Map(
          (out[names.products] ?? []).map((i) => [i.productId as string, withoutMeta<Product>(i)] as const),
        ),
        scenes: (out[names.scenes] ?? []).map((i) => withoutMeta<Scene>(i)),
        memberTier: (customer?.memberTier as MemberTier | undefined) ?? 'none',
        profile: segmentFacts?.profile,
        cuts: segmentFacts?.cuts,
        policy: segmentFacts?.policy,
        group: group ? toGroup(group) : undefined,
        counters: new Map(
          (out[names.redemptions] ?? []).map(
            (i) => [i.redemptionKey as string, Number(i.used ?? 0)] as const,
          ),
        ),
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Quotes

/** Quotes are stored as their JSON text: what is read back is byte for byte what was signed. */
export function dynamoQuoteStore(
  table: string,
  client: DynamoDBDocumentClient = documentClient(),
): QuoteStore {
  return {
    async put(quote) {
      await client.send(
        new PutCommand({
          TableName: table,
          Item: {
            quoteId: quote.quoteId,
            quote: JSON.stringify(quote),
            expiresAt: epochS(quote.expiresAt) + DAY_S,
          },
          ConditionExpression: 'attribute_not_exists(quoteId)',
        }),
      );
    },
    async get(quoteId) {
      const out = await client.send(new GetCommand({ TableName: table, Key: { quoteId } }));
      return out.Item ? (JSON.parse(out.Item.quote as string) as Quote) : undefined;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Groups

/** Groups are kept a week after they close, so a completed group still prices its members' quotes. */
const GROUP_KEEP_S = 7 * DAY_S;

function toGroup(item: Record<string, unknown>): StoredGroup {
  const { memberCount: _c, expiresAt: _e, ...rest } = item;
  return rest as unknown as StoredGroup;
}

export function dynamoGroupStore(
  table: string,
  client: DynamoDBDocumentClient = documentClient(),
): GroupStore {
  return {
    async get(groupId) {
      const out = await client.send(
        new GetCommand({ TableName: table, Key: { groupId }, ConsistentRead: true }),
      );
      return out.Item ? toGroup(out.Item) : undefined;
    },
    async create(group) {
      await client.send(
        new PutCommand({
          TableName: table,
          Item: {
            ...group,
            memberCount: group.members.length,
            expiresAt: epochS(group.closesAt) + GROUP_KEEP_S,
          },
          ConditionExpression: 'attribute_not_exists(groupId)',
        }),
      );
    },
    async join(groupId, userId, expectedMembers, status, now) {
      return conditionally(
        client.send(
          new UpdateCommand({
            TableName: table,
            Key: { groupId },
            // memberCount is the version: a concurrent join makes this one retry on fresh state.
            UpdateExpression: 'SET members = list_append(members, :u), memberCount = :next, #s = :status',
            ConditionExpression:
              'memberCount = :n AND #s = :open AND closesAt > :now AND NOT contains(members, :uid)',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: {
              ':u': [userId],
              ':uid': userId,
              ':n': expectedMembers,
              ':next': expectedMembers + 1,
              ':status': status,
              ':open': 'open',
              ':now': now.toISOString(),
            },
          }),
        ),
      );
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Redemption

/** How long a stored result answers retries, and a redeemed marker outlives its quote. */
const REDEMPTION_KEEP_S = 30 * DAY_S;
/** Rounds of TransactWriteItems: shard moves and transaction conflicts under contention. */
const MAX_ROUNDS = 60;

interface CancellationReason {
  Code?: string;
}

/**
 * Redeems in one TransactWriteItems: the idempotency record and the quote's redeemed marker (both
 * if not exists), then for each reservation its per-user counter and what it takes from the cap's
 * shards, each an `ADD used :n` under `used <= limit - n`. All or nothing.
 *
 * A reservation first tries all of its quantity on the shard its quote id hashes to, without
 * reading (the common case, and it spreads a hot coupon over the shards). If that shard's
 * condition fails, the next round reads every shard (consistent reads) and takes the quantity from
 * the shards with room, in ring order, possibly from several; only when the shards together have
 * less room than the quantity is it a 409. Counters only grow, so that 409 is never given while
 * enough of the cap is left, and no shard ever passes its slice. An exhausted per-user count is a
 * 409 at once; a bare transaction conflict (another redemption on the same item at the same
 * moment) is retried with backoff.
 */
export function dynamoRedemptionStore(
  table: string,
  {
    client = documentClient(),
    wait = sleep,
  }: { client?: DynamoDBDocumentClient; wait?: (ms: number) => Promise<void> } = {},
): RedemptionStore {
  const previous = async (userId: string, key: string): Promise<Redemption | undefined> => {
    const out = await client.send(
      new GetCommand({
        TableName: table,
        Key: { redemptionKey: idempotencyKey(userId, key) },
        ConsistentRead: true,
      }),
    );
    return out.Item ? (JSON.parse(out.Item.result as string) as Redemption) : undefined;
  };

  /** Units to take from each shard: from a consistent read of all of them. */
  const plan = async (r: CappedReservation, order: number[]): Promise<Map<number, number>> => {
    const used = await Promise.all(
      order.map(async (shard) => {
        const out = await client.send(
          new GetCommand({
            TableName: table,
            Key: { redemptionKey: shardKey(r.kind, r.promotionId, shard) },
            ConsistentRead: true,
          }),
        );
        return Number(out.Item?.used ?? 0);
      }),
    );
    const takes = new Map<number, number>();
    let need = r.quantity;
    order.forEach((shard, k) => {
      const room = Math.max(0, shardSlice(r.totalCap, shard) - used[k]!);
      const take = Math.min(room, need);
      if (take > 0) takes.set(shard, take);
      need -= take;
    });
    if (need > 0) throw new ExhaustedError(r.promotionId, r.kind === 'coupon' ? 'budget' : 'stock');
    return takes;
  };

  return {
    previous,
    async redeem({ userId, quoteId, idempotencyKey: key, reservations, result }: RedemptionPlan) {
      const order = shardOrder(quoteId);
      const expiresAt = Math.floor(Date.parse(result.redeemedAt) / 1000) + REDEMPTION_KEEP_S;
      for (const r of reservations) {
        if (r.quantity > r.perUserCap) throw new ExhaustedError(r.promotionId, 'perUser');
      }
      // null: try the quote's own shard without reading first.
      const takes: (Map<number, number> | null)[] = reservations.map((r) =>
        shardSlice(r.totalCap, order[0]!) >= r.quantity ? null : new Map(),
      );
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const planned = await Promise.all(
          reservations.map(async (r, i) => {
            const t = takes[i];
            if (t === null) return new Map([[order[0]!, r.quantity]]);
            if (t!.size === 0) takes[i] = await plan(r, order);
            return takes[i]!;
          }),
        );
        type Meta = { what: 'idem' | 'marker' } | { what: 'user' | 'shard'; i: number };
        const meta: Meta[] = [{ what: 'idem' }, { what: 'marker' }];
        const add = (redemptionKey: string, n: number, limit: number) => ({
          Update: {
            TableName: table,
            Key: { redemptionKey },
            UpdateExpression: 'ADD used :n',
            ConditionExpression: 'attribute_not_exists(used) OR used <= :max',
            ExpressionAttributeValues: { ':n': n, ':max': limit - n },
          },
        });
        const counters = reservations.flatMap((r, i) => {
          meta.push({ what: 'user', i });
          const items = [add(perUserKey(r.kind, r.promotionId, userId), r.quantity, r.perUserCap)];
          for (const [shard, n] of planned[i]!) {
            meta.push({ what: 'shard', i });
            items.push(add(shardKey(r.kind, r.promotionId, shard), n, shardSlice(r.totalCap, shard)));
          }
          return items;
        });
        try {
          await client.send(
            new TransactWriteCommand({
              TransactItems: [
                {
                  Put: {
                    TableName: table,
                    Item: {
                      redemptionKey: idempotencyKey(userId, key),
                      quoteId,
                      result: JSON.stringify(result),
                      expiresAt,
                    },
                    ConditionExpression: 'attribute_not_exists(redemptionKey)',
                  },
                },
                {
                  Put: {
                    TableName: table,
                    Item: { redemptionKey: redeemedKey(quoteId), userId, idempotencyKey: key, expiresAt },
                    ConditionExpression: 'attribute_not_exists(redemptionKey)',
                  },
                },
                ...counters,
              ],
            }),
          );
          return result;
        } catch (error) {
          if ((error as Error).name !== 'TransactionCanceledException') throw error;
          const reasons = (
            (error as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? []
          ).map((r) => r.Code ?? 'None');
          const failed = meta.filter((_, k) => reasons[k] === 'ConditionalCheckFailed');
          if (failed.some((m) => m.what === 'idem')) {
            const stored = await previous(userId, key);
            if (stored) return stored;
          }
          if (failed.some((m) => m.what === 'marker')) {
            throw new CodedError(
              'conflict',
              'QuoteAlreadyRedeemed',
              `quote ${quoteId} is already redeemed`,
              'path.quoteId',
            );
          }
          for (const m of failed) {
            if (m.what === 'user') throw new ExhaustedError(reservations[m.i]!.promotionId, 'perUser');
            // A shard had less room than planned: read them all again next round.
            if (m.what === 'shard') takes[m.i] = new Map();
          }
          if (failed.length === 0) await wait(backoffDelayMs(Math.min(round, 6), { baseMs: 10, capMs: 500 }));
        }
      }
      throw new CodedError(
        'conflict',
        'TryAgain',
        'the redemption met too much contention: try again',
        'path.quoteId',
      );
    },
  };
}
