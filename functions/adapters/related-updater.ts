import { type DynamoDBDocumentClient, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { BehaviourEvent } from '../../events/behaviour.ts';
import type { Product, Scene } from '../../events/catalog.ts';
import { blendForStore, listToStore, type StoredNeighbour } from '../../models/related/answer.ts';
import { ContentIndex } from '../../models/related/content.ts';
import {
  addUnpruned,
  applyDelta,
  computeMutableDeltas,
  defaultRelatedConfig,
  type MutableEvidence,
  type ProductEvidence,
  type RelatedConfig,
  toPlain,
  type VisitEntry,
  visitDelta,
} from '../../models/related/evidence.ts';
import { type PartnerTotals, scoreNeighbours } from '../../models/related/neighbours.ts';
import { documentClient } from '../lib/aws.ts';
import { nowMs } from '../lib/clock.ts';
import { batchGetAll } from './dynamo/batch-get.ts';
import { untilNoConflict } from './dynamo/conflicts.ts';
import { MAX_TRANSACT_ITEMS, markerKey, writeOnce } from './dynamo/exactly-once.ts';
import { allPages } from './dynamo/paging.ts';
import { CONTENT_PART, EVIDENCE_PART, NEIGHBOURS_PART, TOTALS_PART } from './related-store.ts';

export const RELATED_CONSUMER = 'related';
const MAX_CONFLICT_RETRIES = 6;
const CATALOG_CACHE_MS = 10 * 60_000;

export interface RelatedTables {
  related: string;
  processed: string;
  visits: string;
  products: string;
  scenes: string;
}

type StoredEvidence = ProductEvidence & { version: number };

/** A visit's views and carts, kept by this consumer in the related table beside the products. */
export const VISIT_LOG_PART = 'visit';
export const visitLogKey = (sessionId: string) => `visit#${sessionId}`;
/** A visit log outlives its last write by two days (pairing reaches back a day: VISIT_HORIZON_MS). */
const VISIT_LOG_TTL_SECONDS = 2 * 86_400;
interface StoredVisit {
  productId: string;
  entries: VisitEntry[];
  version: number;
}

export interface RelatedCatalog {
  index: ContentIndex;
  products: Product[];
  productIds: string[];
  categoryOf: (productId: string) => string | undefined;
}

let catalogCache: ({ table: string; at: number } & RelatedCatalog) | undefined;

/** The content index, built from a scan of the catalog once per container and refreshed every 10 min. */
export async function contentIndex(
  names: Pick<RelatedTables, 'products' | 'scenes'>,
  client: DynamoDBDocumentClient,
): Promise<RelatedCatalog> {
  if (catalogCache?.table === names.products && nowMs() - catalogCache.at < CATALOG_CACHE_MS)
    return catalogCache;
  const scan = async <T>(table: string) =>
    (await allPages((start) =>
      client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start })),
    )) as T[];
  const [products, scenes] = await Promise.all([scan<Product>(names.products), scan<Scene>(names.scenes)]);
  const categories = new Map(products.map((p) => [p.productId, p.category]));
  catalogCache = {
    table: names.products,
    at: nowMs(),
    index: new ContentIndex(products, scenes),
    products,
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
    now = nowMs(),
  }: { client?: DynamoDBDocumentClient; config?: RelatedConfig; now?: number } = {},
): Promise<{ applied: number; duplicates: number; listsWritten: number }> {
  const relevant = events
    .filter((e) => e.type === 'ProductViewed' || e.type === 'ProductAddedToCart' || e.type === 'OrderPlaced')
    .sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt) || (a.eventId < b.eventId ? -1 : 1));
  const unique = [...new Map(relevant.map((e) => [e.eventId, e])).values()];
  let applied = 0;
  let duplicates = 0;
  const lists = new Map<string, ProductEvidence>();
  /** Products whose evidence an earlier delivery already wrote: their lists may not have been. */
  const stale = new Set<string>();

  const work = [...chunksThatFit(unique)];
  while (work.length > 0) {
    const part = work.shift()!;
    const result = await untilNoConflict(
      () => applyChunk(names, part, client, config),
      'related evidence under this batch',
      { maxRetries: MAX_CONFLICT_RETRIES },
    );
    if (result === 'too-big') {
      // Cut the chunk in two and do the halves first; one event alone always fits (in groups).
      const half = Math.ceil(part.length / 2);
      work.unshift(part.slice(0, half), part.slice(half));
      continue;
    }
    applied += result.applied;
    duplicates += result.duplicates;
    for (const ev of result.evidence) lists.set(ev.productId, ev);
    for (const id of result.stale) stale.add(id);
  }

  // The lists are derived and overwritten whole, so they need no transaction: a redelivery rewrites
  // them, including those of products whose evidence a crashed delivery stored before it got to
  // their lists (a duplicate event, or the groups of a large order stored before the crash).
  const missing = [...stale].filter((id) => !lists.has(id));
  for (const [id, ev] of await readEvidence(names.related, missing, client)) {
    const { version: _v, ...current } = ev;
    lists.set(id, current);
  }
  const evidence = [...lists.values()];
  // What the lists need beyond the evidence: each product's precomputed content neighbours and its
  // partners' totals and categories (compact items the daily related-totals job writes), so the
  // work per event never grows with the catalog: no scan, no partner's whole evidence item.
  const partners = [...new Set(evidence.flatMap((e) => Object.keys(e.pairs)))];
  const inputs = await readListInputs(
    names,
    evidence.map((e) => e.productId),
    partners,
    client,
  );
  const totalsOf = (id: string) => lists.get(id) ?? inputs.totals.get(id);
  await Promise.all(
    evidence.map((ev) =>
      client.send(
        new PutCommand({
          TableName: names.related,
          Item: neighboursItem(ev, totalsOf, inputs, now, config),
        }),
      ),
    ),
  );
  return { applied, duplicates, listsWritten: evidence.length };
}

