import { type DynamoDBDocumentClient, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { BehaviourEvent } from '../../events/behaviour.ts';
import type { Product, Scene } from '../../events/catalog.ts';
import { backoffDelayMs } from '../../models/batching.ts';
import { ContentIndex } from '../../models/related/content.ts';
import {
  applyDelta,
  defaultRelatedConfig,
  type EvidenceDelta,
  evidenceDeltas,
  type ProductEvidence,
  type RecentInteraction,
  type RelatedConfig,
} from '../../models/related/evidence.ts';
import { scoreNeighbours } from '../../models/related/neighbours.ts';
import { blendForStore, listToStore, STORED_LIST_LENGTH } from '../../models/related-answer.ts';
import { type ShopperRecord, sessionKey } from '../../models/shopper.ts';
import { documentClient } from '../lib/aws.ts';
import { batchGetAll } from './batch-get.ts';
import { MAX_TRANSACT_ITEMS, markerKey, writeOnce } from './exactly-once.ts';
import { EVIDENCE_PART, NEIGHBOURS_PART } from './related-store.ts';

export const RELATED_CONSUMER = 'related';
const MAX_CONFLICT_RETRIES = 6;
const CATALOG_CACHE_MS = 10 * 60_000;

export interface RelatedTables {
  related: string;
  processed: string;
  shoppers: string;
  products: string;
  scenes: string;
}

type StoredEvidence = ProductEvidence & { version: number };

const touchedBy = (delta: Map<string, EvidenceDelta>) => [...delta.keys()].sort();

export interface RelatedCatalog {
  index: ContentIndex;
  productIds: string[];
  categoryOf: (productId: string) => string | undefined;
}

let catalogCache: ({ table: string; at: number } & RelatedCatalog) | undefined;

/** The content index, built from a scan of the catalog once per container and refreshed every 10 min. */
export async function contentIndex(
  names: Pick<RelatedTables, 'products' | 'scenes'>,
  client: DynamoDBDocumentClient,
): Promise<RelatedCatalog> {
  if (catalogCache?.table === names.products && Date.now() - catalogCache.at < CATALOG_CACHE_MS)
    return catalogCache;
  const scan = async <T>(table: string) => {
    const items: T[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
      items.push(...((out.Items ?? []) as T[]));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  };
  const [products, scenes] = await Promise.all([scan<Product>(names.products), scan<Scene>(names.scenes)]);
  const categories = new Map(products.map((p) => [p.productId, p.category]));
  catalogCache = {
    table: names.products,
    at: Date.now(),
    index: new ContentIndex(products, scenes),
    productIds: products.map((p) => p.productId).sort(),
    categoryOf: (id) => categories.get(id),
  };
  return catalogCache;
}

/**
 * Applies a batch of views, carts and orders to the co-occurrence evidence, exactly once per event,
 * and rewrites the neighbour lists of the products touched. Events are taken in chunks small
 * enough that each chunk's markers and evidence writes fit one transaction: either an event's
 * marker and its effect on every product are stored together, or neither is, so a redelivery or
 * a crash mid-batch neither loses nor double counts. A concurrent writer (version check) makes
 * the chunk read again and retry.
 */
export async function updateRelated(
  names: RelatedTables,
  events: readonly BehaviourEvent[],
  {
    client = documentClient(),
    config = defaultRelatedConfig,
    now = Date.now(),
  }: { client?: DynamoDBDocumentClient; config?: RelatedConfig; now?: number } = {},
): Promise<{ applied: number; duplicates: number; listsWritten: number }> {
  const relevant = events
    .filter((e) => e.type === 'ProductViewed' || e.type === 'ProductAddedToCart' || e.type === 'OrderPlaced')
    .sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt) || (a.eventId < b.eventId ? -1 : 1));
  const unique = [...new Map(relevant.map((e) => [e.eventId, e])).values()];
  const catalog = await contentIndex(names, client);
  let applied = 0;
  let duplicates = 0;
  const lists = new Map<string, ProductEvidence>();

  const work = [...chunksThatFit(unique)];
  while (work.length > 0) {
    const part = work.shift()!;
    for (let attempt = 0; ; attempt++) {
      if (attempt > MAX_CONFLICT_RETRIES) throw new Error('related evidence kept changing under this batch');
      if (attempt > 0) await new Promise((r) => setTimeout(r, backoffDelayMs(attempt)));
      const result = await applyChunk(names, part, client, config);
      if (result === 'conflict') continue;
      if (result === 'too-big') {
        // Cut the chunk in two and do the halves first; one event alone always fits (in groups).
        const half = Math.ceil(part.length / 2);
        work.unshift(part.slice(0, half), part.slice(half));
        break;
      }
      applied += result.applied;
      duplicates += result.duplicates;
      for (const ev of result.evidence) lists.set(ev.productId, ev);
      break;
    }
  }

  // The lists are derived and overwritten whole, so they need no transaction: a retry rewrites them.
  const evidence = [...lists.values()];
  const partners = new Set(evidence.flatMap((e) => Object.keys(e.pairs)));
  const partnerTotals = await readEvidence(names.related, [...partners], client);
  const totalsOf = (id: string) => lists.get(id) ?? partnerTotals.get(id);
  await Promise.all(
    evidence.map((ev) =>
      client.send(
        new PutCommand({
          TableName: names.related,
          Item: {
            productId: ev.productId,
            part: NEIGHBOURS_PART,
            neighbours: neighbourList(ev.productId, ev, totalsOf, catalog, now, config),
            updatedAt: new Date(now).toISOString(),
          },
        }),
      ),
    ),
  );
  return { applied, duplicates, listsWritten: evidence.length };
}

