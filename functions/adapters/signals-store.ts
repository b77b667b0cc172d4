import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { BehaviourEvent } from '../../events/behaviour.ts';
import {
  bucketDeltas,
  buildSeries,
  emptyCounts,
  HOUR_MS,
  parseBucketKey,
  type SeriesIndex,
  SIGNALS,
  type SignalCounts,
} from '../../models/hits/signals.ts';
import { documentClient } from '../lib/aws.ts';
import { batchGetAll } from './dynamo/batch-get.ts';
import { batchWriteAll } from './dynamo/batch-write.ts';
import { untilNoConflict } from './dynamo/conflicts.ts';
import { MAX_TRANSACT_ITEMS, markerKey, writeOnce } from './dynamo/exactly-once.ts';
import { allPages } from './dynamo/paging.ts';

export const SIGNALS_CONSUMER = 'signals';
/** Hourly buckets are kept five weeks: the longest feature window is 28 days. */
export const SIGNAL_RETENTION_MS = 35 * 24 * HOUR_MS;

export interface SignalTables {
  signals: string;
  processed: string;
}

/** The product-hours an event adds to: what decides how many events fit one transaction. */
function bucketsOf(e: BehaviourEvent): number {
  switch (e.type) {
    case 'OrderPlaced':
      return new Set(e.lines.map((l) => l.productId)).size;
    case 'SearchPerformed':
      return new Set([...e.resultProductIds, ...(e.clickedProductId ? [e.clickedProductId] : [])]).size;
    default:
      return 1;
  }
}

const updateOf = (table: string, key: string, counts: SignalCounts) => {
  const { productId, hour } = parseBucketKey(key);
  const used = SIGNALS.filter((s) => counts[s] !== 0);
  return {
    Update: {
      TableName: table,
      Key: { productId, hour },
      // ADD commutes, so concurrent batches touching one product-hour lose nothing.
      UpdateExpression: `ADD ${used.map((s) => `#${s} :${s}`).join(', ')} SET expiresAt = :e`,
      ExpressionAttributeNames: Object.fromEntries(used.map((s) => [`#${s}`, s])),
      ExpressionAttributeValues: {
        ...Object.fromEntries(used.map((s) => [`:${s}`, counts[s]])),
        ':e': Math.floor((Date.parse(hour) + SIGNAL_RETENTION_MS) / 1000),
      },
    },
  };
};

/**
 * Adds a batch of behaviour events to the hourly signal buckets, exactly once per event and with
 * one update per product-hour per chunk (not one per event), so a product going viral costs one
 * write per batch. Each chunk's event markers and its updates are one transaction (writeOnce); an
 * event that touches more buckets than a transaction holds (a search listing 100 products) is
 * stored in marked groups.
 */
export async function aggregateSignals(
  names: SignalTables,
  events: readonly BehaviourEvent[],
  client: DynamoDBDocumentClient = documentClient(),
): Promise<{ applied: number; duplicates: number; updates: number }> {
  const unique = [...new Map(events.map((e) => [e.eventId, e])).values()];
  const work: BehaviourEvent[][] = [];
  let current: BehaviourEvent[] = [];
  let size = 0;
  for (const e of unique) {
    const n = bucketsOf(e) + 1;
    if (current.length > 0 && size + n > MAX_TRANSACT_ITEMS) {
      work.push(current);
      current = [];
      size = 0;
    }
    current.push(e);
    size += n;
  }
  if (current.length > 0) work.push(current);

  const total = { applied: 0, duplicates: 0, updates: 0 };
  for (const chunk of work) {
    const result = await untilNoConflict(() => applyChunk(names, chunk, client), 'signal markers');
    total.applied += result.applied;
    total.duplicates += result.duplicates;
    total.updates += result.updates;
  }
  return total;
}

async function applyChunk(
  names: SignalTables,
  events: readonly BehaviourEvent[],
  client: DynamoDBDocumentClient,
): Promise<'conflict' | { applied: number; duplicates: number; updates: number }> {
  const marker = (e: BehaviourEvent) => markerKey(SIGNALS_CONSUMER, e.eventId);
  const seen = await batchGetAll(
    { [names.processed]: events.map((e) => ({ processKey: marker(e) })) },
    { client },
  );
  const done = new Set((seen[names.processed] ?? []).map((i) => i.processKey as string));
  const fresh = events.filter((e) => !done.has(marker(e)));
  if (fresh.length === 0) return { applied: 0, duplicates: events.length, updates: 0 };

  const deltas = bucketDeltas(fresh);
  const outcome = await writeOnce(
    {
      processed: names.processed,
      consumer: SIGNALS_CONSUMER,
      eventIds: fresh.map((e) => e.eventId),
      keys: [...deltas.keys()].sort(),
      writesFor: async (group) => group.map((key) => updateOf(names.signals, key, deltas.get(key)!)),
    },
    client,
  );
  // A chunk is cut so that several events always fit one transaction; only a lone event is grouped.
  if (outcome === 'too-big') throw new Error('a chunk of several events outgrew one transaction');
  if (outcome === 'conflict') return outcome;
  const updates = deltas.size;
  return { applied: fresh.length, duplicates: events.length - fresh.length, updates };
}

