import { type DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { Experiment } from '../../events/experiments.ts';
import type { ShopperOutcome, VariantCounts } from '../../models/experiments/attribution.ts';
import {
  type AttributionEvent,
  countsKey,
  experimentOfKey,
  foldBatch,
  stateKeysOf,
} from '../../models/experiments/recording.ts';
import { documentClient } from '../lib/aws.ts';
import { nowDate } from '../lib/clock.ts';
import { experimentsCacheSeconds } from '../lib/config.ts';
import { logger } from '../lib/logger.ts';
import { batchGetAll } from './dynamo/batch-get.ts';
import { untilNoConflict } from './dynamo/conflicts.ts';
import { MAX_TRANSACT_ITEMS, markerKey, type TransactItem, writeOnce } from './dynamo/exactly-once.ts';
import { withoutMeta } from './dynamo/items.ts';
import { allPages } from './dynamo/paging.ts';

/** The `processed` markers of record-experiments. */
export const EXPERIMENTS_CONSUMER = 'experiments';
/** Shopper states are kept this long after the last window closes (the counters are kept). */
const STATE_RETENTION_MS = 30 * 24 * 3_600_000;

/** A stored definition: the parsed experiment and when it was written. */
const fromItem = (item: Record<string, unknown>): Experiment | undefined => {
  const parsed = Experiment.safeParse(withoutMeta(item));
  if (!parsed.success) {
    logger.warn('stored experiment does not parse; ignored', { experimentId: String(item.experimentId) });
    return undefined;
  }
  return parsed.data;
};

/** Creates or replaces a definition; says which. */
export async function putExperiment(
  table: string,
  experiment: Experiment,
  { client = documentClient(), now = nowDate() }: { client?: DynamoDBDocumentClient; now?: Date } = {},
): Promise<'created' | 'replaced'> {
  const out = await client.send(
    new PutCommand({
      TableName: table,
      Item: { ...experiment, updatedAt: now.toISOString() },
      ReturnValues: 'ALL_OLD',
    }),
  );
  return out.Attributes ? 'replaced' : 'created';
}

export async function getExperiment(
  table: string,
  experimentId: string,
  client: DynamoDBDocumentClient = documentClient(),
): Promise<Experiment | undefined> {
  const out = await client.send(new GetCommand({ TableName: table, Key: { experimentId } }));
  return out.Item ? fromItem(out.Item) : undefined;
}

/** Every definition (tens of items: one Scan, paged). */
export async function scanExperiments(
  table: string,
  client: DynamoDBDocumentClient = documentClient(),
): Promise<Experiment[]> {
  const items = await allPages((start) =>
    client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start })),
  );
  return items.map(fromItem).filter((e): e is Experiment => e !== undefined);
}

/** The definitions, scanned at most once per `cacheSeconds` per container; a failed scan is not kept. */
export function cachedExperiments(
  table: string,
  {
    client,
    cacheSeconds,
    clock = Date.now,
  }: { client?: DynamoDBDocumentClient; cacheSeconds?: number; clock?: () => number } = {},
): () => Promise<Experiment[]> {
  let cached: { at: number; value: Promise<Experiment[]> } | undefined;
  return () => {
    const now = clock();
    if (!cached || now - cached.at >= (cacheSeconds ?? experimentsCacheSeconds()) * 1000) {
      const value = scanExperiments(table, client ?? documentClient());
      value.catch(() => {
        if (cached?.value === value) cached = undefined;
      });
      cached = { at: now, value };
    }
    return cached.value;
  };
}

/** Each variant's counters, in the definition's order (a variant never counted reads as zeros). */
export async function readCounts(
  table: string,
  experiment: Pick<Experiment, 'experimentId' | 'variants'>,
  client: DynamoDBDocumentClient = documentClient(),
): Promise<VariantCounts[]> {
  const keys = experiment.variants.map((v) => ({
    exposureKey: countsKey(experiment.experimentId, v.variantId),
  }));
  const out = await batchGetAll({ [table]: keys }, { client });
  const byKey = new Map((out[table] ?? []).map((i) => [i.exposureKey as string, i]));
  return experiment.variants.map((v) => {
    const item = byKey.get(countsKey(experiment.experimentId, v.variantId));
    return {
      variantId: v.variantId,
      exposures: Number(item?.exposures ?? 0),
      conversions: Number(item?.conversions ?? 0),
      revenue: Number(item?.revenue ?? 0),
    };
  });
}

export interface ExperimentTables {
  experiments: string;
  exposures: string;
  processed: string;
}

interface StoredState {
  outcome: ShopperOutcome;
  version: number;
}

const toState = (item: Record<string, unknown>): StoredState => ({
  outcome: {
    variantId: String(item.variantId),
    firstExposedAt: Number(item.firstExposedAt),
    lastExposedAt: Number(item.lastExposedAt),
    otherVariantExposures: Number(item.otherVariantExposures ?? 0),
    converted: Boolean(item.converted),
    revenue: Number(item.revenue ?? 0),
    orderIds: (item.orderIds as string[] | undefined) ?? [],
  },
  version: Number(item.version ?? 0),
});

/**
 * Records a batch of exposures and conversions, exactly once. The batch is cut into chunks whose
 * markers, shopper states and counters fit one transaction; for each chunk: read which events are
 * already applied (markers in `processed`), read the shopper states they may change, fold (pure,
 * models/experiments/recording.ts), and write in one transaction the markers of the events that
 * changed something, each changed state (Put if its version is unchanged) and each variant's
 * counter change (ADD). A duplicate or a concurrent writer cancels the transaction, and the chunk
 * is read and folded again.
 */
