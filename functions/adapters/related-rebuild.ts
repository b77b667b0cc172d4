import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mapLimit } from '../../models/batching.ts';
import { STORED_LIST_LENGTH } from '../../models/related/answer.ts';
import {
  defaultRelatedConfig,
  type ProductEvidence,
  type RelatedConfig,
} from '../../models/related/evidence.ts';
import type { Neighbour, PartnerTotals } from '../../models/related/neighbours.ts';
import { buildPopular, popularityOf } from '../../models/related/popular.ts';
import { documentClient } from '../lib/aws.ts';
import { batchWriteAll } from './dynamo/batch-write.ts';
import { conditionally } from './dynamo/conflicts.ts';
import {
  CONTENT_PART,
  EVIDENCE_PART,
  NEIGHBOURS_PART,
  TOTALS_PART,
  writePopularLists,
} from './related-store.ts';
import {
  contentIndex,
  neighboursItem,
  type RelatedCatalog,
  type RelatedTables,
  readListInputs,
  storedList,
} from './related-updater.ts';

type Names = Pick<RelatedTables, 'related' | 'products' | 'scenes'>;

/**
 * Stores one result file of the lake's related-evidence job (functions/lake-results.ts, a child of
 * the job's Distributed Map on AWS): each of its products' evidence, totals and neighbour list. A
 * row carries its partners' totals, and the product's content neighbours and the categories come
 * from the compact items the daily related-totals job wrote (the reads the live path makes), so a
 * file is written without the catalog or any other file. A product the catalog does not have gets
 * its evidence but no list (the catalog's products without evidence: `storeListInputs`).
 */
export async function storeRelatedFile(
  names: Names,
  rows: readonly { evidence: ProductEvidence; partnerTotals: ReadonlyMap<string, PartnerTotals> }[],
  {
    now,
    client = documentClient(),
    config = defaultRelatedConfig,
  }: { now: number; client?: DynamoDBDocumentClient; config?: RelatedConfig },
): Promise<{ products: number; lists: number }> {
  const own = new Map(rows.map((r) => [r.evidence.productId, r.evidence]));
  const partnerTotals = new Map<string, PartnerTotals>();
  for (const r of rows) for (const [id, t] of r.partnerTotals) partnerTotals.set(id, t);
  const inputs = await readListInputs(names, [...own.keys()], [...partnerTotals.keys()], client);
  // The row's totals, not the totals item: both are the window's, the row's are this run's.
  const totalsOf = (id: string) => own.get(id) ?? partnerTotals.get(id) ?? inputs.totals.get(id);
  const inCatalog = [...own.values()].filter((ev) => inputs.categoryOf(ev.productId) !== undefined);
  const lists = inCatalog.map((ev) => neighboursItem(ev, totalsOf, inputs, now, config));
  const options = { client, concurrency: 4 };
  await batchWriteAll(
    names.related,
    [...own.values()].map((ev) => ({ ...ev, part: EVIDENCE_PART, version: now })),
    options,
  );
  await batchWriteAll(names.related, lists, options);
  await batchWriteAll(
    names.related,
    [...own.values()].map((ev) => totalsItem(ev, now, inputs.categoryOf(ev.productId))),
    options,
  );
  return { products: own.size, lists: lists.length };
}

const totalsItem = (
  t: { productId: string; views: number; orders: number },
  now: number,
  category: string | undefined,
) => ({
  productId: t.productId,
  part: TOTALS_PART,
  views: t.views,
  orders: t.orders,
  at: now,
  ...(category ? { category } : {}),
});

/**
 * The compact items the live path and the rebuild's per-file writer build lists from
 * (functions/adapters/related-updater.ts), so that their work per product does not grow with the
 * catalog: every catalog product's content neighbours (each with its category) and every product's
 * decayed totals with its category, and the shop's popular lists (the answer's last fallback, from
 * the same totals). Written by the daily related-totals job, which holds the catalog anyway.
 *
 * It also gives every catalog product without totals in the window (nobody viewed, carted or bought
 * it in those days: it has no evidence row either) a list of content neighbours alone, so that a
 * new or cold product is never empty, as a rebuild of the whole catalog did. A list written at or
 * after `windowEnd` is kept: the live path wrote it from events the window does not hold yet.
 */