/** Sort key of the one item per product that holds imported history (sorts after every hour). */
export const HISTORY_ITEM = 'history';
/** Imported history keeps hourly buckets this far back (the 24 h features need them), days before. */
const HOURLY_HISTORY_MS = 2 * 24 * HOUR_MS;

function countsFrom(item: Record<string, unknown>): SignalCounts {
  const counts = emptyCounts();
  for (const s of SIGNALS) counts[s] = Number(item[s] ?? 0);
  return counts;
}

/**
 * Expands stored items into bucket pairs. An imported history item holds, per product, hourly
 * buckets for its last two days and daily buckets (at the day's first hour) before that, as arrays
 * in `SIGNALS` order: one item per product instead of hundreds, which is what makes importing
 * weeks of history on a laptop's DynamoDB Local take seconds rather than minutes.
 */
function pairsOf(productId: string, item: Record<string, unknown>, fromMs: number): [string, SignalCounts][] {
  if (item.hour !== HISTORY_ITEM) return [[`${productId}#${item.hour as string}`, countsFrom(item)]];
  const out: [string, SignalCounts][] = [];
  for (const [at, values] of Object.entries((item.buckets ?? {}) as Record<string, number[]>)) {
    const day = at.length === 10;
    const hour = day ? `${at}T00:00:00Z` : at;
    // A day bucket counts while any of its hours is in range; an hour bucket only from fromMs on.
    if (Date.parse(hour) < fromMs - (day ? 23 * HOUR_MS : 0)) continue;
    const counts = emptyCounts();
    SIGNALS.forEach((s, i) => {
      counts[s] = Number(values[i] ?? 0);
    });
    out.push([`${productId}#${hour}`, counts]);
  }
  return out;
}

/** One product's buckets from `fromMs` on, for the features (Query on the product's key). */
export async function readSignals(
  table: string,
  productId: string,
  fromMs: number,
  client: DynamoDBDocumentClient = documentClient(),
): Promise<[string, SignalCounts][]> {
  const items = await allPages((start) =>
    client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'productId = :p AND #h >= :from',
        ExpressionAttributeNames: { '#h': 'hour' },
        ExpressionAttributeValues: { ':p': productId, ':from': new Date(fromMs).toISOString().slice(0, 13) },
        ExclusiveStartKey: start,
      }),
    ),
  );
  return items.flatMap((item) => pairsOf(productId, item, fromMs));
}

/** Many products' buckets, `concurrency` queries in flight, as one series index. */
export async function readSignalSeries(
  table: string,
  productIds: readonly string[],
  fromMs: number,
  {
    client = documentClient(),
    concurrency = 16,
  }: { client?: DynamoDBDocumentClient; concurrency?: number } = {},
): Promise<SeriesIndex> {
  const pairs: [string, SignalCounts][] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, productIds.length) }, async () => {
      while (next < productIds.length) {
        const id = productIds[next++]!;
        pairs.push(...(await readSignals(table, id, fromMs, client)));
      }
    }),
  );
  return buildSeries(pairs);
}

/**
 * Stores an event history (the demo's, or one read back from the lake) as one history item
 * per product: the import path, not the live one, so it bypasses the exactly-once markers and
 * replaces what an earlier import stored. Only the retention window is kept.
 */
export async function importSignalHistory(
  table: string,
  events: Iterable<BehaviourEvent>,
  {
    now,
    client = documentClient(),
    signal,
  }: { now: number; client?: DynamoDBDocumentClient; signal?: AbortSignal },
): Promise<{ products: number; buckets: number }> {
  const from = now - SIGNAL_RETENTION_MS;
  const recent: BehaviourEvent[] = [];
  for (const e of events) {
    const t = Date.parse(e.occurredAt);
    if (t >= from && t < now) recent.push(e);
  }
  const perProduct = new Map<string, Record<string, number[]>>();
  let buckets = 0;
  for (const [key, counts] of bucketDeltas(recent)) {
    const { productId, hour } = parseBucketKey(key);
    const at = Date.parse(hour) >= now - HOURLY_HISTORY_MS ? hour : hour.slice(0, 10);
    const item = perProduct.get(productId) ?? {};
    const values = item[at] ?? SIGNALS.map(() => 0);
    if (item[at] === undefined) buckets++;
    SIGNALS.forEach((s, i) => {
      values[i]! += counts[s];
    });
    item[at] = values;
    perProduct.set(productId, item);
  }
  const expiresAt = Math.floor((now + SIGNAL_RETENTION_MS) / 1000);
  await batchWriteAll(
    table,
    [...perProduct].map(([productId, b]) => ({ productId, hour: HISTORY_ITEM, buckets: b, expiresAt })),
    { client, concurrency: 4, ...(signal ? { signal } : {}) },
  );
  return { products: perProduct.size, buckets };
}