/** The neighbours item of a product with evidence, from the compact inputs (the live path and the rebuild's per-file writer). */
export function neighboursItem(
  ev: ProductEvidence,
  totalsOf: (productId: string) => PartnerTotals | undefined,
  inputs: Pick<Awaited<ReturnType<typeof readListInputs>>, 'content' | 'categoryOf'>,
  now: number,
  config: RelatedConfig,
) {
  return {
    productId: ev.productId,
    part: NEIGHBOURS_PART,
    neighbours: storedList(
      ev,
      totalsOf,
      inputs.content.get(ev.productId) ?? [],
      inputs.categoryOf,
      now,
      config,
    ),
    updatedAt: new Date(now).toISOString(),
  };
}

/** A product's stored list: its behavioural neighbours (all of them), its content ones to fill in, diversified. */
export function storedList(
  ev: ProductEvidence | undefined,
  totalsOf: (productId: string) => PartnerTotals | undefined,
  content: readonly StoredNeighbour[],
  categoryOf: (productId: string) => string | undefined,
  now: number,
  config: RelatedConfig,
): StoredNeighbour[] {
  const behavioural = ev ? scoreNeighbours(ev, totalsOf, now, { ...config, topK: config.maxPairs }) : [];
  return listToStore(blendForStore(behavioural, content), categoryOf);
}

/**
 * One BatchGetItem (and a small one for what it lacks): the content items of the products whose
 * lists are rewritten, the totals items of their partners, and the category of any product neither
 * names (a product launched since the last daily job), from the catalog. A product the catalog does
 * not have gets no category. The live path and the rebuild's per-file writer read through it.
 */
export async function readListInputs(
  names: Pick<RelatedTables, 'related' | 'products'>,
  productIds: readonly string[],
  partners: readonly string[],
  client: DynamoDBDocumentClient,
): Promise<{
  content: Map<string, StoredNeighbour[]>;
  totals: Map<string, PartnerTotals>;
  categoryOf: (productId: string) => string | undefined;
}> {
  const out = await batchGetAll(
    {
      [names.related]: [
        ...productIds.map((productId) => ({ productId, part: CONTENT_PART })),
        ...partners.map((productId) => ({ productId, part: TOTALS_PART })),
      ],
    },
    { client },
  );
  const content = new Map<string, StoredNeighbour[]>();
  const totals = new Map<string, PartnerTotals>();
  const categories = new Map<string, string>();
  for (const item of out[names.related] ?? []) {
    const id = item.productId as string;
    if (typeof item.category === 'string') categories.set(id, item.category);
    if (item.part === CONTENT_PART) {
      const neighbours = item.neighbours as (StoredNeighbour & { category: string })[];
      content.set(
        id,
        neighbours.map(({ category, ...n }) => {
          categories.set(n.productId, category);
          return n;
        }),
      );
    } else
      totals.set(id, { views: item.views as number, orders: item.orders as number, at: item.at as number });
  }
  const unknown = [...new Set([...productIds, ...partners])].filter((id) => !categories.has(id));
  if (unknown.length > 0) {
    const products = await batchGetAll(
      {
        [names.products]: unknown.map((productId) => ({ productId })),
      },
      { client },
    );
    for (const p of products[names.products] ?? [])
      categories.set(p.productId as string, p.category as string);
  }
  return { content, totals, categoryOf: (id) => categories.get(id) };
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
): Promise<
  | 'conflict'
  | 'too-big'
  | { applied: number; duplicates: number; evidence: ProductEvidence[]; stale: string[] }