/** Behavioural neighbours (all of them), content to fill in, then the stored, diversified list. */
export function neighbourList(
  productId: string,
  ev: ProductEvidence | undefined,
  totalsOf: (productId: string) => ProductEvidence | undefined,
  catalog: RelatedCatalog,
  now: number,
  config: RelatedConfig,
) {
  const behavioural = ev ? scoreNeighbours(ev, totalsOf, now, { ...config, topK: config.maxPairs }) : [];
  const content = catalog.index.neighbours(productId, STORED_LIST_LENGTH);
  return listToStore(blendForStore(behavioural, content), catalog.categoryOf);
}

/** Events in order, cut so that each chunk's markers plus the products it touches stay within one transaction. */
function* chunksThatFit(events: readonly BehaviourEvent[]): Generator<BehaviourEvent[]> {
  let current: BehaviourEvent[] = [];
  let products = new Set<string>();
  for (const e of events) {
    const mine =
      e.type === 'OrderPlaced' ? e.lines.map((l) => l.productId) : [(e as { productId: string }).productId];
    // A view pairs with up to the session's recent items, which may add as many products again.
    const estimate = new Set([...products, ...mine]).size * 2 + 20;
    if (current.length > 0 && current.length + 1 + estimate > MAX_TRANSACT_ITEMS) {
      yield current;
      current = [];
      products = new Set();
    }
    current.push(e);
    for (const p of mine) products.add(p);
  }
  if (current.length > 0) yield current;
}

async function readEvidence(
  table: string,
  productIds: readonly string[],
  client: DynamoDBDocumentClient,
): Promise<Map<string, StoredEvidence>> {
  if (productIds.length === 0) return new Map();
  const out = await batchGetAll(
    { [table]: productIds.map((productId) => ({ productId, part: EVIDENCE_PART })) },
    { client },
  );
  return new Map(
    (out[table] ?? []).map((i) => {
      const { part: _p, ...ev } = i;
      return [i.productId as string, ev as unknown as StoredEvidence];
    }),
  );
}

async function applyChunk(
  names: RelatedTables,
  events: readonly BehaviourEvent[],
  client: DynamoDBDocumentClient,
  config: RelatedConfig,
): Promise<'conflict' | 'too-big' | { applied: number; duplicates: number; evidence: ProductEvidence[] }> {
  const marker = (e: BehaviourEvent) => markerKey(RELATED_CONSUMER, e.eventId);
  const sessions = [
    ...new Set(
      events.map((e) => ('sessionId' in e ? e.sessionId : undefined)).filter((s): s is string => !!s),
    ),
  ];
  const first = await batchGetAll(
    {
      [names.processed]: events.map((e) => ({ processKey: marker(e) })),
      ...(sessions.length ? { [names.shoppers]: sessions.map((s) => ({ shopperKey: sessionKey(s) })) } : {}),
    },
    { client },
  );
  const done = new Set((first[names.processed] ?? []).map((i) => i.processKey as string));
  const fresh = events.filter((e) => !done.has(marker(e)));
  if (fresh.length === 0) return { applied: 0, duplicates: events.length, evidence: [] };

  // The session record already holds this batch (intake folds events in at once): pair only with
  // what the session did before the batch's first event of that session.
  const records = new Map(
    ((first[names.shoppers] ?? []) as unknown as ShopperRecord[]).map((r) => [r.shopperKey, r]),
  );
  const firstAt = new Map<string, number>();
  for (const e of fresh) {
    if ('sessionId' in e && e.sessionId && !firstAt.has(e.sessionId))
      firstAt.set(e.sessionId, Date.parse(e.occurredAt));
  }
  const recentOf = (sessionId: string): RecentInteraction[] =>
    (records.get(sessionKey(sessionId))?.recent ?? [])
      .filter((r) => r.at < (firstAt.get(sessionId) ?? 0))
      .map((r) => ({ productId: r.productId, at: r.at, kind: r.kind }));

  const deltas = evidenceDeltas(fresh, recentOf, config);
  const evidence: ProductEvidence[] = [];
  const outcome = await writeOnce(
    {
      processed: names.processed,
      consumer: RELATED_CONSUMER,
      eventIds: fresh.map((e) => e.eventId),
      keys: touchedBy(deltas),
      // The deltas are a pure function of the events and the session before them, so the groups
      // are the same on every attempt.
      writesFor: async (group) => {
        const stored = await readEvidence(names.related, group, client);
        return group.map((id) => {
          const before = stored.get(id);
          const { version: _v, ...current } = before ?? ({} as StoredEvidence);
          const after = applyDelta(before ? current : undefined, deltas.get(id)!, config);
          evidence.push(after);
          return {
            Put: {
              TableName: names.related,
              Item: { ...after, part: EVIDENCE_PART, version: (before?.version ?? 0) + 1 },
              ConditionExpression: before ? 'version = :v' : 'attribute_not_exists(productId)',
              ...(before ? { ExpressionAttributeValues: { ':v': before.version } } : {}),
            },
          };
        });
      },
    },
    client,
  );
  if (outcome !== 'written') return outcome;
  return {
    applied: fresh.length,
    duplicates: events.length - fresh.length,
    evidence,
  };
}