export async function recordExperimentEvents(
  names: ExperimentTables,
  experiments: readonly Experiment[],
  events: readonly AttributionEvent[],
  client: DynamoDBDocumentClient = documentClient(),
): Promise<{ applied: number; duplicates: number; states: number; ignored: number }> {
  const byId = new Map(experiments.map((e) => [e.experimentId, e]));
  const unique = [...new Map(events.map((e) => [e.eventId, e])).values()];
  // Only events that may change a state are worth reading for; the rest (guests, shoppers in no
  // experiment, views not from the tested surface) cost nothing more.
  const relevant = unique.map((e) => ({ e, keys: stateKeysOf(byId, e) })).filter((x) => x.keys.length > 0);

  const chunks: { events: AttributionEvent[]; keys: Set<string> }[] = [];
  let current = { events: [] as AttributionEvent[], keys: new Set<string>() };
  const variantsOf = (keys: Iterable<string>) => {
    let n = 0;
    for (const id of new Set([...keys].map(experimentOfKey))) n += byId.get(id)?.variants.length ?? 0;
    return n;
  };
  for (const { e, keys } of relevant) {
    const merged = new Set([...current.keys, ...keys]);
    const size = current.events.length + 1 + merged.size + variantsOf(merged);
    if (current.events.length > 0 && size > MAX_TRANSACT_ITEMS) {
      chunks.push(current);
      current = { events: [], keys: new Set() };
    }
    current.events.push(e);
    for (const k of keys) current.keys.add(k);
  }
  if (current.events.length > 0) chunks.push(current);

  const total = { applied: 0, duplicates: 0, states: 0, ignored: unique.length - relevant.length };
  for (const chunk of chunks) {
    const result = await untilNoConflict(() => applyChunk(names, byId, chunk, client), 'experiment states');
    total.applied += result.applied;
    total.duplicates += result.duplicates;
    total.states += result.states;
  }
  return total;
}

async function applyChunk(
  names: ExperimentTables,
  byId: ReadonlyMap<string, Experiment>,
  chunk: { events: AttributionEvent[]; keys: Set<string> },
  client: DynamoDBDocumentClient,
): Promise<'conflict' | { applied: number; duplicates: number; states: number }> {
  const marker = (e: AttributionEvent) => markerKey(EXPERIMENTS_CONSUMER, e.eventId);
  const read = await batchGetAll(
    {
      [names.processed]: chunk.events.map((e) => ({ processKey: marker(e) })),
      [names.exposures]: [...chunk.keys].map((exposureKey) => ({ exposureKey })),
    },
    { client },
  );
  const done = new Set((read[names.processed] ?? []).map((i) => i.processKey as string));
  const fresh = chunk.events.filter((e) => !done.has(marker(e)));
  const duplicates = chunk.events.length - fresh.length;
  if (fresh.length === 0) return { applied: 0, duplicates, states: 0 };

  const stored = new Map(
    (read[names.exposures] ?? []).map((i) => [i.exposureKey as string, toState(i)] as const),
  );
  const { states, deltas, effective } = foldBatch(
    byId,
    fresh,
    new Map([...stored].map(([k, s]) => [k, s.outcome])),
  );
  if (effective.length === 0) return { applied: 0, duplicates, states: 0 };

  const writes: TransactItem[] = [];
  for (const [key, outcome] of states) {
    const experimentId = experimentOfKey(key);
    const e = byId.get(experimentId)!;
    const before = stored.get(key);
    writes.push({
      Put: {
        TableName: names.exposures,
        Item: {
          exposureKey: key,
          experimentId,
          userId: key.slice(key.indexOf('#user#') + '#user#'.length),
          ...outcome,
          version: (before?.version ?? 0) + 1,
          expiresAt: Math.floor(
            (Date.parse(e.endAt) + e.windowHours * 3_600_000 + STATE_RETENTION_MS) / 1000,
          ),
        },
        ...(before
          ? {
              ConditionExpression: 'version = :v',
              ExpressionAttributeValues: { ':v': before.version },
            }
          : { ConditionExpression: 'attribute_not_exists(exposureKey)' }),
      },
    });
  }
  for (const d of deltas) {
    writes.push({
      Update: {
        TableName: names.exposures,
        Key: { exposureKey: countsKey(d.experimentId, d.variantId) },
        // ADD commutes: concurrent batches adding to one variant lose nothing.
        UpdateExpression:
          'ADD exposures :x, conversions :c, revenue :r SET experimentId = :e, variantId = :vid',
        ExpressionAttributeValues: {
          ':x': d.exposures,
          ':c': d.conversions,
          ':r': d.revenue,
          ':e': d.experimentId,
          ':vid': d.variantId,
        },
      },
    });
  }
  const outcome = await writeOnce(
    {
      processed: names.processed,
      consumer: EXPERIMENTS_CONSUMER,
      eventIds: effective,
      keys: writes,
      writesFor: async (group) => [...group],
    },
    client,
  );
  // Chunks are cut so that markers, states and counters fit one transaction.
  if (outcome === 'too-big') throw new Error('an experiment chunk outgrew one transaction');
  if (outcome === 'conflict') return 'conflict';
  logger.debug('experiment events recorded', { events: effective.length, states: states.size });
  return { applied: effective.length, duplicates, states: states.size };
}