> {
  const marker = (e: BehaviourEvent) => markerKey(RELATED_CONSUMER, e.eventId);
  const sessions = [
    ...new Set(
      events
        .filter((e) => e.type === 'ProductViewed' || e.type === 'ProductAddedToCart')
        .map((e) => (e as { sessionId: string }).sessionId),
    ),
  ].sort();
  const first = await batchGetAll(
    {
      [names.processed]: events.map((e) => ({ processKey: marker(e) })),
      ...(sessions.length
        ? { [names.related]: sessions.map((s) => ({ productId: visitLogKey(s), part: VISIT_LOG_PART })) }
        : {}),
    },
    { client },
  );
  const done = new Set((first[names.processed] ?? []).map((i) => i.processKey as string));
  const fresh = events.filter((e) => !done.has(marker(e)));
  const logs = new Map(
    ((first[names.related] ?? []) as unknown as StoredVisit[]).map((v) => [v.productId, v]),
  );
  // What a duplicate's first delivery touched: an order's lines; a view or cart's product and the
  // products of its visit it could pair with (those touched within the session gap of it).
  const gapMs = config.sessionGapMinutes * 60_000;
  const stale = events
    .filter((e) => done.has(marker(e)))
    .flatMap((e) => {
      if (e.type === 'OrderPlaced') return e.lines.map((l) => l.productId);
      const { productId, sessionId } = e as { productId: string; sessionId: string };
      const at = Date.parse(e.occurredAt);
      const log = logs.get(visitLogKey(sessionId))?.entries ?? [];
      return [productId, ...log.filter((v) => Math.abs(v.at - at) <= gapMs).map((v) => v.productId)];
    });
  if (fresh.length === 0) return { applied: 0, duplicates: events.length, evidence: [], stale };

  // Orders pair their own lines. Views and carts pair within their visit, which this consumer keeps
  // as its own log (read and written in the same transaction as the evidence), so the result does
  // not depend on the order in which a visit's events arrive.
  const orders = fresh.filter((e) => e.type === 'OrderPlaced');
  const deltas = new Map<string, MutableEvidence>();
  const add = (d: MutableEvidence) => {
    const t = deltas.get(d.productId);
    if (t) addUnpruned(t, d, config);
    else deltas.set(d.productId, d);
  };
  if (orders.length > 0)
    for (const d of computeMutableDeltas(orders, () => [], config).deltas.values()) add(d);
  const visitLogWrites = new Map<string, { log: VisitEntry[]; version: number | undefined }>();
  for (const session of sessions) {
    const added: VisitEntry[] = fresh
      .filter(
        (e): e is Extract<BehaviourEvent, { type: 'ProductViewed' | 'ProductAddedToCart' }> =>
          (e.type === 'ProductViewed' || e.type === 'ProductAddedToCart') && e.sessionId === session,
      )
      .map((e) => ({
        eventId: e.eventId,
        productId: e.productId,
        at: Date.parse(e.occurredAt),
        kind: e.type === 'ProductViewed' ? 'view' : 'cart',
      }));
    if (added.length === 0) continue;
    const stored = logs.get(visitLogKey(session));
    const { deltas: visit, log } = visitDelta(stored?.entries ?? [], added, config);
    for (const d of visit.values()) add(d);
    visitLogWrites.set(visitLogKey(session), { log, version: stored?.version });
  }
  const plain = new Map([...deltas].map(([id, d]) => [id, toPlain(d)]));

  const evidence: ProductEvidence[] = [];
  const outcome = await writeOnce(
    {
      processed: names.processed,
      consumer: RELATED_CONSUMER,
      eventIds: fresh.map((e) => e.eventId),
      keys: [...[...plain.keys()].sort(), ...[...visitLogWrites.keys()].sort()],
      // The deltas are a pure function of the events and the visit logs read above, so the groups
      // are the same on every attempt.
      writesFor: async (group) => {
        const products = group.filter((k) => plain.has(k));
        const stored = await readEvidence(names.related, products, client);
        const visits = group.flatMap((k) => {
          const v = visitLogWrites.get(k);
          if (!v) return [];
          return [
            {
              Put: {
                TableName: names.related,
                Item: {
                  productId: k,
                  part: VISIT_LOG_PART,
                  entries: v.log,
                  version: (v.version ?? 0) + 1,
                  // Pairing reaches back VISIT_HORIZON_MS; a day more for late deliveries, then it goes.
                  expiresAt: Math.floor(nowMs() / 1000) + VISIT_LOG_TTL_SECONDS,
                },
                ConditionExpression:
                  v.version === undefined ? 'attribute_not_exists(productId)' : 'version = :v',
                ...(v.version === undefined ? {} : { ExpressionAttributeValues: { ':v': v.version } }),
              },
            },
          ];
        });
        return [
          ...products.map((id) => {
            const before = stored.get(id);
            const { version: _v, ...current } = before ?? ({} as StoredEvidence);
            const after = applyDelta(before ? current : undefined, plain.get(id)!, config);
            evidence.push(after);
            return {
              Put: {
                TableName: names.related,
                Item: { ...after, part: EVIDENCE_PART, version: (before?.version ?? 0) + 1 },
                ConditionExpression: before ? 'version = :v' : 'attribute_not_exists(productId)',
                ...(before ? { ExpressionAttributeValues: { ':v': before.version } } : {}),
              },
            };
          }),
          ...visits,
        ];
      },
    },
    client,
  );
  if (outcome !== 'written') return outcome;
  // Groups of a large order that an earlier, crashed delivery stored were skipped: stale too.
  const written = new Set(evidence.map((e) => e.productId));
  return {
    applied: fresh.length,
    duplicates: events.length - fresh.length,
    evidence,
    stale: [...stale, ...[...plain.keys()].filter((id) => !written.has(id))],
  };
}