export async function storeListInputs(
  names: Names,
  totals: Iterable<{ productId: string; views: number; orders: number }>,
  {
    now,
    windowEnd,
    catalog,
    client = documentClient(),
    config = defaultRelatedConfig,
    signal,
  }: {
    now: number;
    windowEnd: number;
    catalog?: RelatedCatalog;
    client?: DynamoDBDocumentClient;
    config?: RelatedConfig;
    signal?: AbortSignal;
  },
): Promise<{ content: number; totals: number; contentOnlyLists: number }> {
  const index = catalog ?? (await contentIndex(names, client));
  const computedAt = new Date(now).toISOString();
  const options = { client, concurrency: 4, ...(signal ? { signal } : {}) };
  const totalItems = [...totals].map((t) => totalsItem(t, now, index.categoryOf(t.productId)));
  const active = new Set(totalItems.map((t) => t.productId));
  // The content neighbours a chunk of products at a time, written before the next chunk is computed:
  // all of them at once (60 per product) took 3 GB at 100k products (npm run bench:list-inputs).
  let content = 0;
  let contentOnlyLists = 0;
  for (let from = 0; from < index.productIds.length; from += CONTENT_CHUNK) {
    const chunk = index.productIds.slice(from, from + CONTENT_CHUNK).map((productId) => ({
      productId,
      neighbours: index.index.neighbours(productId, STORED_LIST_LENGTH),
    }));
    await batchWriteAll(
      names.related,
      chunk.map(({ productId, neighbours }) => ({
        productId,
        part: CONTENT_PART,
        category: index.categoryOf(productId),
        neighbours: neighbours.map((n) => ({ ...n, category: index.categoryOf(n.productId) })),
        computedAt,
      })),
      options,
    );
    content += chunk.length;
    contentOnlyLists += await writeContentOnlyLists(
      names.related,
      chunk.filter(({ productId }) => !active.has(productId)),
      { now, windowEnd, computedAt, categoryOf: index.categoryOf, config, client, signal },
    );
  }
  await batchWriteAll(names.related, totalItems, options);
  const totalsById = new Map(totalItems.map((t) => [t.productId, t]));
  await writePopularLists(
    names.related,
    buildPopular(
      index.products,
      (id) => popularityOf(totalsById.get(id), now, config.halfLifeDays),
      computedAt,
      { popularityBlend: config.popularityBlend },
    ),
    client,
  );

  return { content, totals: totalItems.length, contentOnlyLists };
}

/** Products whose content neighbours are computed and written together. */
const CONTENT_CHUNK = 1_000;

/**
 * A list of content neighbours alone for each cold product (no totals in the window), unless the
 * live path wrote one since the window ended. Returns how many were written.
 */
async function writeContentOnlyLists(
  table: string,
  cold: readonly { productId: string; neighbours: Neighbour[] }[],
  {
    now,
    windowEnd,
    computedAt,
    categoryOf,
    config,
    client,
    signal,
  }: {
    now: number;
    windowEnd: number;
    computedAt: string;
    categoryOf: (productId: string) => string | undefined;
    config: RelatedConfig;
    client: DynamoDBDocumentClient;
    signal?: AbortSignal | undefined;
  },
): Promise<number> {
  const written = await mapLimit(cold, 8, async ({ productId, neighbours }) => {
    signal?.throwIfAborted();
    return conditionally(
      client.send(
        new PutCommand({
          TableName: table,
          Item: {
            productId,
            part: NEIGHBOURS_PART,
            neighbours: storedList(undefined, () => undefined, neighbours, categoryOf, now, config),
            updatedAt: computedAt,
          },
          ConditionExpression: 'attribute_not_exists(productId) OR updatedAt < :windowEnd',
          ExpressionAttributeValues: { ':windowEnd': new Date(windowEnd).toISOString() },
        }),
      ),
    );
  });
  return written.filter(Boolean).length;
}
